//! How a simulator starts: the cohort, the clock, the token and the faults; and where it
//! listens, over HTTP or HTTPS. Plain data, so a test, the CLI and the demo each build their own.

use crate::faults::FaultProfile;
use std::net::SocketAddr;
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

/// Where and how a simulator listens: separate from [`SimConfig`], which says what it serves.
#[derive(Debug, Clone)]
pub struct ListenConfig {
    /// Port 0: any free port.
    pub addr: SocketAddr,
    /// Serve HTTPS with this certificate and key instead of plain HTTP.
    pub tls: Option<TlsFiles>,
}

impl Default for ListenConfig {
    /// Plain HTTP on `127.0.0.1`, any free port.
    fn default() -> Self {
        ListenConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: None,
        }
    }
}

/// A certificate chain (leaf first) and its private key, both PEM, for serving HTTPS: what a
/// test of a region's private CA needs.
#[derive(Clone)]
pub struct TlsFiles {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
}

impl std::fmt::Debug for TlsFiles {
    // The key stays out of logs and test output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsFiles")
            .field("cert_pem", &format_args!("{} bytes", self.cert_pem.len()))
            .field("key_pem", &"<redacted>")
            .finish()
    }
}
