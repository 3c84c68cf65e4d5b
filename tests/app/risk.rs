//! 风险提示: alerts from the company's own records — tax left owing past its deadline lifts
//! once paid and cannot be explained away; a return asking less than the company's own
//! invoices give is explained (accepted after three working days) or lifts once amended; refusals at the
//! field, and the workbench counts what asks for a response.

use chrono::NaiveDate;
use serde_json::{Value, json};
use taxlab::domain::money::Fen;
use taxlab::domain::tax::{Policy, late_fee};

use crate::helpers::TestApp;
use crate::returns::{Q3, company, fen, filer, form, set_today, values};

fn alert<'a>(alerts: &'a Value, id: &str) -> Option<&'a Value> {
    alerts.as_array().unwrap().iter().find(|a| a["id"] == id)
}

/// The form with the company's other 3% sales (goods or services) left out.
fn under_declared(right: &Value) -> Value {
    let mut v = right.clone();
    let field = ["goods_sales_3pct_other", "sales_3pct_other"]
        .into_iter()
        .max_by_key(|f| {
            if v[*f].is_null() {
                Fen::ZERO
            } else {
                fen(&v[*f])
            }
        })
        .unwrap();
    v[field] = json!("0.00");
    v
}

fn figure(a: &Value, key: &str) -> String {
    a["figures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == key)
        .unwrap()["value"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn tax_owing_is_an_alert_until_it_is_paid_and_cannot_be_explained_away() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let f = form(&api, "vat_small").await;
    let mut v = values(&f);
    v["sales_3pct_other"] =
        json!((fen(&v["sales_3pct_other"]) + Fen::from_yuan(200_000)).to_string());
    let (status, receipt) = api
        .post(
            &format!("/api/v1/returns/vat_small/{Q3}/submit"),
            json!({ "values": v, "confirm": true }),
        )
        .await;
    assert_eq!(status, 200, "{receipt}");
    let owed = fen(&receipt["total_due"]);
    let deadline: NaiveDate = f["deadline"].as_str().unwrap().parse().unwrap();
    let id = format!("arrears:vat_small:{Q3}");
    let (_, a) = api.get("/api/v1/risk").await;
    assert!(alert(&a, &id).is_none(), "not owing before the deadline");

    let today = deadline + chrono::Duration::days(10);
    set_today(&app, &today.to_string());
    let (status, a) = api.get("/api/v1/risk").await;
    assert_eq!(status, 200, "{a}");
    let owing = alert(&a, &id).unwrap_or_else(|| panic!("{a}")).clone();
    assert_eq!(
        (owing["level"].as_str(), owing["status"].as_str()),
        (Some("high"), Some("open"))
    );
    assert_eq!(owing["explainable"], false);
    assert_eq!(Fen::parse_yuan(&figure(&owing, "owed")).unwrap(), owed);
    assert_eq!(figure(&owing, "days_overdue"), "10");
    // the surcharge the figures show is the one paying would add: per tax item, 10 days
    let (_, pay_list) = api
        .get("/api/v1/queries/payments?date_from=2026-01-01")
        .await;
    let fee: Fen = pay_list["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["period"] == Q3 && r["paid_on"].is_null())
        .map(|r| late_fee::fee(Policy::embedded(), fen(&r["amount"]), deadline, today).unwrap())
        .sum();
    assert_eq!(Fen::parse_yuan(&figure(&owing, "surcharge")).unwrap(), fee);
    // the workbench counts it under 风险疑点
    let (_, wb) = api.get("/api/v1/workbench").await;
    assert!(wb["risks"].as_u64().unwrap() >= 1, "{wb}");

    // explaining is refused at the field when too short, then refused by the office
    let (status, e) = api
        .post(
            "/api/v1/risk/explanations",
            json!({ "alert": id, "text": "资金紧张" }),
        )
        .await;
    assert_eq!((status, e["code"].as_str()), (422, Some("too_short")));
    let (status, e) = api
        .post(
            "/api/v1/risk/explanations",
            json!({ "alert": "arrears:vat_small:1999Q1", "text": "这是一段足够长的情况说明文字" }),
        )
        .await;
    assert_eq!((status, e["code"].as_str()), (404, Some("unknown_alert")));
    let (status, sent) = api
        .post(
            "/api/v1/risk/explanations",
            json!({ "alert": id, "text": "本月资金周转困难，下月初缴纳", "file_name": "x.txt", "file_base64": "aGVsbG8=" }),
        )
        .await;
    assert_eq!(
        (status, sent["code"].as_str()),
        (422, Some("file_type")),
        "{sent}"
    );
    let (status, sent) = api
        .post(
            "/api/v1/risk/explanations",
            json!({ "alert": id, "text": "本月资金周转困难，下月初缴纳" }),
        )
        .await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["status"], "explaining");
    let answer = Policy::embedded().calendar.working_days_after(today, 3);
    assert_eq!(sent["answer_on"], answer.to_string());
    let (status, e) = api
        .post(
            "/api/v1/risk/explanations",
            json!({ "alert": id, "text": "本月资金周转困难，下月初缴纳" }),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (409, Some("already_explained"))
    );
    set_today(&app, &answer.to_string());
    let (_, a) = api.get("/api/v1/risk").await;
    assert_eq!(
        alert(&a, &id).unwrap()["status"],
        "refused",
        "tax owing is put right only by paying"
    );

    // paid: the alert lifts by itself, and the workbench's count with it (the count kept
    // for the workbench is worked out again after an action)
    let (_, wb) = api.get("/api/v1/workbench").await;
    let before = wb["risks"].as_u64().unwrap();
    let (_, again) = api.get("/api/v1/workbench").await;
    assert_eq!(again["risks"].as_u64(), Some(before), "kept");
    let (status, _) = api.post("/api/v1/payments/agreement", json!({})).await;
    assert_eq!(status, 200);
    app.db
        .write(|s| {
            s.tenant(app.demo)
                .set_bank_balance(company(&app, 0), Fen::from_yuan(1_000_000))
        })
        .unwrap();
    let (status, paid) = api
        .post(&format!("/api/v1/returns/vat_small/{Q3}/pay"), json!({}))
        .await;
    assert_eq!(status, 200, "{paid}");
    let (_, a) = api.get("/api/v1/risk").await;
    let lifted = alert(&a, &id).unwrap();
    assert_eq!(lifted["status"], "resolved", "{lifted}");
    let (_, wb) = api.get("/api/v1/workbench").await;
    assert_eq!(wb["risks"].as_u64(), Some(before - 1), "{wb}");
    assert_eq!(figure(lifted, "owed"), "0.00");
}

#[tokio::test]
async fn a_return_asking_less_than_the_invoices_give_is_explained_or_lifts_once_amended() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let f = form(&api, "vat_small").await;
    let right = values(&f);
    let (status, r) = api
        .post(
            &format!("/api/v1/returns/vat_small/{Q3}/submit"),
            json!({ "values": under_declared(&right), "confirm": true }),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let id = format!("filing:vat_small:{Q3}");
    let (_, a) = api.get("/api/v1/risk").await;
    let under = alert(&a, &id).unwrap_or_else(|| panic!("{a}")).clone();
    assert_eq!(
        (under["status"].as_str(), under["explainable"].as_bool()),
        (Some("open"), Some(true))
    );
    assert!(
        figure(&under, "under_percent").parse::<i64>().unwrap() >= 10,
        "{under}"
    );
    assert!(fen(&json!(figure(&under, "expected"))) > fen(&json!(figure(&under, "declared"))));
    // explained: accepted on the answer date
    let (status, sent) = api
        .post(
            "/api/v1/risk/explanations",
            json!({ "alert": id, "text": "部分发票为下季度预收货款提前开具，附合同。",
                    "file_name": "contract.pdf", "file_base64": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "%PDF-1.4 contract") }),
        )
        .await;
    assert_eq!(status, 200, "{sent}");
    let answer: NaiveDate = sent["answer_on"].as_str().unwrap().parse().unwrap();
    set_today(&app, &answer.to_string());
    let (_, a) = api.get("/api/v1/risk").await;
    assert_eq!(alert(&a, &id).unwrap()["status"], "explained");
    // a correction to the records' figures lifts it as put right
    let (status, r) = api
        .post(
            &format!("/api/v1/returns/vat_small/{Q3}/amend"),
            json!({ "values": right, "confirm": true, "reason": "更正销售额" }),
        )
        .await;
    assert_eq!(status, 200, "{r}");
    let (_, a) = api.get("/api/v1/risk").await;
    let now = alert(&a, &id).unwrap();
    assert_eq!(figure(now, "under_percent"), "0", "{now}");
    assert_eq!(now["status"], "resolved");
    // another company's alerts are not this one's
    let other = filer(&app, true).await;
    let (_, theirs) = other.get("/api/v1/risk").await;
    assert!(alert(&theirs, &id).is_none());
    let (status, e) = other
        .post(
            "/api/v1/risk/explanations",
            json!({ "alert": id, "text": "这是一段足够长的情况说明文字" }),
        )
        .await;
    assert_eq!((status, e["code"].as_str()), (404, Some("unknown_alert")));
}

#[tokio::test]
async fn the_risk_page_explains_from_the_alert_and_keeps_the_text_when_refused() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let f = form(&api, "vat_small").await;
    api.post(
        &format!("/api/v1/returns/vat_small/{Q3}/submit"),
        json!({ "values": under_declared(&values(&f)), "confirm": true }),
    )
    .await;
    let (clerk, _) = crate::portal::accounts(&app.db, app.demo);
    let mut v = crate::portal::logged_in_again(&app, &clerk).await;
    let page = v.get_text("/portal/risk").await;
    for text in [
        "风险提示",
        "预警系统使用方法",
        "申报异常",
        "自查建议",
        "阈值为本沙箱自设",
    ] {
        assert!(page.contains(text), "{text}");
    }
    let id = format!("filing:vat_small:{Q3}");
    let res = v
        .post_file(
            "/portal/risk/explain",
            &[("alert", &id), ("text", "太短")],
            "file",
            "",
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"err-risk\"") && html.contains(">太短</textarea>"),
        "{html}"
    );
    let res = v
        .post_file(
            "/portal/risk/explain",
            &[
                ("alert", &id),
                ("text", "本季度承接大额订单，销售额增长属实"),
            ],
            "file",
            "%PDF-1.4 contract",
        )
        .await;
    assert_eq!(res.status(), 303);
    let to = crate::browser::location(&res);
    assert!(
        to.starts_with("/portal/risk?notice=explained#alert-filing-vat_small-"),
        "{to}"
    );
    let page = v.get_text(&to).await;
    assert!(page.contains("情况说明审核中"), "{page}");
}
