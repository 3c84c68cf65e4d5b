//! The labs that plant a risk alert of each kind, the normal-track refund lab and the lab
//! clock, walked through the JSON API: each alert appears from the planted records, the
//! way the facts call for (explain or correct) earns the points and the other does not, and
//! an answer due in working days is seen by moving the lab's sandbox date.

use chrono::NaiveDate;
use serde_json::{Value, json};
use taxlab::domain::money::Fen;

use crate::filing_labs::{finish, pay, start};
use crate::helpers::TestApp;
use crate::returns::{fen, values};

fn pdf(text: &str) -> String {
    base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        taxlab::labs::setup::tiny_pdf(text),
    )
}

/// The open alert of a category.
async fn open_alert(api: &crate::api_client::Api<'_>, category: &str) -> Value {
    let (status, alerts) = api.get("/api/v1/risk").await;
    assert_eq!(status, 200, "{alerts}");
    alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["category"] == category && a["status"] == "open")
        .unwrap_or_else(|| panic!("no open {category} alert: {alerts}"))
        .clone()
}

async fn status_of(api: &crate::api_client::Api<'_>, id: &Value) -> String {
    let (_, alerts) = api.get("/api/v1/risk").await;
    alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == *id)
        .map(|a| a["status"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("{alerts}"))
}

/// The lab company's bank balance (the read adds refunds whose 退库 date has come).
fn lab_balance(app: &TestApp) -> Fen {
    app.db
        .read(|s| {
            let t = s.sandbox_trainee(&app.sandbox)?.unwrap();
            let a = s.attempt_of(t.id, t.attempt.unwrap())?;
            let scope = s.tenant(a.tenant.unwrap());
            let company = taxlab::store::CompanyId(scope.companies()?[0].id);
            Ok(scope.bank_account(company)?.value.balance)
        })
        .unwrap()
}

/// Move the lab's sandbox date; returns the task panel.
async fn advance(api: &crate::api_client::Api<'_>, days: i64) -> (u16, Value) {
    api.post("/api/v1/attempt/clock", json!({ "days": days }))
        .await
}

#[tokio::test]
async fn explainable_alerts_are_explained_and_followed_to_the_answer_on_the_lab_clock() {
    let app = TestApp::spawn().await;
    for (lab, category, figure) in [
        ("risk-invoice", "invoice", "ratio_percent"),
        ("risk-business", "business", "drop_percent"),
    ] {
        for waits in [true, false] {
            let (api, m) = start(&app, lab).await;
            let alert = open_alert(&api, category).await;
            assert_eq!(alert["explainable"], true, "{alert}");
            assert_eq!(alert["period"], m["risk_period"].as_str(), "{alert}");
            let shown = alert["figures"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["key"] == figure)
                .unwrap()["value"]
                .as_str()
                .unwrap()
                .parse::<i64>()
                .unwrap();
            assert!(shown >= 20, "{alert}");
            let (status, sent) = api
                .post(
                    "/api/v1/risk/explanations",
                    json!({ "alert": alert["id"], "text": "为下季度大订单集中备货/主要客户减单，附合同。",
                            "file_name": "contract.pdf", "file_base64": pdf("contract") }),
                )
                .await;
            assert_eq!(status, 200, "{sent}");
            assert_eq!(sent["status"], "explaining");
            if waits {
                // the task panel offers the clock; past its last day is refused at the field
                let (status, e) = advance(&api, 11).await;
                assert_eq!(
                    (status, e["code"].as_str()),
                    (422, Some("clock_limit")),
                    "{e}"
                );
                assert!(e["message"].as_str().unwrap().contains("推进天数"), "{e}");
                let (status, panel) = advance(&api, 7).await;
                assert_eq!(status, 200, "{panel}");
                assert_eq!(panel["clock"]["left"], 3, "{panel}");
                let answer: NaiveDate = sent["answer_on"].as_str().unwrap().parse().unwrap();
                let today: NaiveDate = panel["clock"]["today"].as_str().unwrap().parse().unwrap();
                assert!(today >= answer, "{today} {answer}");
                assert_eq!(status_of(&api, &alert["id"]).await, "explained");
            }
            let (score, a) = finish(&api).await;
            assert_eq!(score, if waits { 100 } else { 20 }, "{lab}: {a}");
        }
    }
}

