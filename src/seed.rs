//! Filling a database with generated tenants: generation runs on worker threads while
//! the calling thread writes, in seat order, inside one transaction (all or nothing).

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use crate::domain::tax::PolicyError;
use crate::store::{Db, Store, StoreError, TenantId, TraineeKind};
use crate::synth::{self, Preset, Tables, TenantData, TenantSpec};

/// The sandbox date tenants get unless told otherwise: Q3 2026 returns are due.
pub const DEFAULT_SANDBOX_DATE: (i32, u32, u32) = (2026, 10, 12);

/// The presets a seeded tenant's companies follow unless told otherwise.
pub const DEFAULT_PRESETS: [&str; 2] = [
    "small-scale-trading-above-threshold",
    "general-manufacturing",
];

pub fn default_sandbox_date() -> NaiveDate {
    let (y, m, d) = DEFAULT_SANDBOX_DATE;
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

#[derive(Debug, Clone)]
pub struct SeedPlan<'a> {
    pub class_seed: u64,
    /// Store the tenants as `<prefix>-<seat>` (a classroom's) instead of the class seed's
    /// own labels, so two classes may share a seed.
    pub label_prefix: Option<String>,
    pub tenants: u32,
    pub sandbox_date: NaiveDate,
    pub presets: Vec<&'a Preset>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedReport {
    pub tenants: u32,
    pub companies: u64,
    pub rows: u64,
    pub elapsed: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("unknown preset {0}")]
    UnknownPreset(String),
    #[error("tenant {0} already exists")]
    Exists(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Policy(#[from] PolicyError),
}

/// Look presets up by id.
pub fn presets(ids: &[String]) -> Result<Vec<&'static Preset>, SeedError> {
    let tables = Tables::embedded();
    ids.iter()
        .map(|id| {
            tables
                .preset(id)
                .ok_or_else(|| SeedError::UnknownPreset(id.clone()))
        })
        .collect()
}

fn rows_of(t: &TenantData) -> u64 {
    let per_company: usize = t
        .companies
        .iter()
        .map(|c| {
            1 + c.roles.len()
                + 1
                + c.invoices.len()
                + c.ledger.len()
                + c.filings.len()
                + c.payments.len()
                + c.credit_events.len()
        })
        .sum();
    (1 + t.people.len() + per_company) as u64
}

fn label(plan: &SeedPlan<'_>, seat: u32) -> String {
    match &plan.label_prefix {
        Some(p) => format!("{p}-{seat}"),
        None => synth::tenant_label(plan.class_seed, seat),
    }
}

/// Seed seats 1..=N of a class, in one transaction. `each` is called after each tenant is
/// written, inside that transaction, with its seat and id (a classroom adds the seat's
/// trainee there; the command line moves its progress bar).
pub fn seed(
    db: &Db,
    plan: &SeedPlan<'_>,
    mut each: impl FnMut(&Store<'_>, u32, TenantId) -> Result<(), StoreError>,
) -> Result<SeedReport, SeedError> {
    let started = Instant::now();
    let first = label(plan, 1);
    if db.read(|s| s.tenant_by_label(&first))?.is_some() {
        return Err(SeedError::Exists(first));
    }
    // Writing is the slower half and runs on this thread; generators get the other cores.
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .saturating_sub(1)
        .clamp(1, 8) as u32;
    let (tx, rx) = mpsc::sync_channel::<Result<TenantData, PolicyError>>(64);
    let report = std::thread::scope(|scope| {
        for w in 0..workers {
            let tx = tx.clone();
            let plan = plan.clone();
            scope.spawn(move || {
                let mut seat = w + 1;
                while seat <= plan.tenants {
                    let spec = TenantSpec {
                        class_seed: plan.class_seed,
                        seat,
                        sandbox_date: plan.sandbox_date,
                        presets: plan.presets.clone(),
                    };
                    let data = synth::generate(&spec).map(|mut d| {
                        d.label = label(&plan, seat);
                        d
                    });
                    if tx.send(data).is_err() {
                        return; // the writer stopped
                    }
                    seat += workers;
                }
            });
        }
        drop(tx);
        // The receiver lives only as long as the writer: if writing fails, the generators'
        // next send fails and they stop, so the scope can end.
        let rx = rx;
        db.write_bulk_as(move |s| {
            let mut pending = BTreeMap::new();
            let mut next = 1;
            let (mut rows, mut companies) = (0, 0);
            for data in rx.iter() {
                let data = data?;
                pending.insert(data.seat, data);
                // Write in seat order so ids, and so the file, do not depend on thread timing.
                while let Some(data) = pending.remove(&next) {
                    let id = s.insert_tenant(&data).map_err(|e| match e {
                        StoreError::Conflict(_) => SeedError::Exists(data.label.clone()),
                        other => other.into(),
                    })?;
                    rows += rows_of(&data);
                    companies += data.companies.len() as u64;
                    each(s, next, id)?;
                    next += 1;
                }
            }
            Ok::<_, SeedError>(SeedReport {
                tenants: next - 1,
                companies,
                rows,
                elapsed: Duration::ZERO,
            })
        })
    });
    let mut report = report?;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The demo tenant `serve` offers until classrooms exist; created on first start.
/// Its demo trainee is created with it (or later, for a database from before trainees).
pub fn ensure_demo(db: &Db) -> Result<TenantId, SeedError> {
    let tenant = match db.read(|s| s.tenant_by_label(DEMO_LABEL))? {
        Some(t) => t.id,
        None => create_demo(db)?,
    };
    db.write(|s| {
        if s.trainee_of(tenant, TraineeKind::Demo)?.is_none() {
            s.create_trainee(tenant, DEMO_LABEL, TraineeKind::Demo, chrono::Utc::now())?;
        }
        Ok(())
    })?;
    Ok(tenant)
}

fn create_demo(db: &Db) -> Result<TenantId, SeedError> {
    let data = demo_data(DEMO_LABEL)?;
    Ok(db.write(|s| s.insert_tenant(&data))?)
}

/// The demo's data (every preset company, the default sandbox date), labelled `label`:
/// the same for every demo visitor, so a handout about the demo fits each one's tenant.
pub fn demo_data(label: &str) -> Result<synth::TenantData, SeedError> {
    let tables = Tables::embedded();
    let spec = TenantSpec {
        class_seed: 0,
        seat: 0,
        sandbox_date: default_sandbox_date(),
        presets: tables.presets.iter().collect(),
    };
    let mut data = synth::generate(&spec)?;
    data.label = label.to_owned();
    Ok(data)
}

pub const DEMO_LABEL: &str = "demo";
