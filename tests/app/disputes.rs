//! 争议处理: a surcharge charged on a payment made on time is disputed and the overcharge
//! comes back on the ruling's schedule; a surcharge charged rightly is upheld as it stands;
//! refusals at the field; another company's payment is out of reach; the lab grades it.

use chrono::NaiveDate;
use serde_json::json;
use taxlab::domain::money::Fen;
use taxlab::domain::tax::Policy;

use crate::filing_labs::{finish, start};
use crate::helpers::TestApp;
use crate::returns::{Q3, company, fen, filer, form, set_today, values};

fn balance(app: &TestApp) -> Fen {
    app.db
        .read(|s| {
            Ok(s.tenant(app.demo)
                .bank_account(company(app, 0))?
                .value
                .balance)
        })
        .unwrap()
}

#[tokio::test]
async fn a_wrong_surcharge_is_paid_back_after_the_ruling_and_a_right_one_stands() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let c = company(&app, 0);
    let period = app
        .db
        .write(|s| taxlab::bureau::disputes::plant_wrong_fee(&s.tenant(app.demo), c))
        .unwrap()
        .expect("a payment made on time");
    let (status, d) = api.get("/api/v1/disputes").await;
    assert_eq!(status, 200, "{d}");
    let wrong = d["charged"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["period"] == period.as_str())
        .unwrap()
        .clone();
    let charged = fen(&wrong["late_fee"]);
    assert!(charged > Fen::ZERO);
    let first = d["priority"].as_bool().unwrap();

    // refusals at the field
    for (body, code, status) in [
        (
            json!({ "payment": wrong["payment"], "reason": "太短了" }),
            "too_short",
            422,
        ),
        (
            json!({ "payment": wrong["payment"], "reason": "长".repeat(501) }),
            "too_long",
            422,
        ),
        (
            json!({ "payment": -7, "reason": "按期缴款却被加收滞纳金" }),
            "unknown_payment",
            404,
        ),
        (
            json!({ "payment": wrong["payment"], "reason": "按期缴款却被加收滞纳金", "file_name": "a.txt", "file_base64": "aGVsbG8=" }),
            "file_type",
            422,
        ),
    ] {
        let (s, e) = api.post("/api/v1/disputes", body.clone()).await;
        assert_eq!((s, e["code"].as_str()), (status, Some(code)), "{body}");
    }
    // another company's filer cannot dispute this company's payment
    let other = filer(&app, true).await;
    let (s, e) = other
        .post(
            "/api/v1/disputes",
            json!({ "payment": wrong["payment"], "reason": "按期缴款却被加收滞纳金" }),
        )
        .await;
    assert_eq!((s, e["code"].as_str()), (404, Some("unknown_payment")));

    let today = NaiveDate::from_ymd_opt(2026, 10, 12).unwrap();
    let (status, v) = api
        .post(
            "/api/v1/disputes",
            json!({ "payment": wrong["payment"], "reason": format!("{period} 税款于缴款期限内缴纳，不应加收滞纳金") }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        (v["status"].as_str(), v["priority"].as_bool()),
        (Some("review"), Some(first))
    );
    assert!(v["charged"].is_null(), "no outcome before the ruling");
    let cal = &Policy::embedded().calendar;
    let decide = cal.working_days_after(today, if first { 5 } else { 15 });
    let refunded = cal.working_days_after(decide, 3);
    let on = |key: &str| {
        v["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .unwrap()["on"]
            .clone()
    };
    assert_eq!(
        on("review"),
        cal.working_days_after(today, if first { 3 } else { 8 })
            .to_string()
    );
    assert_eq!(on("decided"), decide.to_string());
    assert_eq!(on("refunded"), refunded.to_string());
    let (s, e) = api
        .post(
            "/api/v1/disputes",
            json!({ "payment": wrong["payment"], "reason": "再次提起同一争议事项" }),
        )
        .await;
    assert_eq!((s, e["code"].as_str()), (409, Some("already_disputed")));

    // the ruling on its day, the money three working days later
    set_today(&app, &decide.to_string());
    let (_, d) = api.get("/api/v1/disputes").await;
    let ruled = &d["disputes"][0];
    assert_eq!(ruled["status"], "upheld");
    assert_eq!(fen(&ruled["charged"]), charged);
    assert_eq!(
        fen(&ruled["due"]),
        Fen::ZERO,
        "paid on time: no surcharge is due"
    );
    let before = balance(&app);
    set_today(&app, &refunded.to_string());
    assert_eq!(balance(&app), before + charged);

    // a surcharge charged rightly (a late payment) stands
    let f = form(&api, "vat_small").await;
    let deadline: NaiveDate = f["deadline"].as_str().unwrap().parse().unwrap();
    let late = deadline + chrono::Duration::days(4);
    set_today(&app, &late.to_string());
    let mut v = values(&f);
    v["sales_3pct_other"] =
        json!((fen(&v["sales_3pct_other"]) + Fen::from_yuan(200_000)).to_string());
    let (s, r) = api
        .post(
            &format!("/api/v1/returns/vat_small/{Q3}/submit"),
            json!({ "values": v, "confirm": true }),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    api.post("/api/v1/payments/agreement", json!({})).await;
    app.db
        .write(|s| {
            s.tenant(app.demo)
                .set_bank_balance(c, Fen::from_yuan(1_000_000))
        })
        .unwrap();
    let (s, paid) = api
        .post(&format!("/api/v1/returns/vat_small/{Q3}/pay"), json!({}))
        .await;
    assert_eq!(s, 200, "{paid}");
    let (_, d) = api.get("/api/v1/disputes").await;
    let right = d["charged"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["period"] == Q3 && x["item"] == "vat")
        .unwrap()
        .clone();
    let (s, v) = api
        .post(
            "/api/v1/disputes",
            json!({ "payment": right["payment"], "reason": "认为滞纳金计算天数有误" }),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let decide = cal.working_days_after(late, if first { 5 } else { 15 });
    set_today(&app, &decide.to_string());
    let (_, d) = api.get("/api/v1/disputes").await;
    let ruled = &d["disputes"][0];
    assert_eq!(ruled["status"], "dismissed");
    assert_eq!(fen(&ruled["charged"]), fen(&ruled["due"]));
    assert!(
        ruled["stages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["key"] != "refunded")
    );
}

#[tokio::test]
async fn the_dispute_lab_is_graded_on_the_wrongly_charged_surcharge() {
    let app = TestApp::spawn().await;
    for disputes in [true, false] {
        let (api, m) = start(&app, "dispute-late-fee").await;
        assert!(!m["wrong_fee_period"].is_empty());
        let (_, q) = api
            .get("/api/v1/queries/payments?date_from=2024-01-01")
            .await;
        assert!(q["total"].as_u64().unwrap() > 0);
        let (_, d) = api.get("/api/v1/disputes").await;
        assert_eq!(d["priority"], true, "an M-grade company: {d}");
        if disputes {
            let wrong = d["charged"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["period"] == m["wrong_fee_period"].as_str())
                .unwrap()
                .clone();
            let (s, v) = api
                .post("/api/v1/disputes", json!({ "payment": wrong["payment"], "reason": "税款在缴款期限内缴纳，不应加收滞纳金" }))
                .await;
            assert_eq!(s, 201, "{v}");
        }
        let (score, a) = finish(&api).await;
        assert_eq!(score, if disputes { 100 } else { 30 }, "{a}");
    }
}

#[tokio::test]
async fn the_dispute_page_files_from_its_form_and_keeps_the_reason_when_refused() {
    let app = TestApp::spawn().await;
    let _api = filer(&app, false).await;
    let c = company(&app, 0);
    let period = app
        .db
        .write(|s| taxlab::bureau::disputes::plant_wrong_fee(&s.tenant(app.demo), c))
        .unwrap()
        .unwrap();
    let (clerk, _) = crate::portal::accounts(&app.db, app.demo);
    let mut v = crate::portal::logged_in_again(&app, &clerk).await;
    let page = v.get_text("/portal/disputes").await;
    for text in ["争议处理", "已加收的滞纳金", "提起争议", "争议办理进度"] {
        assert!(page.contains(text), "{text}");
    }
    assert!(page.contains(&period));
    let payment = page
        .split("<option value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let res = v
        .post_file(
            "/portal/disputes",
            &[("payment", &payment), ("reason", "太短")],
            "file",
            "",
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"err-reason\"") && html.contains(">太短</textarea>"),
        "{html}"
    );
    let res = v
        .post_file(
            "/portal/disputes",
            &[
                ("payment", &payment),
                ("reason", "税款按期缴纳，不应加收滞纳金"),
            ],
            "file",
            "%PDF-1.4 bank slip",
        )
        .await;
    assert_eq!(res.status(), 303);
    let to = crate::browser::location(&res);
    assert!(
        to.starts_with("/portal/disputes?notice=filed#dispute-ZY"),
        "{to}"
    );
    let page = v.get_text(&to).await;
    assert!(
        page.contains("争议已提起") && page.contains("材料审核"),
        "{page}"
    );
}

/// A resource-creating action under 我要办税 counts every try against the person's limit
/// (http::portal::returns_view::limited, shared by refunds, 留抵退税, disputes,
/// explanations, credit applications and certificates): past it, 429 `too_many` in
/// Chinese, and nothing is filed.
#[tokio::test]
async fn tries_past_the_person_s_limit_are_refused_with_too_many() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let body = json!({ "payment": 999_999, "reason": "这是一段足够长的争议理由文字" });
    // DISPUTES_PER_PERSON: 20 an hour
    for n in 0..20 {
        let (status, e) = api.post("/api/v1/disputes", body.clone()).await;
        assert_eq!(
            (status, e["code"].as_str()),
            (404, Some("unknown_payment")),
            "try {n}"
        );
    }
    let (status, e) = api.post("/api/v1/disputes", body.clone()).await;
    assert_eq!((status, e["code"].as_str()), (429, Some("too_many")), "{e}");
    assert!(e["message"].as_str().unwrap().contains("过于频繁"), "{e}");
    // an explanation is counted against a limit of its own
    let (status, e) = api
        .post(
            "/api/v1/risk/explanations",
            json!({ "alert": "x", "text": "这是一段足够长的情况说明文字" }),
        )
        .await;
    assert_ne!(status, 429, "another action's limit is its own: {e}");
    let (_, list) = api.get("/api/v1/disputes").await;
    assert!(list["disputes"].as_array().unwrap().is_empty(), "{list}");
}
