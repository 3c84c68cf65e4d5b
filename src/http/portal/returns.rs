//! 【我要办税】—【税费申报及缴纳】: the list of returns, a return's form (prefilled, drafts,
//! checks at the fields, submit with a confirmation, correction), the receipt (申报回执),
//! payment and the payment document (电子缴款书).

use std::collections::BTreeMap;

use axum::extract::{Path, Query};
use serde::Deserialize;

use super::returns_view::{
    PaymentView, Receipt, Refusal, Sheet, filing, import_text, parse_return, payment_view, receipt,
    return_message, sheet,
};
use super::*;
use crate::bureau::returns::form::{Basis, Values};
use crate::bureau::returns::{self, Filer, ReturnError, ReturnRow};
use crate::domain::entities::ReturnKind;
use crate::http::ReqLang;
use crate::store::PortalSession;

// ---- pages ----

fn frame(
    scope: &TenantScope<'_>,
    s: &PortalSession,
    csrf: String,
    desk: &Desk,
    lang: Lang,
    crumbs: Vec<&'static str>,
) -> Result<Frame, StoreError> {
    filer_frame(scope, s, csrf, desk, lang, "returns", crumbs)
}

/// Where a refused page request goes: the login (keeping the notice), or an error page.
pub(super) fn refused_page(r: Refusal, lang: Lang) -> Result<Response, AppError> {
    match r {
        Refusal::Login(LoginError::WrongStage(stage)) => {
            Ok(Redirect::to(stage_home(stage)).into_response())
        }
        Refusal::Login(e) => Ok(to_login(&e)),
        Refusal::Return(ReturnError::UnknownReturn) => Err(AppError::not_found(lang)),
        Refusal::Return(e) => Err(AppError::api(
            StatusCode::CONFLICT,
            lang,
            e.code(),
            return_message(&e, lang),
            None,
        )
        .as_page()),
    }
}

#[derive(Serialize)]
struct ListPage {
    #[serde(flatten)]
    frame: Frame,
    rows: Vec<ReturnRow>,
    sandbox_date: String,
    balance: String,
    agreement: bool,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    notice: Option<String>,
}

