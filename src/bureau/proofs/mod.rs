//! 证明开具: the company's 税收完税证明（表格式） for the taxes it paid in a date range, and its
//! 无欠税证明 (refused, with the arrears listed, while it owes anything); each issued as a
//! PDF that is kept (number, 9-digit verification code, what it certifies, the file and its
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
    /// 无欠税证明.
    NoArrears,
}

impl ProofKind {
    pub fn parse(text: &str) -> Option<ProofKind> {
        match text {
            "payment_table" => Some(ProofKind::PaymentTable),
            "no_arrears" => Some(ProofKind::NoArrears),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProofKind::PaymentTable => "payment_table",
            ProofKind::NoArrears => "no_arrears",
        }
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
    /// The taxes asked for.
    pub items: Vec<String>,
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

/// A 完税证明 asked for: the taxes and the 入（退）库 date range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    pub items: Vec<TaxItem>,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

fn bad(field: &'static str, code: &'static str) -> ProofError {
    ProofError::Request { field, code }
}

impl PaymentRequest {
    /// Read the request as typed: taxes (none ticked means all), dates as YYYY-MM-DD, the
    /// range at most a year and not after the sandbox date.
    pub fn read(
        items: &[String],
        from: &str,
        to: &str,
        today: NaiveDate,
    ) -> Result<PaymentRequest, ProofError> {
        let mut chosen = Vec::new();
        for i in items.iter().filter(|i| !i.trim().is_empty()) {
            let item = TaxItem::parse(i.trim()).ok_or(bad("items", "bad_item"))?;
            if !chosen.contains(&item) {
                chosen.push(item);
            }
        }
        if chosen.is_empty() {
            chosen = vec![
                TaxItem::Vat,
                TaxItem::UrbanMaintenance,
                TaxItem::Education,
                TaxItem::LocalEducation,
                TaxItem::Cit,
                TaxItem::CultureFee,
            ];
        }
        let date = |text: &str, field| {
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .ok()
                .filter(|d| (2000..=2100).contains(&d.year()))
                .ok_or(bad(field, "bad_date"))
        };
        let (from, to) = (date(from, "date_from")?, date(to, "date_to")?);
        if from > to {
            return Err(bad("date_to", "date_order"));
        }
        if to > today {
            return Err(bad("date_to", "future"));
        }
        // at most a year: up to the day before the same date a year on
        let year_on = from
            .checked_add_months(chrono::Months::new(12))
            .unwrap_or(from);
        if to >= year_on {
            return Err(bad("date_to", "range_too_long"));
        }
        Ok(PaymentRequest {
            items: chosen,
            from,
            to,
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

/// The company's payments of the chosen taxes that reached the treasury in the range.
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
        if paid_on < req.from
            || paid_on > req.to
            || p.payment.amount <= Fen::ZERO
            || !req.items.contains(&p.payment.item)
        {
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

/// What a certificate of `kind` would certify today: read only. A 完税证明 needs payments in
/// its range; a 无欠税证明 needs no arrears.
pub fn prepare(
    scope: &TenantScope<'_>,
    who: &Filer,
    kind: ProofKind,
    req: Option<&PaymentRequest>,
) -> Result<Content, ProofError> {
    let co = scope.company(who.company)?.value;
    let (lines, remark, range) = match (kind, req) {
        (ProofKind::PaymentTable, Some(req)) => {
            let lines = paid_lines(scope, who, req)?;
            if lines.is_empty() {
                return Err(ProofError::NothingPaid);
            }
            (
                lines,
                pdf::z("proof.pdf.remark.payment_table"),
                Some((req.from.to_string(), req.to.to_string(), req.items.clone())),
            )
        }
        (ProofKind::PaymentTable, None) => return Err(bad("date_from", "bad_date")),
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
    };
    let total: Fen = lines
        .iter()
        .filter_map(|l| Fen::parse_yuan(&l.amount).ok())
        .sum();
    let (date_from, date_to, items) = match range {
        Some((f, t, items)) => (
            Some(f),
            Some(t),
            items.iter().map(|i| i.as_str().to_owned()).collect(),
        ),
        None => (None, None, Vec::new()),
    };
    Ok(Content {
        kind,
        title: kind.title(),
        uscc: co.uscc.to_string(),
        company: co.name.clone(),
        authority: authority(&co),
        issued_on: who.today.to_string(),
        issued_on_text: date_text(who.today),
        date_from,
        date_to,
        items,
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

/// One of the company's certificates as issued, for download; traced (`proof.download`).
pub fn download(
    scope: &TenantScope<'_>,
    who: &Filer,
    number: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    let file = scope.proof_pdf(who.company, number)?;
    scope.trace(
        who.now,
        Some(who.person),
        "proof.download",
        if file.is_some() { "ok" } else { "not_found" },
        &serde_json::json!({ "number": number.chars().take(40).collect::<String>() }),
    )?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, 12).unwrap()
    }

    #[test]
    fn a_request_is_read_with_every_problem_at_its_field() {
        let r = PaymentRequest::read(&[], "2026-01-01", "2026-09-30", today()).unwrap();
        assert_eq!(r.items.len(), 6, "none ticked means all");
        let code = |items: &[&str], from: &str, to: &str| {
            let items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
            PaymentRequest::read(&items, from, to, today())
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
