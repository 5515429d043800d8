-- Version 7 to 8: the medicine box and MAS visits (issue 13).
-- * `medicine_box` keeps each citizen's pre-prescribed drugs (MedicationRequest).
-- * `visits` keeps the MAS nurse's visit records.
-- * The outbox takes the kind `visit`: rebuilt for its kind check (renamed, created anew,
--   copied with its sequence numbers, dropped), as in 4 to 5.

-- The medicine box (since version 8): each citizen's pre-prescribed drugs, read from the
-- backend's MedicationRequests; a nurse starts one on the phone or gives it on a visit. A
-- prescription stopped or withdrawn on the backend stays here, out of the box (`in_box` 0).
CREATE TABLE medicine_box (
    source_id      TEXT PRIMARY KEY,
    citizen_id     TEXT NOT NULL REFERENCES citizens (id),
    drug           TEXT NOT NULL,
    atc            TEXT,
    dose           TEXT NOT NULL,
    when_to_start  TEXT NOT NULL,
    prescribed_at  INTEGER,
    in_box         INTEGER NOT NULL CHECK (in_box IN (0, 1)),
    source_version TEXT NOT NULL,
    received_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX medicine_box_by_citizen ON medicine_box (citizen_id) WHERE in_box = 1;

-- MAS visits (since version 8), recorded once in the home (often offline) and never edited,
-- keyed by the visit's travelling key with its whole record as JSON
-- (vagt_core::visit::VisitRecord); the columns are what lists and the handover read.
CREATE TABLE visits (
    key          TEXT PRIMARY KEY,
    citizen_id   TEXT NOT NULL REFERENCES citizens (id),
    dispatch_key TEXT,
    nurse        TEXT NOT NULL,
    arrived_at   INTEGER NOT NULL,
    left_at      INTEGER NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN (
                     'stays_home', 'municipal_acute_bed', 'hospital_admission')),
    -- The visit's exact NEWS2 total.
    news2        INTEGER NOT NULL,
    record       TEXT NOT NULL CHECK (json_valid(record)),
    -- Where the backend keeps it (`Encounter/<id>`), once pushed or pulled.
    source_id    TEXT,
    received_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX visits_by_citizen ON visits (citizen_id, arrived_at);
CREATE INDEX visits_by_time ON visits (arrived_at);

ALTER TABLE outbox RENAME TO outbox_v7;

CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id       TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN (
                        'call', 'dispatch', 'visit', 'alarm_ack', 'confirmed_level',
                        'plan_revision', 'shared_setting')),
    entity_id       TEXT NOT NULL,
    payload         TEXT NOT NULL CHECK (json_valid(payload)),
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_attempt_at INTEGER,
    last_error      TEXT,
    sent_at         INTEGER,
    server_ref      TEXT
) STRICT;

INSERT INTO outbox (seq, client_id, kind, entity_id, payload, created_at, attempts,
                    last_attempt_at, last_error, sent_at, server_ref)
SELECT seq, client_id, kind, entity_id, payload, created_at, attempts, last_attempt_at,
       last_error, sent_at, server_ref
FROM outbox_v7;

DROP TABLE outbox_v7;

CREATE INDEX outbox_pending ON outbox (seq) WHERE sent_at IS NULL;
