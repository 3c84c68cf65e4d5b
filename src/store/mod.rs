//! SQLite storage.
//!
//! - One file (WAL, busy timeout, foreign keys on), schema migrations embedded and applied
//!   at start-up. A file that is not a taxlab database, is corrupt, or has a newer schema is
//!   refused, never rewritten.
//! - Handlers never see rusqlite types: they call [`Db::read`]/[`Db::write`] (or the async
//!   [`Db::run_read`]/[`Db::run_write`], which run on the blocking pool) with a closure over
//!   a [`Store`].
//! - Tenant-owned data is reachable only through a [`TenantScope`], which every query filters
//!   by; a [`TenantId`] can only be obtained from the store.

mod attempts;
mod audit;
mod certificates;
mod classes;
mod courses;
mod error;
mod load;
mod messages;
mod portal;
mod records;
mod returns;
mod sandbox;
mod tenants;

use std::path::{Path, PathBuf};
use std::time::Duration;

use r2d2::{Pool, PooledConnection};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

pub use attempts::{Attempt, FaultRow, Mode, NewAttempt};
pub use audit::AuditEntry;
pub use certificates::Certificate;
pub use classes::{ClassRecord, ClassState, NewClass, SeatRecord, User, UserRole};
pub use courses::{CourseRecord, LearnerRecord, NewLearner};
pub use error::StoreError;
pub use messages::Message;
pub use portal::{Account, PhoneMessage, PortalSession, SessionStage, SmsCode, TraceEvent};
pub use records::*;
pub use returns::{Draft, FiledReturn, NewReturn, Remittance};
pub use sandbox::{Trainee, TraineeKind};
pub use tenants::TenantScope;

/// "TXLB": marks a SQLite file as a taxlab database.
const APPLICATION_ID: i64 = 0x5458_4C42;

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("migrations/0001_tenants.sql")),
    M::up(include_str!("migrations/0002_portal.sql")),
    M::up(include_str!("migrations/0003_sandbox.sql")),
    M::up(include_str!("migrations/0004_labs.sql")),
    M::up(include_str!("migrations/0005_classes.sql")),
    M::up(include_str!("migrations/0006_courses.sql")),
    M::up(include_str!("migrations/0007_returns.sql")),
    M::up(include_str!("migrations/0008_culture_fee.sql")),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();

/// A tenant's id. Only the store creates these, from rows it has read or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(i64);

impl TenantId {
    pub fn get(self) -> i64 {
        self.0
    }
}

/// The database: a pool of connections to one file.
#[derive(Clone)]
pub struct Db {
    pool: Pool<SqliteConnectionManager>,
    path: PathBuf,
}

fn configure(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Temporary files (statement journals of multi-row inserts) stay in memory.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

impl Db {
    /// Open (or create) the database file and bring its schema up to date.
    pub fn open(path: &Path) -> Result<Db, StoreError> {
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::Open {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        prepare_schema(&mut conn, path)?;
        drop(conn);
        let manager = SqliteConnectionManager::file(path).with_init(configure);
        let pool = Pool::builder()
            .max_size(8)
            .connection_timeout(Duration::from_secs(10))
            .build(manager)
            .map_err(|e| StoreError::Open {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
        Ok(Db {
            pool,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> Result<PooledConnection<SqliteConnectionManager>, StoreError> {
        self.pool
            .get()
            .map_err(|e| StoreError::Other(format!("connection pool: {e}")))
    }

    /// Run read-only work on the calling thread.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Store<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.conn()?;
        f(&Store { conn: &conn })
    }

    /// Run work in one `BEGIN IMMEDIATE` transaction on the calling thread; it commits
    /// if the closure returns `Ok`.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&Store<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.write_as(f)
    }

    /// [`Db::write`] for work with its own error type.
    pub fn write_as<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Store<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        transaction(&mut *self.conn()?, f)
    }

    /// [`Db::write_as`] for one large transaction (seeding many tenants): the connection
    /// gets 128 MiB of page cache for the duration, so the transaction stays in memory
    /// instead of spilling to the WAL page by page, then goes back to the default.
    pub fn write_bulk_as<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Store<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = self.conn()?;
        conn.pragma_update(None, "cache_size", BULK_CACHE_KIB)
            .map_err(StoreError::from)?;
        let out = transaction(&mut conn, f);
        conn.pragma_update(None, "cache_size", DEFAULT_CACHE_KIB)
            .map_err(StoreError::from)?;
        out
    }

    /// [`Db::read`] on the blocking pool, for async handlers.
    pub async fn run_read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read(f))
            .await
            .map_err(|e| StoreError::Other(e.to_string()))?
    }

    /// [`Db::write`] on the blocking pool, for async handlers.
    pub async fn run_write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write(f))
            .await
            .map_err(|e| StoreError::Other(e.to_string()))?
    }
}

