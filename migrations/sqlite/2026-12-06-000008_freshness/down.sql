DROP TABLE freshness;
