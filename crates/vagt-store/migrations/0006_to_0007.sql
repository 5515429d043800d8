-- Version 6 to 7: MAS dispatches (issue 13).
-- * `dispatches` is made anew: the placeholder of version 1 was never written to. A dispatch is
--   the log of its steps, merged across stations, and a row of what follows from them.
-- * A dispatch whose edits conflict makes its citizen due, so the conflict alarm is raised;
--   so does a call (a call-back it promises falls due, or it is the call-back); alarms take
--   the kinds `dispatch_conflict` and `follow_up_due`. `alarms` is rebuilt for its kind check (renamed,
--   created anew, copied, dropped), with `alarm_snoozes`, its child, first (as in 4 to 5).

DROP TABLE dispatches;

-- Dispatches of the MAS acute nurse (since version 7). A dispatch is edited at the station and on
-- the MAS laptop, often offline, so it is kept as the log of its steps (`dispatch_steps`,
-- append-only, merged by key with what other stations made); the row holds what follows from
-- the steps (vagt_core::dispatch), for the dispatch board and the worklist.
CREATE TABLE dispatches (
    key          TEXT PRIMARY KEY,
    citizen_id   TEXT NOT NULL REFERENCES citizens (id),
    state        TEXT NOT NULL CHECK (state IN (
                     'requested', 'en_route', 'arrived', 'completed', 'cancelled')),
    urgency      TEXT NOT NULL CHECK (urgency IN ('immediate', 'urgent', 'planned')),
    assigned_to  TEXT,
    requested_at INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    -- 1 while two stations' edits of one field disagree and no nurse has settled them.
    in_conflict  INTEGER NOT NULL DEFAULT 0 CHECK (in_conflict IN (0, 1)),
    -- Where the backend keeps it (`Task/<id>`), once pushed or pulled.
    source_id    TEXT
) STRICT;

CREATE INDEX dispatches_open ON dispatches (requested_at)
    WHERE state IN ('requested', 'en_route', 'arrived');
CREATE INDEX dispatches_by_citizen ON dispatches (citizen_id, requested_at);

CREATE TABLE dispatch_steps (
    key          TEXT PRIMARY KEY,
    dispatch_key TEXT NOT NULL REFERENCES dispatches (key),
    at           INTEGER NOT NULL,
    -- The step as it travels (vagt_core::dispatch::DispatchStep).
    step         TEXT NOT NULL CHECK (json_valid(step)),
    received_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX dispatch_steps_by_dispatch ON dispatch_steps (dispatch_key, at);

-- A dispatch conflict raises and ends an alarm (since version 7).
CREATE TRIGGER dispatch_conflict_make_due AFTER UPDATE OF in_conflict ON dispatches
BEGIN
    INSERT INTO citizen_evaluations (citizen_id, next_due_at) VALUES (NEW.citizen_id, 0)
        ON CONFLICT (citizen_id) DO UPDATE SET next_due_at = 0;
END;

CREATE TRIGGER dispatch_in_conflict_make_due AFTER INSERT ON dispatches
    WHEN NEW.in_conflict = 1
BEGIN
    INSERT INTO citizen_evaluations (citizen_id, next_due_at) VALUES (NEW.citizen_id, 0)
        ON CONFLICT (citizen_id) DO UPDATE SET next_due_at = 0;
END;

-- A call may promise a call-back (its alarm falls due) or be one (it ends the alarm).
-- (Since version 7.)
CREATE TRIGGER calls_added_make_due AFTER INSERT ON calls
    WHEN NEW.citizen_id IS NOT NULL
BEGIN
    INSERT INTO citizen_evaluations (citizen_id, next_due_at) VALUES (NEW.citizen_id, 0)
        ON CONFLICT (citizen_id) DO UPDATE SET next_due_at = 0;
END;

-- Alarms and their snoozes, for the new kind.
ALTER TABLE alarm_snoozes RENAME TO alarm_snoozes_v6;
ALTER TABLE alarms RENAME TO alarms_v6;

CREATE TABLE alarms (
    id              TEXT PRIMARY KEY,
    citizen_id      TEXT NOT NULL REFERENCES citizens (id),
    kind            TEXT NOT NULL CHECK (kind IN (
                        'level_rise', 'level_fall', 'suggestion_differs',
                        'missed_measurement', 'rejected_reading', 'plan_conflict',
                        'dispatch_conflict', 'follow_up_due')),
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
SELECT id, citizen_id, kind, priority, raised_at, cause, state, acknowledged_by,
       acknowledged_at, ack_comment, resolved_at, resolved_reason
FROM alarms_v6;

INSERT INTO alarm_snoozes (alarm_id, user_id, until)
SELECT alarm_id, user_id, until FROM alarm_snoozes_v6;

DROP TABLE alarm_snoozes_v6;
DROP TABLE alarms_v6;

CREATE INDEX alarms_open ON alarms (priority, raised_at) WHERE state = 'open';

CREATE INDEX alarms_open_by_citizen ON alarms (citizen_id) WHERE state = 'open';
