//! Tenants: writing a generated tenant, and the tenant-scoped reads.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::records::{CompanyId, PaymentRecord, Staff, Stored, TenantCounts, TenantRecord};
use super::{Store, StoreError, TenantId};
use crate::domain::entities::{
    BankAccount, Company, CreditEvent, CreditEventKind, Filing, Invoice, InvoiceDirection,
    InvoiceKind, LedgerMonth, Person, ReturnKind, Role, TaxItem, TaxpayerType,
};
use crate::domain::ids::{BankAccountNo, InvoiceNo, Mobile, ResidentId, Uscc};
use crate::domain::money::{Fen, Rate};
use crate::domain::period::{TaxPeriod, YearMonth};
use crate::domain::tax::LocationTier;
use crate::domain::tax::credit::{CreditProfileKind, Grade};

fn bad(what: &str, value: &str) -> StoreError {
    StoreError::BadData(format!("{what}: {value:?}"))
}

/// The columns `id, direction, number, kind, issued_on, counterparty_name,
/// counterparty_uscc, item, amount_fen, rate_ppm, tax_fen` of an invoice.
pub(super) const INVOICE_COLUMNS: &str = "id, direction, number, kind, issued_on, counterparty_name, counterparty_uscc, item, amount_fen, rate_ppm, tax_fen";

/// An invoice from a row of [`INVOICE_COLUMNS`].
pub(super) fn invoice_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<Result<Stored<Invoice>, StoreError>> {
    let (dir, no, kind, issued, cp_uscc): (String, String, String, String, String) =
        (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(6)?);
    Ok((|| {
        Ok(Stored {
            id: r.get(0)?,
            value: Invoice {
                direction: parse_opt("direction", &dir, InvoiceDirection::parse)?,
                number: parse_with("invoice number", &no, InvoiceNo::parse)?,
                kind: parse_opt("invoice kind", &kind, InvoiceKind::parse)?,
                issued_on: date(&issued)?,
                counterparty_name: r.get(5)?,
                counterparty_uscc: parse_with("uscc", &cp_uscc, Uscc::parse)?,
                item: r.get(7)?,
                amount: Fen::new(r.get(8)?),
                rate: Rate::from_ppm(r.get(9)?),
                tax: Fen::new(r.get(10)?),
            },
        })
    })())
}

pub(super) fn date(text: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad("date", text))
}

fn parse_with<T, E>(
    what: &str,
    text: &str,
    f: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, StoreError> {
    f(text).map_err(|_| bad(what, text))
}

pub(super) fn parse_opt<T>(
    what: &str,
    text: &str,
    f: impl FnOnce(&str) -> Option<T>,
) -> Result<T, StoreError> {
    f(text).ok_or_else(|| bad(what, text))
}

impl Store<'_> {
    /// Find a tenant by its label.
    pub fn tenant_by_label(&self, label: &str) -> Result<Option<TenantRecord>, StoreError> {
        self.conn
            .prepare_cached("SELECT id, label, class_seed, seat, sandbox_date, credit_profile, culture_fee_local_cut_ppm FROM tenants WHERE label = ?1")?.query_row([label],
                tenant_row)
            .optional()?
            .transpose()
    }

    /// How many tenants the file holds.
    pub fn tenant_count(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM tenants")?
            .query_row([], |r| r.get(0))?)
    }

    /// The `n` newest invoices of the `seat`-th tenant, as text (number, date, counterparty,
    /// amount, tax): what the benchmark's baseline page reads, 20 indexed rows.
    pub fn invoice_sample(&self, seat: i64, n: i64) -> Result<Vec<[String; 5]>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT number, issued_on, counterparty_name, amount_fen, tax_fen FROM invoices
             WHERE company_id = (SELECT id FROM companies WHERE tenant_id =
                 (SELECT id FROM tenants ORDER BY id LIMIT 1 OFFSET ?1) ORDER BY id LIMIT 1)
               AND direction = 'sales'
             ORDER BY number DESC LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![seat, n], |r| {
                Ok([
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    Fen::new(r.get(3)?).to_string(),
                    Fen::new(r.get(4)?).to_string(),
                ])
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// All tenants, oldest first.
    pub fn tenants(&self) -> Result<Vec<TenantRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached("SELECT id, label, class_seed, seat, sandbox_date, credit_profile, culture_fee_local_cut_ppm FROM tenants ORDER BY id")?;
        let rows = stmt
            .query_map([], tenant_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }
}

