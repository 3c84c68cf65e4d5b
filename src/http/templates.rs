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

/// Render `name` with `ctx`, plus `lang`, `other_lang` and the request `path`.
/// Pass structs, not `serde_json::Value`: with exact JSON numbers enabled, its numbers
/// do not serialise into template values.
pub fn render(
    lang: Lang,
    path: &str,
    name: &str,
    ctx: impl Serialize,
) -> Result<String, minijinja::Error> {
    let template = env().get_template(name)?;
    template.render(minijinja::context! {
        lang => lang.code(),
        other_lang => lang.other().code(),
        path => path,
        ..minijinja::Value::from(minijinja::value::Serde(ctx))
    })
}
