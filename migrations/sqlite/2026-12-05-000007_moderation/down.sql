DROP TABLE abuse_reports;
DROP TABLE holds;
