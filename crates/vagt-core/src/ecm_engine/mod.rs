//! The ECM engine: from a citizen's readings, care events and resolved [`TriagePlan`], the ECM
//! level the system *suggests*, with the rule, reading, value and limit that explain it.
//!
//! Pure and stateless: the same inputs give the same [`Evaluation`], whatever order the
//! readings come in and whichever station computes it. No clock: `now` is an input.
//!
//! # How a level is computed
//!
//! * **Instantaneous level `I(t)`.** For each parameter, its latest reading at or before `t`
//!   counts if it is younger than `lookback` (`t - effective_at < lookback`). It is classified
//!   against the plan's limits ([`crate::limits::Threshold::crossed`]) and each relative rule for
//!   its parameter (the rule's window of earlier readings, *not* including the latest). A
//!   parameter is red if any of its findings is red, else yellow if any is yellow. The plan's
//!   [`LevelMapping`] then gives the level: the highest of `all_green`; `one_yellow` when one
//!   parameter is yellow or worse; `two_yellows` when two are; `any_red` when one is red.
//!   Readings of the same parameter at the same instant: the greatest key counts.
//! * **Hysteresis.** The readings level at `now` is the highest `I(t)` over
//!   `[now - hold, now]`. So a rise shows at once (at the reading's effective time), and a fall
//!   shows only when the lower level has lasted the whole hold window: a single good reading
//!   amid bad ones, or a bad one amid good ones, does not make the level flap.
//! * **Events** ([`CareEvent`]) set a floor at once, without hold: the latest event at or
//!   before `t` decides it. MAS visit → `levels.mas_visit` for `mas_visit_hold` (or until a
//!   later event); municipal acute bed → `levels.acute_bed`; hospital admission →
//!   `levels.hospital`; a discharge ends the floor and the level is readings-based again.
//!   The suggested level is the higher of the floor and the readings level.
//! * **Future readings** (effective after `now`) are ignored; a reading only ever affects
//!   `I(t)` for `t` at or after its effective time, so replaying history is consistent with
//!   evaluating at each instant.
//! * **Keys.** A key given twice for one parameter counts once. The engine does not know which
//!   version of a source supersedes another: pass only the current version of each source.
//!
//! # For the store
//!
//! Build a [`Timeline`] per citizen; [`Timeline::evaluate`] gives the suggested level now,
//! [`Timeline::replay`] every change (one alarm each, see [`crate::alarm`]), and
//! [`Timeline::levels_at_readings`] the level at each reading's time.
//!
//! The suggested level changes only at a few instants computed from the data (a reading's time,
//! its expiry at `+ lookback`, both `+ hold`, an event's time, a MAS visit's expiry), so
//! [`Timeline::replay`] visits exactly those, and [`Evaluation::change`] names the instant and
//! the cause of the last change: the data-derived anchor of alarm ids ([`crate::alarm`]).

mod model;
mod timeline;

pub use model::{
    EngineReading, Evaluation, Finding, FindingRule, LevelChange, LevelRule, LevelTrigger,
    ReadingLevel, ReadingsBasis, Transition,
};
pub use timeline::{
    Timeline, breaks_relative, evaluate, levels_at_readings, relative_bound, replay,
    transitions_between,
};
