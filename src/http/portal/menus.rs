//! The bureau's top menus as pages: 【我要办税】 (needs a login) and 【公众服务】 (open to
//! everyone; the logged-in frame when there is a session).

use super::returns::refused_page;
use super::returns_view::filing_read;
use super::*;
use crate::bureau::login;
use crate::http::ReqLang;

/// The person and company of a usable session, if the visitor has one.
pub(super) fn signed_in(
    scope: &TenantScope<'_>,
    now: DateTime<Utc>,
    token: &str,
) -> Result<Option<Who>, StoreError> {
    match login::session(scope, now, token) {
        Ok(s) if s.stage == SessionStage::Active => {
            Ok(Some(who(scope, s.person_id, s.company_id)?))
        }
        Ok(_) | Err(LoginError::SessionExpired) => Ok(None),
        Err(LoginError::Store(e)) => Err(e),
        Err(_) => Ok(None),
    }
}

/// A menu page for a logged-in filer: nothing but the frame, the menu item lit.
pub(super) async fn filer_menu(
    desk: &Taxpayer,
    lang: Lang,
    active: &'static str,
    crumbs: Vec<&'static str>,
    (path, template): (&str, &str),
) -> Result<Response, AppError> {
    let (csrf, set) = desk.page_token();
    let d = desk.clone();
    let found = filing_read(desk, lang, move |scope, _, s| {
        Ok(filer_frame(scope, s, csrf, &d, lang, active, crumbs)?)
    })
    .await?;
    match found {
        Ok(frame) => render(lang, path, template, frame, set.into_iter().collect()),
        Err(r) => refused_page(r, lang),
    }
}

/// `GET /portal/tax`: 我要办税's menu.
pub async fn tax_menu(desk: Taxpayer, ReqLang(lang): ReqLang) -> Result<Response, AppError> {
    let crumbs = vec!["portal.crumb.home", "portal.crumb.tax"];
    let page = ("/portal/tax", "portal_tax.html");
    filer_menu(&desk, lang, "tax", crumbs, page).await
}

/// The frame of a 公众服务 page, logged in or not: the logged-in frame when there is a
/// session. Returns the frame and the CSRF cookie to set.
pub(super) async fn public_frame(
    desk: &Taxpayer,
    lang: Lang,
    crumb: &'static str,
) -> Result<(Frame, Vec<String>), AppError> {
    let token = desk.token.clone();
    let time = desk.time();
    let (tenant, now) = (desk.tenant(), desk.clock.now());
    let (phone, who) = desk
        .db
        .run_mostly_read(move |s| {
            let scope = s.tenant(tenant);
            Ok((
                phone_view(&scope, lang, time)?,
                signed_in(&scope, now, &token)?,
            ))
        })
        .await
        .map_err(|e| AppError::from_store(e, lang))?;
    let (csrf, set) = desk.page_token();
    let mut crumbs = vec!["portal.crumb.home", "portal.crumb.public"];
    if !crumb.is_empty() {
        crumbs.push(crumb);
    }
    let frame = Frame {
        csrf,
        phone,
        crumbs,
        active: "public",
        who,
        sandbox: desk.bar(lang),
    };
    Ok((frame, set.into_iter().collect()))
}

/// `GET /portal/public`: 公众服务's menu, logged in or not.
pub async fn public_menu(desk: Taxpayer, ReqLang(lang): ReqLang) -> Result<Response, AppError> {
    let (frame, set) = public_frame(&desk, lang, "").await?;
    render(lang, "/portal/public", "portal_public.html", frame, set)
}
