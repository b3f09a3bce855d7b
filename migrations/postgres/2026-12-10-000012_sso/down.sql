ALTER TABLE sessions DROP COLUMN sso_mfa;
DROP TABLE oidc_flows;
