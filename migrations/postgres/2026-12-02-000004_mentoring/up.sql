-- A newcomer asks the business officers for an introduction to a mentor; it stays on their
-- dashboard until a mentoring introduction for the profile is proposed.
CREATE TABLE mentoring_requests (
    id TEXT PRIMARY KEY NOT NULL,
    candidate_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    note TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    handled_at TIMESTAMP
);
CREATE INDEX mentoring_requests_open ON mentoring_requests (handled_at, created_at);
CREATE INDEX mentoring_requests_candidate ON mentoring_requests (candidate_id);

-- An officer's cohort plan: the optimal assignment of an intake, kept so that it can be
-- reviewed and proposed at once.
CREATE TABLE mentoring_cohorts (
    id TEXT PRIMARY KEY NOT NULL,
    officer_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    plan TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    proposed_at TIMESTAMP
);

-- What came of a mentoring introduction once both said yes: when the pair started, and how
-- it ended. A row is written the first time either is recorded.
CREATE TABLE mentoring_relationships (
    introduction_id TEXT PRIMARY KEY NOT NULL REFERENCES introductions(id) ON DELETE CASCADE,
    started_on TEXT,
    outcome TEXT,
    org_number TEXT,
    ended_on TEXT,
    updated_at TIMESTAMP NOT NULL
);

-- The check-ins at 1, 3 and 6 months: one row each, made once (the unique key), answered by
-- each side through a signed link.
CREATE TABLE mentoring_check_ins (
    id TEXT PRIMARY KEY NOT NULL,
    introduction_id TEXT NOT NULL REFERENCES introductions(id) ON DELETE CASCADE,
    months INTEGER NOT NULL,
    due_on TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    emailed BOOLEAN NOT NULL,
    a_answer TEXT,
    a_answered_at TIMESTAMP,
    b_answer TEXT,
    b_answered_at TIMESTAMP,
    UNIQUE (introduction_id, months)
);
