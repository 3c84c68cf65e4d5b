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
mod credit;
mod credit_refunds;
mod deferred;
mod disputes;
mod error;
pub mod gc;
pub mod limits;
mod load;
mod messages;
mod outbox;
mod plant;
mod portal;
mod proofs;
mod queries;
mod records;
mod refunds;
mod returns;
mod sandbox;
mod surveys;
mod tenants;
mod tests_store;

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, mpsc};
use std::time::Duration;

use r2d2::{Pool, PooledConnection};
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use rusqlite_migration::{M, Migrations};

pub use attempts::{Attempt, FaultRow, Finished, LiveHead, Mode, NewAttempt};
pub use audit::AuditEntry;
pub use certificates::Certificate;
pub use classes::{ClassRecord, ClassState, NewClass, SEAT_PIN_TRIES, SeatRecord, User, UserRole};
pub use courses::{CourseRecord, LearnerRecord, NewLearner};
pub use credit::{ApplicationKind, CreditApplication, ReturnSettled};
pub use credit_refunds::{CreditRefund, RefundRefusal};
use deferred::Pending;
pub use disputes::Dispute;
pub use error::StoreError;
pub use messages::Message;
pub use outbox::{OutboxCounts, Queued};
pub use portal::{Account, PhoneMessage, PortalSession, SessionStage, SmsCode, TraceEvent};
pub use proofs::{NewProof, Proof};
pub use queries::PaymentLine;
pub use records::*;
pub use refunds::{Overpayment, Refund, RefundFile, RiskResponse};
pub use returns::{Draft, FiledReturn, NewReturn, Remittance};
pub use sandbox::{Trainee, TraineeKind};
pub use surveys::{FollowUpRecord, FollowUpReport, SurveyRecord, SurveyResponse};
pub use tenants::{InvoiceTotal, TenantScope};
pub use tests_store::{MarkedAnswer, NewTest, TestAttempt, TestOwner, TestRecord};

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
    M::up(include_str!("migrations/0009_prepared_tenants.sql")),
    M::up(include_str!("migrations/0010_hardening.sql")),
    M::up(include_str!("migrations/0011_culture_fee_cut.sql")),
    M::up(include_str!("migrations/0012_tax_proofs.sql")),
    M::up(include_str!("migrations/0013_proof_kinds.sql")),
    M::up(include_str!("migrations/0014_lab_answers.sql")),
    M::up(include_str!("migrations/0015_tests.sql")),
    M::up(include_str!("migrations/0016_surveys.sql")),
    M::up(include_str!("migrations/0017_follow_ups.sql")),
    M::up(include_str!("migrations/0018_xapi_outbox.sql")),
    M::up(include_str!("migrations/0019_ended_hand_in.sql")),
    M::up(include_str!("migrations/0020_pause_freezes_time.sql")),
    M::up(include_str!("migrations/0021_credit.sql")),
    M::up(include_str!("migrations/0022_refunds.sql")),
    M::up(include_str!("migrations/0023_risk.sql")),
    M::up(include_str!("migrations/0024_disputes.sql")),
    M::up(include_str!("migrations/0025_credit_refunds.sql")),
    M::up(include_str!("migrations/0026_records_total.sql")),
    M::up(include_str!("migrations/0027_refund_refusals.sql")),
];