/// Page size of new database files.
const PAGE_SIZE: i64 = 16_384;

/// SQLite's default page cache, and the one bulk loads get (negative: KiB).
const DEFAULT_CACHE_KIB: i64 = -2_000;
const BULK_CACHE_KIB: i64 = -131_072;

/// Run `f` in one `BEGIN IMMEDIATE` transaction, committing if it returns `Ok`.
fn transaction<T, E: From<StoreError>>(
    conn: &mut Connection,
    f: impl FnOnce(&Store<'_>) -> Result<T, E>,
) -> Result<T, E> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(StoreError::from)?;
    let out = f(&Store { conn: &tx })?;
    tx.commit().map_err(StoreError::from)?;
    Ok(out)
}

/// Check the file is ours (or empty) and not from a newer taxlab, then migrate.
fn prepare_schema(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let shown = || path.display().to_string();
    // Only read until the file is known to be ours: even switching to WAL writes the header.
    conn.busy_timeout(Duration::from_secs(5))?;
    let app_id: i64 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|e| classify_open_error(e, &shown()))?;
    let classify = |e| classify_open_error(e, &shown());
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(classify)?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(classify)?;
    if app_id != APPLICATION_ID && (tables > 0 || version != 0) {
        return Err(StoreError::NotTaxlab { path: shown() });
    }
    if version > SCHEMA_VERSION as i64 {
        return Err(StoreError::SchemaTooNew {
            path: shown(),
            found: version,
            supported: SCHEMA_VERSION as i64,
        });
    }
    let check: String = conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))
        .map_err(classify)?;
    if check != "ok" {
        return Err(StoreError::Corrupt {
            path: shown(),
            reason: check,
        });
    }
    if tables == 0 {
        // A new file: larger pages mean fewer b-tree levels and writes per row. Only
        // possible before the first table exists.
        conn.pragma_update(None, "page_size", PAGE_SIZE)?;
    }
    configure(conn).map_err(|e| classify_open_error(e, &shown()))?;
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    // Foreign keys are off while migrating, so a migration may rebuild a table the SQLite
    // way (create, copy, drop, rename) without cascading; then everything is checked.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    Migrations::from_slice(MIGRATIONS)
        .to_latest(conn)
        .map_err(|e| StoreError::Other(format!("migration: {e}")))?;
    let broken: Option<String> = conn
        .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
        .optional()?;
    if let Some(table) = broken {
        return Err(StoreError::Corrupt {
            path: shown(),
            reason: format!("foreign key check failed in {table}"),
        });
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

fn classify_open_error(e: rusqlite::Error, path: &str) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => StoreError::NotTaxlab {
            path: path.to_owned(),
        },
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            path: path.to_owned(),
            reason: e.to_string(),
        },
        _ => StoreError::Open {
            path: path.to_owned(),
            reason: e.to_string(),
        },
    }
}

/// A connection (or transaction) handed to store work.
pub struct Store<'c> {
    conn: &'c Connection,
}

impl<'c> Store<'c> {
    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// The data of one tenant; every query through it is filtered by that tenant.
    pub fn tenant(&self, id: TenantId) -> TenantScope<'c> {
        TenantScope::new(self.conn, id)
    }
}

#[cfg(test)]
mod tests;
