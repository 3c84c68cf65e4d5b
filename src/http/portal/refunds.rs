//! 【我要办税】—【一般退（抵）税管理】—【一站式退抵税(费)】: what is refundable, the
//! application with its supporting files, 补正, and each application's progress; and its
//! read-only twin under 【我要查询】 (办税进度及结果查询).

use axum::extract::Query;
use serde::Deserialize;

use super::returns::refused_page;
use super::returns_view::{filing_read, limited};
use super::*;
use crate::bureau::refunds::{self, Asked, RefundError, RefundView, Refundable, Upload};
use crate::http::ReqLang;
use crate::http::net::ClientAddr;
use crate::store::limits::Limit;

/// Refund applications and supplements one person may send in an hour, and one address.
pub(in crate::http) const REFUNDS_PER_PERSON: Limit = Limit {
    kind: "refund_person",
    max: 30,
    window: chrono::Duration::hours(1),
};
pub(in crate::http) const REFUNDS_PER_ADDRESS: Limit = Limit {
    kind: "refund_address",
    max: 300,
    window: chrono::Duration::hours(1),
};

/// How many file inputs the form offers.
const FILE_SLOTS: usize = 3;

#[derive(Serialize)]
struct PathView {
    green: bool,
    approve_days: u32,
    materials: Vec<String>,
    grade: String,
    /// The normal track's working days, to compare.
    normal_days: u32,
}

#[derive(Serialize)]
struct RefundsPage {
    #[serde(flatten)]
    frame: Frame,
    refundable: Vec<Refundable>,
    /// The track the company's grade takes (not `path`: the frame's current address).
    track: PathView,
    applications: Vec<RefundView>,
    /// Every material a file may be (`refund.material.<key>`).
    all_materials: Vec<String>,
    slots: Vec<usize>,
    /// What was typed, kept when refused.
    form: FormView,
    /// A refusal: (field, message), and the application it concerns when a supplement.
    problem: Option<(String, String)>,
    problem_at: String,
    notice: Option<String>,
    /// The read-only view under 我要查询.
    query: bool,
    /// 增量留抵退税 (general taxpayers): where the company stands, and its applications.
    credit: Option<crate::bureau::credit_refund::Eligibility>,
    credit_applications: Vec<crate::bureau::credit_refund::CreditRefundView>,
    credit_refusals: Vec<crate::bureau::credit_refund::RefusalView>,
}

#[derive(Serialize, Default, Clone)]
pub(super) struct FormView {
    pub(super) of: String,
    pub(super) amount: String,
    pub(super) reason: String,
    /// The 留抵退税 form's reason.
    pub(super) credit_reason: String,
}

#[derive(Deserialize, Default)]
pub struct RefundsQuery {
    #[serde(default)]
    notice: String,
}

/// A refusal's text.
pub(in crate::http) fn refund_message(e: &RefundError, lang: Lang) -> String {
    Catalog::embedded()
        .text(lang, &format!("refund.error.{}", e.code()))
        .to_owned()
}

