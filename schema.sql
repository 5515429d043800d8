-- Vagt's SQLite schema: the single source of truth, applied whole to a new database by
-- vagt-store. A database made by an older build is brought here by the upgrade steps in
-- crates/vagt-store/migrations/, and a test checks that both paths give the same schema.
--
-- Conventions: STRICT tables; instants are INTEGER milliseconds since the Unix epoch (UTC);
-- codes are lower-case snake_case text checked against their lists; JSON is TEXT checked by
-- json_valid. Connection settings (WAL, foreign keys, key) are pragmas set by the store, not
-- here, because they do not persist in the file or cannot run inside a transaction.
--
-- Version: 16 (PRAGMA user_version, set by the store after applying this file).

-- Facts about this database: its id (a UUID, so stations can tell each other apart) and the
-- build that created it.
CREATE TABLE store_info (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Everyone who acts in Vagt: nurses at the station, MAS nurses in the field, operators, and the
-- system itself (sync, rules).
CREATE TABLE users (
    id           TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('nurse', 'mas_nurse', 'operator', 'system')),
    created_at   INTEGER NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

CREATE TABLE citizens (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    birth_date         TEXT,
    phone              TEXT,
    address            TEXT,
    -- The backend resource this row mirrors, when it came from one.
    source_id          TEXT UNIQUE,
    source_version     TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    -- 1: a person the MAS function serves who is not enrolled in the clinic (vagt_core::person),
    -- as the backend's Patient says (its tag) or as a nurse added them here: no readings or plan
    -- are expected, and nothing is missed until an enrolment is recorded. (Since version 9.)
    mas_only           INTEGER NOT NULL DEFAULT 0 CHECK (mas_only IN (0, 1))
) STRICT;

-- A citizen's enrolments in the clinic's monitoring, as the backend records them
-- (EpisodeOfCare): their measurement schedule counts from the start of the active one, so a
-- citizen who never measures is still missed. A citizen with none here is monitored from the
-- first time this station saw them (`citizens.created_at`). (Added in version 5.)
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

-- When each citizen's alarms were last worked out, and when they must be again though no data
-- arrives (a measurement falling due, a hold running out, a change leaving the horizon). Data
-- that changes a citizen sets `next_due_at` to 0 in the same transaction, so an evaluation
-- after a sync or a restart takes exactly the citizens whose inputs changed or whose time came.
-- NULL: only new data can change anything. Every citizen has a row, made with the citizen
-- (`citizens_make_due`) and never deleted: the readings' triggers only update it (version 15).
-- (Added in version 5.)
CREATE TABLE citizen_evaluations (
    citizen_id      TEXT PRIMARY KEY REFERENCES citizens (id),
    evaluated_at    INTEGER,
    next_due_at     INTEGER,
    -- The suggested level at the last evaluation and since when: what the worklist shows.
    suggested_level INTEGER CHECK (suggested_level IS NULL OR suggested_level BETWEEN 1 AND 6),
    suggested_since INTEGER,
    -- NEWS2 of the newest full set of vitals at the last evaluation (a FullSetScore as JSON),
    -- and the time of the set's oldest reading: the worklist shows it while that is within a
    -- week, without reading every citizen's week of vitals. (Added in version 11.)
    news2           TEXT CHECK (news2 IS NULL OR json_valid(news2)),
    news2_from      INTEGER
) STRICT, WITHOUT ROWID;

CREATE INDEX citizen_evaluations_due ON citizen_evaluations (next_due_at)
    WHERE next_due_at IS NOT NULL;

CREATE TABLE citizen_diagnoses (
    citizen_id TEXT NOT NULL REFERENCES citizens (id) ON DELETE CASCADE,
    diagnosis  TEXT NOT NULL CHECK (diagnosis IN ('copd', 'heart_failure', 'diabetes')),
    PRIMARY KEY (citizen_id, diagnosis)
) STRICT, WITHOUT ROWID;

-- One row per version of a source measurement: replaying a sync never duplicates, a correction
-- (a new version) is kept beside the one it corrects, and `is_current` marks the version that
-- counts. Values are in the parameter's canonical unit.
--
-- A sync stores a reading in one statement, and nothing in that statement, its triggers
-- included, may be able to abort: SQLite copies every page such a statement touches into a
-- statement journal first, a fifth of a stored reading's cost. So the statement is an INSERT
-- OR IGNORE (`vagt_store::readings`), the citizen's foreign key is checked at commit
-- (DEFERRABLE), and the code lists are checks by `=`, because SQLite builds a temporary table
-- for an `IN` list of more than two values every time the statement runs. (Since version 15;
-- the test `storing_a_reading_can_not_abort` in vagt-store holds it.)
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

-- Dropped while a bulk load lasts (`bulk_load` below) and made again from this text at its end.
CREATE INDEX readings_by_citizen_parameter_time
    ON readings (citizen_id, parameter, effective_at)
    WHERE is_current = 1;

-- A bulk load under way: one row while a pull brings at least as many readings as the store
-- holds (a station's first sync). Each stored reading adds to the index above where its
-- citizen's and parameter's readings end: a region's 80,000 such places, so that each
-- transaction wrote about a page per reading and a first sync slowed as it went (30 million
-- readings would take over 20 minutes). So the index is dropped while the row is here and
-- made again, in one sort, when the pull ends (`vagt_store::bulk_load`). Meanwhile the rules
-- wait (citizens stay due), and a change of a stored reading marks its citizen's and
-- parameter's latest reading stale (`latest_readings_stale`) instead of looking it up, which
-- would read every reading. (Added in version 16.)
CREATE TABLE bulk_load (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    backend  TEXT NOT NULL,
    began_at INTEGER NOT NULL
) STRICT;

CREATE TABLE latest_readings_stale (
    citizen_id TEXT NOT NULL,
    parameter  TEXT NOT NULL,
    PRIMARY KEY (citizen_id, parameter)
) STRICT, WITHOUT ROWID;

-- Each citizen's newest current reading of each parameter (newest by effective time, then row),
-- kept by the triggers `readings_*_latest` whichever path writes readings, so that the worklist
-- reads a row per citizen and parameter instead of searching every reading. Derived data: no
-- foreign key, to keep the cost of each stored reading down. (Added in version 11.)
CREATE TABLE latest_readings (
    citizen_id   TEXT NOT NULL,
    parameter    TEXT NOT NULL,
    reading_id   INTEGER NOT NULL,
    value        REAL NOT NULL,
    effective_at INTEGER NOT NULL,
    PRIMARY KEY (citizen_id, parameter)
) STRICT, WITHOUT ROWID;

-- The whole worklist, one row per citizen, as the worklist's reads of the tables above make it
-- for that citizen alone (`vagt_store::worklist`), so the whole list is one scan of 10,000 rows
-- in the order it is shown, not seven reads merged and sorted. `shown` packs all the row shows
-- but its name and id (its layout is in `vagt_store::worklist::packed`): read as one column,
-- not fourteen. Triggers on every table a row is made from list the citizens whose row went
-- stale in `worklist_stale`; the next whole worklist makes those rows again before it reads.
-- (Added in version 13, replacing version 12's `latest_packs`; packed in version 14.)
CREATE TABLE worklist_summary (
    name       TEXT NOT NULL,
    citizen_id TEXT NOT NULL,
    shown      BLOB NOT NULL,
    PRIMARY KEY (name, citizen_id)
) STRICT, WITHOUT ROWID;

CREATE UNIQUE INDEX worklist_summary_by_citizen ON worklist_summary (citizen_id);

CREATE TABLE worklist_stale (
    citizen_id TEXT PRIMARY KEY
) STRICT, WITHOUT ROWID;

-- Input that could not be accepted, kept whole with its reason until a human decides.
-- `fingerprint` (a hash of source and payload) makes a re-delivered bad input one row, not many.
CREATE TABLE rejected_input (
    id            INTEGER PRIMARY KEY,
    received_at   INTEGER NOT NULL,
    source        TEXT NOT NULL,
    source_id     TEXT,
    resource_type TEXT,
    reason_code   TEXT NOT NULL,
    reason        TEXT NOT NULL,
    payload       TEXT NOT NULL,
    fingerprint   TEXT NOT NULL UNIQUE,
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'dismissed')),
    decided_by    TEXT REFERENCES users (id),
    decided_at    INTEGER,
    decision_note TEXT,
    -- Whose input it was, when that much could be read (added in version 3).
    citizen_id    TEXT REFERENCES citizens (id)
) STRICT;

CREATE INDEX rejected_input_open ON rejected_input (received_at) WHERE status = 'open';

-- Every ECM level a citizen has had, suggested by rules, confirmed by a nurse, or set by an
-- event. The newest confirmed row (by set_at, then decision_key) is the confirmed level; the
-- suggested rows are the rules' changes as the data shows them (those within the horizon are
-- replayed by every evaluation), and the current suggestion is `citizen_evaluations`'.
CREATE TABLE ecm_levels (
    id         INTEGER PRIMARY KEY,
    citizen_id TEXT NOT NULL REFERENCES citizens (id),
    level      INTEGER NOT NULL CHECK (level BETWEEN 1 AND 6),
    kind       TEXT NOT NULL CHECK (kind IN ('suggested', 'confirmed', 'event')),
    set_at     INTEGER NOT NULL,
    set_by     TEXT REFERENCES users (id),
    reason     TEXT,
    -- What caused it: the rule and readings, or the event (JSON).
    cause      TEXT CHECK (cause IS NULL OR json_valid(cause)),
    -- A nurse's decision's stable id: it names the decision in alarms and on the backend.
    -- (Added in version 3, so last.)
    decision_key TEXT
) STRICT;

