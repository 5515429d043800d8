//! Why a simulator could not start or serve. Its own module because both the faults (an
//! unknown profile name) and the server (binding, serving) end in it.

use std::net::SocketAddr;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(
        "unknown fault profile {0:?}; known: none, slow, flaky, duplicates, late, timeout, hostile, no-next-links"
    )]
    UnknownProfile(String),
    #[error("the server stopped with an error: {0}")]
    Serve(std::io::Error),
}
