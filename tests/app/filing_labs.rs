//! The filing labs, each walked through the JSON API: the golden path earns 100, and the
//! typical mistakes lose exactly the points the lab file says.

use serde_json::{Value, json};
use taxlab::domain::money::Fen;

use crate::api_client::Api;
use crate::helpers::TestApp;
use crate::returns::{fen, values};

/// The current lab's materials (what its story shows the trainee).
pub(crate) fn materials(app: &TestApp) -> std::collections::BTreeMap<String, String> {
    app.db
        .read(|s| {
            let t = s.sandbox_trainee(&app.sandbox)?.unwrap();
            let a = s.attempt_of(t.id, t.attempt.unwrap())?;
            Ok(taxlab::labs::run::materials(&a)?.values)
        })
        .unwrap()
}

/// Start a lab as the demo trainee and log in to its company (password, no SMS step).
pub(crate) async fn start<'a>(
    app: &'a TestApp,
    lab: &str,
) -> (Api<'a>, std::collections::BTreeMap<String, String>) {
    let mut api = Api::new(app);
    let (status, body) = api
        .post(&format!("/api/v1/labs/{lab}/start"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let m = materials(app);
    let (status, body) = api
        .post(
            "/api/v1/login",
            json!({"company": m["uscc"], "account": m["me.mobile"], "password": "Clerk#2026ok"}),
        )
        .await;
    assert_eq!(
        (status, body["stage"].as_str()),
        (200, Some("active")),
        "{body}"
    );
    api.token = Some(body["token"].as_str().unwrap().to_owned());
    (api, m)
}

fn plus(v: &mut Value, field: &str, yuan: &str) {
    let sum = fen(&v[field]) + Fen::parse_yuan(yuan).unwrap();
    v[field] = json!(sum.to_string());
}

async fn form(api: &Api<'_>, kind: &str, period: &str) -> Value {
    let (status, f) = api.get(&format!("/api/v1/returns/{kind}/{period}")).await;
    assert_eq!(status, 200, "{f}");
    f
}

pub(crate) async fn finish(api: &Api<'_>) -> (u64, Value) {
    let (status, done) = api.post("/api/v1/attempt/finish", json!({})).await;
    assert_eq!(status, 200, "{done}");
    let id = done["attempt"].as_i64().unwrap();
    let (_, a) = api.get(&format!("/api/v1/attempts/{id}")).await;
    (a["feedback"]["score"].as_u64().unwrap(), a)
}

/// Pay a return; a return that asks nothing is fine too.
pub(crate) async fn pay(api: &Api<'_>, kind: &str, period: &str) -> (u16, Value) {
    api.post(&format!("/api/v1/returns/{kind}/{period}/pay"), json!({}))
        .await
}

#[tokio::test]
async fn filing_practice_golden_path_and_the_unbilled_sales_left_out() {
    let app = TestApp::spawn().await;
    for careless in [false, true] {
        let (api, m) = start(&app, "filing-practice").await;
        let period = m["period"].clone();
        let f = form(&api, "vat_small", &period).await;
        let mut vat = values(&f);
        if careless {
            // two refused submits (a typo, twice): the first is free, the second costs 5
            for _ in 0..2 {
                let mut typo = vat.clone();
                typo["prepaid_tax"] = json!("1O0");
                let (status, _) = api
                    .post(
                        &format!("/api/v1/returns/vat_small/{period}/submit"),
                        json!({ "values": typo }),
                    )
                    .await;
                assert_eq!(status, 422);
            }
        } else {
            plus(&mut vat, "sales_3pct_other", &m["unbilled_sales"]);
        }
        let (status, r) = api
            .post(
                &format!("/api/v1/returns/vat_small/{period}/submit"),
                json!({ "values": vat }),
            )
            .await;
        assert_eq!(status, 200, "{r}");
        let cit = values(&form(&api, "cit_quarterly", &period).await);
        let (status, r) = api
            .post(
                &format!("/api/v1/returns/cit_quarterly/{period}/submit"),
                json!({ "values": cit }),
            )
            .await;
        assert_eq!(status, 200, "{r}");
        let (status, paid) = pay(&api, "vat_small", &period).await;
        assert_eq!(status, 200, "{paid}");
        // the prepayment owes what its return says: paid if anything, else nothing to pay
        let owed = r["total_due"] != "0.00";
        let (status, paid) = pay(&api, "cit_quarterly", &period).await;
        if owed {
            assert_eq!(status, 200, "{paid}");
        } else {
            assert_eq!(
                (status, paid["code"].as_str()),
                (409, Some("nothing_to_pay"))
            );
        }
        let (score, a) = finish(&api).await;
        // leaving the unbilled sales out loses the VAT check's 35, the typos 5 more
        assert_eq!(score, if careless { 60 } else { 100 }, "{a}");
        if careless {
            let vat_check = &a["feedback"]["checks"][0];
            assert_eq!(vat_check["passed"], false);
            assert!(
                !vat_check["expected"].as_str().unwrap().contains("元"),
                "the answer is not revealed: {vat_check}"
            );
        }
    }
}

#[tokio::test]
async fn filing_validation_golden_path_and_repeated_wrong_submits() {
    let app = TestApp::spawn().await;
    for tries in [1, 3] {
        let (api, m) = start(&app, "filing-validation").await;
        let period = m["period"].clone();
        let f = form(&api, "vat_small", &period).await;
        assert_eq!(f["source"], "draft", "the colleague's draft");
        let mut v = values(&f);
        assert_eq!(v["goods_sales_3pct_special"], "0");
        let path = format!("/api/v1/returns/vat_small/{period}/submit");
        let mut invoiced = String::new();
        for _ in 0..tries {
            let (status, body) = api.post(&path, json!({ "values": v })).await;
            assert_eq!(
                (status, body["field"].as_str()),
                (422, Some("goods_sales_3pct_special")),
                "{body}"
            );
            // the message names the special invoices issued: the figure to declare
            invoiced = body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .split("金额 ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap()
                .to_owned();
        }
        v["goods_sales_3pct_special"] = json!(invoiced);
        let (status, r) = api.post(&path, json!({ "values": v })).await;
        assert_eq!(status, 200, "{r}");
        let (status, _) = pay(&api, "vat_small", &period).await;
        assert_eq!(status, 200);
        let (score, a) = finish(&api).await;
        // two refusals are part of the lab; the third costs 10
        assert_eq!(score, if tries == 1 { 100 } else { 90 }, "{a}");
    }
}

#[tokio::test]
async fn filing_network_drop_looking_it_up_versus_submitting_again() {
    let app = TestApp::spawn().await;
    for resubmit in [false, true] {
        let (api, m) = start(&app, "filing-network-drop").await;
        let period = m["period"].clone();
        let v = values(&form(&api, "vat_small", &period).await);
        let path = format!("/api/v1/returns/vat_small/{period}/submit");
        let (status, body) = api.post(&path, json!({ "values": v })).await;
        assert_eq!((status, body["code"].as_str()), (504, Some("network_drop")));
        if resubmit {
            let (status, r) = api.post(&path, json!({ "values": v })).await;
            assert_eq!((status, r["duplicate"].as_bool()), (200, Some(true)));
        } else {
            let (_, list) = api.get("/api/v1/returns").await;
            let row = list
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["kind"] == "vat_small" && r["period"] == period.as_str())
                .unwrap();
            assert_eq!(row["status"], "filed");
            let number = row["filing_no"].as_str().unwrap();
            let (status, _) = api.get(&format!("/api/v1/returns/receipts/{number}")).await;
            assert_eq!(status, 200);
        }
        let (score, a) = finish(&api).await;
        // submitting again instead of looking: neither the look-up (30) nor the
        // no-resubmit (30) is earned
        assert_eq!(score, if resubmit { 40 } else { 100 }, "{a}");
    }
}

#[tokio::test]
async fn filing_correction_after_the_period_needs_a_reason_and_the_surcharge() {
    let app = TestApp::spawn().await;
    for forgetful in [false, true] {
        let (api, m) = start(&app, "filing-correction").await;
        let period = m["period"].clone();
        let f = form(&api, "vat_small", &period).await;
        assert_eq!(f["source"], "filed", "the filed figures, to correct");
        let mut v = values(&f);
        plus(&mut v, "sales_3pct_other", &m["unbilled_sales"]);
        let path = format!("/api/v1/returns/vat_small/{period}/amend");
        if forgetful {
            for _ in 0..2 {
                let (status, body) = api.post(&path, json!({ "values": v })).await;
                assert_eq!(
                    (status, body["code"].as_str()),
                    (422, Some("reason_required"))
                );
            }
        }
        let (status, r) = api
            .post(&path, json!({ "values": v, "reason": "漏报未开票收入" }))
            .await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(r["version"], 2);
        let (status, paid) = pay(&api, "vat_small", &period).await;
        assert_eq!(status, 200, "{paid}");
        assert!(
            fen(&paid["late_fee"]) > Fen::ZERO,
            "past the deadline: {paid}"
        );
        let (score, a) = finish(&api).await;
        // the first refused correction is free, the second costs 5
        assert_eq!(score, if forgetful { 95 } else { 100 }, "{a}");
    }
}

#[tokio::test]
async fn filing_late_pays_the_surcharge_after_the_bank_reopens() {
    let app = TestApp::spawn().await;
    for unpaid in [false, true] {
        let (api, m) = start(&app, "filing-late").await;
        let period = m["period"].clone();
        let (_, list) = api.get("/api/v1/returns").await;
        let row = list
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["kind"] == "vat_small" && r["period"] == period.as_str())
            .unwrap();
        assert_eq!(row["status"], "overdue");
        let v = values(&form(&api, "vat_small", &period).await);
        let (status, receipt) = api
            .post(
                &format!("/api/v1/returns/vat_small/{period}/submit"),
                json!({ "values": v }),
            )
            .await;
        assert_eq!((status, receipt["late"].as_bool()), (200, Some(true)));
        if !unpaid {
            let (status, body) = pay(&api, "vat_small", &period).await;
            assert_eq!(
                (status, body["code"].as_str()),
                (503, Some("bank_maintenance"))
            );
            app.clock.advance(chrono::Duration::minutes(6));
            let (status, paid) = pay(&api, "vat_small", &period).await;
            assert_eq!(status, 200, "{paid}");
            // due 2026-10-26 (税总办征科函〔2025〕64号), paid 2026-11-02: 7 days at 0.05%
            assert_eq!(paid["days_late"], 7);
            let fee: Fen = paid["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| fen(&i["amount"]).mul_ratio(5 * 7, 10_000))
                .sum();
            assert_eq!(fen(&paid["late_fee"]), fee);
        }
        let (score, a) = finish(&api).await;
        assert_eq!(score, if unpaid { 50 } else { 100 }, "{a}");
    }
}

#[tokio::test]
async fn credit_repair_is_graded_on_the_late_return_of_the_lab_s_own_company() {
    let app = TestApp::spawn().await;
    for repair in [true, false] {
        let (api, m) = start(&app, "credit-repair").await;
        let period = m["period"].clone();
        let v = values(&form(&api, "vat_small", &period).await);
        let (status, receipt) = api
            .post(
                &format!("/api/v1/returns/vat_small/{period}/submit"),
                json!({ "values": v }),
            )
            .await;
        assert_eq!((status, receipt["late"].as_bool()), (200, Some(true)));
        let (status, paid) = pay(&api, "vat_small", &period).await;
        assert_eq!(status, 200, "{paid}");
        let (_, credit) = api.get("/api/v1/credit").await;
        let failing = credit["failings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == "late_filing" && f["period"] == period.as_str())
            .unwrap_or_else(|| panic!("{credit}"))
            .clone();
        // 7 days after the deadline: 5 points back under 1,000 yuan of tax, 4 otherwise
        let tax = fen(&receipt["total_due"]);
        let back = if tax < Fen::from_yuan(1000) { 5 } else { 4 };
        assert_eq!(failing["repair"]["points"], back, "{failing}");
        if repair {
            let (status, a) = api
                .post("/api/v1/credit/repairs", json!({ "event": failing["id"] }))
                .await;
            assert_eq!(status, 201, "{a}");
        }
        let (score, a) = finish(&api).await;
        assert_eq!(score, if repair { 100 } else { 50 }, "{a}");
        let check = a["feedback"]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "repaired")
            .unwrap()
            .to_string();
        if repair {
            assert!(check.contains(&format!("加回 {back} 分")), "{check}");
        } else {
            assert!(check.contains("没有申请信用修复"), "{check}");
        }
    }
}

#[tokio::test]
async fn a_refund_through_the_green_channel_is_graded_on_the_overpaid_tax() {
    let app = TestApp::spawn().await;
    for whole in [true, false] {
        let (api, m) = start(&app, "refund-green-channel").await;
        let period = m["period"].clone();
        let f = form(&api, "vat_small", &period).await;
        assert_eq!(f["source"], "filed");
        let mut v = values(&f);
        // the over-declared sale sits with the company's other 3% sales (goods or services)
        let over = Fen::parse_yuan(&m["over_declared"]).unwrap();
        let field = ["goods_sales_3pct_other", "sales_3pct_other"]
            .into_iter()
            .find(|f| !v[*f].is_null() && fen(&v[*f]) >= over)
            .unwrap();
        plus(&mut v, field, &format!("-{over}"));
        let (status, r) = api
            .post(
                &format!("/api/v1/returns/vat_small/{period}/amend"),
                json!({ "values": v, "confirm": true }),
            )
            .await;
        assert_eq!(status, 200, "{r}");
        let (_, refunds) = api.get("/api/v1/refunds").await;
        // an M-grade company in the course profile: the green channel, half the days
        assert_eq!(refunds["path"]["green"], true, "{refunds}");
        assert_eq!(refunds["path"]["approve_days"], 5);
        assert_eq!(refunds["path"]["materials"], json!(["application"]));
        let available = fen(&refunds["refundable"][0]["available"]);
        assert!(available > Fen::ZERO, "{refunds}");
        let asked = if whole {
            available
        } else {
            available - Fen::new(100)
        };
        let pdf = taxlab::labs::setup::tiny_pdf("form");
        let file = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, pdf);
        let (status, a) = api
            .post(
                "/api/v1/refunds",
                json!({ "of": format!("vat_small/{period}"), "amount": asked.to_string(),
                        "reason": "重复计入销售额，更正后多缴", "files": [{ "material": "application", "name": "refund-application.pdf", "content_base64": file }] }),
            )
            .await;
        assert_eq!(status, 201, "{a}");
        assert!(
            a["missing"].as_array().unwrap().is_empty(),
            "fewer materials"
        );
        let (status, _) = api
            .post(
                "/api/v1/attempt/answer",
                json!({ "question": "refund_days_saved", "answer": "5个工作日" }),
            )
            .await;
        assert_eq!(status, 200);
        let (score, a) = finish(&api).await;
        assert_eq!(score, if whole { 100 } else { 60 }, "{a}");
    }
}

#[tokio::test]
async fn a_tax_owing_alert_is_handled_by_paying_not_by_explaining() {
    let app = TestApp::spawn().await;
    for pays in [true, false] {
        let (api, _) = start(&app, "risk-arrears").await;
        let (_, alerts) = api.get("/api/v1/risk").await;
        let owing: Vec<Value> = alerts
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["category"] == "arrears" && a["status"] == "open")
            .cloned()
            .collect();
        assert!(!owing.is_empty(), "a C-grade company owes tax: {alerts}");
        if pays {
            for a in &owing {
                let (kind, period) = a["subject"].as_str().unwrap().split_once(':').unwrap();
                let (status, paid) = pay(&api, kind, period).await;
                assert_eq!(status, 200, "{paid}");
                assert!(fen(&paid["late_fee"]) > Fen::ZERO, "overdue: {paid}");
            }
            let (_, alerts) = api.get("/api/v1/risk").await;
            assert!(
                alerts
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|a| a["category"] == "arrears")
                    .all(|a| a["status"] == "resolved"),
                "{alerts}"
            );
        } else {
            let (status, sent) = api
                .post(
                    "/api/v1/risk/explanations",
                    json!({ "alert": owing[0]["id"], "text": "资金周转困难，下月缴纳税款" }),
                )
                .await;
            assert_eq!(status, 200, "{sent}");
        }
        let (score, a) = finish(&api).await;
        assert_eq!(score, if pays { 100 } else { 20 }, "{a}");
    }
}