CREATE INDEX ecm_levels_by_citizen ON ecm_levels (citizen_id, kind, set_at);

CREATE UNIQUE INDEX ecm_levels_decision_key ON ecm_levels (decision_key)
    WHERE decision_key IS NOT NULL;

-- Care events the backend reported as Encounters: a MAS acute nurse's visit, an admission to a
-- municipal acute bed or to hospital, a discharge. They set a floor under the suggested ECM
-- level. One row per event per version of its source encounter, so a replayed pull changes
-- nothing; the newest version's events are `current`, an older version's `superseded`, and an
-- encounter entered in error has every event `retracted`. (Added in version 4.)
CREATE TABLE care_events (
    id             INTEGER PRIMARY KEY,
    citizen_id     TEXT NOT NULL REFERENCES citizens (id),
    kind           TEXT NOT NULL CHECK (kind IN (
                       'mas_visit', 'acute_bed_admission', 'hospital_admission', 'discharge')),
    at             INTEGER NOT NULL,
    source_id      TEXT NOT NULL,
    source_version TEXT NOT NULL,
    state          TEXT NOT NULL DEFAULT 'current'
                       CHECK (state IN ('current', 'superseded', 'retracted')),
    received_at    INTEGER NOT NULL,
    UNIQUE (source_id, source_version, kind)
) STRICT;

