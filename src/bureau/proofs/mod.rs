//! 证明开具: the company's 税收完税证明 — 表格式 (each payment of the chosen taxes in a range of
//! 入（退）库 dates or of 税款所属期) and 文书式 (the same netted per tax over at most twelve
//! months of 税款所属期) —, its 纳税记录 (the payments of a date range, with the purpose it is
//! asked for) and its 无欠税证明 (refused, with the arrears listed, while it owes anything);
//! each issued as a PDF that is kept (number, 9-digit verification code, what it certifies, the file and its
//! SHA-256) for 证明开具记录 and 证明查验.
//!
//! Issuing is three steps so the single writer is never held by slow work: [`prepare`] reads
//! what the certificate certifies, [`pdf::render`] draws it (no store), [`record`] keeps it.

pub mod pdf;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::bureau::queries::ArrearsRow;
use crate::bureau::returns::Filer;
use crate::domain::entities::{Company, TaxItem};
use crate::domain::money::Fen;
use crate::store::{NewProof, Proof, StoreError, TenantScope};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProofKind {
    /// 税收完税证明（表格式）.
    PaymentTable,
    /// 税收完税证明（文书式）.
    PaymentVoucher,
    /// 纳税记录.
    TaxRecord,
    /// 无欠税证明.
    NoArrears,
}

impl ProofKind {
    pub fn parse(text: &str) -> Option<ProofKind> {
        match text {
            "payment_table" => Some(ProofKind::PaymentTable),
            "payment_voucher" => Some(ProofKind::PaymentVoucher),
            "tax_record" => Some(ProofKind::TaxRecord),
            "no_arrears" => Some(ProofKind::NoArrears),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProofKind::PaymentTable => "payment_table",
            ProofKind::PaymentVoucher => "payment_voucher",
            ProofKind::TaxRecord => "tax_record",
            ProofKind::NoArrears => "no_arrears",
        }
    }

    /// Whether it lists payments (all but the 无欠税证明).
    pub fn lists_payments(self) -> bool {
        self != ProofKind::NoArrears
    }

    /// The title printed on it.
    fn title(self) -> String {
        pdf::z(&format!("proof.pdf.title.{}", self.as_str()))
    }
}

/// One row of a 完税证明: a payment of one tax for one period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PaidLine {
    /// 原凭证号: the 电子缴款书 that paid it (or, for the generated history, its 税票号).
    pub voucher: String,
    pub item: String,
    /// 税种.
    pub item_name: String,
    /// 品目名称.
    pub subject: String,
    pub period_from: String,
    pub period_to: String,
    /// 入（退）库日期.
    pub paid_on: String,
    /// 实缴（退）金额.
    pub amount: String,
}

/// What a certificate certifies: stored with it, printed on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Content {
    pub kind: ProofKind,
    pub title: String,
    pub uscc: String,
    pub company: String,
    /// 税务机关.
    pub authority: String,
    pub issued_on: String,
    /// 填发日期 as printed (2026年10月12日).
    pub issued_on_text: String,
    /// The 入（退）库 date range asked for (完税证明).
    pub date_from: Option<String>,
    pub date_to: Option<String>,
    /// Which dates the range is of: `paid` (入（退）库日期) or `period` (税款所属期).
    #[serde(default)]
    pub range_of: Option<String>,
    /// The taxes asked for.
    pub items: Vec<String>,
    /// What a 纳税记录 is asked for (用途).
    #[serde(default)]
    pub purpose: Option<String>,
    pub lines: Vec<PaidLine>,
    pub total: String,
    /// 金额合计（大写）.
    pub total_capitals: String,
    pub remark: String,
}

