CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    phone TEXT,
    locale TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('company', 'candidate', 'mentor', 'supplier', 'officer', 'admin')),
    password_hash TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE officer_scopes (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    municipality TEXT NOT NULL,
    PRIMARY KEY (user_id, municipality)
);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE organisations (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    organisation_id TEXT,
    municipality TEXT NOT NULL,
    county TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX organisations_municipality ON organisations (municipality);
CREATE INDEX organisations_county ON organisations (county);
CREATE INDEX organisations_owner ON organisations (owner_id);
CREATE INDEX organisations_organisation ON organisations (organisation_id);

CREATE TABLE memberships (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    organisation_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, organisation_id)
);
CREATE INDEX memberships_organisation ON memberships (organisation_id);

CREATE TABLE needs (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    organisation_id TEXT REFERENCES organisations(id),
    municipality TEXT NOT NULL,
    county TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX needs_municipality ON needs (municipality);
CREATE INDEX needs_county ON needs (county);
CREATE INDEX needs_owner ON needs (owner_id);
CREATE INDEX needs_organisation ON needs (organisation_id);

CREATE TABLE candidates (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    organisation_id TEXT REFERENCES organisations(id),
    municipality TEXT NOT NULL,
    county TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX candidates_municipality ON candidates (municipality);
CREATE INDEX candidates_county ON candidates (county);
CREATE INDEX candidates_owner ON candidates (owner_id);
CREATE INDEX candidates_organisation ON candidates (organisation_id);

CREATE TABLE mentors (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    organisation_id TEXT REFERENCES organisations(id),
    municipality TEXT NOT NULL,
    county TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX mentors_municipality ON mentors (municipality);
CREATE INDEX mentors_county ON mentors (county);
CREATE INDEX mentors_owner ON mentors (owner_id);
CREATE INDEX mentors_organisation ON mentors (organisation_id);

CREATE TABLE procurements (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    organisation_id TEXT REFERENCES organisations(id),
    municipality TEXT NOT NULL,
    county TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX procurements_municipality ON procurements (municipality);
CREATE INDEX procurements_county ON procurements (county);
CREATE INDEX procurements_owner ON procurements (owner_id);
CREATE INDEX procurements_organisation ON procurements (organisation_id);

CREATE TABLE offers (
    id TEXT PRIMARY KEY NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id),
    organisation_id TEXT REFERENCES organisations(id),
    municipality TEXT NOT NULL,
    county TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX offers_municipality ON offers (municipality);
CREATE INDEX offers_county ON offers (county);
CREATE INDEX offers_owner ON offers (owner_id);
CREATE INDEX offers_organisation ON offers (organisation_id);

CREATE TABLE consents (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('matching_ktp', 'matching_mentoring', 'matching_procurement', 'contact')),
    text_version TEXT NOT NULL,
    given_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP,
    recorded_by TEXT REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX consents_user ON consents (user_id);

-- The change feed of the search index: one row per change to a searchable record, written in
-- the same transaction as the change. The indexer applies them in `seq` order.
CREATE TABLE index_events (
    seq BIGSERIAL PRIMARY KEY,
    entity_kind TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    created_at TIMESTAMP NOT NULL
);

-- Emails to send, written in the same transaction as the state change that calls for them.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    recipient_user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    to_address TEXT NOT NULL,
    template TEXT NOT NULL,
    locale TEXT NOT NULL,
    params TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Append-only: the database itself refuses UPDATE and DELETE (triggers below).
CREATE TABLE audit_log (
    seq BIGSERIAL PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor_id TEXT,
    action TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id TEXT,
    detail TEXT NOT NULL
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
