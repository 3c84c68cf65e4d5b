//! 【我要办税】—【一般退（抵）税管理】—【一站式退抵税(费)】: tax paid beyond what a return asks
//! (误收多缴, left by an amendment that lowered a paid return) refunded on application, with
//! its amount, reason and supporting files; a simulated tax officer reviews it on the sandbox
//! clock: 受理, 补正 when materials are missing (the clock restarts once they arrive), 审核,
//! 审批 after the credit grade's working days (the green channel is faster and asks for
//! fewer materials), 退库 when the money reaches the company's bank account.

use std::collections::BTreeSet;

use chrono::{Months, NaiveDate};
use serde::Serialize;
use serde_json::json;

use crate::bureau::returns::Filer;
use crate::domain::money::Fen;
use crate::domain::period::TaxPeriod;
use crate::domain::tax::Policy;
use crate::store::{CompanyId, Refund, RefundFile, StoreError, Stored, TenantScope};

/// Tax overpaid on one return, and what is left to ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Refundable {
    pub return_kind: String,
    pub period: String,
    #[schema(value_type = String)]
    pub overpaid: Fen,
    /// Asked for already (any stage).
    #[schema(value_type = String)]
    pub applied: Fen,
    #[schema(value_type = String)]
    pub available: Fen,
    /// The last day to ask (three years from paying).
    pub last_day: String,
}

/// A supporting file as sent.
#[derive(Debug, Clone)]
pub struct Upload {
    pub material: String,
    pub name: String,
    pub bytes: Vec<u8>,
}

/// An application as the form or the API sends it.
#[derive(Debug, Clone, Default)]
pub struct Asked {
    /// `<return kind>/<period>`, e.g. `vat_small/2026Q3`.
    pub of: String,
    pub amount: String,
    pub reason: String,
    pub files: Vec<Upload>,
}

/// One stage of an application: its catalogue key (`refund.stage.<key>`), its date once
/// known, and whether the sandbox date has reached it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Stage {
    pub key: String,
    pub on: Option<String>,
    pub reached: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FileView {
    pub material: String,
    pub name: String,
    pub size: i64,
    pub added_on: String,
}

/// An application and where it stands on the sandbox date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RefundView {
    pub number: String,
    pub return_kind: String,
    pub period: String,
    #[schema(value_type = String)]
    pub amount: Fen,
    pub reason: String,
    pub applied_on: String,
    /// Through the green channel (优先办理, fewer materials).
    pub green: bool,
    /// Working days from a complete file to 审批.
    pub approve_days: u32,
    /// The stage reached: `accepted`, `correction` (materials asked for), `review`,
    /// `approved` or `refunded`.
    pub status: String,
    pub stages: Vec<Stage>,
    /// Materials still to send (`refund.material.<key>`).
    pub missing: Vec<String>,
    pub files: Vec<FileView>,
}

/// Why an application or a supplement was refused; catalogue key `refund.error.<code>`,
/// at `field` where there is one.
#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    #[error("{code} at {field}")]
    Field {
        field: &'static str,
        code: &'static str,
    },
    #[error("no such application")]
    UnknownRefund,
    #[error("nothing is missing")]
    NothingMissing,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RefundError {
    pub fn code(&self) -> &'static str {
        match self {
            RefundError::Field { code, .. } => code,
            RefundError::UnknownRefund => "unknown_refund",
            RefundError::NothingMissing => "nothing_missing",
            RefundError::Store(_) => "store",
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            RefundError::Field { field, .. } => Some(field),
            _ => None,
        }
    }
}

fn bad(field: &'static str, code: &'static str) -> RefundError {
    RefundError::Field { field, code }
}

/// Refund applications one company may make in a sandbox year.
pub const REFUNDS_PER_YEAR: usize = 50;

/// 误收多缴 (征管法 art. 51): keep what a correction of a paid return left overpaid
/// (`amount`, from the latest payment `paid_on`), refundable on application within the
/// policy's years; a correction that leaves nothing overpaid clears it.
pub fn record_overpayment(
    scope: &TenantScope<'_>,
    who: &Filer,
    (return_kind, period): (crate::domain::entities::ReturnKind, TaxPeriod),
    amount: Fen,
    paid_on: Option<NaiveDate>,
) -> Result<(), StoreError> {
    let o = match paid_on.filter(|_| amount > Fen::ZERO) {
        Some(paid_on) => crate::store::Overpayment {
            return_kind,
            period,
            amount,
            paid_on,
        },
        None => crate::store::Overpayment {
            return_kind,
            period,
            amount: Fen::ZERO,
            paid_on: who.today,
        },
    };
    scope.set_overpayment(who.company, &o)
}