/// Why a certificate was not issued; catalogue key `proof.error.<code>`.
#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    #[error("{field}: {code}")]
    Request {
        field: &'static str,
        code: &'static str,
    },
    #[error("nothing paid in the range")]
    NothingPaid,
    #[error("the company has arrears")]
    Arrears(Vec<ArrearsRow>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ProofError {
    pub fn code(&self) -> &'static str {
        match self {
            ProofError::Request { code, .. } => code,
            ProofError::NothingPaid => "nothing_paid",
            ProofError::Arrears(_) => "arrears",
            ProofError::Store(_) => "internal",
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            ProofError::Request { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// Which dates a range is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeOf {
    /// 入（退）库日期: when the money reached the treasury.
    Paid,
    /// 税款所属期: the period the tax is for (a payment counts when its period lies inside).
    Period,
}

impl RangeOf {
    pub fn as_str(self) -> &'static str {
        match self {
            RangeOf::Paid => "paid",
            RangeOf::Period => "period",
        }
    }
}

/// A request as typed (the page's form, the API's body): the taxes ticked, the range and
/// which dates it is of, the purpose of a 纳税记录.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Asked {
    #[serde(default)]
    pub date_from: String,
    #[serde(default)]
    pub date_to: String,
    #[serde(default)]
    pub items: Vec<String>,
    /// `paid` (default) or `period`.
    #[serde(default)]
    pub range_of: String,
    #[serde(default)]
    pub purpose: String,
}

/// The longest purpose a 纳税记录 prints.
pub const PURPOSE_MAX: usize = 40;

/// A certificate listing payments, asked for: the taxes, the range and what it is of, the
/// purpose (纳税记录).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    pub items: Vec<TaxItem>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub range_of: RangeOf,
    pub purpose: Option<String>,
}

fn bad(field: &'static str, code: &'static str) -> ProofError {
    ProofError::Request { field, code }
}

impl PaymentRequest {
    /// Read a request for a certificate of `kind` as typed: taxes (none ticked means all),
    /// dates as YYYY-MM-DD, the range at most a year; a range of 入（退）库 dates not after the
    /// sandbox date; a 文书式 by 税款所属期 only; a 纳税记录's purpose given.
    pub fn read(
        kind: ProofKind,
        asked: &Asked,
        today: NaiveDate,
    ) -> Result<PaymentRequest, ProofError> {
        let mut chosen = Vec::new();
        for i in asked.items.iter().filter(|i| !i.trim().is_empty()) {
            let item = TaxItem::parse(i.trim()).ok_or(bad("items", "bad_item"))?;
            if !chosen.contains(&item) {
                chosen.push(item);
            }
        }
        if chosen.is_empty() {
            chosen = TaxItem::ALL.to_vec();
        }
        let range_of = match (kind, asked.range_of.trim()) {
            (ProofKind::PaymentVoucher, _) | (_, "period") => RangeOf::Period,
            (_, "" | "paid") => RangeOf::Paid,
            _ => return Err(bad("range_of", "bad_range_of")),
        };
        let date = |text: &str, field| {
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .ok()
                .filter(|d| (2000..=2100).contains(&d.year()))
                .ok_or(bad(field, "bad_date"))
        };
        let (from, to) = (
            date(&asked.date_from, "date_from")?,
            date(&asked.date_to, "date_to")?,
        );
        if from > to {
            return Err(bad("date_to", "date_order"));
        }
        if to > today && range_of == RangeOf::Paid {
            return Err(bad("date_to", "future"));
        }
        // at most a year: up to the day before the same date a year on
        let year_on = from
            .checked_add_months(chrono::Months::new(12))
            .unwrap_or(from);
        if to >= year_on {
            return Err(bad("date_to", "range_too_long"));
        }
        let purpose = match kind {
            ProofKind::TaxRecord => {
                let p = asked.purpose.trim();
                if p.is_empty() {
                    return Err(bad("purpose", "purpose_missing"));
                }
                if p.chars().count() > PURPOSE_MAX || p.chars().any(char::is_control) {
                    return Err(bad("purpose", "purpose_too_long"));
                }
                Some(p.to_owned())
            }
            _ => None,
        };
        Ok(PaymentRequest {
            items: chosen,
            from,
            to,
            range_of,
            purpose,
        })
    }
}

/// 国家税务总局 and the company's district bureau.
fn authority(co: &Company) -> String {
    crate::synth::Tables::embedded()
        .divisions
        .iter()
        .find(|d| d.code == co.division_code)
        .map(|d| {
            let city = if d.city == d.province {
                String::new()
            } else {
                d.city.clone()
            };
            pdf::zf(
                "proof.pdf.bureau",
                &[
                    ("province", &d.province),
                    ("city", &city),
                    ("district", &d.district),
                ],
            )
        })
        .unwrap_or_else(|| {
            pdf::zf(
                "proof.pdf.bureau",
                &[("province", ""), ("city", ""), ("district", "")],
            )
        })
}

