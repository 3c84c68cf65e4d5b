//! Writes a page makes while it only reads: appending to the trace, touching a session,
//! ending an idle one. On a read connection they wait here and are applied afterwards in
//! one short write (`Db::run_mostly_read`); nothing the page reads depends on them.

use chrono::{DateTime, Utc};

use super::{Store, StoreError, TenantId};

/// One deferred write, with the tenant it belongs to.
#[derive(Debug)]
pub enum Pending {
    Trace {
        tenant: TenantId,
        at: DateTime<Utc>,
        person: Option<i64>,
        action: String,
        result: String,
        detail: serde_json::Value,
    },
    Touch {
        tenant: TenantId,
        token: String,
        seen: DateTime<Utc>,
    },
    EndSession {
        tenant: TenantId,
        token: String,
    },
}

impl Store<'_> {
    /// Apply what a read deferred, in order.
    pub(super) fn apply(&self, pending: Vec<Pending>) -> Result<(), StoreError> {
        for p in pending {
            match p {
                Pending::Trace {
                    tenant,
                    at,
                    person,
                    action,
                    result,
                    detail,
                } => self
                    .tenant(tenant)
                    .trace(at, person, &action, &result, &detail)?,
                Pending::Touch {
                    tenant,
                    token,
                    seen,
                } => self.tenant(tenant).touch_session(&token, seen)?,
                Pending::EndSession { tenant, token } => {
                    self.tenant(tenant).delete_session(&token)?;
                }
            }
        }
        Ok(())
    }
}
