//! The translation catalogue (`web/i18n/*.toml`, embedded). Every user-facing string comes
//! from here; code holds keys. `{name}` placeholders are filled by [`Catalog::format`].

use std::collections::HashMap;
use std::sync::OnceLock;

/// A UI language. Chinese is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// Accepts `zh`, `zh-CN`, `en`, `en-US` …; anything else is `None`.
    pub fn parse(text: &str) -> Option<Lang> {
        let t = text.trim().to_ascii_lowercase();
        if t == "zh" || t.starts_with("zh-") || t.starts_with("zh_") {
            Some(Lang::Zh)
        } else if t == "en" || t.starts_with("en-") || t.starts_with("en_") {
            Some(Lang::En)
        } else {
            None
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

pub struct Catalog {
    zh: HashMap<String, String>,
    en: HashMap<String, String>,
}

impl Catalog {
    pub fn load(zh: &str, en: &str) -> Result<Catalog, String> {
        let zh = toml::from_str(zh).map_err(|e| format!("web/i18n/zh-CN.toml: {e}"))?;
        let en = toml::from_str(en).map_err(|e| format!("web/i18n/en.toml: {e}"))?;
        Ok(Catalog { zh, en })
    }

    pub fn embedded() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| {
            match Catalog::load(
                include_str!("../web/i18n/zh-CN.toml"),
                include_str!("../web/i18n/en.toml"),
            ) {
                Ok(c) => c,
                // Embedded and covered by tests: a failure here is a build defect.
                Err(e) => panic!("{e}"),
            }
        })
    }

    fn map(&self, lang: Lang) -> &HashMap<String, String> {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.zh.contains_key(key) && self.en.contains_key(key)
    }

    /// The text for `key`; a missing key shows as itself so it is noticed, never a blank.
    pub fn text<'a>(&'a self, lang: Lang, key: &'a str) -> &'a str {
        self.map(lang).get(key).map_or(key, String::as_str)
    }

    /// The name the catalogue gives a code (`<prefix>.<code>`), or the code itself where
    /// it gives none (trace actions and results of a newer lab file, say).
    pub fn name_of(&self, lang: Lang, prefix: &str, code: &str) -> String {
        self.map(lang)
            .get(&format!("{prefix}.{code}"))
            .map_or_else(|| code.to_owned(), String::clone)
    }

    /// The text with `{name}` placeholders filled.
    pub fn format(&self, lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
        let mut out = self.text(lang, key).to_owned();
        for (name, value) in args {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        out
    }

    pub fn keys(&self, lang: Lang) -> impl Iterator<Item = &String> {
        self.map(lang).keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let c = Catalog::embedded();
        for k in c.keys(Lang::Zh) {
            assert!(c.en.contains_key(k), "en.toml lacks {k}");
        }
        for k in c.keys(Lang::En) {
            assert!(c.zh.contains_key(k), "zh-CN.toml lacks {k}");
        }
    }

    #[test]
    fn formats_placeholders() {
        let c = Catalog::embedded();
        let s = c.format(
            Lang::Zh,
            "calc.error.negative",
            &[("field", "sales"), ("value", "\"-1\"")],
        );
        assert_eq!(s, "字段“sales”不能为负数（收到 \"-1\"）");
    }

    #[test]
    fn parses_language_tags() {
        assert_eq!(Lang::parse("zh-CN"), Some(Lang::Zh));
        assert_eq!(Lang::parse("en-US"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }
}