/// 品目名称 of a tax as the company pays it.
fn subject(item: TaxItem, co: &Company) -> String {
    use crate::domain::tax::LocationTier;
    pdf::z(match item {
        TaxItem::Vat if co.sells_goods() => "proof.subject.vat_goods",
        TaxItem::Vat => "proof.subject.vat_services",
        TaxItem::UrbanMaintenance => match co.tier {
            LocationTier::Urban => "proof.subject.urban",
            LocationTier::CountyTown => "proof.subject.county_town",
            LocationTier::Other => "proof.subject.other_place",
        },
        TaxItem::Education => "proof.subject.education",
        TaxItem::LocalEducation => "proof.subject.local_education",
        TaxItem::Cit => "proof.subject.cit",
        TaxItem::CultureFee => "proof.subject.culture_fee",
    })
}

/// 税种 as printed.
fn item_name(item: TaxItem) -> String {
    pdf::z(&format!("tax_item.{}", item.as_str()))
}

fn date_text(d: NaiveDate) -> String {
    pdf::zf(
        "proof.pdf.date",
        &[
            ("year", &d.year().to_string()),
            ("month", &d.month().to_string()),
            ("day", &d.day().to_string()),
        ],
    )
}

/// The company's payments of the chosen taxes that reached the treasury in the range (or
/// whose 税款所属期 lies in it).
pub fn paid_lines(
    scope: &TenantScope<'_>,
    who: &Filer,
    req: &PaymentRequest,
) -> Result<Vec<PaidLine>, StoreError> {
    let co = scope.company(who.company)?.value;
    let mut lines = Vec::new();
    for p in scope.payments_of(who.company)? {
        let Some(paid_on) = p.payment.paid_on else {
            continue;
        };
        let inside = match req.range_of {
            RangeOf::Paid => paid_on >= req.from && paid_on <= req.to,
            RangeOf::Period => p.period.first_day() >= req.from && p.period.last_day() <= req.to,
        };
        if !inside || p.payment.amount <= Fen::ZERO || !req.items.contains(&p.payment.item) {
            continue;
        }
        let voucher = p.remittance.clone().unwrap_or_else(|| {
            format!(
                "3{}{:09}",
                paid_on.format("%Y%m%d"),
                p.payment.id % 1_000_000_000
            )
        });
        lines.push(PaidLine {
            voucher,
            item: p.payment.item.as_str().to_owned(),
            item_name: item_name(p.payment.item),
            subject: subject(p.payment.item, &co),
            period_from: p.period.first_day().to_string(),
            period_to: p.period.last_day().to_string(),
            paid_on: paid_on.to_string(),
            amount: p.payment.amount.to_string(),
        });
    }
    lines.sort_by(|a, b| (&a.paid_on, &a.voucher, &a.item).cmp(&(&b.paid_on, &b.voucher, &b.item)));
    Ok(lines)
}

/// The lines a certificate of `kind` lists for the request: each payment, or for a 文书式
/// the payments netted per tax and 品目 (the 税款所属时期 spanning theirs, the latest 入库日期).
pub fn lines_for(
    scope: &TenantScope<'_>,
    who: &Filer,
    kind: ProofKind,
    req: &PaymentRequest,
) -> Result<Vec<PaidLine>, StoreError> {
    let lines = paid_lines(scope, who, req)?;
    if kind != ProofKind::PaymentVoucher {
        return Ok(lines);
    }
    let mut netted: Vec<(PaidLine, Fen)> = Vec::new();
    for l in lines {
        let amount = Fen::parse_yuan(&l.amount).unwrap_or(Fen::ZERO);
        match netted
            .iter_mut()
            .find(|(n, _)| n.item == l.item && n.subject == l.subject)
        {
            Some((n, sum)) => {
                *sum += amount;
                n.period_from = n.period_from.clone().min(l.period_from);
                n.period_to = n.period_to.clone().max(l.period_to);
                n.paid_on = n.paid_on.clone().max(l.paid_on);
            }
            None => netted.push((
                PaidLine {
                    voucher: String::new(),
                    ..l
                },
                amount,
            )),
        }
    }
    netted.sort_by_key(|(l, _)| TaxItem::parse(&l.item));
    Ok(netted
        .into_iter()
        .map(|(l, sum)| PaidLine {
            amount: sum.to_string(),
            ..l
        })
        .collect())
}

