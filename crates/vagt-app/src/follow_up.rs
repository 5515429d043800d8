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

/// Evaluates every citizen whose inputs changed or whose time came (the store knows which:
/// whatever wrote their data made them due) at `now`, and tells `sink` which rows and whether
/// the alarms changed. `alarms_changed` forces the alarm flag (an acknowledgement arrived, say).
pub fn follow_up(
    store: &mut Store,
    affected: Affected,
    alarms_changed: bool,
    now: Timestamp,
    sink: &dyn ChangeSink,
) -> Result<EvaluationReport, AppError> {
    let report = store.evaluate_due(now)?;
    // The evaluation's alarms are its citizens': the window re-reads only their episodes. An
    // alarm changed elsewhere (an acknowledgement pulled) may be anyone's.
    let raised_or_resolved = !report.raised.is_empty() || report.resolved > 0;
    let change = match affected {
        Affected::Citizens(mut shown) => {
            shown.extend(report.changed_citizens.iter().cloned());
            if alarms_changed {
                StoreChanged::citizens(shown, true)
            } else if raised_or_resolved {
                StoreChanged::alarms_of(shown, report.changed_citizens.clone())
            } else {
                StoreChanged::citizens(shown, false)
            }
        }
        Affected::Everyone => StoreChanged::everything(),
    };
    let rows = !change.citizens.as_ref().is_some_and(Vec::is_empty);
    if rows || change.alarms || change.alarm_citizens.is_some() {
        sink.changed(&change);
    }
    Ok(report)
}
