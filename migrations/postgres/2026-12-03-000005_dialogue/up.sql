-- Early market dialogue before a procurement: one row per procurement whose dialogue was
-- opened, with the notice's text in the languages the buyer wrote it in (JSON {sv, nb, en}).
CREATE TABLE dialogues (
    procurement_id TEXT PRIMARY KEY NOT NULL,
    notice TEXT NOT NULL,
    opened_by TEXT,
    opened_at TIMESTAMP NOT NULL,
    tendered_at TIMESTAMP
);

-- Who was invited, why (the ranking found an offer, or the officer added them), and when;
-- a supplier the officer took off the list keeps its row, with the reason.
CREATE TABLE dialogue_invitations (
    id TEXT PRIMARY KEY NOT NULL,
    procurement_id TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    offer_id TEXT,
    source TEXT NOT NULL,
    score DOUBLE PRECISION,
    removed_reason TEXT,
    decided_by TEXT,
    invited_at TIMESTAMP,
    outbox_id TEXT,
    UNIQUE (procurement_id, organisation_id)
);

-- A supplier's registration of interest: its business contact is shared with the buyer.
CREATE TABLE dialogue_registrations (
    id TEXT PRIMARY KEY NOT NULL,
    procurement_id TEXT NOT NULL,
    organisation_id TEXT NOT NULL,
    user_id TEXT REFERENCES users(id) ON DELETE SET NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT,
    locale TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (procurement_id, organisation_id)
);

-- A supplier's question: the buyer sees who asked, other suppliers never do.
CREATE TABLE dialogue_questions (
    id TEXT PRIMARY KEY NOT NULL,
    procurement_id TEXT NOT NULL,
    registration_id TEXT NOT NULL REFERENCES dialogue_registrations(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX dialogue_questions_procurement ON dialogue_questions (procurement_id, created_at);

-- What the buyer published to every registered supplier: an answer (a changed answer is a
-- new version) or a meeting's public summary.
CREATE TABLE dialogue_publications (
    id TEXT PRIMARY KEY NOT NULL,
    procurement_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    question_id TEXT,
    slot_id TEXT,
    version INTEGER NOT NULL,
    text TEXT NOT NULL,
    published_by TEXT,
    published_at TIMESTAMP NOT NULL,
    UNIQUE (procurement_id, kind, question_id, slot_id, version)
);

-- Each publication's email to each registered supplier: the equal-treatment check reads the
-- outbox's status through it.
CREATE TABLE dialogue_deliveries (
    publication_id TEXT NOT NULL REFERENCES dialogue_publications(id) ON DELETE CASCADE,
    registration_id TEXT NOT NULL REFERENCES dialogue_registrations(id) ON DELETE CASCADE,
    outbox_id TEXT NOT NULL,
    PRIMARY KEY (publication_id, registration_id)
);

-- The dialogue conference and the 1:1 slots, in the buyer's local time.
CREATE TABLE dialogue_slots (
    id TEXT PRIMARY KEY NOT NULL,
    procurement_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    minutes INTEGER NOT NULL,
    place TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    confidential TEXT,
    held_at TIMESTAMP
);
CREATE INDEX dialogue_slots_procurement ON dialogue_slots (procurement_id, starts_at);

-- A 1:1 booking: one supplier per slot, one slot per supplier (both unique keys).
CREATE TABLE dialogue_bookings (
    slot_id TEXT PRIMARY KEY NOT NULL REFERENCES dialogue_slots(id) ON DELETE CASCADE,
    registration_id TEXT NOT NULL UNIQUE REFERENCES dialogue_registrations(id) ON DELETE CASCADE,
    booked_at TIMESTAMP NOT NULL,
    reminded_at TIMESTAMP
);
