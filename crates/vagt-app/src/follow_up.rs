//! What must follow a change, in one place: evaluate the citizens it affected (their levels
//! and alarms) and tell the window what to show again. Queuing for the backend and auditing
//! happen inside the store, in the transaction of the change itself.

use crate::{AppError, ChangeSink, StoreChanged};
use std::collections::BTreeSet;
use vagt_core::{CitizenId, Timestamp};
use vagt_store::{EvaluationReport, Store};

/// Whose rows a change may have moved, for the window to read again.
#[derive(Debug, Clone)]
pub enum Affected {
    Citizens(BTreeSet<CitizenId>),
    /// Any row (a bulk load): the window reads everything again.
    Everyone,
}

impl Affected {
    /// Nobody named: the evaluation takes the citizens whose time came.
    pub fn nobody_named() -> Affected {
        Affected::Citizens(BTreeSet::new())
    }

    /// Everyone when a bulk load ended (its deferred citizens, and every row the window
    /// shows), else `citizens`.
    pub fn after_bulk_load(ended: bool, citizens: BTreeSet<CitizenId>) -> Affected {
        if ended {
            Affected::Everyone
        } else {
            Affected::Citizens(citizens)
        }
    }

    /// After a sync run, by where a bulk load stood over it. A first sync's runs each bring
    /// readings for most of a region, and the window read most of its rows again after each, to
    /// read them all at the load's end; meanwhile the rules wait, so the rows' latest readings,
    /// levels and alarms from the load show at its end, as a citizen's page's readings do.
    pub fn after_sync_run(
        load: LoadOverRun,
        changed: BTreeSet<CitizenId>,
        changed_besides_readings: BTreeSet<CitizenId>,
    ) -> Affected {
        match load {
            LoadOverRun::Ended => Affected::Everyone,
            LoadOverRun::Throughout => Affected::Citizens(changed_besides_readings),
            LoadOverRun::NotThroughout => Affected::Citizens(changed),
        }
    }
}

/// Where a bulk load stood over a sync run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadOverRun {
    /// No load, or one the run began: every citizen it changed is named.
    NotThroughout,
    /// A load went on before and after the run: only the citizens it changed by more than
    /// readings (a Patient, a diagnosis, a nurse's record) are named.
    Throughout,
    /// The run ended a load: everyone (its deferred citizens, and every row the window shows).
    Ended,
}

/// Whose alarms a change changed, besides what the evaluation raises and resolves.
#[derive(Debug, Clone)]
pub enum AlarmsChanged {
    None,
    /// Those of these citizens only (acknowledgements pulled from other stations, say): the
    /// window re-reads their episodes, not every one.
    Of(BTreeSet<CitizenId>),
    /// Maybe anyone's: the window re-reads every episode.
    Anyone,
}

/// Evaluates every citizen whose inputs changed or whose time came (the store knows which:
/// whatever wrote their data made them due) at `now`, and tells `sink` which rows and whether
/// the alarms changed, `alarms_changed` with them.
pub fn follow_up(
    store: &mut Store,
    affected: Affected,
    alarms_changed: AlarmsChanged,
    now: Timestamp,
    sink: &dyn ChangeSink,
) -> Result<EvaluationReport, AppError> {
    let report = store.evaluate_due(now)?;
    // The evaluation's alarms are its citizens': the window re-reads only their episodes.
    let raised_or_resolved = !report.raised.is_empty() || report.resolved > 0;
    let change = match (affected, alarms_changed) {
        (Affected::Everyone, _) => StoreChanged::everything(),
        (Affected::Citizens(mut shown), AlarmsChanged::Anyone) => {
            shown.extend(report.changed_citizens.iter().cloned());
            StoreChanged::citizens(shown, true)
        }
        (Affected::Citizens(mut shown), alarms_changed) => {
            shown.extend(report.changed_citizens.iter().cloned());
            let mut alarm_citizens = match alarms_changed {
                AlarmsChanged::Of(citizens) => citizens,
                _ => BTreeSet::new(),
            };
            if raised_or_resolved {
                alarm_citizens.extend(report.changed_citizens.iter().cloned());
            }
            // Their rows' alarm counts changed too.
            shown.extend(alarm_citizens.iter().cloned());
            StoreChanged::alarms_of(shown, alarm_citizens)
        }
    };
    let rows = !change.citizens.as_ref().is_some_and(Vec::is_empty);
    if rows || change.alarms || change.alarm_citizens.is_some() {
        sink.changed(&change);
    }
    Ok(report)
}
