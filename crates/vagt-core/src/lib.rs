//! Vagt's domain, free of I/O so that its rules are tested fast and exactly.
//!
//! Everything that crosses into the app from outside (a FHIR resource, a demo file, a form)
//! is turned into these types at the edge, with units converted to the canonical unit of each
//! [`Parameter`]. Storage, sync and UI build on these types and never re-interpret raw input.
//!
//! The modules depend on each other in one direction only: `limits` and `care_event` under
//! `plan`, `plan` under `ecm_engine`, and `ecm_engine` under `alarm`.

pub mod alarm;
pub mod call;
pub mod care_event;
pub mod citizen;
pub mod dispatch;
pub mod ecm;
pub mod ecm_engine;
pub mod enrolment;
pub mod handover;
pub mod i18n;
pub mod limits;
pub mod medicine;
pub mod news2;
pub mod outbound;
pub mod parameter;
pub mod person;
pub mod plan;
pub mod reading;
pub mod time_util;
pub mod units;
pub mod visit;

pub use care_event::{CareEvent, CareEventKind, CareEventUpdate};
pub use citizen::{Citizen, CitizenId, Diagnosis};
pub use ecm::{EcmLevel, LevelKind};
pub use ecm_engine::{EngineReading, Evaluation};
pub use enrolment::{Enrolment, EnrolmentStatus};
pub use parameter::Parameter;
pub use plan::{PlanDocument, PlanError, TriagePlan};
pub use reading::{IncomingMeasurement, Reading, RejectReason, SourceRef};
pub use time_util::Timestamp;
