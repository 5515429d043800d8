-- Version 5 to 6: the call log (issue 13).
-- * `calls` is made anew: the placeholder of version 1 was never written to. A call keeps its
--   whole record beside the columns it is found by, under the key it travels with.
-- * Forms being filled in are kept as drafts, so a crash or a restart loses nothing.

DROP TABLE calls;

CREATE TABLE calls (
    key          TEXT PRIMARY KEY,
    -- NULL for an unknown caller (logged by name, linked later).
    citizen_id   TEXT REFERENCES citizens (id),
    direction    TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    nurse        TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    ended_at     INTEGER NOT NULL,
    -- The whole call as it travels (vagt_core::call::CallRecord): calls are append-only.
    record       TEXT NOT NULL CHECK (json_valid(record)),
    -- Where the backend keeps it, once pushed or pulled.
    source_id    TEXT,
    received_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX calls_by_citizen ON calls (citizen_id, started_at);
CREATE INDEX calls_by_time ON calls (started_at);

-- A form being filled in (a call on the phone, a visit in a home), kept as it is typed so a
-- crash or a restart loses nothing; removed when the record is saved or the nurse discards it.
CREATE TABLE form_drafts (
    id          TEXT PRIMARY KEY,
    nurse       TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('call', 'visit', 'dispatch')),
    citizen_id  TEXT REFERENCES citizens (id),
    form        TEXT NOT NULL CHECK (json_valid(form)),
    updated_at  INTEGER NOT NULL
) STRICT;

