//! Vagt's offline-first store: one SQLite database per machine, encrypted with SQLCipher,
//! whose key lives in the OS keyring. Everything the app shows comes from here, so it keeps
//! working with no network; the sync fills it and drains its outbox.
//!
//! Opening is one small state machine (see [`Store::open`]): resolve the key, set the key and
//! connection pragmas outside any transaction, prove the key decrypts the file, then create or
//! upgrade the schema inside one immediate transaction.

mod alarm_rows;
mod alarms;
mod audit;
mod bulk_load;
mod calls;
mod care_events;
mod citizen_rows;
mod citizens;
mod dispatches;
mod enrolments;
mod error;
mod escalation;
mod evaluation;
mod handover;
mod import;
pub mod key;
mod levels;
mod lock_wait;
pub mod migrate;
mod outbox;
mod persons;
mod plans;
mod pull;
#[cfg(test)]
mod query_plan;
mod readings;
mod remote_acks;
mod settings;
mod snoozes;
mod status;
mod sync_runs;
mod timeline;
mod trend;
mod users;
mod visits;
mod withdrawals;
mod worklist;

pub use alarm_rows::AckOutcome;
pub use alarms::{AlarmEpisode, AlarmFilter, AlarmRow, EpisodePage, episodes_of};
pub use audit::{AuditEntry, ChainBreak};
pub use bulk_load::{BULK_LOAD_INDEX, BULK_LOAD_LONGEST_MS, BulkLoadEnded};
pub use calls::{CallSaved, FormDraft};
pub use citizens::NEWS2_MAX_AGE_MS;
pub use dispatches::DispatchSaved;
pub use error::{MAX_SNOOZE_MINUTES, StoreError, TriageError};
pub use escalation::ESCALATION_POLICY_SETTING;
pub use evaluation::EvaluationReport;
pub use handover::ShiftLevels;
pub use key::{DbKey, KeySource};
pub use levels::{LEVEL_HISTORY_LIMIT, LevelHistoryEntry};
pub use lock_wait::writer_waiting;
pub use outbox::{OutboxItem, OutboxRecord};
pub use persons::PersonAdded;
pub use plans::{PlanCheck, PlanForm, PlanRevisionSummary, PlanSaved, PlanView};
pub use pull::{PullBatch, PullReport, Pulled, SourcedCitizen};
pub use readings::{IngestReport, RejectedInput, Rejection, StoredReading};
pub use settings::BACKEND_URL_SETTING;
pub use snoozes::SnoozeOutcome;
pub use status::{StoreStatus, SyncState};
pub use sync_runs::{SyncProgress, SyncRunEnd};
pub use timeline::{PlanRevisionEntry, TimelineRows};
pub use trend::{PlanHistoryStep, TrendReadingRow, TrendRows};
pub use visits::VisitSaved;
pub use worklist::{CitizenSummary, LatestReading, WorklistAfter, WorklistPage};

use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use vagt_core::Timestamp;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Who is acting, for the audit log: a user id (a nurse's login, an operator's OS account, or
/// `system` for sync and rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor(pub String);

impl Actor {
    pub fn system() -> Self {
        Actor("system".into())
    }
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// A transaction is open for pulled pages (`hold_pulls`).
    pulls_held: bool,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// The database must exist.
    Existing,
    /// Create it (and its key) when it does not exist.
    CreateIfMissing,
}

/// Prepared statements kept per connection (`Connection::prepare_cached`): more than the
/// distinct statements of the busiest use case, an evaluation or a sync's page.
const STATEMENT_CACHE_CAPACITY: usize = 128;

/// The connection's settings, the same for every connection to a store.
fn configure(mut conn: Connection) -> Result<Connection> {
    // As `busy_timeout` (10 s), and a sync holding its pages learns that a writer waits.
    conn.busy_handler(Some(lock_wait::wait_for_lock))?;
    // WAL: readers never block the writer, so the UI stays responsive while a sync writes.
    // synchronous=FULL: a committed transaction survives power loss ("loses nothing").
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // SQLCipher decrypts each page it reads into this cache: 64 MiB (rather than 2) keeps
    // the worklist's summary tables of a region decrypted within a burst of reads (until a
    // `release_memory` in the app: 2 s after the window's last use of its connection, once a
    // minute on the rules' clock, and after a sync run).
    conn.pragma_update(None, "cache_size", -65_536)?;
    // rusqlite keeps 16 prepared statements by default; a citizen's evaluation alone runs more,
    // so each was parsed and planned again for every citizen.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
    // Every transaction takes the write lock when it begins. A deferred one that reads
    // first (the audit chain's last hash, a citizen's current readings) and writes later
    // fails at once with "database is locked" when the other connection (the app's, or the
    // sync's) wrote in between, without waiting: SQLite cannot upgrade its stale snapshot.
    conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
    Ok(conn)
}

/// The check SQLCipher keeps with each page (an HMAC of the encrypted page). Verifying pages
/// was most of what SQLCipher spent reading the worklist after another connection wrote.
/// SHA-512 is SQLCipher 4's default and the faster of the two on a processor without SHA
/// instructions (Intel's Core of 2015-2020 among them); on one with them SHA-256 is the faster
/// by far (1.6 GB/s against 0.5 on the machine it was measured on). A new database takes the
/// faster one here. The file does not say which its pages carry: opening tries this
/// processor's first, then the other, so a database made before (SHA-512) or on another
/// machine opens too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageHmac {
    Sha256,
    Sha512,
}

