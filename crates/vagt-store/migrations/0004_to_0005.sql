-- Version 4 to 5: alarms a nurse can trust (issue 11).
-- * Alarms can be resolved (their condition ended before anyone acknowledged them); the rows
--   the rules used to close as acknowledged by `system` become resolved.
-- * Enrolments (EpisodeOfCare) and each citizen's evaluation schedule.
-- * Plan revisions get a key and their bases, so they travel between stations; the clinic's
--   escalation policy becomes a shared setting. What was made here before is queued for the
--   backend.
-- * The outbox takes the two new kinds.
-- Tables whose checks or keys change are rebuilt: renamed, created anew, copied, dropped. The
-- children of a renamed table follow it, so `alarm_snoozes` is rebuilt with `alarms` and
-- dropped first: dropping `alarms` while a child still pointed at it would cascade.

CREATE TABLE enrolments (
    source_id      TEXT PRIMARY KEY,
    source_version TEXT NOT NULL,
    citizen_id     TEXT NOT NULL REFERENCES citizens (id),
    status         TEXT NOT NULL CHECK (status IN (
                       'planned', 'waitlist', 'active', 'onhold', 'finished', 'cancelled',
                       'entered_in_error')),
    start_at       INTEGER,
    end_at         INTEGER,
    received_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX enrolments_by_citizen ON enrolments (citizen_id);

CREATE TABLE citizen_evaluations (
    citizen_id      TEXT PRIMARY KEY REFERENCES citizens (id),
    evaluated_at    INTEGER,
    next_due_at     INTEGER,
    -- The suggested level at the last evaluation and since when: what the worklist shows.
    suggested_level INTEGER CHECK (suggested_level IS NULL OR suggested_level BETWEEN 1 AND 6),
    suggested_since INTEGER
) STRICT, WITHOUT ROWID;

CREATE INDEX citizen_evaluations_due ON citizen_evaluations (next_due_at)
    WHERE next_due_at IS NOT NULL;

-- Every citizen is due for its first evaluation under the new rules.
INSERT INTO citizen_evaluations (citizen_id, evaluated_at, next_due_at)
SELECT id, NULL, 0 FROM citizens;

-- Alarms and their snoozes.
ALTER TABLE alarm_snoozes RENAME TO alarm_snoozes_v4;
ALTER TABLE alarms RENAME TO alarms_v4;

CREATE TABLE alarms (
    id              TEXT PRIMARY KEY,
    citizen_id      TEXT NOT NULL REFERENCES citizens (id),
    kind            TEXT NOT NULL CHECK (kind IN (
                        'level_rise', 'level_fall', 'suggestion_differs',
                        'missed_measurement', 'rejected_reading', 'plan_conflict')),
    priority        TEXT NOT NULL CHECK (priority IN ('info', 'low', 'medium', 'high')),
    raised_at       INTEGER NOT NULL,
    cause           TEXT NOT NULL CHECK (json_valid(cause)),
    state           TEXT NOT NULL DEFAULT 'open'
                        CHECK (state IN ('open', 'acknowledged', 'resolved')),
    acknowledged_by TEXT REFERENCES users (id),
    acknowledged_at INTEGER,
    ack_comment     TEXT,
    resolved_at     INTEGER,
    resolved_reason TEXT CHECK (resolved_reason IS NULL OR resolved_reason IN (
                        'measured', 'superseded', 'expired', 'withdrawn', 'decided',
                        'cleared')),
    CHECK ((state = 'acknowledged') = (acknowledged_at IS NOT NULL)),
    CHECK ((state = 'resolved') = (resolved_at IS NOT NULL AND resolved_reason IS NOT NULL))
) STRICT;

CREATE TABLE alarm_snoozes (
    alarm_id TEXT NOT NULL REFERENCES alarms (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id),
    until    INTEGER NOT NULL,
    PRIMARY KEY (alarm_id, user_id)
) STRICT, WITHOUT ROWID;

INSERT INTO alarms (id, citizen_id, kind, priority, raised_at, cause, state, acknowledged_by,
                    acknowledged_at, ack_comment, resolved_at, resolved_reason)
SELECT id, citizen_id, kind, priority, raised_at, cause,
       CASE WHEN acknowledged_by = 'system' AND ack_comment = 'condition_cleared'
            THEN 'resolved' ELSE state END,
       CASE WHEN acknowledged_by = 'system' AND ack_comment = 'condition_cleared'
            THEN NULL ELSE acknowledged_by END,
       CASE WHEN acknowledged_by = 'system' AND ack_comment = 'condition_cleared'
            THEN NULL ELSE acknowledged_at END,
       CASE WHEN acknowledged_by = 'system' AND ack_comment = 'condition_cleared'
            THEN NULL ELSE ack_comment END,
       CASE WHEN acknowledged_by = 'system' AND ack_comment = 'condition_cleared'
            THEN acknowledged_at END,
       CASE WHEN acknowledged_by = 'system' AND ack_comment = 'condition_cleared'
            THEN 'cleared' END
FROM alarms_v4;

INSERT INTO alarm_snoozes (alarm_id, user_id, until)
SELECT alarm_id, user_id, until FROM alarm_snoozes_v4;

DROP TABLE alarm_snoozes_v4;
DROP TABLE alarms_v4;

CREATE INDEX alarms_open ON alarms (priority, raised_at) WHERE state = 'open';

CREATE INDEX alarms_open_by_citizen ON alarms (citizen_id) WHERE state = 'open';

-- Plan revisions: keyed (a UUID each) and based on the revision before them.
ALTER TABLE triage_plan_revisions RENAME TO triage_plan_revisions_v4;

CREATE TABLE triage_plan_revisions (
    key        TEXT PRIMARY KEY,
    citizen_id TEXT NOT NULL REFERENCES citizens (id),
    revision   INTEGER NOT NULL CHECK (revision >= 1),
    document   TEXT NOT NULL,
    changed_at INTEGER NOT NULL,
    changed_by TEXT NOT NULL REFERENCES users (id),
    reason     TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    source_id  TEXT
) STRICT;

CREATE INDEX triage_plan_revisions_by_citizen
    ON triage_plan_revisions (citizen_id, changed_at);

CREATE TABLE triage_plan_bases (
    revision_key TEXT NOT NULL REFERENCES triage_plan_revisions (key),
    base_key     TEXT NOT NULL,
    PRIMARY KEY (revision_key, base_key)
) STRICT, WITHOUT ROWID;

CREATE INDEX triage_plan_bases_by_base ON triage_plan_bases (base_key);

CREATE TEMP TABLE plan_keys_v4 AS
SELECT citizen_id, revision,
       'urn:uuid:' || substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3)
           || '-8' || substr(h, 18, 3) || '-' || substr(h, 21, 12) AS key
