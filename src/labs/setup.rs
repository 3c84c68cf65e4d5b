//! A lab's starting point: the prior state written into a fresh tenant (a forgotten
//! password, a lockout, an expired certificate, a role not yet granted…) and the faults
//! that make the simulated bureau misbehave the way the real one does.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::bureau::certificate;
use crate::bureau::login::{LoginError, hash_password};
use crate::domain::entities::{ReturnKind, Role};
use crate::domain::password::PortalPolicy;
use crate::store::{CompanyId, StoreError, TenantScope};

use super::plant::setup_error;

/// The names a lab's story, steps and hints may use in braces, filled from the attempt's
/// own tenant (so no two trainees share the values).
pub const PLACEHOLDERS: &[&str] = &[
    "company",
    "uscc",
    "initial_password",
    "password",
    "me.name",
    "me.mobile",
    "me.resident_id",
    "clerk.name",
    "clerk.resident_id",
    "certificate.pin",
    "period",
    "deadline",
    "unbilled_sales",
    "over_declared",
    "wrong_fee_period",
    "under_declared",
    "risk_period",
    "late_periods",
    "refusal",
];

/// Parts of the bureau a maintenance window can close.
pub const MODULES: &[&str] = &[
    "login",
    "certificate",
    "account",
    "staff",
    "messages",
    "help",
    "filing",
    "bank",
];

/// Prior state, applied to the trainee's person (`setup.as`) in the first company.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum State {
    /// SMS verification at login on or off.
    TwoFactor { on: bool },
    /// The person's email on file ("" for none).
    Email { value: String },
    /// Take this role in the first company away from whoever holds it.
    RemoveRole { role: String },
    /// The password is already changed to this (no forced change at login).
    Password { value: String },
    /// The account is locked for this many minutes from the start.
    Locked { minutes: i64 },
    /// A certificate with this PIN, issued this many days before the sandbox date; the lab
    /// hands its file to the trainee.
    Certificate { pin: String, issued_days_ago: i64 },
    /// Sales the first company made without an invoice this period (so missing from the
    /// prefill): an amount from `min` to `max` yuan, in hundreds, the same for the same
    /// seat; the story tells it as `{unbilled_sales}` and the grader expects it declared.
    UnbilledSales { min: i64, max: i64 },
    /// A draft of the return due, saved with one field set to a (wrong) value.
    ReturnDraft {
        #[serde(rename = "return")]
        kind: String,
        field: String,
        value: String,
    },
    /// The return due, already filed on time from the prefill (without the unbilled
    /// sales), and paid if `paid`.
    FiledReturn {
        #[serde(rename = "return")]
        kind: String,
        #[serde(default)]
        paid: bool,
    },
    /// A file exported from the company's finance system for the return due, to import —
    /// with a `mistake`: `column` (a wrong column header) or `value` (an amount that is not
    /// a number). The trainee downloads it from the task panel.
    ImportFile {
        #[serde(rename = "return")]
        kind: String,
        mistake: String,
    },
    /// The company has (or has not) signed the tripartite debit agreement (三方协议).
    Agreement { signed: bool },
    /// The company's bank balance, in yuan.
    BankBalance { yuan: i64 },
    /// The return due, filed on time with sales `min` to `max` yuan too high (in hundreds,
    /// the same for the same seat; the story tells it as `{over_declared}`) and paid: an
    /// amendment to the records' figures leaves tax overpaid (误收多缴) to ask back. The
    /// task panel hands out the refund application finance filled in, and the other
    /// `forms` named (`amended_return`, `payment_voucher`).
    OverDeclared {
        #[serde(rename = "return")]
        kind: String,
        min: i64,
        max: i64,
        #[serde(default)]
        forms: Vec<String>,
    },
    /// A surcharge charged wrongly on the latest payment made on time (`{wrong_fee_period}`).
    WrongLateFee {},
    /// The records behind one risk alert (`category`: `filing`, `invoice`, `business` or
    /// `late`; labs::plant says how each is planted); the story may tell `{risk_period}`,
    /// `{under_declared}` (filing) and `{late_periods}` (late).
    RiskAlert { category: String },
    /// A general taxpayer's purchases of the VAT period due bought in at twice its output
    /// tax: the return due ends with excess input credit (增量留抵) to refund.
    ExcessCredit {},
    /// The task panel hands out `refund-application.pdf`, a 退（抵）税申请表 finance filled in.
    RefundForm {},
    /// After `excess_credit` and the return due filed (`filed_return`): the company's 留抵退税
    /// for it refused wrongly (its credit grade found unmet though it is A or B); shown as
    /// `{refusal}`, the refusal's number.
    WrongRefundRefusal {},
    /// A file of invoices the company received, for 发票查验: its latest purchase invoices,
    /// one of them forged (a number no seller issued, with another invoice's face).
    ForgedInvoice {},
}

