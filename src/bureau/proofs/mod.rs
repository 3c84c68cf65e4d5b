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
mod request;
mod verify;

use request::bad;
pub use request::{Asked, PURPOSE_MAX, PaymentRequest, RangeOf};
pub use verify::{Verdict, verify, verify_file};

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
