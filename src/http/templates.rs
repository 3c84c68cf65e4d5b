//! Templates (`web/templates`, embedded at build time) and the `t(key)` function
//! that looks strings up in the catalogue in the page's language.

use std::sync::OnceLock;

use minijinja::{Environment, State};
use serde::Serialize;

use crate::i18n::{Catalog, Lang};

fn translate(state: &State<'_, '_>, key: &str) -> String {
    let lang = state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or_default();
    Catalog::embedded().text(lang, key).to_owned()
}

pub fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        minijinja_embed::load_templates!(&mut env);
        env.add_function("t", translate);
        env
    })
}

tokio::task_local! {
    /// The address (path and query) of the request being answered, as the browser asked
    /// for it: what "this page again" means in a template.
    static HERE: String;
}

/// Keep each request's own address for the templates it renders (`here`).
pub async fn remember_address(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let here = if req.method() == axum::http::Method::GET {
        req.uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned())
    } else {
        // a form sent back with its mistakes: "this page" is the one it was sent from
        req.headers()
            .get(axum::http::header::REFERER)
            .and_then(|r| r.to_str().ok())
            .and_then(referred_path)
            .filter(|p| super::pages::is_local_path(p))
            .unwrap_or_default()
    };
    HERE.scope(here, next.run(req)).await
}

/// The path and query of a referring address (`http://host/a/b?c` → `/a/b?c`).
fn referred_path(referer: &str) -> Option<String> {
    let rest = referer.split_once("://")?.1;
    let at = rest.find('/')?;
    Some(rest[at..].to_owned())
}

/// Render `name` with `ctx`, plus `lang`, `other_lang`, the page's `path` (which part of
/// the site it is, for menus) and `here` (the request's real address, with its parameters
/// and query, for links back to this page: the language switch, a hint, the phone's 刷新).
/// Pass structs, not `serde_json::Value`: with exact JSON numbers enabled, its numbers
/// do not serialise into template values.
pub fn render(
    lang: Lang,
    path: &str,
    name: &str,
    ctx: impl Serialize,
) -> Result<String, minijinja::Error> {
    let template = env().get_template(name)?;
    let here = HERE
        .try_with(|h| h.clone())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| path.to_owned());
    template.render(minijinja::context! {
        lang => lang.code(),
        other_lang => lang.other().code(),
        path => path,
        here => here,
        ..minijinja::Value::from(minijinja::value::Serde(ctx))
    })
}

#[cfg(test)]
mod address_tests {
    use super::referred_path;

    #[test]
    fn a_referer_gives_its_path_and_query() {
        assert_eq!(
            referred_path("http://127.0.0.1:8080/portal/returns/12/form?x=1").as_deref(),
            Some("/portal/returns/12/form?x=1")
        );
        assert_eq!(referred_path("https://tax.example.edu.cn").as_deref(), None);
        assert_eq!(referred_path("not a url"), None);
    }
}

#[cfg(test)]
mod catalogue_tests {
    use crate::i18n::Catalog;

    /// The literal keys of `t("…")` / `t('…')` calls in a template (not those built with `~`).
    fn literal_keys(text: &str) -> Vec<String> {
        let mut keys = Vec::new();
        for quote in ['"', '\''] {
            let open = format!("t({quote}");
            let mut rest = text;
            while let Some(at) = rest.find(&open) {
                let after = &rest[at + open.len()..];
                let preceded_by_word = rest[..at]
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.');
                if let Some(end) = after.find(quote) {
                    if !preceded_by_word && after[end + 1..].trim_start().starts_with(')') {
                        keys.push(after[..end].to_owned());
                    }
                    rest = &after[end..];
                } else {
                    break;
                }
            }
        }
        keys
    }

    #[test]
    fn every_literal_key_a_template_names_is_in_the_catalogue() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/templates");
        let mut missing = Vec::new();
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for key in literal_keys(&text) {
                seen += 1;
                if !Catalog::embedded().has(&key) {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(seen > 500, "the scan finds the templates' keys ({seen})");
        assert!(missing.is_empty(), "not in the catalogue: {missing:#?}");
        assert_eq!(
            literal_keys(r#"{{ t("a.b") }} {{ t("c." ~ x) }} {{ at("z") }}"#),
            ["a.b"]
        );
    }
}