type Raw<T> = rusqlite::Result<Result<T, StoreError>>;

/// Invoices of one direction, kind and rate, added up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvoiceTotal {
    pub direction: InvoiceDirection,
    pub kind: InvoiceKind,
    pub rate: Rate,
    pub amount: Fen,
    pub tax: Fen,
}

fn tenant_row(r: &Row<'_>) -> Raw<TenantRecord> {
    let sandbox: String = r.get(4)?;
    let profile: String = r.get(5)?;
    Ok((|| {
        Ok(TenantRecord {
            id: TenantId(r.get(0)?),
            label: r.get(1)?,
            class_seed: r.get::<_, i64>(2)? as u64,
            seat: r.get(3)?,
            sandbox_date: date(&sandbox)?,
            credit_profile: parse_opt("credit profile", &profile, CreditProfileKind::parse)?,
            culture_fee_local_cut: crate::domain::money::Rate::from_ppm(r.get(6)?),
        })
    })())
}

/// One tenant's data. Every query names the tenant; ids from elsewhere (URLs, forms)
/// that belong to another tenant come back as [`StoreError::NotFound`].
pub struct TenantScope<'c> {
    pub(super) conn: &'c Connection,
    tenant: TenantId,
    defer: Option<&'c std::cell::RefCell<Vec<super::Pending>>>,
}

const COMPANY_COLUMNS: &str = "id, preset, name, uscc, industry_code, industry, taxpayer_type, vat_quarterly, credit_grade,
    credit_score, registered_on, division_code, address, location_tier, headcount, total_assets_fen, restricted_industry";