impl State {
    pub fn parse(t: toml::Table) -> Result<State, String> {
        let s: State = toml::Value::Table(t)
            .try_into()
            .map_err(|e: toml::de::Error| e.message().trim().to_owned())?;
        match &s {
            State::RemoveRole { role } if Role::parse(role).is_none() => {
                Err(format!("role {role:?} is not a role"))
            }
            State::Locked { minutes } if !(1..=LOCK_MINUTES_MAX).contains(minutes) => {
                Err(format!("minutes must be 1 to {LOCK_MINUTES_MAX}"))
            }
            State::Certificate {
                issued_days_ago, ..
            } if !(0..=CERTIFICATE_DAYS_AGO_MAX).contains(issued_days_ago) => Err(format!(
                "issued_days_ago must be 0 to {CERTIFICATE_DAYS_AGO_MAX}"
            )),
            State::UnbilledSales { min, max } | State::OverDeclared { min, max, .. }
                if *min <= 0 || max < min || *max > UNBILLED_SALES_MAX =>
            {
                Err(format!(
                    "unbilled sales need 0 < min <= max <= {UNBILLED_SALES_MAX}"
                ))
            }
            State::RiskAlert { category }
                if !super::plant::PLANTED.contains(&category.as_str()) =>
            {
                Err(format!(
                    "category {category:?} is not one of {}",
                    super::plant::PLANTED.join(", ")
                ))
            }
            State::OverDeclared { forms, .. }
                if forms
                    .iter()
                    .any(|f| !["amended_return", "payment_voucher"].contains(&f.as_str())) =>
            {
                Err("forms may name amended_return and payment_voucher".into())
            }
            State::ImportFile { mistake, .. }
                if !["column", "value"].contains(&mistake.as_str()) =>
            {
                Err(format!("mistake {mistake:?} is not column or value"))
            }
            State::ReturnDraft { kind, .. }
            | State::FiledReturn { kind, .. }
            | State::OverDeclared { kind, .. }
            | State::ImportFile { kind, .. }
                if ReturnKind::parse(kind).is_none() =>
            {
                Err(format!(
                    "return {kind:?} is not vat_small, vat_general or cit_quarterly"
                ))
            }
            State::ReturnDraft { kind, field, .. }
                if ReturnKind::parse(kind).is_some_and(|k| {
                    !crate::bureau::returns::form::fields(k)
                        .iter()
                        .any(|f| f.name == field)
                }) =>
            {
                Err(format!("field {field:?} is not on the {kind} form"))
            }
            State::Certificate { pin, .. }
                if pin.len() != PortalPolicy::embedded().certificate_pin_digits
                    || !pin.chars().all(|c| c.is_ascii_digit()) =>
            {
                Err(format!(
                    "pin must be {} digits",
                    PortalPolicy::embedded().certificate_pin_digits
                ))
            }
            _ => Ok(s),
        }
    }
}