CREATE INDEX care_events_current_by_citizen ON care_events (citizen_id, at)
    WHERE state = 'current';

-- Each citizen's triage plan: the overrides a clinician made on the defaults of the citizen's
-- diagnosis groups (built into Vagt), as the document itself (TOML), one row per revision, with
-- who changed it and why. A revision has a key that travels with it to the backend and back,
-- and names the revisions it was made on (`triage_plan_bases`): two revisions made on the same
-- base (two nurses, two stations, offline) are a conflict a nurse settles; until then the
-- newest (changed_at, key) is in force on every station. `source_id` is the backend resource
-- it came from, NULL for one made here. (Keyed and based in version 5.)
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

-- The revisions each revision was made on. A base may arrive after the revision that names it,
-- so it is no foreign key.
CREATE TABLE triage_plan_bases (
    revision_key TEXT NOT NULL REFERENCES triage_plan_revisions (key),
    base_key     TEXT NOT NULL,
    PRIMARY KEY (revision_key, base_key)
) STRICT, WITHOUT ROWID;

CREATE INDEX triage_plan_bases_by_base ON triage_plan_bases (base_key);

-- Settings the whole clinic shares (the escalation policy), one row per change, travelling
-- through the backend like a plan revision; the newest (changed_at, key) of a name is in force
-- on every station. (Added in version 5.)
CREATE TABLE shared_settings (
    key        TEXT PRIMARY KEY,
    name       TEXT NOT NULL CHECK (name IN ('escalation_policy')),
    value      TEXT NOT NULL CHECK (json_valid(value)),
    changed_at INTEGER NOT NULL,
    changed_by TEXT NOT NULL REFERENCES users (id),
    source_id  TEXT
) STRICT;