impl PageHmac {
    /// The faster check on this processor.
    pub fn for_this_processor() -> PageHmac {
        if Self::has_sha256_instructions() {
            PageHmac::Sha256
        } else {
            PageHmac::Sha512
        }
    }

    #[cfg(target_arch = "x86_64")]
    fn has_sha256_instructions() -> bool {
        std::arch::is_x86_feature_detected!("sha")
    }

    #[cfg(target_arch = "aarch64")]
    fn has_sha256_instructions() -> bool {
        std::arch::is_aarch64_feature_detected!("sha2")
    }

    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    fn has_sha256_instructions() -> bool {
        false
    }

    /// The check a database made on the other kind of processor carries.
    pub fn other(self) -> PageHmac {
        match self {
            PageHmac::Sha256 => PageHmac::Sha512,
            PageHmac::Sha512 => PageHmac::Sha256,
        }
    }

    /// The value of SQLCipher's `PRAGMA cipher_hmac_algorithm`.
    pub fn pragma_value(self) -> &'static str {
        match self {
            PageHmac::Sha256 => "HMAC_SHA256",
            PageHmac::Sha512 => "HMAC_SHA512",
        }
    }
}

/// A connection to `path` with `key` and `hmac`, proved by a first read; `None` when that read
/// cannot decrypt the database (a wrong key, or the other check).
fn open_keyed(
    path: &Path,
    flags: OpenFlags,
    key: &DbKey,
    hmac: PageHmac,
) -> Result<Option<Connection>> {
    let conn = Connection::open_with_flags(path, flags)?;
    // SQLCipher prints decryption failures to stderr itself; Vagt reports them as errors.
    let _ = conn.pragma_update(None, "cipher_log_level", "NONE");
    key.apply(&conn)?;
    conn.pragma_update(None, "cipher_hmac_algorithm", hmac.pragma_value())?;
    // The first read proves the key: SQLCipher only decrypts on first access.
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(Some(conn)),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) => Ok(None),
        Err(e) => Err(StoreError::Sqlite(e)),
    }
}

