//! The request's language: `?lang=`, then the `lang` cookie (set by the switch), then
//! Chinese. The browser's Accept-Language is deliberately ignored: the portal is Chinese
//! by default, as the real one is, whatever language the classroom PCs are set to.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::i18n::Lang;

#[derive(Debug, Clone, Copy)]
pub struct ReqLang(pub Lang);

pub fn from_parts(parts: &Parts) -> Lang {
    of(&parts.uri, &parts.headers)
}

/// [`from_parts`] from a request's address and headers.
pub fn of(uri: &axum::http::Uri, headers: &axum::http::HeaderMap) -> Lang {
    let query = uri.query().unwrap_or("");
    let from_query = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("lang="))
        .and_then(Lang::parse);
    let from_cookie =
        || super::cookies::cookie(headers, "lang").and_then(|v| Lang::parse(v.as_str()));
    from_query.or_else(from_cookie).unwrap_or_default()
}

impl<S: Send + Sync> FromRequestParts<S> for ReqLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ReqLang, Self::Rejection> {
        Ok(ReqLang(from_parts(parts)))
    }
}
