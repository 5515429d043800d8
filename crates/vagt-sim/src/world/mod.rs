//! The simulated backend's data: the cohort loaded as FHIR resources, and the changes made to
//! it live (new, late, corrected and retracted readings and forms, new citizens, what clients
//! push). Every choice is drawn from the seed and a counter, so a run replays.
//!
//! The cohort's symptom and CAT scores are served as QuestionnaireResponses to the clinic's
//! forms, answers that sum to the score, and never also as Observations: each score exists
//! once on the server, as it does in the clinic.
//!
//! Split by job:
//!
//! - [`model`]: what the world holds;
//! - [`load`]: the world built from the cohort at start;
//! - [`write`](mod@write): the one way the simulator's own facts reach the store;
//! - [`advance`] and [`draw`]: the live changes;
//! - [`pushed`]: what clients create;
//! - [`snapshot`]: what a fully synced client must hold.

mod advance;
mod draw;
mod load;
mod model;
mod pushed;
mod snapshot;
mod write;

pub(crate) use model::{SimClock, World};
