//! How a simulator starts: the cohort, the clock, the token and the faults. Plain data, so a
//! test, the CLI and the demo each build their own.

use crate::faults::FaultProfile;
use vagt_core::Timestamp;

/// How a simulator starts.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The cohort's seed: the same seed gives the same citizens and readings.
    pub seed: u64,
    pub citizens: usize,
    /// Days of history before `end`.
    pub days: u32,
    /// The cohort's "now". The server's clock starts here and runs with real time.
    pub end: Timestamp,
    /// When set, every request but `GET /fhir/metadata` needs `Authorization: Bearer <token>`.
    pub token: Option<String>,
    pub faults: FaultProfile,
    /// Seeds the fault draws (request n of a server always gets the same fault).
    pub fault_seed: u64,
}

impl Default for SimConfig {
    /// The demo cohort (seed 2018, 50 citizens, 120 days) ending now, no token, no faults.
    fn default() -> Self {
        SimConfig {
            seed: vagt_cohort::CohortSpec::DEFAULT_SEED,
            citizens: vagt_cohort::CohortSpec::DEFAULT_CITIZENS,
            days: vagt_cohort::CohortSpec::DEFAULT_DAYS,
            end: Timestamp::now(),
            token: None,
            faults: FaultProfile::none(),
            fault_seed: 1,
        }
    }
}