pub(in crate::http) fn refund_status(e: &RefundError) -> StatusCode {
    match e {
        RefundError::UnknownRefund => StatusCode::NOT_FOUND,
        RefundError::NothingMissing => StatusCode::CONFLICT,
        RefundError::Field {
            code: "too_many", ..
        } => StatusCode::TOO_MANY_REQUESTS,
        RefundError::Field {
            code: "too_late", ..
        } => StatusCode::CONFLICT,
        RefundError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        RefundError::Field { .. } => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

pub(super) struct Shown {
    pub(super) form: FormView,
    pub(super) problem: Option<(String, String)>,
    /// The application a supplement's problem concerns, or `credit` for the 留抵退税 form.
    pub(super) problem_at: String,
    pub(super) notice: Option<String>,
    pub(super) query: bool,
}

pub(super) async fn show(
    desk: &Taxpayer,
    lang: Lang,
    shown: Shown,
    status: StatusCode,
) -> Result<Response, AppError> {
    let (csrf, set) = desk.page_token();
    let d = desk.clone();
    let query = shown.query;
    let found = filing_read(desk, lang, move |scope, who, s| {
        let crumbs = if query {
            vec![
                "portal.crumb.home",
                "portal.crumb.query",
                "refund.query_heading",
            ]
        } else {
            vec!["portal.crumb.home", "portal.crumb.tax", "refund.heading"]
        };
        let frame = filer_frame(
            scope,
            s,
            csrf,
            &d,
            lang,
            if query { "query" } else { "tax" },
            crumbs,
        )?;
        let (green, approve_days) = refunds::path(scope, who)?;
        let grade = crate::bureau::credit::grade(scope, who.company, who.today)?.to_string();
        let refundable = refunds::refundable(scope, who.company)?;
        let mut form = shown.form;
        if form.of.is_empty()
            && let Some(r) = refundable
                .iter()
                .find(|r| r.available > crate::domain::money::Fen::ZERO)
        {
            form.of = format!("{}/{}", r.return_kind, r.period);
            form.amount = r.available.to_string();
        }
        let rules = &crate::domain::tax::Policy::embedded().refunds.overpaid;
        let mut all: Vec<String> = rules.materials.clone();
        all.push("other".into());
        scope.trace(
            who.now,
            Some(who.person),
            "refund.view",
            "ok",
            &serde_json::json!({ "via": who.via }),
        )?;
        Ok(RefundsPage {
            frame,
            refundable,
            track: PathView {
                green,
                approve_days,
                materials: refunds::materials(green).to_vec(),
                grade,
                normal_days: crate::domain::tax::Policy::embedded()
                    .credit_profile(scope.record()?.credit_profile)
                    .normal_refund_days,
            },
            applications: refunds::list(scope, who.company, who.today)?,
            credit: crate::bureau::credit_refund::eligibility(scope, who.company, who.today)?,
            credit_applications: crate::bureau::credit_refund::list(scope, who.company, who.today)?,
            credit_refusals: crate::bureau::credit_refund::refusals(scope, who.company)?,
            all_materials: all,
            slots: (1..=FILE_SLOTS).collect(),
            form,
            problem: shown.problem,
            problem_at: shown.problem_at,
            notice: shown.notice,
            query,
        })
    })
    .await?;
    match found {
        Ok(page) => {
            let path = if query {
                "/portal/query/refunds"
            } else {
                "/portal/refunds"
            };
            let mut res = render(
                lang,
                path,
                "portal_refunds.html",
                page,
                set.into_iter().collect(),
            )?;
            *res.status_mut() = status;
            Ok(res)
        }
        Err(r) => refused_page(r, lang),
    }
}

fn notice(
    q: Result<Query<RefundsQuery>, axum::extract::rejection::QueryRejection>,
    lang: Lang,
) -> Option<String> {
    q.ok()
        .map(|Query(q)| q.notice)
        .filter(|n| ["applied", "supplemented", "credit_applied"].contains(&n.as_str()))
        .map(|n| {
            Catalog::embedded()
                .text(lang, &format!("refund.notice.{n}"))
                .to_owned()
        })
}

/// `GET /portal/refunds`: 退抵税.
pub async fn refunds_page(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    q: Result<Query<RefundsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let shown = Shown {
        form: FormView::default(),
        problem: None,
        problem_at: String::new(),
        notice: notice(q, lang),
        query: false,
    };
    show(&desk, lang, shown, StatusCode::OK).await
}

/// `GET /portal/query/refunds`: 退抵税办理进度查询 (read only).
pub async fn refunds_query(desk: Taxpayer, ReqLang(lang): ReqLang) -> Result<Response, AppError> {
    let shown = Shown {
        form: FormView::default(),
        problem: None,
        problem_at: String::new(),
        notice: None,
        query: true,
    };
    show(&desk, lang, shown, StatusCode::OK).await
}

/// The form's text fields and its files (`file<n>` with `material<n>`).
struct Sent {
    csrf: String,
    fields: FormView,
    files: Vec<Upload>,
}

async fn read_multipart(
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
    lang: Lang,
) -> Result<Sent, AppError> {
    let slot = |name: &str, prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| (1..=FILE_SLOTS).contains(n))
    };
    let form = multipart_form(multipart, lang, |f| slot(f, "file").is_some()).await?;
    Ok(Sent {
        csrf: form.get("csrf"),
        fields: FormView {
            of: form.get("of"),
            amount: form.get("amount"),
            reason: form.get("reason"),
            credit_reason: String::new(),
        },
        files: form
            .files
            .iter()
            .map(|(field, name, bytes)| Upload {
                material: slot(field, "file")
                    .map(|n| form.get(&format!("material{n}")))
                    .unwrap_or_default(),
                name: name.clone(),
                bytes: bytes.clone(),
            })
            .collect(),
    })
}

