//! Paying a filed return (agreement, balance, bank maintenance), a lost response on
//! submit, and another tenant's receipts and payment documents.

use serde_json::json;
use taxlab::domain::money::Fen;
use taxlab::store::CompanyId;

use crate::api_client::Api;
use crate::helpers::TestApp;
use crate::returns::{Q3, company, fen, filer, form, values};
use crate::staff::cast;

#[tokio::test]
async fn payment_needs_an_agreement_enough_balance_and_an_open_bank() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let f = form(&api, "vat_small").await;
    let mut v = values(&f);
    // enough sales for tax to be owed whatever the quarter held
    v["sales_3pct_other"] =
        json!((fen(&v["sales_3pct_other"]) + Fen::from_yuan(500_000)).to_string());
    let (_, receipt) = api
        .post(
            &format!("/api/v1/returns/vat_small/{Q3}/submit"),
            json!({ "values": v, "confirm": true }),
        )
        .await;
    let total = fen(&receipt["total_due"]);
    assert!(total > Fen::ZERO, "{receipt}");
    let c = company(&app, 0);
    let pay = format!("/api/v1/returns/vat_small/{Q3}/pay");

    app.db
        .write(|s| s.tenant(app.demo).set_tripartite(c, false))
        .unwrap();
    let (status, r) = api.post(&pay, json!({})).await;
    assert_eq!((status, r["code"].as_str()), (409, Some("no_agreement")));
    assert!(r["message"].as_str().unwrap().contains("三方协议"));
    let (status, _) = api.post("/api/v1/payments/agreement", json!({})).await;
    assert_eq!(status, 200);

    app.db
        .write(|s| s.tenant(app.demo).set_bank_balance(c, total - Fen::new(1)))
        .unwrap();
    let (status, r) = api.post(&pay, json!({})).await;
    assert_eq!(
        (status, r["code"].as_str()),
        (409, Some("insufficient_balance"))
    );
    assert!(r["message"].as_str().unwrap().contains(&total.to_string()));

    app.db
        .write(|s| {
            let scope = s.tenant(app.demo);
            scope.set_bank_balance(c, total)?;
            taxlab::labs::setup::Fault::Maintenance {
                module: "bank".into(),
                minutes: 30,
            }
            .add_to(&scope, app.clock.now())
        })
        .unwrap();
    let (status, r) = api.post(&pay, json!({})).await;
    assert_eq!(
        (status, r["code"].as_str()),
        (503, Some("bank_maintenance"))
    );
    app.clock.advance(chrono::Duration::minutes(31));
    // the bureau session idles out after 20 minutes: log in again
    let mut api = filer_again(&app).await;
    let (status, paid) = api.post(&pay, json!({})).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(fen(&paid["total"]), total);
    let balance = app
        .db
        .read(|s| Ok(s.tenant(app.demo).bank_account(c)?.value.balance))
        .unwrap();
    assert_eq!(balance, Fen::ZERO, "exactly enough was there");
    let number = paid["number"].as_str().unwrap().to_owned();
    let (status, doc) = api.get(&format!("/api/v1/payments/{number}")).await;
    assert_eq!(
        (status, doc["number"].as_str()),
        (200, Some(number.as_str()))
    );
    api.token = None;
}

async fn filer_again(app: &TestApp) -> Api<'_> {
    let (uscc, _, _, _, clerk, _) = cast(app);
    let mut api = Api::new(app);
    let (status, body) = api
        .post(
            "/api/v1/login",
            json!({"company": uscc, "account": clerk.mobile, "password": "Good#Pass42"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    api.token = Some(body["token"].as_str().unwrap().to_owned());
    let code = api.latest_code().await;
    api.post("/api/v1/login/sms", json!({"code": code})).await;
    api
}

#[tokio::test]
async fn a_lost_response_is_filed_and_the_retry_gets_the_same_receipt() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    app.db
        .write(|s| {
            taxlab::labs::setup::Fault::NetworkDrop { count: 1 }
                .add_to(&s.tenant(app.demo), app.clock.now())
        })
        .unwrap();
    let f = form(&api, "vat_small").await;
    let path = format!("/api/v1/returns/vat_small/{Q3}/submit");
    let body = json!({ "values": values(&f) });
    let (status, r) = api.post(&path, body.clone()).await;
    assert_eq!((status, r["code"].as_str()), (504, Some("network_drop")));
    let (_, list) = api.get("/api/v1/returns").await;
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "vat_small" && r["period"] == Q3)
        .unwrap();
    assert_eq!(row["status"], "filed", "the filing went through");
    let (status, r) = api.post(&path, body).await;
    assert_eq!((status, r["duplicate"].as_bool()), (200, Some(true)));
    assert_eq!(r["filing_no"], row["filing_no"]);
    let dupes = app
        .db
        .read(|s| {
            Ok(s.tenant(app.demo)
                .trace_events()?
                .iter()
                .filter(|e| e.action == "return.duplicate")
                .count())
        })
        .unwrap();
    assert_eq!(dupes, 1, "the grader sees the resubmission");
}

#[tokio::test]
async fn another_tenant_cannot_read_a_receipt_or_payment_document() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let f = form(&api, "vat_small").await;
    let mut v = values(&f);
    // tax owed, so there is something to pay and a payment document to guess at
    v["sales_3pct_other"] =
        json!((fen(&v["sales_3pct_other"]) + Fen::from_yuan(500_000)).to_string());
    let (_, receipt) = api
        .post(
            &format!("/api/v1/returns/vat_small/{Q3}/submit"),
            json!({ "values": v, "confirm": true }),
        )
        .await;
    let number = receipt["filing_no"].as_str().unwrap().to_owned();
    let c = company(&app, 0);
    app.db
        .write(|s| {
            let scope = s.tenant(app.demo);
            scope.set_tripartite(c, true)?;
            scope.set_bank_balance(c, Fen::from_yuan(1_000_000))
        })
        .unwrap();
    let (status, paid) = api
        .post(&format!("/api/v1/returns/vat_small/{Q3}/pay"), json!({}))
        .await;
    assert_eq!(status, 200, "{paid}");
    let document = paid["number"].as_str().unwrap().to_owned();
    // its owner reads it
    let (status, _) = api.get(&format!("/api/v1/payments/{document}")).await;
    assert_eq!(status, 200);
    // a trainee of another tenant, logged in there
    let (other, sandbox) = app.other_tenant();
    let (uscc, mobile) = app
        .db
        .read(|s| {
            let scope = s.tenant(other);
            let c = &scope.companies()?[0];
            let st = scope.staff(CompanyId(c.id))?;
            Ok((
                c.value.uscc.to_string(),
                st[0].person.value.mobile.to_string(),
            ))
        })
        .unwrap();
    let mut stranger = Api::with_sandbox(&app, &sandbox);
    stranger.first_login(&uscc, &mobile).await;
    let (status, _) = stranger
        .get(&format!("/api/v1/returns/receipts/{number}"))
        .await;
    assert_eq!(status, 404);
    let (status, body) = stranger.get(&format!("/api/v1/payments/{document}")).await;
    assert_eq!(status, 404, "{body}");
    assert!(!body.to_string().contains(&document));
}
