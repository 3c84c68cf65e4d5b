//! The taxpayer at the bureau: one extractor for every portal page and bureau API call that
//! works as a logged-in person. It brings the trainee's sandbox (the [`Desk`]: tenant,
//! clock, lab, class gates), the bureau session the request carries (a page's session
//! cookie, an API call's `Authorization: Bearer`, never the other way round, so a cookie
//! alone cannot drive the JSON API), and for a page the form token its forms will carry.
//! The session itself (who, which company, which login stage) is checked inside the
//! request's transaction, by the work that needs it.

use std::ops::Deref;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;

use super::AppState;
use super::sandbox::Desk;

/// The bureau session cookie of the portal's pages.
pub(in crate::http) const SESSION_COOKIE: &str = "etax_session";

#[derive(Clone)]
pub struct Taxpayer {
    desk: Desk,
    /// The bureau session token (empty when the request carries none).
    pub token: String,
    /// The form token for the page, and the cookie to set when it is new.
    csrf: (String, Option<String>),
}

impl Taxpayer {
    /// The form token for a page's forms, and the cookie that sets it when it is new.
    pub fn page_token(&self) -> (String, Option<String>) {
        self.csrf.clone()
    }
}

impl Deref for Taxpayer {
    type Target = Desk;

    fn deref(&self) -> &Desk {
        &self.desk
    }
}

impl FromRequestParts<AppState> for Taxpayer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Taxpayer, Response> {
        let desk = Desk::from_request_parts(parts, state).await?;
        let (token, csrf) = if desk.api {
            (
                super::api_portal::bearer(&parts.headers),
                (String::new(), None),
            )
        } else {
            (
                super::cookies::cookie(&parts.headers, SESSION_COOKIE).unwrap_or_default(),
                super::forms::csrf_token(&parts.headers),
            )
        };
        Ok(Taxpayer { desk, token, csrf })
    }
}