CREATE INDEX shared_settings_by_name ON shared_settings (name, changed_at);

-- Alarms are latched until a named nurse acknowledges them, or until their condition ends
-- (`resolved`: a missed measurement whose reading came, a change older than the horizon); an
-- acknowledged alarm stays acknowledged. The id is derived from the cause, so two stations that
-- raise the same alarm share one row. (Resolved in version 5.)
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

CREATE INDEX alarms_open ON alarms (priority, raised_at) WHERE state = 'open';

-- With the priority (and the state, which SQLite does not take from the WHERE), so the worklist
-- counts each citizen's open alarms from the index alone. (Both since version 12.)
CREATE INDEX alarms_open_by_citizen ON alarms (citizen_id, priority, state) WHERE state = 'open';

-- One citizen's alarms, open and past (the citizen's page and timeline). (Added in version 11.)
CREATE INDEX alarms_by_citizen ON alarms (citizen_id, raised_at);

-- A snooze is one nurse's: it never silences the alarm for anyone else.
CREATE TABLE alarm_snoozes (
    alarm_id TEXT NOT NULL REFERENCES alarms (id) ON DELETE CASCADE,
    user_id  TEXT NOT NULL REFERENCES users (id),
    until    INTEGER NOT NULL,
    PRIMARY KEY (alarm_id, user_id)
) STRICT, WITHOUT ROWID;

-- Acknowledgements made at other stations for alarms this store has not raised (yet), as the
-- backend brought them: applied the moment this store raises the alarm, so an alarm already
-- acknowledged elsewhere never opens here.
CREATE TABLE remote_acknowledgements (
    alarm_id        TEXT PRIMARY KEY,
    acknowledged_by TEXT NOT NULL,
    acknowledged_at INTEGER NOT NULL,
    comment         TEXT,
    received_at     INTEGER NOT NULL
) STRICT;

-- Calls on the 24-hour line. Ids are client-generated UUIDs so that a record made offline on a
-- laptop keeps its identity when it reaches the backend.
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

-- Links tying an unknown caller's call to a citizen (since version 9), from every station:
-- calls are append-only, so the link is a record of its own (vagt_core::person::CallLink). A
-- link may arrive before its call. The call's `citizen_id` follows the earliest link; the
-- others are kept and shown.
CREATE TABLE call_links (
    key          TEXT PRIMARY KEY,
    call_key     TEXT NOT NULL,
    citizen_id   TEXT NOT NULL REFERENCES citizens (id),
    linked_by    TEXT NOT NULL,
    linked_at    INTEGER NOT NULL,
    received_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX call_links_by_call ON call_links (call_key, linked_at, key);

-- The handover's notes (since version 10), from every station (vagt_core::handover::
-- HandoverNote): a nurse's severity of a citizen for a shift, her "if ... then ..." note.
-- Append-only; which applies follows from all of them (the newest, see vagt_core).
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

-- Receivers' sign-offs of shift handovers (since version 10), from every station
-- (vagt_core::handover::HandoverSignoff): the citizens presented and those signed for.
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

-- Local changes waiting to reach the backend. `client_id` is sent as the resource's identifier
-- with a conditional create, so a retry after a lost response never makes a second copy; a
-- record with a key of its own (a level decision, a plan revision, a shared setting) is sent
-- under that key, so every station reads it back as the same record. (Plan revisions and
-- shared settings since version 5, visits since version 8, persons and call links since 9,
-- handover notes and sign-offs since 10.)
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