FROM (SELECT citizen_id, revision, lower(hex(randomblob(16))) AS h
      FROM triage_plan_revisions_v4);

INSERT INTO triage_plan_revisions (key, citizen_id, revision, document, changed_at, changed_by,
                                   reason, source_id)
SELECT k.key, r.citizen_id, r.revision, r.document, r.changed_at, r.changed_by, r.reason, NULL
FROM triage_plan_revisions_v4 r
JOIN plan_keys_v4 k ON k.citizen_id = r.citizen_id AND k.revision = r.revision;

INSERT INTO triage_plan_bases (revision_key, base_key)
SELECT k.key, b.key
FROM plan_keys_v4 k
JOIN plan_keys_v4 b ON b.citizen_id = k.citizen_id AND b.revision = k.revision - 1;

DROP TABLE triage_plan_revisions_v4;
DROP TABLE plan_keys_v4;

-- Shared settings: the station's escalation policy, if one was set, becomes the clinic's.
CREATE TABLE shared_settings (
    key        TEXT PRIMARY KEY,
    name       TEXT NOT NULL CHECK (name IN ('escalation_policy')),
    value      TEXT NOT NULL CHECK (json_valid(value)),
    changed_at INTEGER NOT NULL,
    changed_by TEXT NOT NULL REFERENCES users (id),
    source_id  TEXT
) STRICT;

CREATE INDEX shared_settings_by_name ON shared_settings (name, changed_at);

INSERT OR IGNORE INTO users (id, display_name, role, created_at)
VALUES ('system', 'Vagt', 'system', 0);

INSERT INTO shared_settings (key, name, value, changed_at, changed_by, source_id)
SELECT 'urn:uuid:' || substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3)
           || '-8' || substr(h, 18, 3) || '-' || substr(h, 21, 12),
       'escalation_policy', value, CAST(strftime('%s', 'now') AS INTEGER) * 1000, 'system',
       NULL
FROM (SELECT value, lower(hex(randomblob(16))) AS h FROM store_info
      WHERE key = 'escalation_policy' AND json_valid(value));

DELETE FROM store_info WHERE key = 'escalation_policy';

-- The outbox, with the new kinds; then what was made here before, queued for the backend in
-- the form `vagt_core::outbound::Outbound` reads.
ALTER TABLE outbox RENAME TO outbox_v4;

CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id       TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN (
                        'call', 'dispatch', 'alarm_ack', 'confirmed_level',
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
FROM outbox_v4;

DROP TABLE outbox_v4;

CREATE INDEX outbox_pending ON outbox (seq) WHERE sent_at IS NULL;

INSERT INTO outbox (client_id, kind, entity_id, payload, created_at)
SELECT r.key, 'plan_revision', r.key,
       json_object(
           'kind', 'plan_revision',
           'citizen_id', r.citizen_id,
           'key', r.key,
           'bases', json((SELECT json_group_array(b.base_key) FROM triage_plan_bases b
                          WHERE b.revision_key = r.key)),
           'revision', r.revision,
           'document', r.document,
           'changed_at', strftime('%Y-%m-%dT%H:%M:%fZ', r.changed_at / 1000.0, 'unixepoch'),
           'changed_by', r.changed_by,
           'reason', r.reason),
       r.changed_at
FROM triage_plan_revisions r
ORDER BY r.citizen_id, r.revision;

INSERT INTO outbox (client_id, kind, entity_id, payload, created_at)
SELECT s.key, 'shared_setting', s.key,
       json_object(
           'kind', 'shared_setting',
           'key', s.key,
           'name', s.name,
           'value', s.value,
           'changed_at', strftime('%Y-%m-%dT%H:%M:%fZ', s.changed_at / 1000.0, 'unixepoch'),
           'changed_by', s.changed_by),
       s.changed_at
FROM shared_settings s;

-- Whatever changes a citizen's inputs makes the citizen due for evaluation at once, in the same
-- transaction, whichever path wrote it (a sync, a nurse, an import). (Added in version 5.)
CREATE TRIGGER citizens_make_due AFTER INSERT ON citizens
BEGIN
    INSERT INTO citizen_evaluations (citizen_id, next_due_at) VALUES (NEW.id, 0)
        ON CONFLICT (citizen_id) DO UPDATE SET next_due_at = 0;
END;

CREATE TRIGGER citizen_diagnoses_added_make_due AFTER INSERT ON citizen_diagnoses
BEGIN
    INSERT INTO citizen_evaluations (citizen_id, next_due_at) VALUES (NEW.citizen_id, 0)
        ON CONFLICT (citizen_id) DO UPDATE SET next_due_at = 0;
END;

CREATE TRIGGER citizen_diagnoses_removed_make_due AFTER DELETE ON citizen_diagnoses
BEGIN
    INSERT INTO citizen_evaluations (citizen_id, next_due_at) VALUES (OLD.citizen_id, 0)
        ON CONFLICT (citizen_id) DO UPDATE SET next_due_at = 0;
END;

CREATE TRIGGER readings_added_make_due AFTER INSERT ON readings
BEGIN
    INSERT INTO citizen_evaluations (citizen_id, next_due_at) VALUES (NEW.citizen_id, 0)
        ON CONFLICT (citizen_id) DO UPDATE SET next_due_at = 0;
END;

CREATE TRIGGER readings_changed_make_due AFTER UPDATE OF is_current, status ON readings
BEGIN
    INSERT INTO citizen_evaluations (citizen_id, next_due_at) VALUES (NEW.citizen_id, 0)
        ON CONFLICT (citizen_id) DO UPDATE SET next_due_at = 0;
END;

CREATE TRIGGER care_events_added_make_due AFTER INSERT ON care_events
BEGIN
    INSERT INTO citizen_evaluations (citizen_id, next_due_at) VALUES (NEW.citizen_id, 0)
        ON CONFLICT (citizen_id) DO UPDATE SET next_due_at = 0;
END;

CREATE TRIGGER care_events_changed_make_due AFTER UPDATE OF state ON care_events
BEGIN
    INSERT INTO citizen_evaluations (citizen_id, next_due_at) VALUES (NEW.citizen_id, 0)
        ON CONFLICT (citizen_id) DO UPDATE SET next_due_at = 0;
END;

CREATE TRIGGER enrolments_added_make_due AFTER INSERT ON enrolments
BEGIN
    INSERT INTO citizen_evaluations (citizen_id, next_due_at) VALUES (NEW.citizen_id, 0)
        ON CONFLICT (citizen_id) DO UPDATE SET next_due_at = 0;
END;

CREATE TRIGGER enrolments_changed_make_due AFTER UPDATE ON enrolments
BEGIN
    INSERT INTO citizen_evaluations (citizen_id, next_due_at) VALUES (NEW.citizen_id, 0)
        ON CONFLICT (citizen_id) DO UPDATE SET next_due_at = 0;
END;

CREATE TRIGGER decisions_make_due AFTER INSERT ON ecm_levels
    WHEN NEW.kind = 'confirmed'
BEGIN
    INSERT INTO citizen_evaluations (citizen_id, next_due_at) VALUES (NEW.citizen_id, 0)
        ON CONFLICT (citizen_id) DO UPDATE SET next_due_at = 0;
END;

CREATE TRIGGER plan_revisions_make_due AFTER INSERT ON triage_plan_revisions
BEGIN
    INSERT INTO citizen_evaluations (citizen_id, next_due_at) VALUES (NEW.citizen_id, 0)
        ON CONFLICT (citizen_id) DO UPDATE SET next_due_at = 0;
END;

CREATE TRIGGER rejected_input_added_make_due AFTER INSERT ON rejected_input
    WHEN NEW.citizen_id IS NOT NULL
BEGIN
    INSERT INTO citizen_evaluations (citizen_id, next_due_at) VALUES (NEW.citizen_id, 0)
        ON CONFLICT (citizen_id) DO UPDATE SET next_due_at = 0;
END;

CREATE TRIGGER rejected_input_decided_make_due AFTER UPDATE OF status ON rejected_input
    WHEN NEW.citizen_id IS NOT NULL
BEGIN
    INSERT INTO citizen_evaluations (citizen_id, next_due_at) VALUES (NEW.citizen_id, 0)
        ON CONFLICT (citizen_id) DO UPDATE SET next_due_at = 0;
END;
