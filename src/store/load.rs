//! Writing a generated tenant. Rows go in many per statement (SQLite spends much of a
//! one-row insert on the statement itself, and seeding writes hundreds of thousands),
//! with ids given explicitly so children can point at their parents.

use rusqlite::Connection;
use rusqlite::types::ToSqlOutput::{self, Borrowed, Owned};
use rusqlite::types::{Value, ValueRef};

use super::{Store, StoreError, TenantId};
use crate::synth::TenantData;

/// Rows per statement; the widest table (invoices, 12 columns) stays far below SQLite's
/// limit on bound parameters.
const CHUNK: usize = 32;

type Row<'a> = Vec<ToSqlOutput<'a>>;

fn int(v: i64) -> ToSqlOutput<'static> {
    Owned(Value::Integer(v))
}

fn text(v: &str) -> ToSqlOutput<'_> {
    Borrowed(ValueRef::Text(v.as_bytes()))
}

fn owned(v: String) -> ToSqlOutput<'static> {
    Owned(Value::Text(v))
}

/// Insert rows into `table (columns)`, `CHUNK` per statement.
fn insert_rows(
    c: &Connection,
    table: &str,
    columns: &str,
    rows: Vec<Row<'_>>,
) -> Result<(), StoreError> {
    let width = columns.split(',').count();
    let one = format!("({})", vec!["?"; width].join(", "));
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Row<'_>> = rows.by_ref().take(CHUNK).collect();
        let n = chunk.len();
        let sql = format!(
            "INSERT INTO {table} ({columns}) VALUES {}",
            vec![one.as_str(); n].join(", ")
        );
        let written = c
            .prepare_cached(&sql)?
            .execute(rusqlite::params_from_iter(chunk.into_iter().flatten()))?;
        if written != n {
            return Err(StoreError::Other(format!(
                "{table}: wrote {written} of {n} rows"
            )));
        }
    }
    Ok(())
}

/// Insert rows into a table with an `id` primary key, giving each row the next id
/// explicitly (we hold the write lock), and return the ids in order.
fn insert_with_ids(
    c: &Connection,
    table: &str,
    columns: &str,
    rows: Vec<Row<'_>>,
) -> Result<Vec<i64>, StoreError> {
    let first: i64 = c.query_row(
        &format!("SELECT coalesce(max(id), 0) + 1 FROM {table}"),
        [],
        |r| r.get(0),
    )?;
    let ids: Vec<i64> = (first..first + rows.len() as i64).collect();
    let rows = rows
        .into_iter()
        .zip(&ids)
        .map(|(mut row, id)| {
            row.insert(0, int(*id));
            row
        })
        .collect();
    insert_rows(c, table, &format!("id, {columns}"), rows)?;
    Ok(ids)
}