/// What a certificate of `kind` would certify today: read only. One listing payments needs
/// some in its range; a 无欠税证明 needs no arrears.
pub fn prepare(
    scope: &TenantScope<'_>,
    who: &Filer,
    kind: ProofKind,
    req: Option<&PaymentRequest>,
) -> Result<Content, ProofError> {
    let co = scope.company(who.company)?.value;
    let (lines, remark, asked) = match (kind, req) {
        (ProofKind::NoArrears, _) => {
            let filter = crate::bureau::queries::Params::default()
                .read(crate::bureau::queries::Query::Arrears, who.today)
                .map_err(|_| bad("date_from", "bad_date"))?;
            let arrears = match crate::bureau::queries::run(
                scope,
                who.company,
                crate::bureau::queries::Query::Arrears,
                &filter,
                who.today,
            )? {
                crate::bureau::queries::Rows::Arrears(rows) => rows,
                _ => Vec::new(),
            };
            if !arrears.is_empty() {
                return Err(ProofError::Arrears(arrears));
            }
            (Vec::new(), pdf::z("proof.pdf.remark.no_arrears"), None)
        }
        (_, Some(req)) => {
            let lines = lines_for(scope, who, kind, req)?;
            if lines.is_empty() {
                return Err(ProofError::NothingPaid);
            }
            let remark = match &req.purpose {
                Some(p) => pdf::zf("proof.pdf.remark.tax_record", &[("purpose", p)]),
                None => pdf::z(&format!("proof.pdf.remark.{}", kind.as_str())),
            };
            (lines, remark, Some(req))
        }
        (_, None) => return Err(bad("date_from", "bad_date")),
    };
    let total: Fen = lines
        .iter()
        .filter_map(|l| Fen::parse_yuan(&l.amount).ok())
        .sum();
    Ok(Content {
        kind,
        title: kind.title(),
        uscc: co.uscc.to_string(),
        company: co.name.clone(),
        authority: authority(&co),
        issued_on: who.today.to_string(),
        issued_on_text: date_text(who.today),
        date_from: asked.map(|r| r.from.to_string()),
        date_to: asked.map(|r| r.to.to_string()),
        range_of: asked.map(|r| r.range_of.as_str().to_owned()),
        items: asked
            .map(|r| r.items.iter().map(|i| i.as_str().to_owned()).collect())
            .unwrap_or_default(),
        purpose: asked.and_then(|r| r.purpose.clone()),
        lines,
        total: total.to_string(),
        total_capitals: total.capitals(),
        remark,
    })
}

/// A new certificate number (18 digits) and verification code (9 digits).
pub fn new_number() -> (String, String) {
    let digits = |n: usize| -> String {
        (0..n)
            .map(|i| {
                let d: u8 = rand::random::<u8>() % 10;
                // a number never starts with 0
                char::from(b'0' + if i == 0 { d.max(1) } else { d })
            })
            .collect()
    };
    (digits(18), digits(9))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Keep an issued certificate and trace it (`proof.issue`).
pub fn record(
    scope: &TenantScope<'_>,
    who: &Filer,
    content: &Content,
    number: &str,
    code: &str,
    file: &[u8],
) -> Result<Proof, StoreError> {
    let json = serde_json::to_string(content).unwrap_or_default();
    let sha = sha256_hex(file);
    scope.insert_proof(&NewProof {
        company: who.company,
        person: who.person,
        number,
        code,
        kind: content.kind.as_str(),
        issued_on: who.today,
        issued_at: who.now,
        content: &json,
        sha256: &sha,
        pdf: file,
    })?;
    scope.trace(
        who.now,
        Some(who.person),
        "proof.issue",
        "ok",
        &serde_json::json!({
            "kind": content.kind.as_str(), "number": number, "total": content.total,
            "date_from": content.date_from, "date_to": content.date_to, "items": content.items,
            "range_of": content.range_of, "purpose": content.purpose,
        }),
    )?;
    scope.proof_by_number(number)?.ok_or(StoreError::NotFound)
}

/// Trace a refusal to issue (`proof.issue` with the error's code).
pub fn trace_refusal(
    scope: &TenantScope<'_>,
    who: &Filer,
    kind: ProofKind,
    e: &ProofError,
) -> Result<(), StoreError> {
    scope.trace(
        who.now,
        Some(who.person),
        "proof.issue",
        e.code(),
        &serde_json::json!({ "kind": kind.as_str(), "field": e.field() }),
    )
}

/// What 证明查验 found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The number and code (or the file) match a certificate issued here.
    Genuine(Proof),
    /// The number exists but the code does not match.
    WrongCode,
    /// The file names a certificate issued here but its bytes differ from what was issued.
    Altered(Proof),
    /// No such certificate.
    Unknown,
}

impl Verdict {
    pub fn code(&self) -> &'static str {
        match self {
            Verdict::Genuine(_) => "genuine",
            Verdict::WrongCode => "wrong_code",
            Verdict::Altered(_) => "altered",
            Verdict::Unknown => "unknown",
        }
    }
}

