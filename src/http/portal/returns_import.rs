//! 申报数据导入 on the form page: the standard template to download, and the upload.

use axum::extract::Path;

use super::returns::{form_page, form_response, refused_page};
use super::returns_view::{Refusal, filing, parse_return};
use super::*;
use crate::bureau::returns::form::Values;
use crate::bureau::returns::{self, ReturnError};
use crate::domain::entities::ReturnKind;
use crate::http::ReqLang;

/// `GET /portal/returns/{kind}/{period}/template`: the standard import template (CSV),
/// holding what the form would open with.
pub async fn template(
    Path((kind, period)): Path<(String, String)>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
) -> Result<Response, AppError> {
    let (kind, period) = parse_return(&kind, &period, lang)?;
    let found = filing(&desk, lang, None, move |scope, who, _| {
        let basis = returns::open_return(scope, who.company, kind, period, who.today)?;
        let (values, _) = returns::opened_values(scope, who, &basis, kind)?;
        Ok(template_file(kind, period, &values, lang))
    })
    .await?;
    match found {
        Ok(file) => Ok(file),
        Err(r) => refused_page(r, lang),
    }
}

/// The template as a CSV download.
pub(in crate::http) fn template_file(
    kind: ReturnKind,
    period: crate::domain::period::TaxPeriod,
    values: &Values,
    lang: Lang,
) -> Response {
    let c = Catalog::embedded();
    let text = returns::import::template(kind, values, |f| {
        c.text(lang, &format!("returns.field.{f}")).to_owned()
    });
    attachment(
        "text/csv; charset=utf-8",
        &format!("{}-{period}.csv", kind.as_str()),
        text,
    )
}

/// `POST /portal/returns/{kind}/{period}/import`: 申报数据导入 (multipart: `csrf`, `file`).
pub async fn import_post(
    Path((kind, period)): Path<(String, String)>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let (kind, period) = parse_return(&kind, &period, lang)?;
    let (csrf, file) = upload(multipart, lang).await?;
    require_csrf(&headers, &csrf, lang)?;
    let (csrf, set) = desk.page_token();
    let d = desk.clone();
    let done = filing(&desk, lang, None, move |scope, who, s| {
        let basis = returns::open_return(scope, who.company, kind, period, who.today)?;
        match returns::import_file(scope, who, kind, period, &file) {
            Ok(_) => Ok(None),
            Err(ReturnError::Store(e)) => Err(Refusal::from(e)),
            Err(e) => {
                let (values, source) = returns::opened_values(scope, who, &basis, kind)?;
                Ok(Some(Box::new(form_page(
                    scope,
                    who,
                    s,
                    &d,
                    csrf,
                    kind,
                    &basis,
                    &values,
                    source,
                    Some(&e),
                    "",
                    lang,
                )?)))
            }
        }
    })
    .await?;
    let path = format!("/portal/returns/{}/{period}", kind.as_str());
    match done {
        Ok(None) => Ok(Redirect::to(&format!("{path}?notice=imported")).into_response()),
        Ok(Some(page)) => form_response(lang, *page, set, StatusCode::UNPROCESSABLE_ENTITY),
        Err(r) => refused_page(r, lang),
    }
}
