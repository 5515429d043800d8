-- Version 8 to 9: persons the MAS function serves without enrolment, and links of unknown
-- callers' calls to citizens (issue 13).
-- * `citizens.mas_only` marks a person who is not enrolled in the clinic.
-- * `call_links` keeps the links, from every station.
-- * The outbox takes the kinds `person` and `call_link`: rebuilt for its kind check (renamed,
--   created anew, copied with its sequence numbers, dropped), as in 7 to 8.

ALTER TABLE citizens ADD COLUMN
    mas_only INTEGER NOT NULL DEFAULT 0 CHECK (mas_only IN (0, 1));

CREATE TABLE call_links (
    key          TEXT PRIMARY KEY,
    call_key     TEXT NOT NULL,
    citizen_id   TEXT NOT NULL REFERENCES citizens (id),
    linked_by    TEXT NOT NULL,
    linked_at    INTEGER NOT NULL,
    received_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX call_links_by_call ON call_links (call_key, linked_at, key);

ALTER TABLE outbox RENAME TO outbox_v8;

CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id       TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN (
                        'call', 'dispatch', 'visit', 'alarm_ack', 'confirmed_level',
                        'plan_revision', 'shared_setting', 'person', 'call_link')),
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
FROM outbox_v8;

DROP TABLE outbox_v8;

CREATE INDEX outbox_pending ON outbox (seq) WHERE sent_at IS NULL;

-- A call linked to a citizen may promise them a call-back; a person enrolled (or marked as
-- served by MAS only) is monitored differently. (Since version 9.)
CREATE TRIGGER calls_linked_make_due AFTER UPDATE OF citizen_id ON calls
    WHEN NEW.citizen_id IS NOT NULL
BEGIN
    INSERT INTO citizen_evaluations (citizen_id, next_due_at) VALUES (NEW.citizen_id, 0)
        ON CONFLICT (citizen_id) DO UPDATE SET next_due_at = 0;
END;

CREATE TRIGGER citizens_mas_only_make_due AFTER UPDATE OF mas_only ON citizens
BEGIN
    INSERT INTO citizen_evaluations (citizen_id, next_due_at) VALUES (NEW.id, 0)
        ON CONFLICT (citizen_id) DO UPDATE SET next_due_at = 0;
END;