CREATE INDEX outbox_pending ON outbox (seq) WHERE sent_at IS NULL;

-- Where an incremental pull stopped, per backend and resource type. Written in the same
-- transaction as the data it covers.
CREATE TABLE sync_checkpoints (
    backend       TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    last_updated  TEXT NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (backend, resource_type)
) STRICT, WITHOUT ROWID;

-- One row per sync attempt, for the status bar and operators. A running sync updates its
-- progress and heartbeat per page, so any process (the app, `vagtctl status`) can show it; a
-- run whose heartbeat stopped died without finishing. `error_code` is the SyncError code the UI
-- translates; `behind` is how many Observations the server still had for Vagt at the end.
-- (Columns after `error` were added in version 2, so they come last.)
CREATE TABLE sync_runs (
    id          INTEGER PRIMARY KEY,
    backend     TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    outcome     TEXT CHECK (outcome IS NULL OR outcome IN ('ok', 'partial', 'failed')),
    pulled      INTEGER NOT NULL DEFAULT 0,
    pushed      INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    error          TEXT,
    error_code     TEXT,
    behind         INTEGER,
    progress_type  TEXT,
    progress_done  INTEGER,
    progress_total INTEGER,
    progress_rate  REAL,
    heartbeat_at   INTEGER
) STRICT;

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

-- A reading's citizen has its row (`citizens_make_due` makes it with the citizen), so these
-- only update it: an upsert's update of a WITHOUT ROWID table may abort, and would make every
-- stored reading keep a statement journal (see `readings`). (Since version 15.)
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