/// 证明查验 by number and code, within the trainee's world (their tenant); traced
/// (`proof.verify`, no person: it needs no login).
pub fn verify(
    scope: &TenantScope<'_>,
    number: &str,
    code: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Verdict, StoreError> {
    let v = match scope.proof_by_number(number.trim())? {
        Some(p) if p.code == code.trim() => Verdict::Genuine(p),
        Some(_) => Verdict::WrongCode,
        None => Verdict::Unknown,
    };
    trace_verify(scope, now, "number", &v)?;
    Ok(v)
}

/// 证明查验 of a file: genuine when its bytes are exactly an issued certificate's; altered
/// when it names one (the PDF's metadata marker) but its bytes differ; else unknown. Traced.
pub fn verify_file(
    scope: &TenantScope<'_>,
    bytes: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Verdict, StoreError> {
    let v = if let Some(p) = scope.proof_by_hash(&sha256_hex(bytes))? {
        Verdict::Genuine(p)
    } else {
        let marker = pdf::MARKER.as_bytes();
        let named = bytes
            .windows(marker.len() + 18)
            .find(|w| w.starts_with(marker) && w[marker.len()..].iter().all(u8::is_ascii_digit))
            .map(|w| String::from_utf8_lossy(&w[marker.len()..]).into_owned());
        match named {
            Some(number) => match scope.proof_by_number(&number)? {
                Some(p) => Verdict::Altered(p),
                None => Verdict::Unknown,
            },
            None => Verdict::Unknown,
        }
    };
    trace_verify(scope, now, "file", &v)?;
    Ok(v)
}

/// Trace a verification (`proof.verify`): how, and what it found.
fn trace_verify(
    scope: &TenantScope<'_>,
    now: chrono::DateTime<chrono::Utc>,
    how: &str,
    v: &Verdict,
) -> Result<(), StoreError> {
    let number = match v {
        Verdict::Genuine(p) | Verdict::Altered(p) => Some(p.number.clone()),
        _ => None,
    };
    scope.trace(
        now,
        None,
        "proof.verify",
        v.code(),
        &serde_json::json!({ "how": how, "number": number }),
    )
}

/// What a download gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Download {
    File(Vec<u8>),
    /// 打印证明失败: the print control is missing (a fault); nothing was handed out.
    PrintFailed,
    NotFound,
}

/// One of the company's certificates as issued, for download; traced (`proof.download`:
/// `ok`, `print_failed` while the print fault is in force, `not_found`).
pub fn download(
    scope: &TenantScope<'_>,
    who: &Filer,
    number: &str,
) -> Result<Download, StoreError> {
    let got = match scope.proof_pdf(who.company, number)? {
        None => Download::NotFound,
        Some(_) if !scope.faults("print_failure", who.now)?.is_empty() => Download::PrintFailed,
        Some(file) => Download::File(file),
    };
    let result = match got {
        Download::File(_) => "ok",
        Download::PrintFailed => "print_failed",
        Download::NotFound => "not_found",
    };
    scope.trace(
        who.now,
        Some(who.person),
        "proof.download",
        result,
        &serde_json::json!({ "number": number.chars().take(40).collect::<String>() }),
    )?;
    Ok(got)
}

/// The tools of 资源中心 the course names for 打印证明失败: the print control, and the PDF
/// reader (updated).
pub const TOOLS: [&str; 2] = ["print_control", "pdf_reader"];

/// Install a tool (simulated: the trainee's computer is the tenant's): either remedy of
/// 打印证明失败 ends the fault. Traced (`tool.install`). `None` for an unknown tool.
pub fn install_tool(
    scope: &TenantScope<'_>,
    person: Option<i64>,
    tool: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<bool>, StoreError> {
    let Some(tool) = TOOLS.iter().find(|t| **t == tool) else {
        return Ok(None);
    };
    let faults = scope.faults("print_failure", now)?;
    for f in &faults {
        scope.spend_fault(f.id)?;
    }
    scope.trace(
        now,
        person,
        "tool.install",
        "ok",
        &serde_json::json!({ "tool": tool, "fixed": !faults.is_empty() }),
    )?;
    Ok(Some(!faults.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, 12).unwrap()
    }

    #[test]
    fn a_request_is_read_with_every_problem_at_its_field() {
        let asked = |items: &[&str], from: &str, to: &str| Asked {
            items: items.iter().map(|s| s.to_string()).collect(),
            date_from: from.to_owned(),
            date_to: to.to_owned(),
            ..Asked::default()
        };
        let table = ProofKind::PaymentTable;
        let r = PaymentRequest::read(table, &asked(&[], "2026-01-01", "2026-09-30"), today());
        let r = r.unwrap();
        assert_eq!(r.items.len(), 6, "none ticked means all");
        assert_eq!((r.range_of, r.purpose), (RangeOf::Paid, None));
        let code = |items: &[&str], from: &str, to: &str| {
            PaymentRequest::read(table, &asked(items, from, to), today())
                .map(|_| "ok")
                .unwrap_or_else(|e| e.code())
        };
        assert_eq!(code(&["vat"], "2026-01-01", "2026-09-30"), "ok");
        assert_eq!(code(&["stamp"], "2026-01-01", "2026-09-30"), "bad_item");
        assert_eq!(code(&[], "2026-02-30", "2026-09-30"), "bad_date");
        assert_eq!(code(&[], "2026-09-30", "2026-01-01"), "date_order");
        assert_eq!(code(&[], "2026-01-01", "2026-12-31"), "future");
        assert_eq!(code(&[], "2025-01-01", "2026-01-01"), "range_too_long");
        assert_eq!(code(&[], "2025-01-02", "2026-01-01"), "ok");
        // a range of 税款所属期 may reach past today (nothing is paid for it yet)
        let mut by_period = asked(&[], "2026-01-01", "2026-12-31");
        by_period.range_of = "period".into();
        let r = PaymentRequest::read(table, &by_period, today()).unwrap();
        assert_eq!(r.range_of, RangeOf::Period);
        by_period.range_of = "tomorrow".into();
        let e = PaymentRequest::read(table, &by_period, today()).unwrap_err();
        assert_eq!((e.field(), e.code()), (Some("range_of"), "bad_range_of"));
        // a 文书式 is always by 税款所属期
        let r = PaymentRequest::read(ProofKind::PaymentVoucher, &by_period, today()).unwrap();
        assert_eq!(r.range_of, RangeOf::Period);
        // a 纳税记录 says what it is for
        let record = ProofKind::TaxRecord;
        let mut asked_record = asked(&["vat"], "2026-01-01", "2026-09-30");
        let e = PaymentRequest::read(record, &asked_record, today()).unwrap_err();
        assert_eq!((e.field(), e.code()), (Some("purpose"), "purpose_missing"));
        asked_record.purpose = "投".repeat(PURPOSE_MAX + 1);
        let e = PaymentRequest::read(record, &asked_record, today()).unwrap_err();
        assert_eq!(e.code(), "purpose_too_long");
        asked_record.purpose = " 投标 ".into();
        let r = PaymentRequest::read(record, &asked_record, today()).unwrap();
        assert_eq!(r.purpose.as_deref(), Some("投标"));
    }

    #[test]
    fn numbers_are_eighteen_digits_and_codes_nine() {
        for _ in 0..50 {
            let (n, c) = new_number();
            assert_eq!((n.len(), c.len()), (18, 9));
            assert!(n.bytes().chain(c.bytes()).all(|b| b.is_ascii_digit()));
            assert!(!n.starts_with('0'));
        }
    }

    #[test]
    fn the_font_covers_every_character_the_sandbox_prints() {
        // names, banks, divisions, industries come from fixtures; labels from the catalogue
        let mut missing = std::collections::BTreeSet::new();
        let t = crate::synth::Tables::embedded();
        let mut texts: Vec<String> = Vec::new();
        for d in &t.divisions {
            texts.extend([d.province.clone(), d.city.clone(), d.district.clone()]);
        }
        texts.push(include_str!("../../../fixtures/industries.toml").to_owned());
        texts.push(include_str!("../../../fixtures/banks.toml").to_owned());
        for dir in ["fixtures/names"] {
            for f in std::fs::read_dir(dir).unwrap() {
                texts.push(std::fs::read_to_string(f.unwrap().path()).unwrap());
            }
        }
        texts.push("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整负".to_owned());
        // everything a certificate prints from the catalogue
        let cat = crate::i18n::Catalog::embedded();
        for key in cat.keys(crate::i18n::Lang::Zh) {
            if ["proof.", "tax_item."].iter().any(|p| key.starts_with(p)) {
                texts.push(cat.text(crate::i18n::Lang::Zh, key).to_owned());
            }
        }
        for text in &texts {
            for c in text.chars().filter(|c| !c.is_control()) {
                if !pdf::covers(c) {
                    missing.insert(c);
                }
            }
        }
        assert!(missing.is_empty(), "not in the font: {missing:?}");
    }
}
