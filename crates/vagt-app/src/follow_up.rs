//! What must follow a change, in one place: evaluate the citizens it affected (their levels
//! and alarms) and tell the window what to show again. Queuing for the backend and auditing
//! happen inside the store, in the transaction of the change itself.

use crate::{AppError, ChangeSink, StoreChanged};
use std::collections::BTreeSet;
use vagt_core::{CitizenId, Timestamp};
use vagt_store::{EvaluationReport, Store};

/// Whose levels and alarms a change may have moved.
#[derive(Debug, Clone)]
pub enum Affected {
    Citizens(BTreeSet<CitizenId>),
    /// Time passed for everyone (missed measurements, holds running out), or a bulk load.
    Everyone,
}

/// Evaluates the affected citizens at `now` and tells `sink` which rows and whether the alarms
/// changed. `alarms_changed` forces the alarm flag (an acknowledgement arrived, say).
pub fn follow_up(
    store: &mut Store,
    affected: Affected,
    alarms_changed: bool,
    now: Timestamp,
    sink: &dyn ChangeSink,
) -> Result<EvaluationReport, AppError> {
    let (report, mut shown) = match affected {
        Affected::Citizens(citizens) => (store.evaluate_citizens(&citizens, now)?, citizens),
        Affected::Everyone => (store.evaluate_alarms(now)?, BTreeSet::new()),
    };
    shown.extend(report.changed_citizens.iter().cloned());
    let alarms = alarms_changed || !report.raised.is_empty() || report.cleared > 0;
    let change = StoreChanged::citizens(shown, alarms);
    if !change.citizens.as_ref().is_some_and(Vec::is_empty) || alarms {
        sink.changed(&change);
    }
    Ok(report)
}
