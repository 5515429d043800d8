-- Version 14 to 15: storing a reading no longer keeps a statement journal (issue 15). Nothing
-- in the statement that stores a reading, its triggers included, may abort any more: the
-- citizen's foreign key of `readings` is checked at commit, its code lists are checks by `=`
-- (an `IN` list built a temporary table every time), and the triggers that made a citizen due
-- and kept the latest reading update instead of upserting. `readings` is rebuilt for its new
-- constraints (rename, create, copy, drop: its triggers go with the old table and are made
-- again after the copy, so that the copy changes none of the tables they keep). The triggers
-- that mark worklist rows stale no longer read `worklist_stale` in an INSERT of a SELECT, which
-- copied each row into a temporary table first.

DROP INDEX readings_by_citizen_parameter_time;
ALTER TABLE readings RENAME TO readings_v14;

CREATE TABLE readings (
    id                INTEGER PRIMARY KEY,
    citizen_id        TEXT NOT NULL REFERENCES citizens (id) DEFERRABLE INITIALLY DEFERRED,
    parameter         TEXT NOT NULL CHECK (
                          parameter = 'spo2' OR parameter = 'pulse' OR parameter = 'fev1'
                          OR parameter = 'fvc' OR parameter = 'temperature'
                          OR parameter = 'weight' OR parameter = 'systolic_bp'
                          OR parameter = 'diastolic_bp' OR parameter = 'respiratory_rate'
                          OR parameter = 'blood_glucose' OR parameter = 'crp'
                          OR parameter = 'cat_score' OR parameter = 'symptom_score'),
    value             REAL NOT NULL,
    effective_at      INTEGER NOT NULL,
    received_at       INTEGER NOT NULL,
    source_id         TEXT NOT NULL,
    source_version    TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'final'
                          CHECK (status = 'final' OR status = 'amended'
                                 OR status = 'entered_in_error'),
    is_current        INTEGER NOT NULL DEFAULT 1 CHECK (is_current IN (0, 1)),
    UNIQUE (source_id, source_version)
) STRICT;

INSERT INTO readings (id, citizen_id, parameter, value, effective_at, received_at, source_id,
                      source_version, status, is_current)
    SELECT id, citizen_id, parameter, value, effective_at, received_at, source_id,
           source_version, status, is_current
    FROM readings_v14;

DROP TABLE readings_v14;

CREATE INDEX readings_by_citizen_parameter_time
    ON readings (citizen_id, parameter, effective_at)
    WHERE is_current = 1;

CREATE TRIGGER readings_added_make_due AFTER INSERT ON readings
BEGIN
    UPDATE citizen_evaluations SET next_due_at = 0
        WHERE citizen_id = NEW.citizen_id AND next_due_at IS NOT 0;
END;

CREATE TRIGGER readings_changed_make_due AFTER UPDATE OF is_current, status ON readings
BEGIN
    UPDATE citizen_evaluations SET next_due_at = 0
        WHERE citizen_id = NEW.citizen_id AND next_due_at IS NOT 0;
END;

CREATE TRIGGER readings_added_count AFTER INSERT ON readings
WHEN NEW.is_current = 1
BEGIN
    UPDATE store_counts SET value = value + 1 WHERE name = 'current_readings';
END;

CREATE TRIGGER readings_current_changed_count AFTER UPDATE OF is_current ON readings
WHEN OLD.is_current <> NEW.is_current
BEGIN
    UPDATE store_counts SET value = value + NEW.is_current - OLD.is_current
        WHERE name = 'current_readings';
END;

CREATE TRIGGER readings_removed_count AFTER DELETE ON readings
WHEN OLD.is_current = 1
BEGIN
    UPDATE store_counts SET value = value - 1 WHERE name = 'current_readings';
END;

CREATE TRIGGER readings_added_latest AFTER INSERT ON readings
WHEN NEW.is_current = 1 AND NEW.status <> 'entered_in_error'
BEGIN
    UPDATE latest_readings
        SET reading_id = NEW.id, value = NEW.value, effective_at = NEW.effective_at
        WHERE citizen_id = NEW.citizen_id AND parameter = NEW.parameter
          AND (effective_at, reading_id) < (NEW.effective_at, NEW.id);
    INSERT INTO latest_readings (citizen_id, parameter, reading_id, value, effective_at)
        VALUES (NEW.citizen_id, NEW.parameter, NEW.id, NEW.value, NEW.effective_at)
        ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER readings_changed_latest
AFTER UPDATE OF is_current, status, value, effective_at ON readings
BEGIN
    DELETE FROM latest_readings
        WHERE citizen_id = OLD.citizen_id AND parameter = OLD.parameter;
    INSERT INTO latest_readings (citizen_id, parameter, reading_id, value, effective_at)
        SELECT citizen_id, parameter, id, value, effective_at FROM readings
        WHERE citizen_id = OLD.citizen_id AND parameter = OLD.parameter
          AND is_current = 1 AND status <> 'entered_in_error'
        ORDER BY effective_at DESC, id DESC LIMIT 1;
