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