impl Store<'_> {
    /// Write a generated tenant, all of it, and return its id.
    pub fn insert_tenant(&self, t: &TenantData) -> Result<TenantId, StoreError> {
        let c = self.conn;
        let tenant = insert_with_ids(
            c,
            "tenants",
            "label, class_seed, seat, sandbox_date",
            vec![vec![
                text(&t.label),
                int(t.class_seed as i64),
                int(i64::from(t.seat)),
                owned(t.sandbox_date.to_string()),
            ]],
        )
        .map_err(|e| match e {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("tenant {} already exists", t.label))
            }
            other => other,
        })?[0];
        let people = t
            .people
            .iter()
            .map(|p| {
                vec![
                    int(tenant),
                    text(&p.name),
                    text(p.resident_id.as_str()),
                    text(p.mobile.as_str()),
                    text(&p.email),
                ]
            })
            .collect();
        let person_ids = insert_with_ids(
            c,
            "people",
            "tenant_id, name, resident_id, mobile, email",
            people,
        )?;

        for data in &t.companies {
            let co = &data.company;
            let company = insert_with_ids(
                c,
                "companies",
                "tenant_id, preset, name, uscc, industry_code, industry, taxpayer_type, vat_quarterly, credit_grade, \
                 credit_score, registered_on, division_code, address, location_tier, headcount, total_assets_fen, \
                 restricted_industry",
                vec![vec![
                    int(tenant),
                    text(&co.preset),
                    text(&co.name),
                    text(co.uscc.as_str()),
                    text(&co.industry_code),
                    text(&co.industry),
                    text(co.taxpayer_type.as_str()),
                    int(i64::from(co.vat_quarterly)),
                    text(co.credit_grade.as_str()),
                    int(i64::from(co.credit_score)),
                    owned(co.registered_on.to_string()),
                    text(&co.division_code),
                    text(&co.address),
                    text(co.tier.as_str()),
                    int(co.headcount),
                    int(co.total_assets.fen()),
                    int(i64::from(co.restricted_industry)),
                ]],
            )?[0];
            let roles = data
                .roles
                .iter()
                .map(|(person, role)| {
                    vec![
                        int(tenant),
                        int(company),
                        int(person_ids[*person]),
                        text(role.as_str()),
                    ]
                })
                .collect();
            insert_rows(
                c,
                "company_roles",
                "tenant_id, company_id, person_id, role",
                roles,
            )?;
            let b = &data.bank;
            insert_with_ids(
                c,
                "bank_accounts",
                "tenant_id, company_id, bank_name, account_no, balance_fen, tripartite_agreement",
                vec![vec![
                    int(tenant),
                    int(company),
                    text(&b.bank_name),
                    text(b.account_no.as_str()),
                    int(b.balance.fen()),
                    int(i64::from(b.tripartite_agreement)),
                ]],
            )?;
            let invoices = data
                .invoices
                .iter()
                .map(|i| {
                    vec![
                        int(tenant),
                        int(company),
                        text(i.direction.as_str()),
                        text(i.number.as_str()),
                        text(i.kind.as_str()),
                        owned(i.issued_on.to_string()),
                        text(&i.counterparty_name),
                        text(i.counterparty_uscc.as_str()),
                        text(&i.item),
                        int(i.amount.fen()),
                        int(i.rate.ppm()),
                        int(i.tax.fen()),
                    ]
                })
                .collect();
            insert_with_ids(
                c,
                "invoices",
                "tenant_id, company_id, direction, number, kind, issued_on, counterparty_name, counterparty_uscc, item, \
                 amount_fen, rate_ppm, tax_fen",
                invoices,
            )?;
            let ledger = data
                .ledger
                .iter()
                .map(|m| {
                    vec![
                        int(tenant),
                        int(company),
                        owned(m.month.to_string()),
                        int(m.revenue.fen()),
                        int(m.cost.fen()),
                        int(m.expenses.fen()),
                        int(m.profit.fen()),
                    ]
                })
                .collect();
            insert_rows(
                c,
                "ledger_months",
                "tenant_id, company_id, month, revenue_fen, cost_fen, expenses_fen, profit_fen",
                ledger,
            )?;
            let filings = data
                .filings
                .iter()
                .map(|f| {
                    vec![
                        int(tenant),
                        int(company),
                        text(f.kind.as_str()),
                        owned(f.period.to_string()),
                        owned(f.deadline.to_string()),
                        owned(f.filed_on.to_string()),
                        int(f.total_due.fen()),
                        text(&f.assessment_json),
                    ]
                })
                .collect();
            let filing_ids = insert_with_ids(
                c,
                "filings",
                "tenant_id, company_id, kind, period, deadline, filed_on, total_due_fen, assessment",
                filings,
            )?;
            let payments = data
                .payments
                .iter()
                .map(|p| {
                    let filing = filing_ids
                        .get(p.filing)
                        .copied()
                        .ok_or_else(|| StoreError::BadData("payment without filing".into()))?;
                    Ok(vec![
                        int(tenant),
                        int(company),
                        int(filing),
                        text(p.item.as_str()),
                        int(p.amount.fen()),
                        owned(p.due_on.to_string()),
                        p.paid_on
                            .map_or(Owned(Value::Null), |d| owned(d.to_string())),
                        int(p.late_fee.fen()),
                    ])
                })
                .collect::<Result<_, StoreError>>()?;
            insert_with_ids(
                c,
                "payments",
                "tenant_id, company_id, filing_id, item, amount_fen, due_on, paid_on, late_fee_fen",
                payments,
            )?;
            let events = data
                .credit_events
                .iter()
                .map(|e| {
                    vec![
                        int(tenant),
                        int(company),
                        owned(e.on.to_string()),
                        text(e.kind.as_str()),
                        owned(e.period.to_string()),
                        e.return_kind
                            .map_or(Owned(Value::Null), |k| text(k.as_str())),
                        int(i64::from(e.points)),
                    ]
                })
                .collect();
            insert_with_ids(
                c,
                "credit_events",
                "tenant_id, company_id, occurred_on, kind, period, return_kind, points",
                events,
            )?;
        }
        Ok(TenantId(tenant))
    }
}
