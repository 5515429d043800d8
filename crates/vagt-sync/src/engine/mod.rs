//! One sync run: pull each resource type incrementally, then push the outbox.
//!
//! Split by job:
//!
//! - [`config`]: what a run is given;
//! - [`report`]: what it tells its caller;
//! - [`run`]: the run itself, type by type, then the outbox;
//! - [`pull`]: pulling one type, with its paging and checkpoint;
//! - [`ahead`]: the pages a pull may ask for, the next asked for while one is stored;
//! - [`held`]: the pages stored in one transaction for a while, counted once committed;
//! - [`map`]: a page turned into the domain;
//! - [`push`]: the outbox;
//! - [`push_dispatch`]: a dispatch, merged with the backend's copy and written with `If-Match`;
//! - [`push_visit`]: a visit, its Encounter and then its parts, each created once.

mod ahead;
mod config;
mod held;
mod map;
mod pull;
mod push;
mod push_dispatch;
mod push_visit;
mod report;
mod run;

pub use config::SyncConfig;
pub use held::HeldPages;
pub use report::{Progress, SyncReport, SyncRun};
pub use run::{PULLED_TYPES, UnfinishedRun, sync_once, sync_run, sync_run_unfinished};
