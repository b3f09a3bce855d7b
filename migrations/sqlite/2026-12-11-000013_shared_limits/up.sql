-- Rate limits shared by every node on one database: one fixed window per key (a hash of the
-- action and the client's address or account), swept by the jobs once a day old.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY NOT NULL,
    window_start BIGINT NOT NULL,
    hits INTEGER NOT NULL
);