/// Copy the database at `src` to a new file `out` while a server may be using it: SQLite's
/// online backup, all pages in one read snapshot (writers go on meanwhile), then the copy is
/// checked. The source is not migrated (a backup comes before an upgrade). Returns the
/// copy's size in bytes and its schema version.
pub fn backup(src: &Path, out: &Path) -> Result<(u64, i64), StoreError> {
    let from = Connection::open_with_flags(
        src,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    from.busy_timeout(std::time::Duration::from_secs(30))?;
    let id: i64 = from.pragma_query_value(None, "application_id", |r| r.get(0))?;
    if id != APPLICATION_ID {
        return Err(StoreError::NotTaxlab {
            path: src.display().to_string(),
        });
    }
    // Claim the name first (never overwriting); an empty file is a new SQLite database.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(|e| StoreError::Other(format!("{}: {e}", out.display())))?;
    let copied = copy_into(&from, out);
    if copied.is_err() {
        let _ = std::fs::remove_file(out);
    }
    copied
}

/// [`backup`]'s copy and check, into the file it claimed.
fn copy_into(from: &Connection, out: &Path) -> Result<(u64, i64), StoreError> {
    let mut to = Connection::open(out)?;
    {
        use rusqlite::backup::StepResult;
        let b = rusqlite::backup::Backup::new(from, &mut to)?;
        // Every page in one step: one read snapshot, so the copy is one moment's database.
        // A writer holding the file locked is waited for, a minute at most.
        let started = std::time::Instant::now();
        loop {
            match b.step(-1)? {
                StepResult::Done => break,
                _ if started.elapsed() > std::time::Duration::from_secs(60) => {
                    return Err(StoreError::Other("the database stayed locked".into()));
                }
                _ => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        }
    }
    let problems: Vec<String> = to
        .prepare("PRAGMA quick_check")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if problems != ["ok"] {
        return Err(StoreError::Other(problems.join("; ")));
    }
    let version: i64 = to.pragma_query_value(None, "user_version", |r| r.get(0))?;
    drop(to);
    Ok((
        std::fs::metadata(out).map(|m| m.len()).unwrap_or(0),
        version,
    ))
}

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

/// The database: one writer connection behind an in-process queue, and a pool of
/// read-only connections beside it.
///
/// - Writes from async code ([`Db::run_write`]) are jobs on a queue served by one writer
///   thread, which owns the only write connection. It takes every job waiting, runs each in
///   a savepoint of one `BEGIN IMMEDIATE` transaction (a job that fails rolls back alone) and
///   commits them together (group commit), then answers each. Waiting for the writer is
///   waiting on a channel: no request holds a connection or sleeps in SQLite's busy handler.
/// - Synchronous writes ([`Db::write`], from the command line, seeding, tests) take the same
///   connection directly, between two batches.
/// - Reads use their own `query_only` connections in one read transaction each (a snapshot),
///   never waiting for the writer (WAL). At most [`READERS`] run at once from async code; the
///   rest wait for a permit, not on a thread.
#[derive(Clone)]
pub struct Db {
    /// Before `writer`: the last `Db` dropped stops the writer thread first, so the write
    /// connection closes with it (checkpointing the WAL into the file).
    queue: Arc<Queue>,
    readers: Pool<SqliteConnectionManager>,
    read_permits: Arc<tokio::sync::Semaphore>,
    writer: Arc<Mutex<Connection>>,
    path: PathBuf,
}

/// The writer's queue and its thread.
struct Queue {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Queue {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(t) = self.thread.take()
            && t.thread().id() != std::thread::current().id()
        {
            let _ = t.join();
        }
    }
}

/// Read-only connections used at once by async readers (one per core, and one more so a
/// reader blocked on I/O does not idle a core).
const READERS: usize = 3;

/// Statements each connection keeps prepared: more than the store has, so none is
/// prepared twice.
const STATEMENT_CACHE: usize = 512;

/// Jobs one group commit takes at most.
const BATCH: usize = 64;

/// A queued write: runs inside its savepoint, says whether it succeeded (keep its savepoint)
/// and hands back what answers the caller once the batch has committed, or failed to.
type Job = Box<dyn FnOnce(&Store<'_>) -> (bool, Reply) + Send>;
type Reply = Box<dyn FnOnce(Result<(), String>) + Send>;

fn configure(conn: &mut Connection) -> rusqlite::Result<()> {
    // Only another process (a `taxlab seed` beside the server) can hold the lock.
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Temporary files (statement journals of multi-row inserts) stay in memory.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

fn configure_reader(conn: &mut Connection) -> rusqlite::Result<()> {
    configure(conn)?;
    // No mmap: every commit makes a reader unmap and map the file again at its next read
    // (munmap was 10 % of a page's time), for no measurable gain in pages per second.
    conn.pragma_update(None, "query_only", "ON")
}

impl Db {
    /// Open (or create) the database file and bring its schema up to date.
    ///
    /// Opening checks the header, the `application_id` and the schema version, not every
    /// page: `taxlab check` ([`Db::check`]) reads the whole file on demand.
    pub fn open(path: &Path) -> Result<Db, StoreError> {
        let opened = |e: &dyn std::fmt::Display| StoreError::Open {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| opened(&e))?;
        prepare_schema(&mut conn, path)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let manager = SqliteConnectionManager::file(path)
            .with_flags(OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .with_init(configure_reader);
        let readers = Pool::builder()
            .max_size(8)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .build(manager)
            .map_err(|e| opened(&e))?;
        let writer = Arc::new(Mutex::new(conn));
        let (queue, jobs) = mpsc::channel::<Job>();
        let served = writer.clone();
        let thread = std::thread::Builder::new()
            .name("taxlab-writer".into())
            .spawn(move || serve_writes(&served, &jobs))
            .map_err(|e| opened(&e))?;
        Ok(Db {
            queue: Arc::new(Queue {
                jobs: Some(queue),
                thread: Some(thread),
            }),
            readers,
            read_permits: Arc::new(tokio::sync::Semaphore::new(READERS)),
            writer,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Rows changed through the write connection since the database was opened: a GET page
    /// that leaves this alone wrote nothing.
    pub fn total_changes(&self) -> u64 {
        lock(&self.writer).total_changes()
    }

    /// `PRAGMA integrity_check` over the whole file (`quick_check` unless `thorough`):
    /// "ok", or what is wrong.
    /// A page too damaged for the check to go on is itself the answer.
    pub fn check(&self, thorough: bool) -> Result<Vec<String>, StoreError> {
        let conn = self.reader()?;
        let run = || -> rusqlite::Result<Vec<String>> {
            let mut stmt = conn.prepare(if thorough {
                "PRAGMA integrity_check"
            } else {
                "PRAGMA quick_check"
            })?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        };
        match run() {
            Ok(rows) => Ok(rows),
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
                ) =>
            {
                Ok(vec![e.to_string()])
            }
            Err(e) => Err(e.into()),
        }
    }

    fn reader(&self) -> Result<PooledConnection<SqliteConnectionManager>, StoreError> {
        self.readers
            .get()
            .map_err(|e| StoreError::Other(format!("connection pool: {e}")))
    }

    /// Run read-only work on the calling thread, in one read transaction.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Store<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.reader()?;
        read_transaction(&conn, None, f)
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
        transaction(&mut lock(&self.writer), f)
    }

    /// [`Db::write_as`] for one large transaction (seeding many tenants): the connection
    /// gets 128 MiB of page cache for the duration, so the transaction stays in memory
    /// instead of spilling to the WAL page by page, then goes back to the default.
    pub fn write_bulk_as<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Store<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut conn = lock(&self.writer);
        conn.pragma_update(None, "cache_size", BULK_CACHE_KIB)
            .map_err(StoreError::from)?;
        let out = transaction(&mut conn, f);
        conn.pragma_update(None, "cache_size", DEFAULT_CACHE_KIB)
            .map_err(StoreError::from)?;
        out
    }

    /// [`Db::read`] on the blocking pool, for async handlers; at most [`READERS`] at once.
    pub async fn run_read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        Ok(self.run_read_deferring(f).await?.0)
    }

    /// [`Db::run_read`] whose store defers the writes a page may make while it reads (the
    /// trace, a session's last-seen time, an idle session's end) instead of refusing them:
    /// they come back to be applied by [`Db::apply`].
    async fn run_read_deferring<T, F>(&self, f: F) -> Result<(T, Vec<Pending>), StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let permit = self
            .read_permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| StoreError::Other(e.to_string()))?;
        let db = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = db.reader()?;
            let deferred = RefCell::new(Vec::new());
            let out = read_transaction(&conn, Some(&deferred), f)?;
            Ok((out, deferred.into_inner()))
        })
        .await
        .map_err(|e| StoreError::Other(e.to_string()))?
    }

    /// Work that usually only reads (a page): run on a read connection, with its trace and
    /// session touches applied afterwards in one short write. Work that turns out to need
    /// to write anything else (the read connection refuses it) runs again, whole, as a
    /// write.
    pub async fn run_mostly_read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store<'_>) -> Result<T, StoreError> + Clone + Send + 'static,
    {
        match self.run_read_deferring(f.clone()).await {
            Ok((out, pending)) => {
                if !pending.is_empty() {
                    self.run_write(move |s| s.apply(pending)).await?;
                }
                Ok(out)
            }
            Err(e) if e.is_read_only() => self.run_write(f).await,
            Err(e) => Err(e),
        }
    }

    /// [`Db::write`] through the writer's queue, for async handlers: the caller waits
    /// without a thread or a connection until its job has committed.
    pub async fn run_write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Store<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel::<Result<T, StoreError>>();
        let job: Job = Box::new(move |s| {
            let out = f(s);
            let ok = out.is_ok();
            let reply: Reply = Box::new(move |committed| {
                let answer = match committed {
                    Ok(()) => out,
                    Err(e) => out.and(Err(StoreError::Other(e))),
                };
                let _ = tx.send(answer);
            });
            (ok, reply)
        });
        self.queue
            .jobs
            .as_ref()
            .and_then(|q| q.send(job).ok())
            .ok_or_else(|| StoreError::Other("the writer has stopped".into()))?;
        rx.await
            .map_err(|_| StoreError::Other("the write failed unexpectedly".into()))?
    }
}

