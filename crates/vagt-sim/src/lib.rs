//! `vagt-sim`: a simulated telemedicine backend speaking HL7 FHIR R4 JSON over HTTP.
//!
//! It serves the synthetic cohort ([`vagt_cohort`]) as Patients, Conditions and
//! Observations coded the ways real backends code them (Danish NPU/MedCom, LOINC, IEEE 11073
//! MDC), with the symptom and CAT scores as QuestionnaireResponses to the clinic's forms (each
//! score once, never also as an Observation) and a few Encounters along the exacerbations (a
//! MAS visit, a hospital stay, a stay in a municipal acute bed), changes it live
//! ([`RunningSim::advance`]), takes what a nurse station or another system pushes (create,
//! conditional create, transactions; a created Encounter is served like the cohort's), keeps
//! R4 Subscriptions on its websocket (`/fhir/websocket`, named in its CapabilityStatement: a
//! `ping` to each bound Subscription whose type was written), and misbehaves on demand ([`FaultProfile`]), from an unreliable network to a hostile server.
//! It serves plain HTTP or, with a certificate, HTTPS ([`spawn_with`]). It is the sync's test
//! double and the app's demo backend.
//!
//! ```no_run
//! # async fn demo() -> Result<(), vagt_sim::SimError> {
//! let sim = vagt_sim::spawn(vagt_sim::SimConfig::default()).await?;
//! println!("FHIR base: {}", sim.base_url);
//! sim.advance(vagt_sim::AdvanceSpec { new_readings: 5, ..Default::default() }).await;
//! let expected = sim.snapshot().await;
//! # let _ = expected;
//! sim.shutdown().await;
//! # Ok(()) }
//! ```

mod changes;
mod config;
mod error;
mod faults;
mod fhir;
mod http;
mod pki;
mod readings;
mod server;
mod shared;
mod store;
mod stored_text;
mod tls;
mod traffic;
mod trap;
mod world;

pub use changes::{AdvanceReport, AdvanceSpec, ChangedResource};
pub use config::{ListenConfig, SimConfig, TlsFiles};
pub use error::SimError;
pub use faults::FaultProfile;
pub use fhir::CodeStyle;
pub use pki::{PrivateCa, private_ca};
pub use readings::{
    ServerEncounter, ServerObservation, ServerPatient, ServerQuestionnaireResponse, ServerReadings,
    ServerValue,
};
pub use server::{RunningSim, spawn, spawn_on, spawn_with};
pub use traffic::{TrafficCounts, TrafficReport};
pub use trap::TrapReport;