/// What a send asks for: an application, or a supplement of application `number`.
#[derive(Debug, Clone)]
pub(in crate::http) enum Sending {
    Apply(Asked),
    Supplement(String, Vec<Upload>),
}

/// Send, counted against the person's and the address's limits. `Ok(Err(_))` is a refusal.
pub(in crate::http) async fn send(
    desk: &Taxpayer,
    lang: Lang,
    sending: Sending,
    ip: std::net::IpAddr,
) -> Result<Result<Result<RefundView, RefundError>, Refusal>, AppError> {
    limited(
        desk,
        lang,
        (REFUNDS_PER_PERSON, REFUNDS_PER_ADDRESS),
        ip,
        || RefundError::Field {
            field: "of",
            code: "too_many",
        },
        move |scope, who| {
            let done = match &sending {
                Sending::Apply(asked) => refunds::apply(scope, who, asked),
                Sending::Supplement(number, files) => {
                    refunds::supplement(scope, who, number, files)
                }
            };
            match done {
                Err(RefundError::Store(e)) => Err(Refusal::from(e)),
                other => Ok(other),
            }
        },
    )
    .await
}

/// `POST /portal/refunds`: 申请退税 (multipart: `of`, `amount`, `reason`, `file1..3` with
/// `material1..3`).
pub async fn refund_apply(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    ClientAddr(ip): ClientAddr,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let sent = read_multipart(multipart, lang).await?;
    require_csrf(&headers, &sent.csrf, lang)?;
    let asked = Asked {
        of: sent.fields.of.clone(),
        amount: sent.fields.amount.clone(),
        reason: sent.fields.reason.clone(),
        files: sent.files,
    };
    match send(&desk, lang, Sending::Apply(asked), ip).await? {
        Ok(Ok(v)) => Ok(Redirect::to(&format!(
            "/portal/refunds?notice=applied#refund-{}",
            v.number
        ))
        .into_response()),
        Ok(Err(e)) => {
            let shown = Shown {
                form: sent.fields,
                problem: Some((
                    e.field().unwrap_or("of").to_owned(),
                    refund_message(&e, lang),
                )),
                problem_at: String::new(),
                notice: None,
                query: false,
            };
            show(&desk, lang, shown, refund_status(&e)).await
        }
        Err(r) => refused_page(r, lang),
    }
}

/// `POST /portal/refunds/{number}/files`: 补正.
pub async fn refund_supplement(
    desk: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    ClientAddr(ip): ClientAddr,
    axum::extract::Path(number): axum::extract::Path<String>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let sent = read_multipart(multipart, lang).await?;
    require_csrf(&headers, &sent.csrf, lang)?;
    let number: String = number.chars().take(40).collect();
    match send(
        &desk,
        lang,
        Sending::Supplement(number.clone(), sent.files),
        ip,
    )
    .await?
    {
        Ok(Ok(v)) => Ok(Redirect::to(&format!(
            "/portal/refunds?notice=supplemented#refund-{}",
            v.number
        ))
        .into_response()),
        Ok(Err(RefundError::UnknownRefund)) => Err(AppError::not_found(lang)),
        Ok(Err(e)) => {
            let shown = Shown {
                form: FormView::default(),
                problem: Some((
                    e.field().unwrap_or("files").to_owned(),
                    refund_message(&e, lang),
                )),
                problem_at: number,
                notice: None,
                query: false,
            };
            show(&desk, lang, shown, refund_status(&e)).await
        }
        Err(r) => refused_page(r, lang),
    }
}
