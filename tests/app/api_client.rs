//! A JSON client for the API: a sandbox token, and a bureau token once logged in.

use serde_json::{Value, json};

use crate::helpers::TestApp;

pub struct Api<'a> {
    app: &'a TestApp,
    pub sandbox: String,
    pub token: Option<String>,
}

impl<'a> Api<'a> {
    /// The demo trainee, not yet logged in to the bureau.
    pub fn new(app: &'a TestApp) -> Api<'a> {
        Api::with_sandbox(app, &app.sandbox)
    }

    pub fn with_sandbox(app: &'a TestApp, sandbox: &str) -> Api<'a> {
        Api {
            app,
            sandbox: sandbox.to_owned(),
            token: None,
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let mut req = req.header("x-sandbox-token", &self.sandbox);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        let body =
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: not JSON: {text}"));
        (status, body)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.app.client.get(self.app.url(path))).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.app.client.post(self.app.url(path)).json(&body))
            .await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.app.client.put(self.app.url(path)).json(&body))
            .await
    }

    /// The newest code on this trainee's simulated phone.
    pub async fn latest_code(&self) -> String {
        let (_, phone) = self.get("/api/v1/phone").await;
        phone["messages"][0]["code"].as_str().unwrap().to_owned()
    }

    /// A whole first login: initial password, SMS code, new password `Good#Pass42`.
    pub async fn first_login(&mut self, company: &str, account: &str) {
        let (status, body) = self
            .post(
                "/api/v1/login",
                json!({"company": company, "account": account, "password": "Etax@2026"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        self.token = Some(body["token"].as_str().unwrap().to_owned());
        let code = self.latest_code().await;
        let (status, body) = self.post("/api/v1/login/sms", json!({"code": code})).await;
        assert_eq!(
            (status, body["stage"].as_str()),
            (200, Some("change_password"))
        );
        let (status, _) = self
            .post(
                "/api/v1/password/initial",
                json!({"new_password": "Good#Pass42", "confirm": "Good#Pass42"}),
            )
            .await;
        assert_eq!(status, 200);
    }
}

/// A JSON client with one header: a staff token (`staff`) or a sandbox token.
pub struct Client<'a> {
    pub app: &'a TestApp,
    pub header: (&'static str, String),
}

impl Client<'_> {
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .app
            .client
            .request(method, self.app.url(path))
            .header(self.header.0, &self.header.1);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }
}

/// An instructor's (or assistant's) API client, from their token (password `Teach#2026ok`).
pub async fn staff<'a>(app: &'a TestApp, username: &str) -> Client<'a> {
    let res = app
        .client
        .post(app.url("/api/v1/console/token"))
        .json(&json!({"username": username, "password": "Teach#2026ok"}))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    Client {
        app,
        header: ("x-staff-token", body["token"].as_str().unwrap().to_owned()),
    }
}