fn notice_text(q: Option<Query<NoticeQuery>>, lang: Lang) -> Option<String> {
    q.and_then(|Query(q)| q.notice)
        .filter(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(|n| {
            Catalog::embedded()
                .text(lang, &format!("returns.notice.{n}"))
                .to_owned()
        })
}

/// `GET /portal/returns`: 税费申报及缴纳.
pub async fn returns_page(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Result<Query<NoticeQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let (csrf, set) = desk.page_token();
    let d = desk.clone();
    let found = filing_read(&desk, lang, move |scope, who, s| {
        let account = scope.bank_account(who.company)?.value;
        Ok(ListPage {
            frame: frame(
                scope,
                s,
                csrf,
                &d,
                lang,
                vec!["portal.crumb.home", "returns.crumb"],
            )?,
            rows: returns::look_up(scope, who)?,
            sandbox_date: who.today.to_string(),
            balance: account.balance.to_string(),
            agreement: account.tripartite_agreement,
            notice: None,
        })
    })
    .await?;
    match found {
        Ok(mut page) => {
            page.notice = notice_text(q.ok(), lang);
            render(
                lang,
                "/portal/returns",
                "portal_returns.html",
                page,
                set.into_iter().collect(),
            )
        }
        Err(r) => refused_page(r, lang),
    }
}

#[derive(Serialize)]
pub(super) struct FormPage {
    #[serde(flatten)]
    frame: Frame,
    #[serde(flatten)]
    sheet: Sheet,
    company: String,
    uscc: String,
    period_from: String,
    period_to: String,
    deadline: String,
    today: String,
    /// `file`, or `amend` once filed.
    mode: &'static str,
    source: &'static str,
    after_deadline: bool,
    reason: String,
    need_confirm: bool,
    refusal: Option<String>,
    /// An import refused: its problems, row by row.
    import_problems: Vec<String>,
    versions: Vec<VersionView>,
    unpaid: String,
    notice: Option<String>,
}

#[derive(Serialize)]
struct VersionView {
    version: u32,
    filing_no: String,
    filed_on: String,
    total_due: String,
    reason: String,
}

/// Lay out the form page (inside the transaction).
#[allow(clippy::too_many_arguments)]
pub(super) fn form_page(
    scope: &TenantScope<'_>,
    who: &Filer,
    s: &PortalSession,
    desk: &Desk,
    csrf: String,
    kind: ReturnKind,
    basis: &Basis,
    values: &Values,
    source: &'static str,
    refused: Option<&ReturnError>,
    reason: &str,
    lang: Lang,
) -> Result<FormPage, StoreError> {
    let co = scope.company(who.company)?.value;
    let period = basis.period;
    let versions = scope.return_version_heads(who.company, kind, period)?;
    let row = returns::row(scope, who.company, kind, period, who.today)?;
    let deadline = returns::deadline(period);
    Ok(FormPage {
        frame: frame(
            scope,
            s,
            csrf,
            desk,
            lang,
            vec!["portal.crumb.home", "returns.crumb", "returns.crumb_form"],
        )?,
        sheet: sheet(basis, kind, values, refused, lang),
        company: co.name,
        uscc: co.uscc.to_string(),
        period_from: period.first_day().to_string(),
        period_to: period.last_day().to_string(),
        deadline: deadline.to_string(),
        today: who.today.to_string(),
        mode: if versions.is_empty() { "file" } else { "amend" },
        source,
        after_deadline: who.today > deadline,
        reason: reason.to_owned(),
        need_confirm: matches!(refused, Some(ReturnError::Unconfirmed(_))),
        refusal: refused
            .filter(|e| !matches!(e, ReturnError::Invalid(_) | ReturnError::Unconfirmed(_)))
            .map(|e| return_message(e, lang)),
        import_problems: match refused {
            Some(ReturnError::BadImport(p)) => p.iter().map(|p| import_text(p, lang)).collect(),
            _ => Vec::new(),
        },
        versions: versions
            .iter()
            .map(|v| VersionView {
                version: v.version,
                filing_no: v.filing_no.clone().unwrap_or_default(),
                filed_on: v.filed_on.to_string(),
                total_due: v.total_due.to_string(),
                reason: v.reason.clone(),
            })
            .collect(),
        unpaid: row.unpaid.to_string(),
        notice: None,
    })
}

/// `GET /portal/returns/{kind}/{period}`: the form, with a draft, the filed figures (for a
/// correction) or the prefill.
pub async fn form_page_get(
    Path((kind, period)): Path<(String, String)>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Result<Query<NoticeQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let (kind, period) = parse_return(&kind, &period, lang)?;
    let (csrf, set) = desk.page_token();
    let d = desk.clone();
    let found = filing_read(&desk, lang, move |scope, who, s| {
        let basis = returns::open_return(scope, who.company, kind, period, who.today)?;
        let (values, source) = returns::opened_values(scope, who, &basis, kind)?;
        Ok(form_page(
            scope, who, s, &d, csrf, kind, &basis, &values, source, None, "", lang,
        )?)
    })
    .await?;
    match found {
        Ok(mut page) => {
            page.notice = notice_text(q.ok(), lang);
            form_response(lang, page, set, StatusCode::OK)
        }
        Err(r) => refused_page(r, lang),
    }
}

/// What the form posts: its fields, which button, the confirmation and the reason.
#[derive(Deserialize)]
pub struct FormPost {
    #[serde(flatten)]
    fields: BTreeMap<String, String>,
}

impl FormPost {
    fn take(&mut self, name: &str) -> String {
        self.fields.remove(name).unwrap_or_default()
    }

    /// The form's fields without its controls (which button, the confirmation, the
    /// reason, whether it files or corrects).
    fn into_values(mut self) -> Values {
        for control in ["action", "confirm", "reason", "mode"] {
            self.fields.remove(control);
        }
        self.fields
    }
}

/// `POST /portal/returns/{kind}/{period}`: 暂存 (`action=save`, or `autosave` from the
/// page's script), 重新计算 (`calculate`), 重置 (`reset`), 申报 (`submit`, which is a
/// correction once the return is filed).
pub async fn form_page_post(
    Path((kind, period)): Path<(String, String)>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<FormPost>, FormRejection>,
) -> Result<Response, AppError> {
    let (kind, period) = parse_return(&kind, &period, lang)?;
    let mut f = form_body(form, lang)?;
    require_csrf(&headers, &f.take("csrf"), lang)?;
    let action = f.take("action");
    let confirmed = f.take("confirm") == "1";
    let reason = f.take("reason");
    // the form says whether it was opened to file or to correct: a second click on a
    // form that filed is a repeat, not a correction
    let amending = f.take("mode") == "amend";
    let values = f.into_values();
    let (csrf, set) = desk.page_token();
    let d = desk.clone();
    let path = format!("/portal/returns/{}/{period}", kind.as_str());
    let keep = Some((kind, period, values.clone()));
    let act = action.clone();
    let done = filing(&desk, lang, keep, move |scope, who, s| {
        let basis = returns::open_return(scope, who.company, kind, period, who.today)?;
        let outcome = match act.as_str() {
            "save" | "autosave" => {
                returns::save_draft(scope, who, kind, period, &values, act == "autosave")
                    .map(|()| Step::Saved)
            }
            "reset" => {
                scope.drop_draft(who.company, kind, period)?;
                Ok(Step::Reset)
            }
            "submit" if amending => {
                returns::amend(scope, who, kind, period, &values, &reason, confirmed)
                    .map(Step::Filed)
            }
            "submit" => {
                returns::submit(scope, who, kind, period, &values, confirmed).map(Step::Filed)
            }
            _ => Ok(Step::Shown),
        };
        match outcome {
            Ok(Step::Filed(r)) if r.response_lost => Ok(Step::Lost),
            Ok(Step::Filed(r)) => Ok(Step::Receipt(r.filing.filing_no.unwrap_or_default())),
            Ok(Step::Shown) => Ok(Step::Page(Box::new(form_page(
                scope, who, s, &d, csrf, kind, &basis, &values, "typed", None, &reason, lang,
            )?))),
            Ok(step) => Ok(step),
            Err(ReturnError::Store(e)) => Err(Refusal::from(e)),
            Err(e) => Ok(Step::Refused(Box::new(form_page(
                scope,
                who,
                s,
                &d,
                csrf,
                kind,
                &basis,
                &values,
                "typed",
                Some(&e),
                &reason,
                lang,
            )?))),
        }
    })
    .await?;
    match done {
        Ok(Step::Saved) if action == "autosave" => Ok(StatusCode::NO_CONTENT.into_response()),
        Ok(Step::Saved) => Ok(Redirect::to(&format!("{path}?notice=saved")).into_response()),
        Ok(Step::Reset) => Ok(Redirect::to(&format!("{path}?notice=reset")).into_response()),
        Ok(Step::Receipt(no)) => {
            Ok(Redirect::to(&format!("/portal/returns/receipts/{no}")).into_response())
        }
        Ok(Step::Lost) => Err(AppError::page(
            StatusCode::GATEWAY_TIMEOUT,
            lang,
            "returns.network_drop",
        )),
        Ok(Step::Page(page)) => form_response(lang, *page, set, StatusCode::OK),
        Ok(Step::Refused(page)) => {
            form_response(lang, *page, set, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Ok(Step::Filed(_) | Step::Shown) => Err(AppError::internal(lang)),
        Err(Refusal::Login(LoginError::SessionExpired)) => Ok(with_cookies(
            Redirect::to("/portal/login?notice=timeout_draft").into_response(),
            [clear_session_cookie()],
        )),
        Err(r) => refused_page(r, lang),
    }
}

/// The form page, answered with `status` (422 when it shows a refusal).
pub(super) fn form_response(
    lang: Lang,
    page: FormPage,
    set_cookie: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let mut res = render(
        lang,
        "/portal/returns/form",
        "portal_return.html",
        page,
        set_cookie.into_iter().collect(),
    )?;
    *res.status_mut() = status;
    Ok(res)
}

/// How a form post ended.
enum Step {
    Saved,
    Reset,
    Shown,
    Filed(returns::Filed),
    Receipt(String),
    Lost,
    Page(Box<FormPage>),
    Refused(Box<FormPage>),
}

/// `POST /portal/returns/{kind}/{period}/calculate`: the page script's live recalculation
/// (the server is the authority; nothing is saved).
pub async fn calculate(
    Path((kind, period)): Path<(String, String)>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<FormPost>, FormRejection>,
) -> Result<Response, AppError> {
    let (kind, period) = parse_return(&kind, &period, lang)?;
    let mut f = form_body(form, lang)?;
    require_csrf(&headers, &f.take("csrf"), lang)?;
    let values = f.into_values();
    let found = filing_read(&desk, lang, move |scope, who, _| {
        let basis = returns::open_return(scope, who.company, kind, period, who.today)?;
        Ok(sheet(&basis, kind, &values, None, lang))
    })
    .await?;
    match found {
        Ok(sheet) => Ok(axum::Json(sheet).into_response()),
        Err(Refusal::Login(_)) => Ok(StatusCode::UNAUTHORIZED.into_response()),
        Err(Refusal::Return(_)) => Err(AppError::not_found(lang).as_json()),
    }
}

#[derive(Serialize)]
struct ReceiptPage {
    #[serde(flatten)]
    frame: Frame,
    receipt: Receipt,
    unpaid: String,
}

/// `GET /portal/returns/receipts/{number}`: 申报回执 (printable).
pub async fn receipt_page(
    Path(number): Path<String>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
) -> Result<Response, AppError> {
    let (csrf, set) = desk.page_token();
    let d = desk.clone();
    let found = filing_read(&desk, lang, move |scope, who, s| {
        let r = returns::open_receipt(scope, who, &number)?;
        let row = returns::row(scope, who.company, r.kind, r.period, who.today)?;
        Ok(ReceiptPage {
            frame: frame(
                scope,
                s,
                csrf,
                &d,
                lang,
                vec!["portal.crumb.home", "returns.crumb", "returns.receipt"],
            )?,
            receipt: receipt(scope, who.company, &r, false, who.time())?,
            unpaid: row.unpaid.to_string(),
        })
    })
    .await?;
    match found {
        Ok(page) => render(
            lang,
            "/portal/returns/receipt",
            "portal_receipt.html",
            page,
            set.into_iter().collect(),
        ),
        Err(r) => refused_page(r, lang),
    }
}

/// `POST /portal/returns/{kind}/{period}/pay`: pay what the return asks.
pub async fn pay_post(
    Path((kind, period)): Path<(String, String)>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, AppError> {
    let (kind, period) = parse_return(&kind, &period, lang)?;
    let f = form_body(form, lang)?;
    require_csrf(&headers, &f.csrf, lang)?;
    let done = filing(&desk, lang, None, move |scope, who, _| {
        Ok(returns::pay(scope, who, kind, period))
    })
    .await?;
    match done {
        Ok(Ok(paid)) => Ok(Redirect::to(&format!(
            "/portal/payments/{}?done=1",
            paid.remittance.number
        ))
        .into_response()),
        Ok(Err(e)) => {
            let status = match e {
                ReturnError::BankMaintenance { .. } => StatusCode::SERVICE_UNAVAILABLE,
                ReturnError::NotFiled => StatusCode::NOT_FOUND,
                _ => StatusCode::CONFLICT,
            };
            Err(AppError::api(status, lang, e.code(), return_message(&e, lang), None).as_page())
        }
        Err(r) => refused_page(r, lang),
    }
}

/// `POST /portal/payments/agreement`: sign the tripartite agreement.
pub async fn agreement_post(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    require_csrf(&headers, &f.csrf, lang)?;
    let done = filing(&desk, lang, None, move |scope, who, _| {
        returns::sign_agreement(scope, who)?;
        Ok(())
    })
    .await?;
    match done {
        Ok(()) => Ok(Redirect::to("/portal/returns?notice=agreement").into_response()),
        Err(r) => refused_page(r, lang),
    }
}

#[derive(Serialize)]
struct PaymentPage {
    #[serde(flatten)]
    frame: Frame,
    payment: PaymentView,
    /// Just paid: the page opens with 扣款成功.
    done: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct PaymentQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /portal/payments/{number}`: 电子缴款书 (printable); `?done=1` right after paying.
pub async fn payment_page(
    Path(number): Path<String>,
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Result<axum::extract::Query<PaymentQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let done = q.is_ok_and(|axum::extract::Query(q)| q.done.is_some_and(|d| d == "1"));
    let (csrf, set) = desk.page_token();
    let d = desk.clone();
    let found = filing_read(&desk, lang, move |scope, who, s| {
        let r = scope
            .remittance(&number)?
            .filter(|r| r.company == who.company)
            .ok_or(ReturnError::UnknownReturn)?;
        Ok(PaymentPage {
            frame: frame(
                scope,
                s,
                csrf,
                &d,
                lang,
                vec!["portal.crumb.home", "returns.crumb", "returns.payment"],
            )?,
            payment: payment_view(scope, &r, who.time())?,
            done,
        })
    })
    .await?;
    match found {
        Ok(page) => render(
            lang,
            "/portal/payments",
            "portal_payment.html",
            page,
            set.into_iter().collect(),
        ),
        Err(r) => refused_page(r, lang),
    }
}
