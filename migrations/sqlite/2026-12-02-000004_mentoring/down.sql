DROP TABLE mentoring_cohorts;
DROP TABLE mentoring_requests;
