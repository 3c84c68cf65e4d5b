//! What the grader looks at: the attempt's tenant state and its trace, read once into a
//! plain value so grading is a pure function of it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::store::{CompanyId, StoreError, TenantScope, TraceEvent};

#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The person the trainee plays, and the lab's clerk (the first company's tax clerk at
    /// the start).
    pub me: i64,
    pub clerk: i64,
    /// The first company.
    pub company: i64,
    pub names: BTreeMap<i64, String>,
    pub trace: Vec<TraceEvent>,
    pub two_factor: bool,
    pub locked: bool,
    /// (person, company, role) held when graded.
    pub roles: Vec<(i64, i64, String)>,
    /// Announcements published by the sandbox date, and those the trainee opened.
    pub announcements: Vec<String>,
    pub announcements_read: Vec<String>,
}

impl Facts {
    /// Events by the trainee's person with this action and result.
    pub fn mine(&self, action: &str, result: &str) -> usize {
        self.trace
            .iter()
            .filter(|e| e.person_id == Some(self.me) && e.action == action && e.result == result)
            .count()
    }

    /// Refused attempts (any result but `ok`) at these actions, by the trainee's person or
    /// by nobody known (a login for an unknown account).
    pub fn my_failures(&self, actions: &[&str]) -> usize {
        self.trace
            .iter()
            .filter(|e| {
                (e.person_id == Some(self.me) || e.person_id.is_none())
                    && actions.contains(&e.action.as_str())
                    && e.result != "ok"
            })
            .count()
    }

    /// Read the facts of an attempt's tenant.
    pub fn read(
        scope: &TenantScope<'_>,
        me: i64,
        clerk: i64,
        now: DateTime<Utc>,
    ) -> Result<Facts, StoreError> {
        let companies = scope.companies()?;
        let company = companies
            .first()
            .map(|c| c.id)
            .ok_or(StoreError::NotFound)?;
        let mut roles = Vec::new();
        let mut names = BTreeMap::new();
        for c in &companies {
            for st in scope.staff(CompanyId(c.id))? {
                names.insert(st.person.id, st.person.value.name.clone());
                roles.push((st.person.id, c.id, st.role.as_str().to_owned()));
            }
        }
        for p in [me, clerk] {
            names.insert(p, scope.person(p)?.value.name);
        }
        let account = scope.account(me)?;
        let today = scope.record()?.sandbox_date;
        Ok(Facts {
            me,
            clerk,
            company,
            names,
            trace: scope.trace_events()?,
            two_factor: account.two_factor,
            locked: account.locked_until.is_some_and(|t| t > now),
            roles,
            announcements: crate::bureau::messages::announcements(today)
                .into_iter()
                .map(|a| a.id.clone())
                .collect(),
            announcements_read: scope.announcements_read(me)?.into_iter().collect(),
        })
    }
}

/// An event's detail as JSON (an unreadable one reads as null).
pub fn detail(e: &TraceEvent) -> serde_json::Value {
    serde_json::from_str(&e.detail).unwrap_or_default()
}