impl<'c> TenantScope<'c> {
    pub(super) fn new(
        conn: &'c Connection,
        tenant: TenantId,
        defer: Option<&'c std::cell::RefCell<Vec<super::Pending>>>,
    ) -> TenantScope<'c> {
        TenantScope {
            conn,
            tenant,
            defer,
        }
    }

    /// On a read connection: keep `p` to be applied after the read, instead of writing.
    /// `false` when this scope writes directly.
    pub(super) fn deferred(&self, p: impl FnOnce() -> super::Pending) -> bool {
        match self.defer {
            Some(d) => {
                d.borrow_mut().push(p());
                true
            }
            None => false,
        }
    }

    pub fn id(&self) -> TenantId {
        self.tenant
    }

    pub(super) fn t(&self) -> i64 {
        self.tenant.0
    }

    pub(super) fn conn(&self) -> &'c Connection {
        self.conn
    }

    pub fn record(&self) -> Result<TenantRecord, StoreError> {
        self.conn
            .prepare_cached("SELECT id, label, class_seed, seat, sandbox_date, credit_profile, culture_fee_local_cut_ppm FROM tenants WHERE id = ?1")?.query_row([self.t()],
                tenant_row)?
    }

    /// Move the tenant's simulated "today" (a lab's setup, a test).
    pub fn set_sandbox_date(&self, date: NaiveDate) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE tenants SET sandbox_date = ?2 WHERE id = ?1")?
            .execute(params![self.t(), date.to_string()])?;
        Ok(())
    }

    /// Change the credit profile in force (a lab's setup, a test).
    pub fn set_credit_profile(&self, kind: CreditProfileKind) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE tenants SET credit_profile = ?2 WHERE id = ?1")?
            .execute(params![self.t(), kind.as_str()])?;
        Ok(())
    }

    pub fn companies(&self) -> Result<Vec<Stored<Company>>, StoreError> {
        let sql =
            format!("SELECT {COMPANY_COLUMNS} FROM companies WHERE tenant_id = ?1 ORDER BY id");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map([self.t()], company_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    pub fn company(&self, id: CompanyId) -> Result<Stored<Company>, StoreError> {
        let sql =
            format!("SELECT {COMPANY_COLUMNS} FROM companies WHERE tenant_id = ?1 AND id = ?2");
        self.conn
            .prepare_cached(&sql)?
            .query_row(params![self.t(), id.0], company_row)?
    }

    /// The people who act for a company, with their roles.
    pub fn staff(&self, company: CompanyId) -> Result<Vec<Staff>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, p.name, p.resident_id, p.mobile, p.email, r.role FROM company_roles r
             JOIN people p ON p.tenant_id = r.tenant_id AND p.id = r.person_id
             WHERE r.tenant_id = ?1 AND r.company_id = ?2 ORDER BY r.role, p.id",
        )?;
        let rows = stmt
            .query_map(params![self.t(), company.0], |r| {
                let (id, name, rid, mobile, email, role): (
                    i64,
                    String,
                    String,
                    String,
                    String,
                    String,
                ) = (
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                );
                Ok((|| {
                    Ok(Staff {
                        person: Stored {
                            id,
                            value: Person {
                                name,
                                resident_id: parse_with("resident id", &rid, ResidentId::parse)?,
                                mobile: parse_with("mobile", &mobile, Mobile::parse)?,
                                email,
                            },
                        },
                        role: parse_opt("role", &role, Role::parse)?,
                    })
                })())
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    pub fn bank_account(&self, company: CompanyId) -> Result<Stored<BankAccount>, StoreError> {
        // refunds, 留抵退税 (and surcharges an upheld dispute returns) reach the account on their 退库
        // date, by the tenant's sandbox clock
        self.conn.prepare_cached("SELECT b.id, b.bank_name, b.account_no,
               b.balance_fen + (SELECT COALESCE(SUM(r.amount_fen), 0) FROM refunds r JOIN tenants t ON t.id = r.tenant_id
                                WHERE r.tenant_id = b.tenant_id AND r.company_id = b.company_id AND r.treasury_on <= t.sandbox_date)
               + (SELECT COALESCE(SUM(c.amount_fen), 0) FROM credit_refunds c JOIN tenants t ON t.id = c.tenant_id
                  WHERE c.tenant_id = b.tenant_id AND c.company_id = b.company_id AND c.treasury_on <= t.sandbox_date)
               + (SELECT COALESCE(SUM(d.charged_fen - d.due_fen), 0) FROM disputes d JOIN tenants t ON t.id = d.tenant_id
                  WHERE d.tenant_id = b.tenant_id AND d.company_id = b.company_id AND d.upheld = 1 AND d.treasury_on <= t.sandbox_date),
               b.tripartite_agreement FROM bank_accounts b
             WHERE b.tenant_id = ?1 AND b.company_id = ?2 ORDER BY b.id LIMIT 1")?.query_row(params![self.t(), company.0],
            |r| {
                let no: String = r.get(2)?;
                Ok((|| {
                    Ok(Stored {
                        id: r.get(0)?,
                        value: BankAccount {
                            bank_name: r.get(1)?,
                            account_no: parse_with("account", &no, BankAccountNo::parse)?,
                            balance: Fen::new(r.get(3)?),
                            tripartite_agreement: r.get(4)?,
                        },
                    })
                })())
            })?
    }

    /// Invoices of a company issued between two dates inclusive, by date.
    pub fn invoices(
        &self,
        company: CompanyId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Stored<Invoice>>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {INVOICE_COLUMNS}
             FROM invoices WHERE tenant_id = ?1 AND company_id = ?2 AND issued_on BETWEEN ?3 AND ?4 ORDER BY issued_on, id"
        ))?;
        let rows = stmt
            .query_map(
                params![self.t(), company.0, from.to_string(), to.to_string()],
                invoice_row,
            )?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// The company's invoices issued from `from` to `to`, added up by direction, kind and
    /// rate in SQL (a return's prefill needs the sums, not the rows).
    pub fn invoice_totals(
        &self,
        company: CompanyId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<InvoiceTotal>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT direction, kind, rate_ppm, sum(amount_fen), sum(tax_fen) FROM invoices
             WHERE tenant_id = ?1 AND company_id = ?2 AND issued_on BETWEEN ?3 AND ?4
             GROUP BY direction, kind, rate_ppm ORDER BY direction, kind, rate_ppm",
        )?;
        let rows = stmt
            .query_map(
                params![self.t(), company.0, from.to_string(), to.to_string()],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(dir, kind, rate, amount, tax)| {
                Ok(InvoiceTotal {
                    direction: parse_opt("direction", &dir, InvoiceDirection::parse)?,
                    kind: parse_opt("invoice kind", &kind, InvoiceKind::parse)?,
                    rate: Rate::from_ppm(rate),
                    amount: Fen::new(amount),
                    tax: Fen::new(tax),
                })
            })
            .collect()
    }

    pub fn ledger(&self, company: CompanyId) -> Result<Vec<LedgerMonth>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT month, revenue_fen, cost_fen, expenses_fen, profit_fen FROM ledger_months
             WHERE tenant_id = ?1 AND company_id = ?2 ORDER BY month",
        )?;
        let rows = stmt
            .query_map(params![self.t(), company.0], |r| {
                let month: String = r.get(0)?;
                Ok((|| {
                    Ok(LedgerMonth {
                        month: parse_with("month", &month, YearMonth::parse)?,
                        revenue: Fen::new(r.get(1)?),
                        cost: Fen::new(r.get(2)?),
                        expenses: Fen::new(r.get(3)?),
                        profit: Fen::new(r.get(4)?),
                    })
                })())
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    pub fn filings(&self, company: CompanyId) -> Result<Vec<Stored<Filing>>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, kind, period, deadline, filed_on, total_due_fen, assessment FROM filings
             WHERE tenant_id = ?1 AND company_id = ?2 ORDER BY period, kind, id",
        )?;
        let rows = stmt
            .query_map(params![self.t(), company.0], |r| {
                let (kind, period, deadline, filed): (String, String, String, String) =
                    (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
                Ok((|| {
                    Ok(Stored {
                        id: r.get(0)?,
                        value: Filing {
                            kind: parse_opt("return kind", &kind, ReturnKind::parse)?,
                            period: parse_with("period", &period, TaxPeriod::parse)?,
                            deadline: date(&deadline)?,
                            filed_on: date(&filed)?,
                            total_due: Fen::new(r.get(5)?),
                            assessment_json: r.get(6)?,
                        },
                    })
                })())
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// How many of the company's payments were due before `day` and are still unpaid.
    pub fn arrears_count(&self, company: CompanyId, day: NaiveDate) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn
            .prepare_cached(
                "SELECT count(*) FROM payments WHERE tenant_id = ?1 AND company_id = ?2
                 AND due_on < ?3 AND paid_on IS NULL",
            )?
            .query_row(params![self.t(), company.0, day.to_string()], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    pub fn payments(&self, company: CompanyId) -> Result<Vec<PaymentRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, filing_id, item, amount_fen, due_on, paid_on, late_fee_fen FROM payments
             WHERE tenant_id = ?1 AND company_id = ?2 ORDER BY due_on, id",
        )?;
        let rows = stmt
            .query_map(params![self.t(), company.0], |r| {
                let (item, due, paid): (String, String, Option<String>) =
                    (r.get(2)?, r.get(4)?, r.get(5)?);
                Ok((|| {
                    Ok(PaymentRecord {
                        id: r.get(0)?,
                        filing_id: r.get(1)?,
                        item: parse_opt("tax item", &item, TaxItem::parse)?,
                        amount: Fen::new(r.get(3)?),
                        due_on: date(&due)?,
                        paid_on: paid.as_deref().map(date).transpose()?,
                        late_fee: Fen::new(r.get(6)?),
                    })
                })())
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// The company's credit events, oldest first.
    pub fn credit_events(
        &self,
        company: CompanyId,
    ) -> Result<Vec<Stored<CreditEvent>>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT occurred_on, kind, period, points, return_kind, id FROM credit_events WHERE tenant_id = ?1 AND company_id = ?2 ORDER BY occurred_on, id",
        )?;
        let rows = stmt
            .query_map(params![self.t(), company.0], |r| {
                let (on, kind, period): (String, String, String) =
                    (r.get(0)?, r.get(1)?, r.get(2)?);
                let return_kind: Option<String> = r.get(4)?;
                let id: i64 = r.get(5)?;
                Ok((|| {
                    Ok(Stored {
                        id,
                        value: CreditEvent {
                            on: date(&on)?,
                            kind: parse_opt("credit event", &kind, CreditEventKind::parse)?,
                            period: parse_with("period", &period, TaxPeriod::parse)?,
                            return_kind: return_kind
                                .as_deref()
                                .map(|k| parse_opt("return kind", k, ReturnKind::parse))
                                .transpose()?,
                            points: r.get(3)?,
                        },
                    })
                })())
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// How many rows the tenant holds in each table.
    pub fn counts(&self) -> Result<TenantCounts, StoreError> {
        let count = |table: &str| -> Result<u64, StoreError> {
            let sql = format!("SELECT count(*) FROM {table} WHERE tenant_id = ?1");
            Ok(self
                .conn
                .query_row(&sql, [self.t()], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok(TenantCounts {
            companies: count("companies")?,
            people: count("people")?,
            invoices: count("invoices")?,
            ledger_months: count("ledger_months")?,
            filings: count("filings")?,
            payments: count("payments")?,
            credit_events: count("credit_events")?,
        })
    }

    /// Every row the tenant owns, as text, in a stable order: what "byte-identical
    /// tenants" is checked against.
    pub fn dump(&self) -> Result<String, StoreError> {
        let mut out = String::new();
        for (table, order) in DUMP_TABLES {
            let sql = format!("SELECT * FROM {table} WHERE tenant_id = ?1 ORDER BY {order}");
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let n = stmt.column_count();
            let mut rows = stmt.query([self.t()])?;
            while let Some(row) = rows.next()? {
                out.push_str(table);
                for i in 0..n {
                    let v: rusqlite::types::Value = row.get(i)?;
                    out.push('\t');
                    out.push_str(&match v {
                        rusqlite::types::Value::Null => "NULL".to_owned(),
                        rusqlite::types::Value::Integer(i) => i.to_string(),
                        rusqlite::types::Value::Real(f) => f.to_string(),
                        rusqlite::types::Value::Text(t) => t,
                        rusqlite::types::Value::Blob(b) => format!("{b:?}"),
                    });
                }
                out.push('\n');
            }
        }
        Ok(out)
    }
}

const DUMP_TABLES: [(&str, &str); 9] = [
    ("people", "id"),
    ("companies", "id"),
    ("company_roles", "company_id, person_id, role"),
    ("bank_accounts", "id"),
    ("invoices", "id"),
    ("ledger_months", "company_id, month"),
    ("filings", "id"),
    ("payments", "id"),
    ("credit_events", "id"),
];

fn company_row(r: &Row<'_>) -> Raw<Stored<Company>> {
    let (uscc, tp, grade, registered, tier): (String, String, String, String, String) =
        (r.get(3)?, r.get(6)?, r.get(8)?, r.get(10)?, r.get(13)?);
    Ok((|| {
        Ok(Stored {
            id: r.get(0)?,
            value: Company {
                preset: r.get(1)?,
                name: r.get(2)?,
                uscc: parse_with("uscc", &uscc, Uscc::parse)?,
                industry_code: r.get(4)?,
                industry: r.get(5)?,
                taxpayer_type: parse_opt("taxpayer type", &tp, TaxpayerType::parse)?,
                vat_quarterly: r.get(7)?,
                credit_grade: parse_opt("credit grade", &grade, Grade::parse)?,
                credit_score: r.get(9)?,
                registered_on: date(&registered)?,
                division_code: r.get(11)?,
                address: r.get(12)?,
                tier: parse_opt("location tier", &tier, LocationTier::parse)?,
                headcount: r.get(14)?,
                total_assets: Fen::new(r.get(15)?),
                restricted_industry: r.get(16)?,
            },
        })
    })())
}
