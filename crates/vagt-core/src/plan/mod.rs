//! Triage plans: per citizen, what counts as yellow and red, and how often each parameter is
//! expected to be measured.
//!
//! A plan is a document a clinician can read and edit (TOML, or JSON for machines). The same
//! format serves three layers:
//!
//! 1. the `common` section of the clinic's defaults, shared by every citizen;
//! 2. one section per diagnosis group (`copd`, `heart_failure`, `diabetes`), see
//!    [`DefaultPlans`] and the shipped `plans/defaults.toml` ([`DEFAULTS_TOML`]);
//! 3. the citizen's own overrides, set by a doctor.
//!
//! [`resolve`] turns `defaults_for(diagnoses)` plus the overrides into a validated
//! [`TriagePlan`], which is what the ECM engine ([`crate::ecm_engine`]) and the alarm rules
//! ([`crate::alarm`]) use.
//!
//! # Document format (version 1)
//!
//! ```toml
//! version = 1                  # optional; only 1 is understood
//!
//! [engine]                     # optional; times in hours (fractions allowed)
//! hold_hours = 24              # a level falls only after staying lower this long
//! lookback_hours = 72          # a latest reading older than this no longer counts
//! mas_visit_hold_hours = 48    # how long a MAS visit holds the MAS level
//!
//! [levels]                     # optional; the ECM level each finding suggests
//! all_green = 1
//! one_yellow = 2
//! two_yellows = 3              # yellow (or worse) in two different parameters
//! any_red = 3
//! mas_visit = 4
//! acute_bed = 5
//! hospital = 6
//!
//! [limits.spo2]                # canonical unit of the parameter; all four are optional
//! yellow_low = 90              # below: yellow
//! red_low = 86                 # below: red (red wins)
//!
//! [schedule.spo2]
//! every_hours = 24             # a reading is due this long after the last one
//! grace_hours = 6              # missed when still absent this long after it was due
//!
//! [[relative]]                 # against the citizen's own earlier readings
//! id = "fev1_below_7d_median"  # a-z, 0-9, '_'; overrides and merges match on it
//! parameter = "fev1"
//! kind = "below_median"        # below_median | above_median | rise | fall
//! percent = 20                 # *_median: more than this % below/above the median
//! window_hours = 168           # baseline: readings in this window before the latest
//! min_readings = 3             # *_median: fewer earlier readings, no baseline, no finding
//! colour = "yellow"            # yellow | red
//!
//! [[relative]]
//! id = "weight_gain_3d"
//! parameter = "weight"
//! kind = "rise"                # rise: latest minus the lowest in the window
//! amount = 2.0                 # ... more than this (canonical unit) is a finding
//! window_hours = 72
//!
//! [news2]                      # optional
//! spo2_scale = "scale2"        # scale1 (the default) | scale2: only when a clinician
//!                              # prescribes it for confirmed hypercapnic respiratory failure
//! ```
//!
//! In an override, `off = true` on a `[limits.*]`, `[schedule.*]` or `[[relative]]` entry removes
//! what the defaults put there; any other field replaces the inherited field of the same name.
//!
//! # Merge rules
//!
//! * **Several diagnoses** ([`merge_tighter`]): for the same parameter *the tighter value wins*,
//!   field by field: the higher low limit, the lower high limit, the shorter interval and grace;
//!   relative rules are united by id and, when two groups share an id, the more sensitive value
//!   wins (smaller percent or amount, longer window, fewer readings needed, red over yellow);
//!   engine times take the longer value and level mappings the higher level. Two groups must not
//!   give one rule id different parameters or kinds ([`PlanError::ConflictingRule`]). Two
//!   groups that name different NEWS2 SpO2 scales give Scale 1: Scale 2 is a prescription for
//!   one citizen, not something a diagnosis implies.
//! * **Layering** ([`overlay`]): a diagnosis section overrides `common`; a citizen's overrides
//!   override the defaults. A field given in the upper layer wins even if it is looser: a
//!   doctor's adjustment for one citizen is deliberate.
//!
//! The result is validated once more by [`resolve`]: a merge of valid layers can still be
//! inconsistent (a citizen's yellow limit left outside an inherited red limit).

mod defaults;
mod document;
mod error;
mod overlay;
mod resolution;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
mod validation;

pub use defaults::{DEFAULTS_TOML, DefaultPlans, defaults_for};
pub use document::{
    DocumentFormat, EngineSection, LevelSection, LimitsEntry, News2Section, News2SectionWire,
    PLAN_VERSION, PlanDocument, PlanDocumentWire, RelativeEntry, RelativeEntryWire,
    RelativeKindCode, ScheduleEntry,
};
pub use error::{PlanError, PlanProblem, PlanProblemCode};
pub use overlay::{merge_tighter, overlay};
pub use resolution::{
    EngineSettings, LevelMapping, RelativeKind, RelativeRule, Schedule, TriagePlan, plan_problems,
    resolve,
};
pub use validation::{completeness_problems, document_problems, parse_plan_document};