#[tokio::test]
async fn a_filing_alert_is_corrected_not_explained() {
    let app = TestApp::spawn().await;
    for corrects in [true, false] {
        let (api, m) = start(&app, "risk-filing").await;
        let period = m["risk_period"].clone();
        let alert = open_alert(&api, "filing").await;
        assert_eq!(alert["subject"], format!("vat_small:{period}"));
        let left_out = Fen::parse_yuan(&m["under_declared"]).unwrap();
        assert!(left_out > Fen::ZERO, "{m:?}");
        if corrects {
            let (_, f) = api
                .get(&format!("/api/v1/returns/vat_small/{period}"))
                .await;
            // the sales left out go back in; all of them are taxable again (line 3), none
            // below the threshold (lines 10 and 11)
            let mut v = values(&f);
            for prefix in ["goods_", ""] {
                let other = format!("{prefix}sales_3pct_other");
                if v[&other].is_null() {
                    continue;
                }
                let mut sum = fen(&v[&other]);
                for line in ["small_exempt_sales", "below_threshold_sales"] {
                    let k = format!("{prefix}{line}");
                    sum += fen(&v[&k]);
                    v[&k] = json!("0.00");
                }
                if sum > Fen::ZERO {
                    v[&other] = json!((sum + left_out).to_string());
                }
            }
            let (status, r) = api
                .post(
                    &format!("/api/v1/returns/vat_small/{period}/amend"),
                    json!({ "values": v, "confirm": true, "reason": "补记漏报的开票销售额" }),
                )
                .await;
            assert_eq!(status, 200, "{r}");
            // the tax it adds is overdue: a tax-owing alert until paid
            let owing = open_alert(&api, "arrears").await;
            assert_eq!(owing["subject"], format!("vat_small:{period}"));
            let (status, paid) = pay(&api, "vat_small", &period).await;
            assert_eq!(status, 200, "{paid}");
            assert!(fen(&paid["late_fee"]) > Fen::ZERO, "{paid}");
            assert_eq!(status_of(&api, &alert["id"]).await, "resolved");
            assert_eq!(status_of(&api, &owing["id"]).await, "resolved");
        } else {
            // an explanation is accepted by the office, but the lab's facts call for a
            // correction: it earns nothing
            let (status, sent) = api
                .post(
                    "/api/v1/risk/explanations",
                    json!({ "alert": alert["id"], "text": "部分收入跨期确认，附说明材料。" }),
                )
                .await;
            assert_eq!(status, 200, "{sent}");
        }
        let (score, a) = finish(&api).await;
        assert_eq!(score, if corrects { 100 } else { 0 }, "{a}");
    }
}

