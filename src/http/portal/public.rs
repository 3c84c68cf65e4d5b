//! 【公众服务】—【发票查验】: whether an invoice is genuine, by its number, date and amount;
//! 【政策法规库】: the policies the engine applies; and 【资源中心】: the tools the course names
//! (打印控件, PDF阅读器), whose installation is the remedy of 打印证明失败. Open without a
//! bureau login; they act in the trainee's own world.

use axum::extract::Query as QueryString;

use super::*;
use crate::bureau::queries::check::{self, CheckRequest, CheckVerdict, InvoiceFace};
use crate::http::ReqLang;

#[derive(serde::Deserialize, Default, Clone)]
pub struct CheckQuery {
    #[serde(default)]
    number: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    amount: String,
}

#[derive(Serialize)]
struct CheckPage {
    #[serde(flatten)]
    frame: Frame,
    number: String,
    date: String,
    amount: String,
    /// `genuine`, `mismatch`, `not_found`.
    verdict: Option<&'static str>,
    face: Option<InvoiceFace>,
    problem: Option<(&'static str, String)>,
}

/// `GET /portal/public/invoice-check?number=&date=&amount=`.
pub async fn invoice_check(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Result<QueryString<CheckQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let q = q.map(|QueryString(q)| q).unwrap_or_default();
    let asked = !(q.number.is_empty() && q.date.is_empty() && q.amount.is_empty());
    let read = asked.then(|| CheckRequest::read(&q.number, &q.date, &q.amount));
    let (tenant, now) = (desk.tenant(), desk.clock.now());
    let request = read.clone().and_then(Result::ok);
    let verdict = match request {
        Some(r) => Some(
            desk.db
                .run_mostly_read(move |s| check::check(&s.tenant(tenant), &r, None, now))
                .await
                .map_err(|e| AppError::from_store(e, lang))?,
        ),
        None => None,
    };
    let (frame, set) = super::menus::public_frame(&desk, lang, "invoice_check.heading").await?;
    let problem = match &read {
        Some(Err(p)) => Some((
            p.field,
            Catalog::embedded()
                .text(lang, &format!("invoice_check.error.{}", p.code))
                .to_owned(),
        )),
        _ => None,
    };
    let status = match (&problem, &verdict) {
        (Some(_), _) => StatusCode::UNPROCESSABLE_ENTITY,
        (None, Some(CheckVerdict::Genuine(_)) | None) => StatusCode::OK,
        (None, Some(_)) => StatusCode::NOT_FOUND,
    };
    let page = CheckPage {
        frame,
        number: q.number.chars().take(40).collect(),
        date: q.date.chars().take(20).collect(),
        amount: q.amount.chars().take(30).collect(),
        verdict: verdict.as_ref().map(CheckVerdict::code),
        face: match verdict {
            Some(CheckVerdict::Genuine(face)) => Some(*face),
            _ => None,
        },
        problem,
    };
    let mut res = render(
        lang,
        "/portal/public/invoice-check",
        "portal_invoice_check.html",
        page,
        set,
    )?;
    *res.status_mut() = status;
    Ok(res)
}

#[derive(Serialize)]
struct ToolsPage {
    #[serde(flatten)]
    frame: Frame,
    tools: [&'static str; 2],
    /// The tool just installed, and whether that ended a print failure.
    installed: Option<String>,
    fixed: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct ToolsQuery {
    #[serde(default)]
    installed: String,
    #[serde(default)]
    fixed: String,
}

/// `GET /portal/public/tools`: 资源中心, the tools to download and install.
pub async fn tools(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Result<QueryString<ToolsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let q = q.map(|QueryString(q)| q).unwrap_or_default();
    let (frame, set) = super::menus::public_frame(&desk, lang, "tools.heading").await?;
    let page = ToolsPage {
        frame,
        tools: crate::bureau::proofs::TOOLS,
        installed: crate::bureau::proofs::TOOLS
            .iter()
            .find(|t| **t == q.installed)
            .map(|t| (*t).to_owned()),
        fixed: q.fixed == "1",
    };
    render(lang, "/portal/public/tools", "portal_tools.html", page, set)
}

#[derive(serde::Deserialize)]
pub struct ToolForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    tool: String,
}

/// `POST /portal/public/tools/install` (`csrf`, `tool`): install a tool on the trainee's
/// (simulated) computer; either tool ends 打印证明失败.
pub async fn install_tool(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<ToolForm>, FormRejection>,
) -> Result<Response, AppError> {
    let f = form_body(form, lang)?;
    require_csrf(&headers, &f.csrf, lang)?;
    let tool: String = f.tool.chars().take(40).collect();
    let token = desk.token.clone();
    let (tenant, now) = (desk.tenant(), desk.clock.now());
    let t = tool.clone();
    let done = desk
        .db
        .run_write(move |s| {
            let scope = s.tenant(tenant);
            let person = match crate::bureau::login::session(&scope, now, &token) {
                Ok(s) if s.stage == SessionStage::Active => Some(s.person_id),
                _ => None,
            };
            crate::bureau::proofs::install_tool(&scope, person, &t, now)
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    match done {
        Some(fixed) => Ok(Redirect::to(&format!(
            "/portal/public/tools?installed={tool}&fixed={}",
            u8::from(fixed)
        ))
        .into_response()),
        None => Err(AppError::not_found(lang)),
    }
}

/// A policy as a page or the API shows it, in the reader's language.
#[derive(Serialize, utoipa::ToSchema)]
pub(in crate::http) struct PolicyView {
    pub id: String,
    pub tax: &'static str,
    pub tax_name: String,
    pub title: String,
    /// The plain-language explanation.
    pub plain: String,
    pub from: Option<String>,
    pub to: Option<String>,
    /// (label, value) as the engine uses them.
    pub params: Vec<(String, String)>,
    pub source: String,
    /// Why the source is not confirmed, when it is not.
    pub unverified: Option<String>,
}

/// The library's entries matching `q` within `tax` (an unknown tax is all).
pub(in crate::http) fn policy_views(lang: Lang, q: &str, tax: &str) -> Vec<PolicyView> {
    use crate::bureau::policies;
    let cat = Catalog::embedded();
    let tax = policies::TAXES.iter().find(|t| **t == tax).copied();
    let q: String = q.chars().take(100).collect();
    policies::search(lang, &q, tax)
        .into_iter()
        .map(|e| PolicyView {
            id: e.id.clone(),
            tax: e.tax,
            tax_name: cat.text(lang, &format!("policy.tax.{}", e.tax)).to_owned(),
            title: cat.text(lang, &format!("policy.title.{}", e.id)).to_owned(),
            plain: cat.text(lang, &format!("policy.plain.{}", e.id)).to_owned(),
            from: e.from.clone(),
            to: e.to.clone(),
            params: e
                .params
                .iter()
                .map(|(k, v)| {
                    let key = format!("policy.param.{k}");
                    let label = if cat.has(&key) {
                        cat.text(lang, &key)
                    } else {
                        k
                    };
                    // codes (at_or_below, small_scale, true…) in words
                    let value = v
                        .split("; ")
                        .map(|part| {
                            let code = format!("policy.value.{part}");
                            if cat.has(&code) {
                                cat.text(lang, &code).to_owned()
                            } else {
                                part.to_owned()
                            }
                        })
                        .collect::<Vec<_>>()
                        .join("; ");
                    (label.to_owned(), value)
                })
                .collect(),
            source: e.source.clone(),
            unverified: e.unverified.as_ref().map(|k| cat.text(lang, k).to_owned()),
        })
        .collect()
}

#[derive(serde::Deserialize, Default)]
pub struct PolicyQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    tax: String,
}

#[derive(Serialize)]
struct PoliciesPage {
    #[serde(flatten)]
    frame: Frame,
    q: String,
    tax: String,
    taxes: [&'static str; 7],
    policies: Vec<PolicyView>,
}

/// `GET /portal/public/policies?q=&tax=`: 政策法规库.
pub async fn policies(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Result<QueryString<PolicyQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let q = q.map(|QueryString(q)| q).unwrap_or_default();
    let (frame, set) = super::menus::public_frame(&desk, lang, "policy.heading").await?;
    let page = PoliciesPage {
        frame,
        policies: policy_views(lang, &q.q, &q.tax),
        q: q.q.chars().take(100).collect(),
        tax: q.tax.chars().take(20).collect(),
        taxes: crate::bureau::policies::TAXES,
    };
    render(
        lang,
        "/portal/public/policies",
        "portal_policies.html",
        page,
        set,
    )
}