END;

CREATE TRIGGER readings_removed_latest AFTER DELETE ON readings
BEGIN
    DELETE FROM latest_readings
        WHERE citizen_id = OLD.citizen_id AND parameter = OLD.parameter;
    INSERT INTO latest_readings (citizen_id, parameter, reading_id, value, effective_at)
        SELECT citizen_id, parameter, id, value, effective_at FROM readings
        WHERE citizen_id = OLD.citizen_id AND parameter = OLD.parameter
          AND is_current = 1 AND status <> 'entered_in_error'
        ORDER BY effective_at DESC, id DESC LIMIT 1;
END;

DROP TRIGGER citizens_added_stale;
CREATE TRIGGER citizens_added_stale AFTER INSERT ON citizens
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER citizens_changed_stale;
CREATE TRIGGER citizens_changed_stale
AFTER UPDATE OF name, birth_date, phone, address, mas_only ON citizens
    WHEN OLD.name IS NOT NEW.name OR OLD.birth_date IS NOT NEW.birth_date
        OR OLD.phone IS NOT NEW.phone OR OLD.address IS NOT NEW.address
        OR OLD.mas_only IS NOT NEW.mas_only
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER citizens_removed_stale;
CREATE TRIGGER citizens_removed_stale AFTER DELETE ON citizens
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (OLD.id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER diagnoses_added_stale;
CREATE TRIGGER diagnoses_added_stale AFTER INSERT ON citizen_diagnoses
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER diagnoses_changed_stale;
CREATE TRIGGER diagnoses_changed_stale AFTER UPDATE ON citizen_diagnoses
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER diagnoses_removed_stale;
CREATE TRIGGER diagnoses_removed_stale AFTER DELETE ON citizen_diagnoses
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (OLD.citizen_id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER latest_added_stale;
CREATE TRIGGER latest_added_stale AFTER INSERT ON latest_readings
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER latest_changed_stale;
CREATE TRIGGER latest_changed_stale AFTER UPDATE ON latest_readings
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER latest_removed_stale;
CREATE TRIGGER latest_removed_stale AFTER DELETE ON latest_readings
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (OLD.citizen_id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER evaluations_added_stale;
CREATE TRIGGER evaluations_added_stale AFTER INSERT ON citizen_evaluations
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER evaluations_changed_stale;
CREATE TRIGGER evaluations_changed_stale
AFTER UPDATE OF suggested_level, news2, news2_from ON citizen_evaluations
    WHEN OLD.suggested_level IS NOT NEW.suggested_level OR OLD.news2 IS NOT NEW.news2
        OR OLD.news2_from IS NOT NEW.news2_from
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER evaluations_removed_stale;
CREATE TRIGGER evaluations_removed_stale AFTER DELETE ON citizen_evaluations
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (OLD.citizen_id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER decisions_added_stale;
CREATE TRIGGER decisions_added_stale AFTER INSERT ON ecm_levels
    WHEN NEW.kind = 'confirmed'
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER decisions_changed_stale;
CREATE TRIGGER decisions_changed_stale AFTER UPDATE ON ecm_levels
    WHEN OLD.kind = 'confirmed' OR NEW.kind = 'confirmed'
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER decisions_removed_stale;
CREATE TRIGGER decisions_removed_stale AFTER DELETE ON ecm_levels
    WHEN OLD.kind = 'confirmed'
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (OLD.citizen_id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER alarms_added_stale;
CREATE TRIGGER alarms_added_stale AFTER INSERT ON alarms
    WHEN NEW.state = 'open'
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER alarms_changed_stale;
CREATE TRIGGER alarms_changed_stale AFTER UPDATE OF state, priority ON alarms
    WHEN (OLD.state = 'open' OR NEW.state = 'open')
        AND (OLD.state IS NOT NEW.state OR OLD.priority IS NOT NEW.priority)
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER alarms_removed_stale;
CREATE TRIGGER alarms_removed_stale AFTER DELETE ON alarms
    WHEN OLD.state = 'open'
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (OLD.citizen_id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER dispatches_added_stale;
CREATE TRIGGER dispatches_added_stale AFTER INSERT ON dispatches
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER dispatches_changed_stale;
CREATE TRIGGER dispatches_changed_stale AFTER UPDATE OF state, requested_at ON dispatches
    WHEN OLD.state IS NOT NEW.state OR OLD.requested_at IS NOT NEW.requested_at
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER dispatches_removed_stale;
CREATE TRIGGER dispatches_removed_stale AFTER DELETE ON dispatches
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (OLD.citizen_id) ON CONFLICT DO NOTHING;
END;