/// A one-page PDF showing one line of ASCII text, with its cross-reference table right.
pub fn tiny_pdf(line: &str) -> String {
    let text: String = line
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .filter(|c| !matches!(c, '(' | ')' | '\\'))
        .collect();
    let stream = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for o in offsets {
        out.push_str(&format!("{o:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out
}

/// An amount from `min` to `max` yuan in hundreds, the same for the same class seed and seat.
fn seat_amount(
    record: &crate::store::TenantRecord,
    min: i64,
    max: i64,
) -> crate::domain::money::Fen {
    let steps = (max - min) / 100 + 1;
    let pick = (record.class_seed ^ u64::from(record.seat).wrapping_mul(0x9e37_79b9))
        % steps.max(1) as u64;
    crate::domain::money::Fen::from_yuan(min + pick as i64 * 100)
}

/// A fault: the bureau misbehaves, from the trainee's side exactly like the real one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fault {
    /// The next `count` SMS codes reach the phone `minutes` late (so, past five minutes,
    /// already expired).
    SmsDelay { minutes: i64, count: u32 },
    /// A module is closed for maintenance for `minutes` from the start (module `bank`:
    /// payments are refused with the bank's notice).
    Maintenance { module: String, minutes: i64 },
    /// The responses to the next `count` return submissions are lost on the way back:
    /// the return is filed, the filer's screen says the connection dropped.
    NetworkDrop { count: u32 },
    /// 打印证明失败: the trainee's computer has no print control and an outdated PDF reader,
    /// so a certificate cannot be downloaded or printed until they install the print control
    /// or update the reader (公众服务 → 资源中心), as the course's FAQ says.
    PrintFailure {},
}

impl Fault {
    pub fn parse(t: toml::Table) -> Result<Fault, String> {
        let f: Fault = toml::Value::Table(t)
            .try_into()
            .map_err(|e: toml::de::Error| e.message().trim().to_owned())?;
        match &f {
            Fault::Maintenance { module, .. } if !MODULES.contains(&module.as_str()) => Err(
                format!("module {module:?} is not one of {}", MODULES.join(", ")),
            ),
            _ if !f.minutes_ok() => Err(format!("minutes must be 1 to {FAULT_MINUTES_MAX}")),
            _ => Ok(f),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Fault::SmsDelay { .. } => "sms_delay",
            Fault::Maintenance { .. } => "maintenance",
            Fault::NetworkDrop { .. } => "network_drop",
            Fault::PrintFailure {} => "print_failure",
        }
    }

    /// Whether the fault's minutes are in range (1 to [`FAULT_MINUTES_MAX`]).
    pub fn minutes_ok(&self) -> bool {
        match self {
            Fault::SmsDelay { minutes, .. } | Fault::Maintenance { minutes, .. } => {
                (1..=FAULT_MINUTES_MAX).contains(minutes)
            }
            Fault::NetworkDrop { .. } | Fault::PrintFailure {} => true,
        }
    }

    /// Put the fault in force in a tenant from `now`: a maintenance window ends after its
    /// minutes, a delay strikes its count of times.
    pub fn add_to(&self, scope: &TenantScope<'_>, now: DateTime<Utc>) -> Result<(), StoreError> {
        let (ends_at, remaining) = match self {
            Fault::SmsDelay { count, .. } | Fault::NetworkDrop { count } => {
                (None, Some(i64::from(*count)))
            }
            // until the remedy spends it
            Fault::PrintFailure {} => (None, Some(1)),
            Fault::Maintenance { minutes, .. } => {
                let minutes = (*minutes).clamp(1, FAULT_MINUTES_MAX);
                (Some(now + Duration::minutes(minutes)), None)
            }
        };
        let params = serde_json::to_string(self).map_err(|e| StoreError::Other(e.to_string()))?;
        scope.add_fault(self.kind(), &params, now, ends_at, remaining)
    }
}

/// The longest a lab may lock an account for, in minutes: a week.
pub const LOCK_MINUTES_MAX: i64 = 7 * 24 * 60;

/// How long before the lab a certificate may have been issued, in days: ten years.
pub const CERTIFICATE_DAYS_AGO_MAX: i64 = 3650;

/// The most unbilled sales a lab may set, in yuan.
pub const UNBILLED_SALES_MAX: i64 = 1_000_000_000;

/// The most days a lab may let the trainee move its sandbox date forward.
pub const CLOCK_DAYS_MAX: i64 = 60;

/// The longest a fault may last or delay, in minutes: a school day.
pub const FAULT_MINUTES_MAX: i64 = 600;

/// What the lab gives the trainee: the values of its placeholders and files to download.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Materials {
    /// The person the trainee plays, and the first company's tax clerk at the start.
    pub me: i64,
    pub clerk: i64,
    pub values: BTreeMap<String, String>,
    pub files: Vec<MaterialFile>,
    /// For labs with filing checks: what each return due should ask (kind → period and
    /// total in fen), worked out when the lab starts. Never shown to the trainee.
    #[serde(default)]
    pub expected: BTreeMap<String, (String, i64)>,
    /// The questions the task panel asks, with the answers they accept (never shown).
    #[serde(default)]
    pub questions: Vec<super::questions::Question>,
    /// The number of the forged invoice the lab handed out (`forged_invoice`).
    #[serde(default)]
    pub forged_invoice: Option<String>,
    /// The latest sandbox date the trainee may move the clock to (`setup.clock_days`).
    #[serde(default)]
    pub clock_until: Option<chrono::NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaterialFile {
    pub name: String,
    pub text: String,
}

impl Materials {
    /// A text with its placeholders filled.
    pub fn fill(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (k, v) in &self.values {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        out
    }
}

/// The return kind and a filer (the trainee's person) for a filing state.
fn filing_setup(
    scope: &TenantScope<'_>,
    company: CompanyId,
    me: i64,
    kind: &str,
    now: DateTime<Utc>,
    today: chrono::NaiveDate,
) -> Result<(ReturnKind, crate::bureau::returns::Filer), StoreError> {
    let kind = ReturnKind::parse(kind).ok_or(StoreError::NotFound)?;
    let _ = scope.company(company)?;
    Ok((
        kind,
        crate::bureau::returns::Filer {
            person: me,
            company,
            now,
            today,
            via: "setup",
        },
    ))
}

/// The period of this kind due on the sandbox date.
fn due_of(
    scope: &TenantScope<'_>,
    company: CompanyId,
    kind: ReturnKind,
    today: chrono::NaiveDate,
) -> Result<crate::domain::period::TaxPeriod, StoreError> {
    let co = scope.company(company)?.value;
    let (vat, cit) = crate::domain::tax::deadline::due_periods(today, co.vat_quarterly);
    Ok(if kind == ReturnKind::CitQuarterly {
        cit
    } else {
        vat
    })
}

fn holder(
    scope: &TenantScope<'_>,
    company: CompanyId,
    role: Role,
) -> Result<crate::store::Stored<crate::domain::entities::Person>, StoreError> {
    scope
        .staff(company)?
        .into_iter()
        .find(|s| s.role == role)
        .map(|s| s.person)
        .ok_or(StoreError::NotFound)
}

/// Write the lab's prior state and faults into a freshly generated tenant.
pub fn apply(
    scope: &TenantScope<'_>,
    lab: &super::Lab,
    now: DateTime<Utc>,
) -> Result<Materials, LoginError> {
    let company = scope.companies()?.remove(0);
    let company_id = CompanyId(company.id);
    let me = holder(scope, company_id, lab.setup.role)?;
    let clerk = holder(scope, company_id, Role::TaxClerk)?;
    let mut m = Materials {
        me: me.id,
        clerk: clerk.id,
        ..Materials::default()
    };
    let mut put = |k: &str, v: String| {
        m.values.insert(k.to_owned(), v);
    };
    put("company", company.value.name.clone());
    put("uscc", company.value.uscc.to_string());
    put(
        "initial_password",
        PortalPolicy::embedded().initial_password.clone(),
    );
    put("me.name", me.value.name.clone());
    put("me.mobile", me.value.mobile.to_string());
    put("me.resident_id", me.value.resident_id.to_string());
    put("clerk.name", clerk.value.name.clone());
    put("clerk.resident_id", clerk.value.resident_id.to_string());
    let record = scope.record()?;
    let today = record.sandbox_date;
    let (due_vat, _) =
        crate::domain::tax::deadline::due_periods(today, company.value.vat_quarterly);
    put("period", due_vat.to_string());
    put(
        "deadline",
        crate::bureau::returns::deadline(due_vat).to_string(),
    );
    for s in &lab.setup.state {
        let mut account = scope.account(me.id)?;
        match s {
            State::TwoFactor { on } => account.two_factor = *on,
            State::Email { value } => scope.set_contact(me.id, None, Some(value))?,
            State::RemoveRole { role } => {
                let role = Role::parse(role).ok_or(StoreError::NotFound)?;
                let holder = holder(scope, company_id, role)?;
                scope.revoke_role(company_id, holder.id, role.as_str())?;
            }
            State::Password { value } => {
                account.password_hash = Some(hash_password(value)?);
                account.password_changed_at = Some(now);
                m.values.insert("password".into(), value.clone());
            }
            State::Locked { minutes } => {
                account.locked_until = Some(now + Duration::minutes(*minutes));
            }
            State::Certificate {
                pin,
                issued_days_ago,
            } => {
                let issued = today - Duration::days(*issued_days_ago);
                let file = certificate::issue_for(scope, me.id, pin, issued)?;
                m.values.insert("certificate.pin".into(), pin.clone());
                m.files.push(MaterialFile {
                    name: file.file_name,
                    text: file.text,
                });
            }
            State::UnbilledSales { min, max } => {
                let amount = seat_amount(&record, *min, *max);
                m.values.insert("unbilled_sales".into(), amount.to_string());
            }
            State::OverDeclared {
                kind,
                min,
                max,
                forms,
            } => {
                let extra = seat_amount(&record, *min, *max);
                let (kind, who) = filing_setup(scope, company_id, me.id, kind, now, today)?;
                let period = due_of(scope, company_id, kind, today)?;
                super::plant::over_declared(scope, who, kind, period, extra)?;
                m.values.insert("over_declared".into(), extra.to_string());
                // the form to attach, as the company's finance office filled it in
                m.files.push(MaterialFile {
                    name: "refund-application.pdf".into(),
                    text: tiny_pdf(&format!(
                        "Refund application (sandbox): {} {} overpaid VAT",
                        kind.as_str(),
                        period
                    )),
                });
                for form in forms {
                    m.files.push(MaterialFile {
                        name: format!("{}.pdf", form.replace('_', "-")),
                        text: tiny_pdf(&format!("{form} (sandbox): {} {period}", kind.as_str())),
                    });
                }
            }
            State::ReturnDraft { kind, field, value } => {
                let (kind, who) = filing_setup(scope, company_id, me.id, kind, now, today)?;
                let basis = crate::bureau::returns::open_return(
                    scope,
                    company_id,
                    kind,
                    due_of(scope, company_id, kind, today)?,
                    today,
                )
                .map_err(setup_error)?;
                let mut values = basis.prefill(kind);
                values.insert(field.clone(), value.clone());
                crate::bureau::returns::save_draft(scope, &who, kind, basis.period, &values, false)
                    .map_err(setup_error)?;
            }
            State::FiledReturn { kind, paid } => {
                let (kind, mut who) = filing_setup(scope, company_id, me.id, kind, now, today)?;
                let period = due_of(scope, company_id, kind, today)?;
                // filed (and paid) on time, whatever the lab's sandbox date is now
                who.today = today.min(crate::bureau::returns::deadline(period));
                let basis =
                    crate::bureau::returns::open_return(scope, company_id, kind, period, who.today)
                        .map_err(setup_error)?;
                crate::bureau::returns::submit(
                    scope,
                    &who,
                    kind,
                    period,
                    &basis.prefill(kind),
                    true,
                )
                .map_err(setup_error)?;
                if *paid {
                    scope.set_tripartite(company_id, true)?;
                    match crate::bureau::returns::pay(scope, &who, kind, period) {
                        Ok(_) | Err(crate::bureau::returns::ReturnError::NothingToPay) => {}
                        Err(e) => return Err(setup_error(e)),
                    }
                }
            }
            State::ImportFile { kind, mistake } => {
                let (kind, _) = filing_setup(scope, company_id, me.id, kind, now, today)?;
                let period = due_of(scope, company_id, kind, today)?;
                let basis = crate::bureau::returns::form::Basis::load(scope, company_id, period)?;
                let good =
                    crate::bureau::returns::import::template(kind, &basis.prefill(kind), |f| {
                        crate::i18n::Catalog::embedded()
                            .text(crate::i18n::Lang::Zh, &format!("returns.field.{f}"))
                            .to_owned()
                    });
                let text = if mistake == "column" {
                    good.replacen("金额", "数额", 1)
                } else {
                    // the first amount written out in words, as a spreadsheet cell might be
                    let mut lines: Vec<String> = good.lines().map(str::to_owned).collect();
                    if let Some(line) = lines.get_mut(1)
                        && let Some(cut) = line.rfind(',')
                    {
                        line.truncate(cut + 1);
                        line.push_str("一万二千元");
                    }
                    lines.join("\n") + "\n"
                };
                m.files.push(MaterialFile {
                    name: format!("{}-{period}-finance-export.csv", kind.as_str()),
                    text,
                });
            }
            State::Agreement { signed } => scope.set_tripartite(company_id, *signed)?,
            State::BankBalance { yuan } => {
                scope.set_bank_balance(company_id, crate::domain::money::Fen::from_yuan(*yuan))?;
            }
            State::RiskAlert { category } => {
                let (_, who) = filing_setup(scope, company_id, me.id, "vat_small", now, today)?;
                super::plant::risk_alert(scope, who, category, due_vat, &mut m)?;
            }
            State::RefundForm {} => m.files.push(MaterialFile {
                name: "refund-application.pdf".into(),
                text: tiny_pdf(&format!(
                    "Refund application (sandbox): credit refund {due_vat}"
                )),
            }),
            State::WrongRefundRefusal {} => {
                let number =
                    crate::bureau::credit_refund::plant_wrong_refusal(scope, company_id, me.id, today)?
                        .ok_or_else(|| {
                            StoreError::Other(
                                "lab setup: wrong_refund_refusal needs a refund the company may have (excess_credit, its return filed, grade A or B)".into(),
                            )
                        })?;
                m.values.insert("refusal".into(), number);
            }
            State::ExcessCredit {} => {
                super::plant::excess_credit(scope, company_id, due_vat)?;
            }
            State::WrongLateFee {} => {
                let period = crate::bureau::disputes::plant_wrong_fee(scope, company_id)?;
                m.values
                    .insert("wrong_fee_period".into(), period.unwrap_or_default());
            }
            State::ForgedInvoice {} => {
                let seed = record.class_seed ^ u64::from(record.seat).wrapping_mul(0x9e37_79b9);
                let (file, number) = super::plant::forged_invoices(scope, company_id, today, seed)?;
                m.forged_invoice = Some(number);
                m.files.push(file);
            }
        }
        scope.save_account(me.id, &account)?;
    }
    for f in &lab.setup.faults {
        f.add_to(scope, now)?;
    }
    if lab.setup.clock_days > 0 {
        m.clock_until = Some(today + Duration::days(lab.setup.clock_days));
    }
    for spec in &lab.checks {
        if let super::checks::Check::Answer(a) = &spec.check {
            let forged = m.forged_invoice.clone();
            let q = super::questions::ask(scope, company_id, today, a.topic, forged.as_deref())?;
            m.questions.push(q);
        }
    }
    if lab.about_filing() {
        for (kind, period, total) in super::facts::expected_returns(scope, &m)? {
            m.expected
                .insert(kind.as_str().to_owned(), (period.to_string(), total.fen()));
        }
    }
    Ok(m)
}
