//! The request's language: `?lang=`, then the `lang` cookie, then Accept-Language,
//! then Chinese.

use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
use axum::http::request::Parts;

use crate::i18n::Lang;

#[derive(Debug, Clone, Copy)]
pub struct ReqLang(pub Lang);

pub fn from_parts(parts: &Parts) -> Lang {
    let query = parts.uri.query().unwrap_or("");
    let from_query = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("lang="))
        .and_then(Lang::parse);
    let from_cookie = || {
        parts
            .headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|c| {
                let (k, v) = c.trim().split_once('=')?;
                if k == "lang" { Lang::parse(v) } else { None }
            })
    };
    let from_header = || {
        let header = parts.headers.get(ACCEPT_LANGUAGE)?.to_str().ok()?;
        header
            .split(',')
            .find_map(|tag| Lang::parse(tag.split(';').next().unwrap_or("")))
    };
    from_query
        .or_else(from_cookie)
        .or_else(from_header)
        .unwrap_or_default()
}

impl<S: Send + Sync> FromRequestParts<S> for ReqLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<ReqLang, Self::Rejection> {
        Ok(ReqLang(from_parts(parts)))
    }
}