/// The writer connection, even after a panic elsewhere left its lock poisoned (any
/// transaction that panic left open is rolled back).
fn lock(writer: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    let conn = writer
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    conn
}

/// The writer thread: group commit over the queue until every [`Db`] is gone.
fn serve_writes(writer: &Mutex<Connection>, jobs: &mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let conn = lock(writer);
        let replies = run_batch(&conn, batch);
        let committed = conn.execute_batch("COMMIT").map_err(|e| {
            let _ = conn.execute_batch("ROLLBACK");
            e.to_string()
        });
        drop(conn);
        for reply in replies {
            reply(committed.clone());
        }
    }
}

/// Run a batch in one open transaction, each job in its own savepoint.
fn run_batch(conn: &Connection, batch: Vec<Job>) -> Vec<Reply> {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        // nothing ran: every job is dropped, and its caller told the write failed
        tracing::error!(error = %e, "writer could not begin a transaction");
        return Vec::new();
    }
    let store = Store { conn, defer: None };
    let mut replies = Vec::with_capacity(batch.len());
    for job in batch {
        let began = conn.execute_batch("SAVEPOINT job");
        if began.is_err() {
            continue;
        }
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&store))) {
            Ok((true, reply)) => {
                let _ = conn.execute_batch("RELEASE job");
                replies.push(reply);
            }
            Ok((false, reply)) => {
                let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
                replies.push(reply);
            }
            Err(_) => {
                // the job's reply went with it: its caller is told the write failed
                tracing::error!("a write panicked; its changes were rolled back");
                let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
            }
        }
    }
    replies
}