/// What amendments left overpaid, less what was asked for already.
pub fn refundable(
    scope: &TenantScope<'_>,
    company: CompanyId,
) -> Result<Vec<Refundable>, StoreError> {
    let refunds = scope.refunds(company)?;
    let years = Policy::embedded().refunds.within_years;
    Ok(scope
        .overpayments(company)?
        .into_iter()
        .map(|o| {
            let applied: Fen = refunds
                .iter()
                .filter(|r| r.value.return_kind == o.return_kind && r.value.period == o.period)
                .map(|r| r.value.amount)
                .sum();
            Refundable {
                return_kind: o.return_kind.as_str().to_owned(),
                period: o.period.to_string(),
                overpaid: o.amount,
                applied,
                available: (o.amount - applied).max(Fen::ZERO),
                last_day: (o.paid_on + Months::new(12 * years.unsigned_abs())).to_string(),
            }
        })
        .collect())
}

/// The materials a refund may carry (`other` besides the policy's).
fn known_material(m: &str) -> bool {
    let rules = &Policy::embedded().refunds.overpaid;
    m == "other"
        || rules
            .materials
            .iter()
            .chain(&rules.green_materials)
            .any(|k| k == m)
}

/// Check the files: each of a known material, a PDF, PNG or JPEG, not empty, not too large;
/// not too many with those already kept.
fn check_files(files: &[Upload], kept: usize) -> Result<Vec<(RefundFile, &[u8])>, RefundError> {
    let rules = &Policy::embedded().refunds;
    if files.len() + kept > rules.max_files {
        return Err(bad("files", "too_many_files"));
    }
    files
        .iter()
        .map(|f| {
            if !known_material(&f.material) {
                return Err(bad("files", "unknown_material"));
            }
            let file = crate::bureau::attachments::check(&f.name, f.bytes.clone())
                .map_err(|code| bad("files", code))?;
            Ok((
                RefundFile {
                    material: f.material.clone(),
                    name: file.name,
                    mime: file.mime.to_owned(),
                    size: f.bytes.len() as i64,
                    added_on: NaiveDate::MIN,
                },
                f.bytes.as_slice(),
            ))
        })
        .collect()
}

/// The materials the path asks for that are not on file.
fn missing(green: bool, files: &[RefundFile]) -> Vec<String> {
    let rules = &Policy::embedded().refunds.overpaid;
    let needed = if green {
        &rules.green_materials
    } else {
        &rules.materials
    };
    let have: BTreeSet<&str> = files.iter().map(|f| f.material.as_str()).collect();
    needed
        .iter()
        .filter(|m| !have.contains(m.as_str()))
        .cloned()
        .collect()
}

/// 审批 and 退库 for a file complete on `complete_on`.
fn schedule(complete_on: NaiveDate, approve_days: u32) -> (NaiveDate, NaiveDate) {
    let p = Policy::embedded();
    let approve = p.calendar.working_days_after(complete_on, approve_days);
    let treasury = p
        .calendar
        .working_days_after(approve, p.refunds.treasury_working_days);
    (approve, treasury)
}

/// Whether the company's grade takes the green channel, and the working days to 审批.
pub fn path(scope: &TenantScope<'_>, who: &Filer) -> Result<(bool, u32), StoreError> {
    let kind = scope.record()?.credit_profile;
    let profile = Policy::embedded().credit_profile(kind);
    let grade = crate::bureau::credit::grade(scope, who.company, who.today)?;
    Ok((profile.has_green_channel(grade), profile.refund_days(grade)))
}

fn trace_refusal(
    scope: &TenantScope<'_>,
    who: &Filer,
    action: &str,
    e: &RefundError,
) -> Result<(), StoreError> {
    scope.trace(
        who.now,
        Some(who.person),
        action,
        e.code(),
        &json!({ "field": e.field(), "via": who.via }),
    )
}

/// 申请退税: ask for `asked.amount` of what return `asked.of` overpaid.
pub fn apply(
    scope: &TenantScope<'_>,
    who: &Filer,
    asked: &Asked,
) -> Result<RefundView, RefundError> {
    let done = apply_checked(scope, who, asked);
    if let Err(e) = &done
        && !matches!(e, RefundError::Store(_))
    {
        trace_refusal(scope, who, "refund.apply", e)?;
    }
    done
}

