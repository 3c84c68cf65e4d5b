//! The task panel's questions and the labs that ask them: 实操演练四 (answers only the
//! queries give, worked out from each trainee's own company), the forged invoice found with
//! 发票查验, and the 无欠税证明 refused until the arrears are paid.

use serde_json::{Value, json};
use taxlab::labs::questions::{Question, Topic};

use crate::api_client::Api;
use crate::filing_labs::{finish, pay, start};
use crate::helpers::TestApp;

/// The questions the current lab asked, with what they accept (never shown to the trainee).
fn questions(app: &TestApp) -> Vec<Question> {
    app.db
        .read(|s| {
            let t = s.sandbox_trainee(&app.sandbox)?.unwrap();
            let a = s.attempt_of(t.id, t.attempt.unwrap())?;
            Ok(taxlab::labs::run::materials(&a)?.questions)
        })
        .unwrap()
}

async fn answer(api: &Api<'_>, question: &str, answer: &str) -> (u16, Value) {
    api.post(
        "/api/v1/attempt/answer",
        json!({ "question": question, "answer": answer }),
    )
    .await
}

/// Every row of a query, page after page (ten a page).
async fn all_rows(api: &Api<'_>, query: &str) -> Vec<Value> {
    let mut rows = Vec::new();
    for page in 1.. {
        let (s, p) = api.get(&format!("{query}&page={page}")).await;
        assert_eq!(s, 200, "{p}");
        rows.extend(p["rows"].as_array().unwrap().clone());
        if rows.len() as u64 >= p["total"].as_u64().unwrap() {
            break;
        }
    }
    rows
}

/// The answer a trainee finds through the queries, for a question as the panel words it.
async fn find_through_queries(api: &Api<'_>, topic: Topic, text: &str) -> String {
    match topic {
        Topic::CreditScore => {
            let (_, c) = api.get("/api/v1/queries/credit").await;
            c["score"].to_string()
        }
        Topic::LargestDeduction => {
            let (_, c) = api.get("/api/v1/queries/credit").await;
            match c["largest"]["period"].as_str() {
                Some(p) => p.to_owned(),
                None => "0".to_owned(),
            }
        }
        Topic::LateFee => {
            // the period named in the question; its VAT (or other tax) payments
            let period = text
                .split_whitespace()
                .find(|w| w.len() >= 6 && w.chars().next().is_some_and(|c| c.is_ascii_digit()))
                .unwrap()
                .to_owned();
            let all = all_rows(api, "/api/v1/queries/payments?date_from=2024-01-01").await;
            let rows: Vec<&Value> = all
                .iter()
                .filter(|r| r["period"] == period.as_str())
                .collect();
            let late = text.contains("滞纳金");
            let item = if late {
                rows.iter()
                    .find(|r| r["late_fee"] != "0.00")
                    .map(|r| r["item"].clone())
                    .unwrap()
            } else {
                json!("vat")
            };
            let field = if late { "late_fee" } else { "amount" };
            let sum: taxlab::domain::money::Fen = rows
                .iter()
                .filter(|r| r["item"] == item)
                .map(|r| {
                    taxlab::domain::money::Fen::parse_yuan(r[field].as_str().unwrap()).unwrap()
                })
                .sum();
            sum.to_string()
        }
        Topic::InvoiceCounterparty => {
            let dates: Vec<&str> = text
                .split_whitespace()
                .filter(|w| w.len() == 10 && w.as_bytes()[4] == b'-')
                .collect();
            let rows = all_rows(
                api,
                &format!(
                    "/api/v1/queries/invoices?direction=sales&date_from={}&date_to={}",
                    dates[0], dates[1]
                ),
            )
            .await;
            let largest = rows
                .iter()
                .max_by_key(|r| {
                    taxlab::domain::money::Fen::parse_yuan(r["amount"].as_str().unwrap()).unwrap()
                })
                .unwrap();
            largest["counterparty"].as_str().unwrap().to_owned()
        }
        Topic::RefundDaysSaved => {
            let (_, r) = api.get("/api/v1/refunds").await;
            let days = r["path"]["approve_days"].as_u64().unwrap();
            (10 - days).to_string()
        }
        Topic::ForgedInvoice => unreachable!(),
    }
}

