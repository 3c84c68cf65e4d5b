//! What a form opens with, and keeping what was typed: 暂存 (by hand, by the page, or when
//! the session runs out), 申报数据导入 into the draft, and the form as it opens (draft, the
//! filed version for a correction, or the prefill).

use serde_json::json;

use super::form::{self, Basis, Values};
use super::{Filer, ReturnError, import, open_return};
use crate::domain::entities::ReturnKind;
use crate::domain::period::TaxPeriod;
use crate::store::TenantScope;

/// 暂存: keep what was typed, valid or not. `auto` when the page saved by itself or the
/// session ran out while filling.
pub fn save_draft(
    scope: &TenantScope<'_>,
    who: &Filer,
    kind: ReturnKind,
    period: TaxPeriod,
    values: &Values,
    auto: bool,
) -> Result<(), ReturnError> {
    open_return(scope, who.company, kind, period, who.today)?;
    let known: Values = values
        .iter()
        .filter(|(k, _)| form::fields(kind).iter().any(|f| f.name == k.as_str()))
        .map(|(k, v)| (k.clone(), v.chars().take(40).collect()))
        .collect();
    let json = serde_json::to_string(&known).unwrap_or_default();
    scope.save_draft(who.company, kind, period, &json, who.now, auto)?;
    scope.trace(
        who.now,
        Some(who.person),
        "return.draft",
        "ok",
        &json!({ "kind": kind.as_str(), "period": period.to_string(), "auto": auto }),
    )?;
    Ok(())
}

/// 申报数据导入: read a filled template; what it holds becomes the form's draft. A file
/// with problems changes nothing (and the problems are traced, row by row).
pub fn import_file(
    scope: &TenantScope<'_>,
    who: &Filer,
    kind: ReturnKind,
    period: TaxPeriod,
    bytes: &[u8],
) -> Result<Values, ReturnError> {
    open_return(scope, who.company, kind, period, who.today)?;
    match import::read(kind, bytes) {
        Ok(values) => {
            let json = serde_json::to_string(&values).unwrap_or_default();
            scope.save_draft(who.company, kind, period, &json, who.now, false)?;
            scope.trace(
                who.now,
                Some(who.person),
                "return.import",
                "ok",
                &json!({ "kind": kind.as_str(), "period": period.to_string(), "fields": values.len() }),
            )?;
            Ok(values)
        }
        Err(problems) => {
            scope.trace(
                who.now,
                Some(who.person),
                "return.import",
                "bad_file",
                &json!({
                    "kind": kind.as_str(), "period": period.to_string(),
                    "problems": problems.iter().map(|p| json!({ "row": p.row, "column": p.column, "code": p.code })).collect::<Vec<_>>(),
                }),
            )?;
            Err(ReturnError::BadImport(problems))
        }
    }
}

/// What the form shows when opened: a draft if there is one, else the latest filed
/// version (for a correction), else the prefill. Opening is traced.
pub fn opened_values(
    scope: &TenantScope<'_>,
    who: &Filer,
    basis: &Basis,
    kind: ReturnKind,
) -> Result<(Values, &'static str), ReturnError> {
    let period = basis.period;
    let (values, source) = if let Some(d) = scope.draft(who.company, kind, period)? {
        (serde_json::from_str(&d.form).unwrap_or_default(), "draft")
    } else if let Some(form) = scope
        .return_versions(who.company, kind, period)?
        .last()
        .and_then(|r| r.form.clone())
    {
        (serde_json::from_str(&form).unwrap_or_default(), "filed")
    } else {
        (basis.prefill(kind), "prefill")
    };
    scope.trace(
        who.now,
        Some(who.person),
        "return.open",
        "ok",
        &json!({ "kind": kind.as_str(), "period": period.to_string(), "source": source }),
    )?;
    Ok((values, source))
}