-- Counts the status bar shows on every change, kept by triggers so that showing them costs no
-- count of millions of rows: `current_readings`. (Added in version 11.)
CREATE TABLE store_counts (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO store_counts (name, value) VALUES ('current_readings', 0);

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

-- A new current reading replaces the latest of its parameter if it is newer; any other change
-- (a new version, an entry in error) looks the latest up again by the readings' index. An
-- update, then an insert that does nothing where the row is there, not an upsert that updates:
-- that update may abort (see `readings`). (Since version 15.)
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
WHEN NOT EXISTS (SELECT 1 FROM bulk_load)
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
WHEN NOT EXISTS (SELECT 1 FROM bulk_load)
BEGIN
    DELETE FROM latest_readings
        WHERE citizen_id = OLD.citizen_id AND parameter = OLD.parameter;
    INSERT INTO latest_readings (citizen_id, parameter, reading_id, value, effective_at)
        SELECT citizen_id, parameter, id, value, effective_at FROM readings
        WHERE citizen_id = OLD.citizen_id AND parameter = OLD.parameter
          AND is_current = 1 AND status <> 'entered_in_error'
        ORDER BY effective_at DESC, id DESC LIMIT 1;
END;

-- While a bulk load lasts, the lookups above would read every reading: the pair is marked
-- stale and looked up when the index is made again. (Since version 16.)
CREATE TRIGGER readings_changed_latest_in_bulk
AFTER UPDATE OF is_current, status, value, effective_at ON readings
WHEN EXISTS (SELECT 1 FROM bulk_load)
BEGIN
    DELETE FROM latest_readings
        WHERE citizen_id = OLD.citizen_id AND parameter = OLD.parameter;
    INSERT INTO latest_readings_stale (citizen_id, parameter)
        VALUES (OLD.citizen_id, OLD.parameter) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER readings_removed_latest_in_bulk AFTER DELETE ON readings
WHEN EXISTS (SELECT 1 FROM bulk_load)
BEGIN
    DELETE FROM latest_readings
        WHERE citizen_id = OLD.citizen_id AND parameter = OLD.parameter;
    INSERT INTO latest_readings_stale (citizen_id, parameter)
        VALUES (OLD.citizen_id, OLD.parameter) ON CONFLICT DO NOTHING;
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

-- Whatever changes what a citizen's worklist row shows makes the row stale (`worklist_summary`):
-- their details, diagnoses, latest readings, last evaluation, confirmed level, open alarms and
-- dispatches. An update that leaves the columns a row shows as they were does not (a citizen's
-- diagnoses are written anew by every upsert of the citizen, and do). An upsert that does
-- nothing: not INSERT OR IGNORE, as an upsert that fires these would impose its own conflict
-- policy on an OR clause (on an upsert clause it does not); and not an INSERT of a SELECT that
-- reads `worklist_stale`, for which SQLite first copies the row into a temporary table, every
-- time (before version 15).

CREATE TRIGGER citizens_added_stale AFTER INSERT ON citizens
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER citizens_changed_stale
AFTER UPDATE OF name, birth_date, phone, address, mas_only ON citizens
    WHEN OLD.name IS NOT NEW.name OR OLD.birth_date IS NOT NEW.birth_date
        OR OLD.phone IS NOT NEW.phone OR OLD.address IS NOT NEW.address
        OR OLD.mas_only IS NOT NEW.mas_only
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER citizens_removed_stale AFTER DELETE ON citizens
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (OLD.id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER diagnoses_added_stale AFTER INSERT ON citizen_diagnoses
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER diagnoses_changed_stale AFTER UPDATE ON citizen_diagnoses
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER diagnoses_removed_stale AFTER DELETE ON citizen_diagnoses
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (OLD.citizen_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER latest_added_stale AFTER INSERT ON latest_readings
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER latest_changed_stale AFTER UPDATE ON latest_readings
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER latest_removed_stale AFTER DELETE ON latest_readings
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (OLD.citizen_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER evaluations_added_stale AFTER INSERT ON citizen_evaluations
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER evaluations_changed_stale
AFTER UPDATE OF suggested_level, news2, news2_from ON citizen_evaluations
    WHEN OLD.suggested_level IS NOT NEW.suggested_level OR OLD.news2 IS NOT NEW.news2
        OR OLD.news2_from IS NOT NEW.news2_from
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER evaluations_removed_stale AFTER DELETE ON citizen_evaluations
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (OLD.citizen_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER decisions_added_stale AFTER INSERT ON ecm_levels
    WHEN NEW.kind = 'confirmed'
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER decisions_changed_stale AFTER UPDATE ON ecm_levels
    WHEN OLD.kind = 'confirmed' OR NEW.kind = 'confirmed'
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER decisions_removed_stale AFTER DELETE ON ecm_levels
    WHEN OLD.kind = 'confirmed'
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (OLD.citizen_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER alarms_added_stale AFTER INSERT ON alarms
    WHEN NEW.state = 'open'
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER alarms_changed_stale AFTER UPDATE OF state, priority ON alarms
    WHEN (OLD.state = 'open' OR NEW.state = 'open')
        AND (OLD.state IS NOT NEW.state OR OLD.priority IS NOT NEW.priority)
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER alarms_removed_stale AFTER DELETE ON alarms
    WHEN OLD.state = 'open'
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (OLD.citizen_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER dispatches_added_stale AFTER INSERT ON dispatches
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER dispatches_changed_stale AFTER UPDATE OF state, requested_at ON dispatches
    WHEN OLD.state IS NOT NEW.state OR OLD.requested_at IS NOT NEW.requested_at
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (NEW.citizen_id) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER dispatches_removed_stale AFTER DELETE ON dispatches
BEGIN
    INSERT INTO worklist_stale (citizen_id) VALUES (OLD.citizen_id) ON CONFLICT DO NOTHING;
END;

-- Who did or saw what, append-only and hash-chained: each row's hash covers the previous row's
-- hash, so a row changed or removed behind Vagt's back breaks the chain. Details never hold
-- health data, only ids and action names.
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    at           INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject_type TEXT,
    subject_id   TEXT,
    detail       TEXT CHECK (detail IS NULL OR json_valid(detail)),
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