#[tokio::test]
async fn the_query_lab_asks_what_only_the_queries_answer_and_grades_the_answers() {
    let app = TestApp::spawn().await;
    let (api, _) = start(&app, "queries-practice").await;
    let (_, panel) = api.get("/api/v1/attempt").await;
    let asked = panel["questions"].as_array().unwrap().clone();
    assert_eq!(asked.len(), 4, "{panel}");
    let qs = questions(&app);
    // each question, answered from the queries as a trainee would
    for (shown, q) in asked.iter().zip(&qs) {
        assert_eq!(shown["topic"], q.topic.as_str());
        let text = shown["text"].as_str().unwrap();
        assert!(!text.contains('{'), "filled: {text}");
        let found = find_through_queries(&api, q.topic, text).await;
        assert!(
            taxlab::labs::questions::right(q, &found),
            "{text}: found {found}, accepts {:?}",
            q.accept
        );
        let (s, p) = answer(&api, q.topic.as_str(), &found).await;
        assert_eq!(s, 200, "{p}");
    }
    // the last answer counts: one changed to a wrong one
    let (s, p) = answer(&api, "credit_score", "1000").await;
    assert_eq!(s, 200);
    let kept = p["questions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["topic"] == "credit_score")
        .unwrap()["answer"]
        .clone();
    assert_eq!(kept, "1000");
    // refusals at the question
    let (s, e) = answer(&api, "credit_score", "  ").await;
    assert_eq!((s, e["code"].as_str()), (422, Some("bad_answer")));
    let (s, _) = answer(&api, "credit_score", &"9".repeat(101)).await;
    assert_eq!(s, 422);
    let (s, e) = answer(&api, "forged_invoice", "1").await;
    assert_eq!((s, e["code"].as_str()), (404, Some("unknown_question")));
    // the queries (4 × 10) and three answers right (3 × 15)
    for q in ["filings", "payments", "invoices"] {
        api.get(&format!("/api/v1/queries/{q}")).await;
    }
    let (_, inv) = api.get("/api/v1/queries/invoices?direction=sales").await;
    let number = inv["rows"][0]["number"].as_str().unwrap().to_owned();
    api.get(&format!("/api/v1/invoices/{number}")).await;
    let (score, a) = finish(&api).await;
    assert_eq!(score, 85, "{a}");
    // the feedback says the answer was wrong without giving the right one
    let accepted = &qs
        .iter()
        .find(|q| q.topic == Topic::CreditScore)
        .unwrap()
        .accept[0];
    let wrong = a["feedback"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "credit_score")
        .unwrap()
        .to_string();
    assert!(
        wrong.contains("1000") && !wrong.contains(&format!("\"{accepted}\"")),
        "{wrong}"
    );
    assert!(!a.to_string().contains(&format!("分数{accepted}")));
}

#[tokio::test]
async fn no_two_trainees_share_the_answers() {
    let app = TestApp::spawn().await;
    start(&app, "queries-practice").await;
    let mine = questions(&app);
    // another trainee's tenant: the same lab asks of another company
    let (_, other_sandbox) = app.other_tenant();
    let mut other = Api::with_sandbox(&app, &other_sandbox);
    let (s, _) = other
        .post("/api/v1/labs/queries-practice/start", json!({}))
        .await;
    assert_eq!(s, 200);
    let theirs = app
        .db
        .read(|s| {
            let t = s.sandbox_trainee(&other_sandbox)?.unwrap();
            let a = s.attempt_of(t.id, t.attempt.unwrap())?;
            Ok(taxlab::labs::run::materials(&a)?.questions)
        })
        .unwrap();
    let _ = &mut other;
    assert_eq!(mine.len(), theirs.len());
    assert_ne!(
        mine, theirs,
        "the answers come from each trainee's own company"
    );
}

#[tokio::test]
async fn a_refused_answer_comes_back_at_its_question_on_the_lab_page() {
    let app = TestApp::spawn().await;
    let mut v = crate::browser::Visitor::new(&app);
    v.get("/").await;
    let res = v.post("/labs/queries-practice/start", &[]).await;
    assert!(res.status().is_redirection(), "{}", res.status());
    let page = v.get_text("/lab").await;
    assert!(page.contains("id=\"q-credit_score\""), "{page}");
    let res = v
        .post(
            "/lab/answer",
            &[
                ("question", "credit_score"),
                ("answer", ""),
                ("back", "/portal"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to.starts_with("/lab?topic=credit_score&problem=bad_answer"),
        "{to}"
    );
    let page = v.get_text(&to).await;
    assert!(
        page.contains("field-error") && page.contains("请填写答案"),
        "{page}"
    );
    let res = v
        .post(
            "/lab/answer",
            &[
                ("question", "credit_score"),
                ("answer", "88"),
                ("back", "/portal"),
            ],
        )
        .await;
    assert_eq!(res.headers()["location"], "/portal");
    assert!(v.get_text("/lab").await.contains("value=\"88\""));
}

#[tokio::test]
async fn the_forged_invoice_is_the_one_the_check_cannot_find() {
    let app = TestApp::spawn().await;
    let (api, _) = start(&app, "forged-invoice").await;
    let (s, file) = api.get("/api/v1/attempt/files/0").await;
    assert_eq!(s, 200, "{file}");
    let text = file["text"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| file.to_string());
    let rows: Vec<Vec<String>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 3, "{text}");
    let mut forged = Vec::new();
    for r in &rows {
        let (s, v) = Api::with_sandbox(&app, &api.sandbox)
            .post(
                "/api/v1/invoices/check",
                json!({ "number": r[0], "date": r[1], "amount": r[4] }),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        match v["verdict"].as_str().unwrap() {
            "genuine" => assert_eq!(v["face"]["seller"], r[2].as_str()),
            "not_found" => forged.push(r[0].clone()),
            other => panic!("{other}"),
        }
    }
    assert_eq!(forged.len(), 1, "exactly one is forged");
    let (s, _) = answer(&api, "forged_invoice", &forged[0]).await;
    assert_eq!(s, 200);
    let (score, a) = finish(&api).await;
    assert_eq!(score, 100, "{a}");
}

#[tokio::test]
async fn the_no_arrears_certificate_is_refused_until_the_arrears_are_paid() {
    let app = TestApp::spawn().await;
    let (api, m) = start(&app, "no-arrears-proof").await;
    let (s, e) = api
        .post("/api/v1/proofs", json!({ "kind": "no_arrears" }))
        .await;
    assert_eq!((s, e["code"].as_str()), (409, Some("arrears")), "{e}");
    let rows = e["arrears"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["period"] == m["period"].as_str()));
    assert!(rows.iter().all(|r| r["late_fee_to_date"] != "0.00"), "{e}");
    let (s, p) = pay(&api, "vat_small", &m["period"]).await;
    assert_eq!(s, 200, "{p}");
    let (s, p) = api
        .post("/api/v1/proofs", json!({ "kind": "no_arrears" }))
        .await;
    assert_eq!(s, 200, "{p}");
    let (score, a) = finish(&api).await;
    assert_eq!(score, 100, "{a}");
}

#[tokio::test]
async fn the_api_case_study_is_graded_on_what_came_through_the_api() {
    let app = TestApp::spawn().await;
    let (api, m) = start(&app, "api-case-study").await;
    let period = m["period"].clone();
    // the lab page hands the trainee their sandbox token and the API document
    let page = app
        .client
        .get(app.url("/lab"))
        .header("cookie", format!("taxlab_sandbox={}", api.sandbox))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&api.sandbox) && page.contains("openapi.json"),
        "{page}"
    );
    // the script: read the prefill, submit it, fetch the receipt
    let (s, f) = api
        .get(&format!("/api/v1/returns/vat_small/{period}"))
        .await;
    assert_eq!(s, 200, "{f}");
    let values = crate::returns::values(&f);
    let path = format!("/api/v1/returns/vat_small/{period}/submit");
    let (mut s, mut r) = api.post(&path, json!({ "values": values })).await;
    if s == 428 {
        (s, r) = api
            .post(&path, json!({ "values": values, "confirm": true }))
            .await;
    }
    assert_eq!(s, 200, "{r}");
    let number = r["filing_no"].as_str().unwrap().to_owned();
    // a receipt opened in the browser counts as the page's, not the script's
    let token = api.token.clone().unwrap();
    let res = app
        .client
        .get(app.url(&format!("/portal/returns/receipts/{number}")))
        .header(
            "cookie",
            format!("taxlab_sandbox={}; etax_session={token}", api.sandbox),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (score, a) = {
        let (s, g) = api.post("/api/v1/attempt/check", json!({})).await;
        assert_eq!(s, 200, "{g}");
        (g["score"].as_u64().unwrap(), g)
    };
    assert_eq!(
        score, 70,
        "filed through the API, receipt through a page: {a}"
    );
    let (s, receipt) = api.get(&format!("/api/v1/returns/receipts/{number}")).await;
    assert_eq!(s, 200, "{receipt}");
    let (score, a) = finish(&api).await;
    assert_eq!(score, 100, "{a}");
}
