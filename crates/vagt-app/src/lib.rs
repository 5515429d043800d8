//! Vagt's use cases, in one place for the desktop app and `vagtctl`: a [`Session`] over this
//! station's database, the acting user passed to every use case, the backend and its token,
//! the background sync and the rules' clock.
//!
//! Each use case ends its follow-ups here ([`follow_up`]): the citizens a change affected are
//! evaluated, and the window is told what to show again ([`StoreChanged`] through a
//! [`ChangeSink`]). The adapters (`src-tauri`, `vagtctl`) only parse, call and map errors.

mod alarms;
pub mod allocator;
mod backend;
mod background;
pub mod bench;
mod calls;
mod changes;
mod citizen_page;
mod demo;
mod dispatches;
mod error;
pub mod follow_up;
mod handover;
mod handover_document;
mod levels;
mod persons;
mod plans;
mod records;
mod session;
mod sync;
mod sync_loop;
mod timeline;
mod trend;
mod visits;
mod wakeups;
mod window_use;

pub use backend::{BackendView, backend_client, backend_token, check_backend_url};
pub use background::{BackgroundHandle, BackgroundPlan};
pub use calls::{CallForm, CallRecorded};
pub use changes::{ChangeSink, NoWindow, STORE_CHANGED_EVENT, StoreChanged};
pub use citizen_page::{
    CitizenDetails, CitizenPage, PAGE_READINGS_LIMIT, PAGE_READINGS_WINDOW_MS, PageReading,
    PageVisit,
};
pub use demo::DemoReport;
pub use dispatches::{DispatchChanged, DispatchEdit, DispatchForm};
pub use error::{AppError, ErrorReport};
pub use handover::{Handover, HandoverCitizen, NurseWord, PreviousHandover};
pub use handover_document::handover_pages;
pub use levels::{BulkLoadEnd, EvaluationScope, LevelConfirmed, LevelsView, parse_level};
pub use persons::{PersonDispatchForm, PersonDispatched};
pub use plans::PlanChanged;
pub use records::{AuditReport, StationStatus, parse_citizen, parse_citizens};
pub use session::{Session, StoreLocation, init_logging, resolve_actor};
pub use sync::sync_and_follow_up;
pub use sync_loop::SyncObserver;
pub use timeline::{TimelineEntry, TimelineItem, TimelineKind, TimelineMarker};
pub use trend::{
    SPARKLINE_POINTS, SPARKLINE_WINDOW_MS, SparkPoint, Sparkline, format_of, parse_language,
    parse_range, render,
};
pub use visits::{VisitForm, VisitRecorded};
pub use wakeups::{OutboxWatch, SAFETY_NET, SyncDue, SyncWakeups};
