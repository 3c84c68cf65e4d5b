//! 办税人员授权 and 身份切换 pages.

use crate::http::taxpayer::Taxpayer;
use axum::extract::Form;
use axum::extract::rejection::FormRejection;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use super::super::{AppError, ReqLang};
use super::{
    FieldError, Frame, bureau, csrf_ok, csrf_refusal, form_body, mask_name, phone_view, render,
    stage_home, to_login, who,
};
use crate::bureau::login::{self, LoginError};
use crate::bureau::staff::{self, StaffProblem};
use crate::domain::entities::Role;
use crate::i18n::{Catalog, Lang};
use crate::store::{CompanyId, PortalSession, SessionStage, StoreError, TenantScope};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub(in crate::http) struct StaffRow {
    person_id: i64,
    name: String,
    resident_id: String,
    role: &'static str,
    me: bool,
}

#[derive(Serialize, ToSchema)]
pub(in crate::http) struct CompanyChoice {
    id: i64,
    name: String,
    current: bool,
}

#[derive(Serialize)]
struct StaffPage {
    #[serde(flatten)]
    frame: Frame,
    #[serde(flatten)]
    data: StaffData,
    notice: Option<String>,
    error: Option<FieldError>,
    /// The section the notice or error belongs beside: `list` (a revoke), `grant`, `switch`.
    at: &'static str,
}

async fn staff_page(
    state: &Taxpayer,
    lang: Lang,
    at: &'static str,
    notice: Option<String>,
    error: Option<FieldError>,
) -> Result<Response, AppError> {
    let token = state.token.clone();
    let time = state.time();
    let found = bureau(state, lang, move |scope, now| {
        let s = login::session(scope, now, &token)?;
        Ok((
            s.stage,
            who(scope, s.person_id, s.company_id)?,
            phone_view(scope, lang, time)?,
            staff_data(scope, &s)?,
        ))
    })
    .await?;
    let (stage, who, phone, data) = match found {
        Ok(v) => v,
        Err(e) => return Ok(to_login(&e)),
    };
    if stage != SessionStage::Active {
        return Ok(Redirect::to(stage_home(stage)).into_response());
    }
    let (csrf, set) = state.page_token();
    let page = StaffPage {
        frame: Frame {
            csrf,
            phone,
            crumbs: vec!["portal.crumb.home", "portal.crumb.staff"],
            active: "staff",
            who: Some(who),
            sandbox: state.bar(lang),
        },
        data,
        notice,
        error,
        at,
    };
    render(
        lang,
        "/portal/staff",
        "portal_staff.html",
        page,
        set.into_iter().collect(),
    )
}

pub async fn staff(state: Taxpayer, ReqLang(lang): ReqLang) -> Result<Response, AppError> {
    staff_page(&state, lang, "", None, None).await
}

/// The company's tax staff as the session's person sees them, and the companies they can
/// switch to.
#[derive(Serialize, ToSchema)]
pub(in crate::http) struct StaffData {
    /// Whether this person may grant and revoke (legal representative or finance manager).
    manager: bool,
    staff: Vec<StaffRow>,
    companies: Vec<CompanyChoice>,
}

pub(in crate::http) fn staff_data(
    scope: &TenantScope<'_>,
    s: &PortalSession,
) -> Result<StaffData, StoreError> {
    let staff = scope.staff(s.company_id)?;
    let manager = staff.iter().any(|st| {
        st.person.id == s.person_id
            && matches!(st.role, Role::LegalRepresentative | Role::FinanceManager)
    });
    let staff = staff
        .into_iter()
        .map(|st| StaffRow {
            person_id: st.person.id,
            name: mask_name(&st.person.value.name),
            resident_id: st.person.value.resident_id.masked(),
            role: st.role.as_str(),
            me: st.person.id == s.person_id,
        })
        .collect();
    let mut companies: Vec<CompanyChoice> = Vec::new();
    for (c, _) in scope.roles_of(s.person_id)? {
        if companies.iter().all(|x| x.id != c.0) {
            companies.push(CompanyChoice {
                id: c.0,
                name: scope.company(c)?.value.name,
                current: c == s.company_id,
            });
        }
    }
    Ok(StaffData {
        manager,
        staff,
        companies,
    })
}

/// A refused grant, revoke or switch, in the user's language.
pub(in crate::http) fn staff_problem(p: StaffProblem, lang: Lang) -> String {
    Catalog::embedded()
        .text(lang, &format!("staff.{}", p.code()))
        .to_owned()
}

fn outcome(
    lang: Lang,
    r: Result<(), StaffProblem>,
    ok_key: &str,
) -> (Option<String>, Option<FieldError>) {
    let c = Catalog::embedded();
    match r {
        Ok(()) => (Some(c.text(lang, ok_key).to_owned()), None),
        Err(p) => (
            None,
            Some(FieldError {
                field: None,
                message: staff_problem(p, lang),
            }),
        ),
    }
}

#[derive(Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    resident_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

pub async fn grant(
    state: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<GrantForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    if !csrf_ok(&headers, &form.csrf) {
        return staff_page(&state, lang, "grant", None, Some(csrf_refusal(lang))).await;
    }
    let token = state.token.clone();
    let r = bureau(&state, lang, move |scope, now| {
        staff::grant(
            scope,
            now,
            &token,
            &form.resident_id,
            &form.name,
            &form.role,
        )
    })
    .await?;
    match r {
        Ok(r) => {
            let (notice, error) = outcome(lang, r, "staff.granted");
            staff_page(&state, lang, "grant", notice, error).await
        }
        Err(e) => Ok(to_login(&e)),
    }
}

#[derive(Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    person_id: i64,
    #[serde(default)]
    role: String,
}

pub async fn revoke(
    state: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<RevokeForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    if !csrf_ok(&headers, &form.csrf) {
        return staff_page(&state, lang, "list", None, Some(csrf_refusal(lang))).await;
    }
    let token = state.token.clone();
    let r = bureau(&state, lang, move |scope, now| {
        staff::revoke(scope, now, &token, form.person_id, &form.role)
    })
    .await?;
    match r {
        Ok(r) => {
            let (notice, error) = outcome(lang, r, "staff.revoked");
            staff_page(&state, lang, "list", notice, error).await
        }
        Err(e) => Ok(to_login(&e)),
    }
}

#[derive(Deserialize)]
pub struct SwitchForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    company_id: i64,
}

pub async fn switch(
    state: Taxpayer,
    ReqLang(lang): ReqLang,
    headers: HeaderMap,
    form: Result<Form<SwitchForm>, FormRejection>,
) -> Result<Response, AppError> {
    let form = form_body(form, lang)?;
    if !csrf_ok(&headers, &form.csrf) {
        return staff_page(&state, lang, "switch", None, Some(csrf_refusal(lang))).await;
    }
    let token = state.token.clone();
    let r = bureau(&state, lang, move |scope, now| {
        staff::switch_company(scope, now, &token, CompanyId(form.company_id))
    })
    .await?;
    match r {
        Ok(Ok(())) => Ok(Redirect::to("/portal").into_response()),
        Ok(r) => {
            let (notice, error) = outcome(lang, r, "switch.done");
            staff_page(&state, lang, "switch", notice, error).await
        }
        Err(e @ (LoginError::NoSession | LoginError::SessionExpired)) => Ok(to_login(&e)),
        Err(e) => Ok(to_login(&e)),
    }
}