fn apply_checked(
    scope: &TenantScope<'_>,
    who: &Filer,
    asked: &Asked,
) -> Result<RefundView, RefundError> {
    let rules = &Policy::embedded().refunds;
    let (kind, period) = asked
        .of
        .split_once('/')
        .and_then(|(k, p)| {
            Some((
                crate::domain::entities::ReturnKind::parse(k)?,
                TaxPeriod::parse(p).ok()?,
            ))
        })
        .ok_or(bad("of", "unknown_return"))?;
    let open = refundable(scope, who.company)?;
    let Some(r) = open
        .iter()
        .find(|r| r.return_kind == kind.as_str() && r.period == period.to_string())
    else {
        return Err(bad("of", "unknown_return"));
    };
    if r.last_day.as_str() < who.today.to_string().as_str() {
        return Err(bad("of", "too_late"));
    }
    let amount = Fen::parse_yuan(asked.amount.trim()).map_err(|_| bad("amount", "bad_amount"))?;
    if amount <= Fen::ZERO {
        return Err(bad("amount", "bad_amount"));
    }
    if amount > r.available {
        return Err(bad("amount", "more_than_overpaid"));
    }
    let reason = asked.reason.trim();
    if reason.is_empty() {
        return Err(bad("reason", "reason_missing"));
    }
    if reason.chars().count() > rules.reason_max_chars {
        return Err(bad("reason", "reason_long"));
    }
    let files = check_files(&asked.files, 0)?;
    let refunds = scope.refunds(who.company)?;
    let this_year = refunds
        .iter()
        .filter(|x| {
            chrono::Datelike::year(&x.value.applied_on) == chrono::Datelike::year(&who.today)
        })
        .count();
    if this_year >= REFUNDS_PER_YEAR {
        return Err(bad("of", "too_many"));
    }
    let (green, approve_days) = path(scope, who)?;
    let kept: Vec<RefundFile> = files
        .iter()
        .map(|(f, _)| RefundFile {
            added_on: who.today,
            ..f.clone()
        })
        .collect();
    let lacking = missing(green, &kept);
    let mut refund = Refund {
        number: format!(
            "TS{}{:04}{:03}",
            who.today.format("%Y%m%d"),
            who.company.0 % 10_000,
            refunds.len() + 1
        ),
        return_kind: kind,
        period,
        amount,
        reason: reason.to_owned(),
        person: who.person,
        applied_on: who.today,
        applied_at: who.now,
        green,
        approve_days,
        correction_on: None,
        complete_on: None,
        approve_on: None,
        treasury_on: None,
    };
    if lacking.is_empty() {
        let (approve, treasury) = schedule(who.today, approve_days);
        refund.complete_on = Some(who.today);
        refund.approve_on = Some(approve);
        refund.treasury_on = Some(treasury);
    } else {
        refund.correction_on = Some(
            Policy::embedded()
                .calendar
                .working_days_after(who.today, rules.correction_request_working_days),
        );
    }
    let id = scope.add_refund(who.company, &refund)?;
    for (f, (_, bytes)) in kept.iter().zip(&files) {
        scope.add_refund_file(id, f, bytes)?;
    }
    scope.trace(
        who.now,
        Some(who.person),
        "refund.apply",
        "ok",
        &json!({
            "number": refund.number, "kind": "overpaid", "return": kind.as_str(),
            "period": period.to_string(), "amount": amount, "green": green,
            "approve_days": approve_days, "missing": lacking, "files": kept.len(),
            "approve_on": refund.approve_on.map(|d| d.to_string()), "via": who.via,
        }),
    )?;
    view(scope, &Stored { id, value: refund }, who.today)
}

/// 补正: send the materials the office asked for; the review restarts from the day the file
/// is complete.
pub fn supplement(
    scope: &TenantScope<'_>,
    who: &Filer,
    number: &str,
    files: &[Upload],
) -> Result<RefundView, RefundError> {
    let done = supplement_checked(scope, who, number, files);
    if let Err(e) = &done
        && !matches!(e, RefundError::Store(_))
    {
        trace_refusal(scope, who, "refund.supplement", e)?;
    }
    done
}

fn supplement_checked(
    scope: &TenantScope<'_>,
    who: &Filer,
    number: &str,
    files: &[Upload],
) -> Result<RefundView, RefundError> {
    let Some(mut r) = scope.refund(who.company, number)? else {
        return Err(RefundError::UnknownRefund);
    };
    if r.value.complete_on.is_some() {
        return Err(RefundError::NothingMissing);
    }
    if files.is_empty() {
        return Err(bad("files", "no_files"));
    }
    let kept = scope.refund_files(r.id)?;
    let checked = check_files(files, kept.len())?;
    let mut all = kept;
    for (f, bytes) in &checked {
        let f = RefundFile {
            added_on: who.today,
            ..f.clone()
        };
        scope.add_refund_file(r.id, &f, bytes)?;
        all.push(f);
    }
    let lacking = missing(r.value.green, &all);
    if lacking.is_empty() {
        let (approve, treasury) = schedule(who.today, r.value.approve_days);
        scope.complete_refund(r.id, who.today, approve, treasury)?;
        r.value.complete_on = Some(who.today);
        r.value.approve_on = Some(approve);
        r.value.treasury_on = Some(treasury);
    }
    scope.trace(
        who.now,
        Some(who.person),
        "refund.supplement",
        "ok",
        &json!({
            "number": r.value.number, "files": checked.len(), "missing": lacking,
            "approve_on": r.value.approve_on.map(|d| d.to_string()), "via": who.via,
        }),
    )?;
    view(scope, &r, who.today)
}

