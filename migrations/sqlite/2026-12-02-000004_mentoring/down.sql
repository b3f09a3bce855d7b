DROP TABLE mentoring_check_ins;
DROP TABLE mentoring_relationships;
DROP TABLE mentoring_cohorts;
DROP TABLE mentoring_requests;
