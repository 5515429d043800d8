//! Why a simulator could not start or serve. Its own module because both the faults (an
//! unknown profile name) and the server (binding, serving, its trap and TLS) end in it.

use std::net::SocketAddr;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(
        "unknown fault profile {0:?}; known: {known}",
        known = crate::faults::FaultProfile::NAMES.join(", ")
    )]
    UnknownProfile(String),
    #[error("cannot open the trap listener of the foreign-next fault: {0}")]
    Trap(std::io::Error),
    #[error("cannot serve HTTPS: {0}")]
    Tls(String),
    #[error("the server stopped with an error: {0}")]
    Serve(std::io::Error),
}