/// Where an application stands on `today`.
pub fn view(
    scope: &TenantScope<'_>,
    r: &Stored<Refund>,
    today: NaiveDate,
) -> Result<RefundView, RefundError> {
    let files = scope.refund_files(r.id)?;
    let v = &r.value;
    let stage = |key: &str, on: Option<NaiveDate>| Stage {
        key: key.to_owned(),
        on: on.map(|d| d.to_string()),
        reached: on.is_some_and(|d| d <= today),
    };
    let mut stages = vec![stage("accepted", Some(v.applied_on))];
    if let Some(asked) = v.correction_on {
        stages.push(stage("correction", Some(asked)));
        stages.push(stage("supplemented", v.complete_on));
    }
    stages.push(stage("review", v.complete_on.map(|d| d.max(v.applied_on))));
    stages.push(stage("approved", v.approve_on));
    stages.push(stage("refunded", v.treasury_on));
    let status = match stages.iter().rev().find(|s| s.reached) {
        Some(s) if s.key == "supplemented" => "review",
        Some(s) => s.key.as_str(),
        None => "accepted",
    }
    .to_owned();
    Ok(RefundView {
        number: v.number.clone(),
        return_kind: v.return_kind.as_str().to_owned(),
        period: v.period.to_string(),
        amount: v.amount,
        reason: v.reason.clone(),
        applied_on: v.applied_on.to_string(),
        green: v.green,
        approve_days: v.approve_days,
        status,
        stages,
        missing: if v.complete_on.is_some() {
            Vec::new()
        } else {
            missing(v.green, &files)
        },
        files: files
            .into_iter()
            .map(|f| FileView {
                material: f.material,
                name: f.name,
                size: f.size,
                added_on: f.added_on.to_string(),
            })
            .collect(),
    })
}

/// Every application of the company, newest first, as it stands on `today`.
pub fn list(
    scope: &TenantScope<'_>,
    company: CompanyId,
    today: NaiveDate,
) -> Result<Vec<RefundView>, StoreError> {
    let mut out = Vec::new();
    for r in scope.refunds(company)?.iter().rev() {
        match view(scope, r, today) {
            Ok(v) => out.push(v),
            Err(RefundError::Store(e)) => return Err(e),
            Err(_) => {}
        }
    }
    Ok(out)
}

/// What the normal path and the green channel ask for.
pub fn materials(green: bool) -> &'static [String] {
    let rules = &Policy::embedded().refunds.overpaid;
    if green {
        &rules.green_materials
    } else {
        &rules.materials
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::tax::credit::Grade;

    #[test]
    fn files_are_checked_and_counted_with_their_material() {
        let up = |m: &str, bytes: &[u8]| Upload {
            material: m.into(),
            name: "../../etc/说明.pdf".into(),
            bytes: bytes.to_vec(),
        };
        let one = [up("application", b"%PDF-1.4")];
        let ok = check_files(&one, 0).unwrap();
        assert_eq!(ok[0].0.name, "说明.pdf", "no path is kept");
        let code = |r: Result<Vec<(RefundFile, &[u8])>, RefundError>| r.err().map(|e| e.code());
        assert_eq!(
            code(check_files(&[up("application", b"")], 0)),
            Some("empty_file")
        );
        assert_eq!(
            code(check_files(&[up("application", b"hello")], 0)),
            Some("file_type")
        );
        assert_eq!(
            code(check_files(&[up("passport", b"%PDF-")], 0)),
            Some("unknown_material")
        );
        let big = vec![b'%'; Policy::embedded().refunds.max_file_bytes + 1];
        let mut big = big;
        big[..5].copy_from_slice(b"%PDF-");
        assert_eq!(
            code(check_files(&[up("other", &big)], 0)),
            Some("file_too_large")
        );
        assert_eq!(
            code(check_files(&[up("other", b"%PDF-")], 5)),
            Some("too_many_files")
        );
    }

    #[test]
    fn the_green_channel_asks_for_fewer_materials_and_approves_in_half_the_time() {
        let p = Policy::embedded();
        assert!(materials(true).len() < materials(false).len());
        let course = p.credit_profile(crate::domain::tax::credit::CreditProfileKind::Course);
        let d = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        let (green, _) = schedule(d, course.refund_days(Grade::M));
        let (normal, _) = schedule(d, course.refund_days(Grade::B));
        let days = |to: NaiveDate| (to - d).num_days();
        assert!(days(green) * 2 <= days(normal) + 1, "{green} vs {normal}");
        // 退库 three working days after 审批
        let (approve, treasury) = schedule(d, 10);
        assert_eq!(p.calendar.working_days_after(approve, 3), treasury);
    }
}
