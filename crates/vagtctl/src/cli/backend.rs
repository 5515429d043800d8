//! The citizens' plans and the backend.

use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum PlanAction {
    /// The plan in force (defaults of the citizen's diagnoses with their overrides).
    Show { citizen: String },
    /// The citizen's overrides alone, as a document to edit and import again.
    Export { citizen: String },
    /// Replace the citizen's overrides with a TOML or JSON document (by its extension; `-` reads
    /// TOML from standard input). Checked before it is kept; who and why are recorded.
    Import {
        citizen: String,
        file: PathBuf,
        #[arg(long)]
        reason: String,
        /// The revision(s) the document was made from (`plan show --json` gives `key` and
        /// `conflicts`) [default: the newest now]. A newest revision not named stays in
        /// conflict with this one.
        #[arg(long = "base", value_name = "KEY")]
        bases: Vec<String>,
    },
    /// The revisions in conflict: two or more made from the same one, at different stations.
    Conflicts { citizen: String },
}

#[derive(Debug, Subcommand)]
pub enum BackendAction {
    /// Set the backend URL; asks for its bearer token on the terminal (or reads one line from
    /// standard input) and stores it in the OS keyring.
    Set {
        url: String,
        /// The backend needs no token.
        #[arg(long)]
        no_token: bool,
        /// A certificate authority (PEM file) to trust for the backend besides the OS trust
        /// store, e.g. a region's private CA.
        #[arg(long, value_name = "PEM")]
        ca_file: Option<PathBuf>,
    },
    /// Show the configured backend and whether a token is stored (never the token).
    Show,
}
