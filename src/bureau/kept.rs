//! Figures worked out from a company's records that pages show on every view (the
//! workbench's risk count and credit grade), kept between views. A figure changes only
//! when the records do — by an action, which leaves a trace row — or when the sandbox date
//! or the credit profile moves, so it is kept with a [`Stamp`] of those and worked out again
//! only when the stamp differs. The cache is per database file and bounded.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use chrono::NaiveDate;

use crate::store::{CompanyId, StoreError, TenantScope};

/// What a kept figure was worked out at: the tenant (its label too: the ids of removed
/// tenants are reused), its credit profile, the sandbox date and its latest trace row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    db: String,
    tenant: i64,
    label: String,
    profile: &'static str,
    today: NaiveDate,
    trace: i64,
}

impl Stamp {
    /// The stamp of the tenant whose row is `record` (its sandbox date is the stamp's): one
    /// indexed read, its latest trace row.
    pub fn read(
        scope: &TenantScope<'_>,
        record: &crate::store::TenantRecord,
    ) -> Result<Stamp, StoreError> {
        Ok(Stamp {
            db: scope.db_path(),
            tenant: scope.id().get(),
            label: record.label.clone(),
            profile: record.credit_profile.as_str(),
            today: record.sandbox_date,
            trace: scope.last_trace_id()?,
        })
    }

    /// The sandbox date it was read on.
    pub fn today(&self) -> NaiveDate {
        self.today
    }
}

type Key = (String, i64, i64, &'static str);
static KEPT: OnceLock<Mutex<HashMap<Key, (Stamp, i64)>>> = OnceLock::new();

/// Figures kept before the cache starts again (a few per company a class works in).
const KEPT_MAX: usize = 50_000;

/// Figure `what` of `company`: the one kept at the same stamp, or `work()`'s, then kept.
pub fn number(
    stamp: &Stamp,
    company: CompanyId,
    what: &'static str,
    work: impl FnOnce() -> Result<i64, StoreError>,
) -> Result<i64, StoreError> {
    let key = (stamp.db.clone(), stamp.tenant, company.0, what);
    let cache = KEPT.get_or_init(Default::default);
    if let Some((at, n)) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key)
        && at == stamp
    {
        return Ok(*n);
    }
    let n = work()?;
    let mut kept = cache.lock().unwrap_or_else(|p| p.into_inner());
    if kept.len() >= KEPT_MAX {
        kept.clear();
    }
    kept.insert(key, (stamp.clone(), n));
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_is_worked_out_again_only_when_its_stamp_changes() {
        let stamp = Stamp {
            db: "kept-test.db".into(),
            tenant: 7,
            label: "t7".into(),
            profile: "course",
            today: NaiveDate::from_ymd_opt(2026, 10, 20).unwrap(),
            trace: 41,
        };
        let company = CompanyId(3);
        let mut runs = 0;
        let mut count = |s: &Stamp, n: i64| {
            number(s, company, "test", || {
                runs += 1;
                Ok(n)
            })
            .unwrap()
        };
        assert_eq!(count(&stamp, 2), 2);
        assert_eq!(count(&stamp, 9), 2, "kept: not worked out again");
        let acted = Stamp {
            trace: 42,
            ..stamp.clone()
        };
        assert_eq!(count(&acted, 1), 1, "an action since");
        let tomorrow = Stamp {
            today: NaiveDate::from_ymd_opt(2026, 10, 21).unwrap(),
            ..acted.clone()
        };
        assert_eq!(count(&tomorrow, 0), 0, "the date moved");
        let reused = Stamp {
            label: "t7-new".into(),
            ..tomorrow.clone()
        };
        assert_eq!(count(&reused, 5), 5, "another tenant under a reused id");
        assert_eq!(runs, 4);
    }
}
