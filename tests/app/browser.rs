//! A minimal cookie-keeping client, for walking the portal's forms over HTTP.

use std::collections::BTreeMap;

use crate::helpers::TestApp;

pub struct Visitor<'a> {
    pub app: &'a TestApp,
    cookies: BTreeMap<String, String>,
}

impl<'a> Visitor<'a> {
    /// A trainee already in the sandbox (as the demo trainee).
    pub fn new(app: &'a TestApp) -> Visitor<'a> {
        let mut v = Visitor::outsider(app);
        v.cookies
            .insert("taxlab_sandbox".to_owned(), app.sandbox.clone());
        v
    }

    /// A browser that has not entered the sandbox.
    pub fn outsider(app: &'a TestApp) -> Visitor<'a> {
        Visitor {
            app,
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all("set-cookie") {
            let text = v.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            if text.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), val.to_owned());
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> reqwest::Response {
        let res = self
            .app
            .client
            .get(self.app.url(path))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(&res);
        res
    }

    pub async fn get_text(&mut self, path: &str) -> String {
        self.get(path).await.text().await.unwrap()
    }

    /// Post a form with this visitor's CSRF token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let csrf = self.cookies.get("csrf").cloned().unwrap_or_default();
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf", &csrf));
        let res = self
            .app
            .client
            .post(self.app.url(path))
            .header("cookie", self.cookie_header())
            .form(&form)
            .send()
            .await
            .unwrap();
        self.keep(&res);
        res
    }

    /// Post a multipart form (with this visitor's CSRF token) carrying one text file.
    pub async fn post_file(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file_field: &str,
        file: &str,
    ) -> reqwest::Response {
        let csrf = self.cookies.get("csrf").cloned().unwrap_or_default();
        let mut form = reqwest::multipart::Form::new().text("csrf", csrf);
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        let part = reqwest::multipart::Part::text(file.to_owned()).file_name("cert.cer");
        form = form.part(file_field.to_owned(), part);
        let res = self
            .app
            .client
            .post(self.app.url(path))
            .header("cookie", self.cookie_header())
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.keep(&res);
        res
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.get(name).cloned()
    }

    pub fn has_cookie(&self, name: &str) -> bool {
        self.cookies.contains_key(name)
    }
}

/// The newest 6-digit code the simulated phone shows on a page.
pub fn latest_code(html: &str) -> String {
    let marker = "验证码为 ";
    let at = html.find(marker).expect("an SMS code on the phone panel");
    html[at + marker.len()..].chars().take(6).collect()
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}
