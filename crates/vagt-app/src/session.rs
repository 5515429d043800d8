//! A session: the database of this station, who is acting, and where changes are told. The app
//! and `vagtctl` start one the same way ([`StoreLocation`], [`resolve_actor`],
//! [`init_logging`]); every use case is a method on it and takes the acting user explicitly.

use crate::window_use::WindowUse;
use crate::{AppError, ChangeSink, NoWindow};
use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::runtime::Handle;
use vagt_secrets::OsKeyring;
use vagt_store::{Actor, KeySource, OpenMode, Store};
use zeroize::Zeroizing;

/// Where the database is and how its key is found: the same for the window's connection, the
/// background sync's and `vagtctl`'s.
#[derive(Clone, Default)]
pub struct StoreLocation {
    /// The database file; the platform's data directory when `None`.
    pub db: Option<PathBuf>,
    /// A passphrase instead of the OS keyring, for throwaway demo databases only.
    pub throwaway_key: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for StoreLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreLocation")
            .field("db", &self.db)
            .field("throwaway_key", &self.throwaway_key.as_ref().map(|_| "…"))
            .finish()
    }
}

impl StoreLocation {
    pub fn path(&self) -> Result<PathBuf, AppError> {
        self.db
            .clone()
            .or_else(vagt_store::default_database_path)
            .ok_or(AppError::NoDatabasePath)
    }

    /// A new connection to the database, its key from the OS keyring (or the throwaway key).
    pub fn open(&self, mode: OpenMode) -> Result<Store, AppError> {
        let keyring = OsKeyring::default();
        let keys = KeySource::choose(self.throwaway_key.clone(), &keyring);
        Ok(Store::open(&self.path()?, &keys, mode)?)
    }
}

/// Who is acting: the user named at start (`--as`), else the OS account. One rule for the app
/// and `vagtctl`, so the audit log names people the same way whichever was used.
pub fn resolve_actor(named: Option<String>) -> Actor {
    let named = named.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    Actor(
        named
            .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
            .or_else(|| std::env::var("LOGNAME").ok().filter(|u| !u.is_empty()))
            .or_else(|| std::env::var("USERNAME").ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| "unknown-user".into()),
    )
}

/// Logs to standard error, filtered by `VAGT_LOG` (default `warn`). Log lines carry codes and
/// ids, never health data.
pub fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("VAGT_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
}

/// The station's session: one database connection for the use cases, the location to open
/// more (the background sync has its own), and whom to tell about changes.
pub struct Session {
    /// Shared with the thread that gives back its cache when the window lets it be
    /// ([`crate::window_use`]).
    store: Arc<Mutex<Store>>,
    location: StoreLocation,
    sink: Arc<dyn ChangeSink>,
    /// When a use case last let `store` be.
    used: Arc<WindowUse>,
    /// The threads the use cases run on, when they run on a runtime's (the app's commands):
    /// what they freed is given back with `store`'s cache.
    use_threads: Option<Handle>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl Session {
    pub fn open(location: StoreLocation, mode: OpenMode) -> Result<Session, AppError> {
        let store = location.open(mode)?;
        Ok(Session {
            store: Arc::new(Mutex::new(store)),
            location,
            sink: Arc::new(NoWindow),
            used: Arc::default(),
            use_threads: None,
        })
    }

    /// Changes are told to `sink` from now on.
    pub fn with_sink(mut self, sink: Arc<dyn ChangeSink>) -> Session {
        self.sink = sink;
        self
    }

    /// The use cases are called on `runtime`'s workers (the window's commands are): when the
    /// window lets the connection be, what those threads freed and mimalloc kept is given back
    /// too, as a thread gives back its own only when it allocates again.
    pub fn with_use_threads(mut self, runtime: Handle) -> Session {
        self.use_threads = Some(runtime);
        self
    }

    pub fn location(&self) -> &StoreLocation {
        &self.location
    }

    pub(crate) fn sink(&self) -> &dyn ChangeSink {
        self.sink.as_ref()
    }

    pub(crate) fn sink_handle(&self) -> Arc<dyn ChangeSink> {
        Arc::clone(&self.sink)
    }

    pub(crate) fn store(&self) -> Result<StoreInUse<'_>, AppError> {
        let guard = self.store.lock().map_err(|_| AppError::Poisoned)?;
        Ok(StoreInUse {
            guard,
            used: &self.used,
        })
    }

    /// The session's connection, when it was last let be, and the threads that use it, for
    /// the thread that gives back what they hold.
    pub(crate) fn store_and_use(&self) -> (Arc<Mutex<Store>>, Arc<WindowUse>, Option<Handle>) {
        (
            Arc::clone(&self.store),
            Arc::clone(&self.used),
            self.use_threads.clone(),
        )
    }
}

/// The session's connection while a use case holds it; letting it go is told to
/// [`WindowUse`].
pub(crate) struct StoreInUse<'a> {
    guard: MutexGuard<'a, Store>,
    used: &'a WindowUse,
}

impl Deref for StoreInUse<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.guard
    }
}

impl DerefMut for StoreInUse<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        &mut self.guard
    }
}

impl Drop for StoreInUse<'_> {
    fn drop(&mut self) {
        self.used.touch();
    }
}
