-- Single sign-on (OpenID Connect, authorisation code with PKCE): a sign-in under way, between
-- the redirect to the municipality's identity provider and its return. Used once; minutes old
-- at most.
CREATE TABLE oidc_flows (
    state TEXT PRIMARY KEY NOT NULL,
    provider TEXT NOT NULL,
    nonce TEXT NOT NULL,
    verifier TEXT NOT NULL,
    next TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
-- A session signed in through a provider that asked a second factor (its ID token's `amr`):
-- that counts as ours.
ALTER TABLE sessions ADD COLUMN sso_mfa BOOLEAN NOT NULL DEFAULT FALSE;
