//! The certificate and query labs graded through the API: 实操演练三 (issue, download, the
//! year's 纳税记录, verify), 实操演练四's queries, and 打印证明失败 fixed by the course's
//! remedy.

use serde_json::{Value, json};

use crate::api_client::Api;
use crate::helpers::TestApp;
use crate::proofs::pdf_of;

/// Start a lab as the demo trainee and log in to its company (password, no SMS step).
async fn start_lab<'a>(app: &'a TestApp, lab: &str) -> Api<'a> {
    let mut api = Api::new(app);
    let (status, body) = api
        .post(&format!("/api/v1/labs/{lab}/start"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let m = app
        .db
        .read(|s| {
            let t = s.sandbox_trainee(&app.sandbox)?.unwrap();
            let a = s.attempt_of(t.id, t.attempt.unwrap())?;
            Ok(taxlab::labs::run::materials(&a)?.values)
        })
        .unwrap();
    let (status, body) = api
        .post(
            "/api/v1/login",
            json!({"company": m["uscc"], "account": m["me.mobile"], "password": "Clerk#2026ok"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    api.token = Some(body["token"].as_str().unwrap().to_owned());
    api
}

async fn finish(api: &Api<'_>) -> (u64, Value) {
    let (status, done) = api.post("/api/v1/attempt/finish", json!({})).await;
    assert_eq!(status, 200, "{done}");
    let id = done["attempt"].as_i64().unwrap();
    let (_, a) = api.get(&format!("/api/v1/attempts/{id}")).await;
    (a["feedback"]["score"].as_u64().unwrap(), a)
}

#[tokio::test]
async fn the_certificate_lab_grades_issue_download_and_verify() {
    let app = TestApp::spawn().await;
    // the golden path: VAT only, dates covering last quarter's payment, download, verify
    let api = start_lab(&app, "proofs-practice").await;
    let (s, p) = api
        .post(
            "/api/v1/proofs",
            json!({"kind": "payment_table", "items": ["vat"], "date_from": "2026-10-01", "date_to": "2026-10-12"}),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    let number = p["number"].as_str().unwrap().to_owned();
    assert_eq!(pdf_of(&app, &api, &number).await.0, 200);
    let (_, v) = api
        .post(
            "/api/v1/proofs/verify",
            json!({"number": number, "code": p["code"]}),
        )
        .await;
    assert_eq!(v["verdict"], "genuine");
    let (s, r) = api
        .post(
            "/api/v1/proofs",
            json!({"kind": "tax_record", "purpose": "银行贷款", "date_from": "2026-01-01", "date_to": "2026-10-12"}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let (score, a) = finish(&api).await;
    assert_eq!(score, 100, "{a}");
    // a certificate of the corporate income tax only, never verified: only the download
    let api = start_lab(&app, "proofs-practice").await;
    let (s, p) = api
        .post(
            "/api/v1/proofs",
            json!({"kind": "payment_table", "items": ["cit"], "date_from": "2026-01-01", "date_to": "2026-10-12"}),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        pdf_of(&app, &api, p["number"].as_str().unwrap()).await.0,
        200
    );
    let (score, _) = finish(&api).await;
    assert_eq!(score, 15);
}

#[tokio::test]
async fn the_query_lab_grades_the_queries_run() {
    let app = TestApp::spawn().await;
    // only 申报信息查询 and a refused filter: that query's points
    let api = start_lab(&app, "queries-practice").await;
    api.get("/api/v1/queries/filings").await;
    api.get("/api/v1/queries/payments?date_from=bad").await;
    let (score, _) = finish(&api).await;
    assert_eq!(score, 10);
    let api = start_lab(&app, "queries-practice").await;
    let (_, f) = api
        .get("/api/v1/queries/filings?date_from=2026-01-01")
        .await;
    assert!(f["total"].as_u64().unwrap() > 0);
    api.get("/api/v1/queries/payments?item=vat").await;
    let (_, inv) = api
        .get("/api/v1/queries/invoices?direction=sales&date_from=2026-07-01&date_to=2026-09-30")
        .await;
    let number = inv["rows"][0]["number"].as_str().unwrap().to_owned();
    api.get(&format!("/api/v1/invoices/{number}")).await;
    api.get("/api/v1/queries/credit").await;
    // every query run, no question answered (tests/app/lab_questions.rs answers them)
    let (score, a) = finish(&api).await;
    assert_eq!(score, 40, "{a}");
}

#[tokio::test]
async fn a_print_failure_lab_is_fixed_by_the_course_s_remedy() {
    let app = TestApp::spawn().await;
    let api = start_lab(&app, "proof-print-failure").await;
    let (s, p) = api
        .post(
            "/api/v1/proofs",
            json!({"kind": "payment_table", "items": ["vat"], "date_from": "2026-10-01", "date_to": "2026-10-12"}),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    let number = p["number"].as_str().unwrap().to_owned();
    // the download fails as the course describes, with the remedy in the message
    let res = app
        .client
        .get(app.url(&format!("/api/v1/proofs/{number}/pdf")))
        .header("x-sandbox-token", &api.sandbox)
        .bearer_auth(api.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 424);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "print_failed");
    assert!(body["message"].as_str().unwrap().contains("打印控件"));
    // an unknown tool is 404, a real one fixes it
    let (s, _) = api
        .post("/api/v1/tools/install", json!({"tool": "driver"}))
        .await;
    assert_eq!(s, 404);
    let (s, fixed) = api
        .post("/api/v1/tools/install", json!({"tool": "print_control"}))
        .await;
    assert_eq!((s, &fixed["fixed"]), (200, &json!(true)), "{fixed}");
    let (status, file) = pdf_of(&app, &api, &number).await;
    assert_eq!(status, 200);
    assert!(file.starts_with(b"%PDF"));
    // installing again finds nothing to fix
    let (_, again) = api
        .post("/api/v1/tools/install", json!({"tool": "pdf_reader"}))
        .await;
    assert_eq!(again["fixed"], false);
    let (score, a) = finish(&api).await;
    assert_eq!(score, 100, "{a}");
    // without the remedy, the certificate never downloads: issued only
    let api = start_lab(&app, "proof-print-failure").await;
    let (_, p) = api
        .post(
            "/api/v1/proofs",
            json!({"kind": "payment_table", "items": ["vat"], "date_from": "2026-10-01", "date_to": "2026-10-12"}),
        )
        .await;
    assert_eq!(
        pdf_of(&app, &api, p["number"].as_str().unwrap()).await.0,
        424
    );
    let (score, _) = finish(&api).await;
    assert_eq!(score, 25);
}
