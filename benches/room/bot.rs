//! A trainee as a bot: the whole lab over HTTP, every request timed.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const NEW_PASSWORD: &str = "Good#Pass42";
pub(crate) type Log = Arc<Mutex<Vec<(&'static str, Duration, u16)>>>;

pub(crate) struct Bot {
    pub(crate) client: reqwest::Client,
    pub(crate) base: String,
    pub(crate) sandbox: String,
    pub(crate) token: Option<String>,
    pub(crate) log: Log,
}

impl Bot {
    async fn send(
        &self,
        step: &'static str,
        req: reqwest::RequestBuilder,
    ) -> Result<Value, String> {
        let mut req = req.timeout(Duration::from_secs(60));
        if !self.sandbox.is_empty() {
            req = req.header("x-sandbox-token", &self.sandbox);
        }
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let started = Instant::now();
        let res = req.send().await;
        let (status, text) = match res {
            Ok(r) => {
                let status = r.status().as_u16();
                (status, r.text().await.unwrap_or_default())
            }
            Err(e) => (0, e.to_string()),
        };
        self.log
            .lock()
            .expect("log")
            .push((step, started.elapsed(), status));
        if status == 200 {
            Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
        } else {
            Err(format!("{step}: {status} {text}"))
        }
    }

    async fn get(&self, step: &'static str, path: &str) -> Result<Value, String> {
        let req = self.client.get(format!("{}{path}", self.base));
        self.send(step, req).await
    }

    async fn post(&self, step: &'static str, path: &str, body: Value) -> Result<Value, String> {
        let req = self.client.post(format!("{}{path}", self.base)).json(&body);
        self.send(step, req).await
    }

    /// The whole lab, as a trainee does it.
    pub(crate) async fn walk(&mut self, code: &str, n: usize) -> Result<(), String> {
        let joined = self
            .post(
                "join",
                "/api/v1/join",
                json!({"code": code, "who": format!("学员{n:03}")}),
            )
            .await?;
        self.sandbox = joined["sandbox_token"].as_str().unwrap_or("").to_owned();
        let panel = self.get("attempt", "/api/v1/attempt").await?;
        let story: BTreeMap<String, String> = panel["story"]
            .as_str()
            .unwrap_or("")
            .split(';')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let get = |k: &str| story.get(k).cloned().unwrap_or_default();
        let login = self
            .post(
                "login",
                "/api/v1/login",
                json!({"company": get("USCC"), "account": get("ACCOUNT"), "password": "Etax@2026"}),
            )
            .await?;
        self.token = login["token"].as_str().map(str::to_owned);
        let phone = self.get("phone", "/api/v1/phone").await?;
        let code = phone["messages"][0]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        self.post("sms", "/api/v1/login/sms", json!({"code": code}))
            .await?;
        self.post(
            "password_change",
            "/api/v1/password/initial",
            json!({"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
        )
        .await?;
        self.get("workbench", "/api/v1/workbench").await?;
        self.get("returns", "/api/v1/returns").await?;
        let period = get("PERIOD");
        let form_path = format!("/api/v1/returns/vat_small/{period}");
        let form = self.get("form", &form_path).await?;
        let mut values = form_values(&form);
        let unbilled = get("UNBILLED");
        // the small-scale return's goods column (货物及劳务) when the company sells goods
        let in_goods = ["goods_sales_3pct_special", "goods_sales_3pct_other"]
            .iter()
            .any(|f| values.get(*f).and_then(|v| yuan_to_fen(v)).unwrap_or(0) != 0);
        let field = if in_goods {
            "goods_sales_3pct_other"
        } else {
            "sales_3pct_other"
        };
        let sales = values.get(field).and_then(|v| yuan_to_fen(v)).unwrap_or(0)
            + yuan_to_fen(&unbilled).unwrap_or(0);
        values.insert(field.into(), fen_to_yuan(sales));
        self.post(
            "calculate",
            &format!("{form_path}/calculate"),
            json!({"values": values}),
        )
        .await?;
        self.post(
            "submit",
            &format!("{form_path}/submit"),
            json!({"values": values, "confirm": true}),
        )
        .await?;
        self.post("agreement", "/api/v1/payments/agreement", json!({}))
            .await?;
        self.post("pay", &format!("{form_path}/pay"), json!({}))
            .await?;
        let checked = self
            .post("check", "/api/v1/attempt/check", json!({}))
            .await?;
        if checked["score"].as_i64() != Some(100) {
            return Err(format!("check: score {}", checked["score"]));
        }
        Ok(())
    }
}

/// The form's fields as the sheet shows them (name → value as typed).
fn form_values(form: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for f in form["fields"].as_array().into_iter().flatten() {
        if let (Some(name), Some(value)) = (f["name"].as_str(), f["value"].as_str()) {
            out.insert(name.to_owned(), value.to_owned());
        }
    }
    out
}

fn yuan_to_fen(v: &str) -> Option<i64> {
    let (int, frac) = v.trim().split_once('.').unwrap_or((v.trim(), "0"));
    let frac = format!("{frac:0<2}");
    Some(int.parse::<i64>().ok()? * 100 + frac.get(..2)?.parse::<i64>().ok()?)
}

fn fen_to_yuan(f: i64) -> String {
    format!("{}.{:02}", f / 100, f % 100)
}
