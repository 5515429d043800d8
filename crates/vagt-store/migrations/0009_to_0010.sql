-- Version 9 to 10: the handover's notes and sign-offs (issue 14).
-- * `handover_notes`: a nurse's severity of a citizen for a shift, her contingency note.
-- * `handover_signoffs`: the receivers' signatures on shift handovers.
-- * The outbox takes the kinds `handover_note` and `handover_signoff`: rebuilt for its kind
--   check (renamed, created anew, copied with its sequence numbers, dropped), as in 8 to 9.

CREATE TABLE handover_notes (
    key          TEXT PRIMARY KEY,
    citizen_id   TEXT NOT NULL REFERENCES citizens (id),
    shift_from   INTEGER NOT NULL,
    shift_to     INTEGER NOT NULL,
    written_by   TEXT NOT NULL,
    written_at   INTEGER NOT NULL,
    record       TEXT NOT NULL CHECK (json_valid(record)),
    received_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX handover_notes_by_time ON handover_notes (written_at);

CREATE TABLE handover_signoffs (
    key          TEXT PRIMARY KEY,
    shift_from   INTEGER NOT NULL,
    shift_to     INTEGER NOT NULL,
    signed_by    TEXT NOT NULL,
    signed_at    INTEGER NOT NULL,
    record       TEXT NOT NULL CHECK (json_valid(record)),
    received_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX handover_signoffs_by_end ON handover_signoffs (shift_to);

ALTER TABLE outbox RENAME TO outbox_v9;

CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id       TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN (
                        'call', 'dispatch', 'visit', 'alarm_ack', 'confirmed_level',
                        'plan_revision', 'shared_setting', 'person', 'call_link',
                        'handover_note', 'handover_signoff')),
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
FROM outbox_v9;

DROP TABLE outbox_v9;

CREATE INDEX outbox_pending ON outbox (seq) WHERE sent_at IS NULL;