/// Run `f` in one read transaction (one snapshot of the file).
fn read_transaction<T>(
    conn: &Connection,
    defer: Option<&RefCell<Vec<Pending>>>,
    f: impl FnOnce(&Store<'_>) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    if !conn.is_autocommit() {
        // a reader that panicked left its transaction open
        conn.execute_batch("ROLLBACK")?;
    }
    conn.prepare_cached("BEGIN")?.execute([])?;
    let out = f(&Store { conn, defer });
    conn.prepare_cached("COMMIT")?.execute([])?;
    out
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
    let out = f(&Store {
        conn: &tx,
        defer: None,
    })?;
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
    if tables == 0 {
        // A new file: larger pages mean fewer b-tree levels and writes per row. Only
        // possible before the first table exists.
        conn.pragma_update(None, "page_size", PAGE_SIZE)?;
    }
    configure(conn).map_err(|e| classify_open_error(e, &shown()))?;
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    // Foreign keys are off while migrating, so a migration may rebuild a table the SQLite
    // way (create, copy, drop, rename) without cascading; then everything is checked.
    // (Only after a migration ran: on a file already up to date the whole-file check would
    // be most of the start-up time.)
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    Migrations::from_slice(MIGRATIONS)
        .to_latest(conn)
        .map_err(|e| StoreError::Other(format!("migration: {e}")))?;
    let broken: Option<String> = if version < SCHEMA_VERSION as i64 {
        conn.query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()?
    } else {
        None
    };
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
    /// On a page's read connection: where the writes it may make wait to be applied.
    defer: Option<&'c RefCell<Vec<Pending>>>,
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
        TenantScope::new(self.conn, id, self.defer)
    }
}

#[cfg(test)]
mod tests;