#[tokio::test]
async fn a_late_filing_alert_lifts_once_each_late_return_is_repaired() {
    let app = TestApp::spawn().await;
    let (api, m) = start(&app, "risk-late").await;
    let alert = open_alert(&api, "late").await;
    assert_eq!(alert["explainable"], false);
    // an explanation cannot lift late returns
    let (status, sent) = api
        .post(
            "/api/v1/risk/explanations",
            json!({ "alert": alert["id"], "text": "财务人员交接导致逾期申报。" }),
        )
        .await;
    assert_eq!(status, 200, "{sent}");
    let (_, credit) = api.get("/api/v1/credit").await;
    let late: Vec<Value> = credit["failings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "late_filing")
        .cloned()
        .collect();
    assert_eq!(late.len(), 2, "{credit}");
    for f in &late {
        assert!(
            m["late_periods"].contains(f["period"].as_str().unwrap()),
            "{f}"
        );
        assert!(
            credit["failings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["kind"] == "late_payment" && x["period"] == f["period"]),
            "paid a week late too: {credit}"
        );
    }
    let (status, a) = api
        .post("/api/v1/credit/repairs", json!({ "event": late[0]["id"] }))
        .await;
    assert_eq!(status, 201, "{a}");
    assert_ne!(status_of(&api, &alert["id"]).await, "resolved", "one left");
    let (status, a) = api
        .post("/api/v1/credit/repairs", json!({ "event": late[1]["id"] }))
        .await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(status_of(&api, &alert["id"]).await, "resolved");
    let (score, a) = finish(&api).await;
    assert_eq!(score, 100, "{a}");
}

#[tokio::test]
async fn a_refund_on_the_normal_track_is_followed_until_the_money_arrives() {
    let app = TestApp::spawn().await;
    let (api, m) = start(&app, "refund-normal-track").await;
    let period = m["period"].clone();
    let (_, f) = api
        .get(&format!("/api/v1/returns/vat_small/{period}"))
        .await;
    let mut v = values(&f);
    let over = Fen::parse_yuan(&m["over_declared"]).unwrap();
    let field = ["goods_sales_3pct_other", "sales_3pct_other"]
        .into_iter()
        .find(|k| !v[*k].is_null() && fen(&v[*k]) >= over)
        .unwrap();
    v[field] = json!((fen(&v[field]) - over).to_string());
    let (status, r) = api
        .post(
            &format!("/api/v1/returns/vat_small/{period}/amend"),
            json!({ "values": v, "confirm": true }),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let (_, refunds) = api.get("/api/v1/refunds").await;
    // not the profile's top grade: the normal track, more days, all three materials
    assert_eq!(refunds["path"]["green"], false, "{refunds}");
    assert!(refunds["path"]["approve_days"].as_u64().unwrap() > 5);
    assert_eq!(refunds["path"]["materials"].as_array().unwrap().len(), 3);
    let available = refunds["refundable"][0]["available"].clone();
    // the payment voucher: the company's own 完税证明 of the VAT
    let (status, proof) = api
        .post(
            "/api/v1/proofs",
            json!({"kind": "payment_table", "items": ["vat"], "date_from": "2026-10-01", "date_to": "2026-10-20"}),
        )
        .await;
    assert_eq!(status, 200, "{proof}");
    let (status, voucher) =
        crate::proofs::pdf_of(&app, &api, proof["number"].as_str().unwrap()).await;
    assert_eq!(status, 200);
    let b64 = |b: &[u8]| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b);
    let (status, a) = api
        .post(
            "/api/v1/refunds",
            json!({ "of": format!("vat_small/{period}"), "amount": available, "reason": "重复计入销售额，更正后多缴",
                    "files": [
                        { "material": "application", "name": "refund-application.pdf", "content_base64": pdf("form") },
                        { "material": "amended_return", "name": "amended-return.pdf", "content_base64": pdf("amended") },
                        { "material": "payment_voucher", "name": "voucher.pdf", "content_base64": b64(&voucher) },
                    ] }),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    assert!(a["missing"].as_array().unwrap().is_empty(), "{a}");
    let treasury: NaiveDate = a["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "refunded")
        .and_then(|s| s["on"].as_str())
        .unwrap_or_else(|| panic!("{a}"))
        .parse()
        .unwrap();
    let balance_before = lab_balance(&app);
    // not there yet: graded now, the refund has not arrived
    let (_, panel) = advance(&api, 1).await;
    let today: NaiveDate = panel["clock"]["today"].as_str().unwrap().parse().unwrap();
    let days = (treasury - today).num_days();
    assert!(days > 0 && days < 30, "{treasury} {today}");
    let (status, panel) = advance(&api, days).await;
    assert_eq!(status, 200, "{panel}");
    let (_, q) = api.get("/api/v1/refunds").await;
    assert_eq!(q["applications"][0]["status"], "refunded", "{q}");
    assert_eq!(lab_balance(&app) - balance_before, fen(&available));
    let (score, a) = finish(&api).await;
    assert_eq!(score, 100, "{a}");
}

#[tokio::test]
async fn a_lab_without_a_clock_refuses_to_move_the_date() {
    let app = TestApp::spawn().await;
    let (api, _) = start(&app, "risk-filing").await;
    let (status, e) = advance(&api, 1).await;
    assert_eq!((status, e["code"].as_str()), (409, Some("no_clock")), "{e}");
    let (_, panel) = api.get("/api/v1/attempt").await;
    assert!(panel["clock"].is_null(), "{panel}");
    let (status, _) = api
        .post("/api/v1/attempt/clock", json!({ "days": "x" }))
        .await;
    assert_eq!(status, 400, "a malformed body");
}