impl Store {
    /// Opens (or creates) the database at `path`, with its key from `keys`.
    pub fn open(path: &Path, keys: &KeySource<'_>, mode: OpenMode) -> Result<Store> {
        if mode == OpenMode::CreateIfMissing
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Path {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let path = absolute(path)?;
        let exists = path.exists();
        let key = match (exists, mode) {
            (true, _) => keys.existing_key(&path)?,
            (false, OpenMode::CreateIfMissing) => keys.new_key(&path)?,
            (false, OpenMode::Existing) => return Err(StoreError::NotFound { path }),
        };
        Self::open_with_key(&path, &key, mode)
    }

    /// Opens with a key already in hand (tests, and the key-resolution path above).
    pub fn open_with_key(path: &Path, key: &DbKey, mode: OpenMode) -> Result<Store> {
        let path = absolute(path)?;
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if mode == OpenMode::CreateIfMissing {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        } else if !path.exists() {
            return Err(StoreError::NotFound { path });
        }
        // The first read, of the first page, tells whether its check is this processor's; if
        // not, the connection is opened again with the other. A wrong key fails both (with a
        // passphrase, SQLCipher stretches it twice then).
        let preferred = PageHmac::for_this_processor();
        let conn = match open_keyed(&path, flags, key, preferred)? {
            Some(conn) => conn,
            None => open_keyed(&path, flags, key, preferred.other())?
                .ok_or_else(|| StoreError::CannotDecrypt { path: path.clone() })?,
        };
        let conn = configure(conn)?;
        let mut store = Store {
            conn,
            path,
            pulls_held: false,
        };
        let outcome = migrate::migrate(&mut store.conn, &migrate::CURRENT)?;
        if outcome == migrate::Outcome::Created {
            store.init_new_database()?;
        }
        Ok(store)
    }

    /// A new database at `path` with the store's schema and connection settings but no key:
    /// only for measuring what encryption costs (`vagtctl bench ingest`), never for data.
    pub fn open_unencrypted_for_comparison(path: &Path) -> Result<Store> {
        let conn = configure(Connection::open(path)?)?;
        let mut store = Store {
            conn,
            path: absolute(path)?,
            pulls_held: false,
        };
        if migrate::migrate(&mut store.conn, &migrate::CURRENT)? == migrate::Outcome::Created {
            store.init_new_database()?;
        }
        Ok(store)
    }

    fn init_new_database(&mut self) -> Result<()> {
        let tx = self.conn.transaction()?;
        let id = key::random_hex(16)?;
        tx.execute(
            "INSERT OR IGNORE INTO store_info (key, value) VALUES ('database_id', ?1), ('created_by', ?2)",
            (id, concat!("vagt ", env!("CARGO_PKG_VERSION"))),
        )?;
        tx.execute(
            "INSERT OR IGNORE INTO users (id, display_name, role, created_at) VALUES ('system', 'Vagt', 'system', ?1)",
            [Timestamp::now().millis()],
        )?;
        audit::append_tx(
            &tx,
            &Actor::system(),
            "store.create",
            None,
            None,
            Timestamp::now(),
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Gives back what a connection used now and then holds between uses: the pages it keeps
    /// decrypted (up to 64 MiB), and the memory SQLite freed that the C allocator kept. A first
    /// sync of a region left the sync loop's process holding 215 MiB, 127 of it freed by
    /// SQLite (the index's sort at a bulk load's end among it) and kept by glibc, which gives
    /// back only the top of its heaps on its own. For the rules' clock between beats, the sync
    /// loop between runs and the window's connection once the window lets it be. SQLite is
    /// built with `SQLITE_ENABLE_MEMORY_MANAGEMENT`, so the process's connections share one
    /// group of page caches: this also gives back the unused pages of the others
    /// (`tests/memory.rs`).
    pub fn release_memory(&self) -> Result<()> {
        self.conn.execute_batch("PRAGMA shrink_memory")?;
        trim_c_heap();
        Ok(())
    }

    /// The bytes this connection's page cache holds now (SQLite's `SQLITE_DBSTATUS_CACHE_USED`):
    /// what a [`Store::release_memory`], on this connection or another, gives back.
    #[allow(unsafe_code)]
    pub fn page_cache_bytes(&self) -> Result<i64> {
        let (mut current, mut highest) = (0, 0);
        // SAFETY: the handle is this open connection's and outlives the call; the two out
        // pointers are live locals; sqlite3_db_status only reads the connection's counters.
        let rc = unsafe {
            rusqlite::ffi::sqlite3_db_status(
                self.conn.handle(),
                rusqlite::ffi::SQLITE_DBSTATUS_CACHE_USED,
                &mut current,
                &mut highest,
                0,
            )
        };
        if rc != rusqlite::ffi::SQLITE_OK {
            return Err(rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(rc), None).into());
        }
        Ok(i64::from(current))
    }

    /// Direct access for the crates that own other tables (sync, alarms) and for tests.
    pub fn connection(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// Returns the C heap's free pages to the system (glibc keeps them otherwise).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn trim_c_heap() {
    // SAFETY: malloc_trim takes no pointer, touches only the allocator's own free lists under
    // its locks, and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other C libraries give freed memory back on their own, or offer no way to ask.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_c_heap() {}

/// An absolute path without requiring the file to exist (the key is stored per absolute path).
fn absolute(path: &Path) -> Result<PathBuf> {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|source| StoreError::Path {
                path: path.to_path_buf(),
                source,
            })?
            .join(path)
    };
    // Canonicalise the directory (resolving symlinks and `..`), keep the file name.
    match (joined.parent(), joined.file_name()) {
        (Some(dir), Some(name)) if dir.exists() => Ok(dir
            .canonicalize()
            .map_err(|source| StoreError::Path {
                path: dir.to_path_buf(),
                source,
            })?
            .join(name)),
        _ => Ok(joined),
    }
}

/// Where Vagt keeps its database when no path is given: the platform's data directory.
pub fn default_database_path() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("vagt").join("vagt.db"))
}
