//! 增量留抵退税 over HTTP: the lab's manufacturer files a return ending in excess credit,
//! meets every condition and applies; the refund reaches the bank on the lab clock and the
//! next return must transfer it out (line 14); refusals name the conditions not met (not
//! filed, a grade below B, asked twice) and the field at fault; a small-scale company has
//! nothing to ask.

use chrono::NaiveDate;
use serde_json::{Value, json};
use taxlab::domain::money::Fen;

use crate::filing_labs::{finish, start};
use crate::helpers::TestApp;
use crate::returns::{fen, values};

fn pdf() -> String {
    base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        taxlab::labs::setup::tiny_pdf("refund application"),
    )
}

fn unmet(credit: &Value) -> Vec<String> {
    credit["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["met"] == false)
        .map(|c| c["key"].as_str().unwrap().to_owned())
        .collect()
}

/// The lab tenant's first company and its scope, to change its records as a test.
fn with_lab_tenant<T>(
    app: &TestApp,
    f: impl FnOnce(&taxlab::store::TenantScope<'_>, taxlab::store::CompanyId) -> T,
) -> T {
    app.db
        .write(|s| {
            let t = s.sandbox_trainee(&app.sandbox)?.unwrap();
            let a = s.attempt_of(t.id, t.attempt.unwrap())?;
            let scope = s.tenant(a.tenant.unwrap());
            let company = taxlab::store::CompanyId(scope.companies()?[0].id);
            Ok(f(&scope, company))
        })
        .unwrap()
}

#[tokio::test]
async fn a_manufacturer_s_excess_credit_is_refunded_and_transferred_out_the_next_month() {
    let app = TestApp::spawn().await;
    let (api, m) = start(&app, "credit-refund").await;
    let period = m["period"].clone();
    // before filing: the conditions say so, and applying is refused with them
    let (_, r) = api.get("/api/v1/refunds").await;
    assert!(unmet(&r["credit"]).contains(&"filed".to_owned()), "{r}");
    let (status, e) = api
        .post(
            "/api/v1/refunds/credit",
            json!({ "reason": "集中采购形成留抵", "file_name": "a.pdf", "file_base64": pdf() }),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (409, Some("conditions_unmet")),
        "{e}"
    );
    assert!(e["unmet"].as_array().unwrap().contains(&json!("filed")));
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("已完成本期增值税纳税申报"),
        "{e}"
    );

    let (_, f) = api
        .get(&format!("/api/v1/returns/vat_general/{period}"))
        .await;
    let (status, filed) = api
        .post(
            &format!("/api/v1/returns/vat_general/{period}/submit"),
            json!({ "values": values(&f), "confirm": true }),
        )
        .await;
    assert_eq!(status, 200, "{filed}");
    let (_, r) = api.get("/api/v1/refunds").await;
    let credit = &r["credit"];
    assert!(unmet(credit).is_empty(), "{credit}");
    assert_eq!(credit["eligible"], true);
    assert!(
        matches!(credit["grade"].as_str(), Some("A" | "B")),
        "{credit}"
    );
    assert_eq!(
        (
            credit["ratio_percent"].as_str(),
            credit["share_percent"].as_u64()
        ),
        (Some("100.00"), Some(100))
    );
    let end = fen(&credit["end_credit"]);
    assert!(end > Fen::ZERO, "{credit}");
    // 增量留抵税额 × 100% × 100%
    assert_eq!(fen(&credit["amount"]), end);

    // refused at the field: no reason, no form, a file that is not a PDF or image
    for (body, field, code) in [
        (
            json!({ "reason": " ", "file_name": "a.pdf", "file_base64": pdf() }),
            "reason",
            "reason_missing",
        ),
        (
            json!({ "reason": "集中采购形成留抵", "file_name": "a.pdf", "file_base64": "" }),
            "file",
            "file_missing",
        ),
        (
            json!({ "reason": "集中采购形成留抵", "file_name": "a.exe", "file_base64": "TVqQAAMAAAAEAAAA" }),
            "file",
            "file_type",
        ),
    ] {
        let (status, e) = api.post("/api/v1/refunds/credit", body).await;
        assert_eq!(
            (status, e["code"].as_str(), e["field"].as_str()),
            (422, Some(code), Some(field)),
            "{e}"
        );
    }
    let before = with_lab_tenant(&app, |s, c| s.bank_account(c).unwrap().value.balance);
    let (status, a) = api
        .post(
            "/api/v1/refunds/credit",
            json!({ "reason": "集中采购原材料和设备形成留抵", "file_name": "refund-application.pdf", "file_base64": pdf() }),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(
        (a["status"].as_str(), fen(&a["amount"])),
        (Some("review"), end)
    );
    // one application a period
    let (status, e) = api
        .post(
            "/api/v1/refunds/credit",
            json!({ "reason": "再次申请", "file_name": "a.pdf", "file_base64": pdf() }),
        )
        .await;
    assert_eq!(status, 409, "{e}");
    assert_eq!(e["unmet"], json!(["not_applied"]));

    // the lab clock to the 退库 date: the money is in the account
    let treasury: NaiveDate = a["treasury_on"].as_str().unwrap().parse().unwrap();
    let days = (treasury - NaiveDate::from_ymd_opt(2026, 10, 12).unwrap()).num_days();
    let (status, panel) = api
        .post("/api/v1/attempt/clock", json!({ "days": days }))
        .await;
    assert_eq!(status, 200, "{panel}");
    let (_, r) = api.get("/api/v1/refunds").await;
    assert_eq!(r["credit_applications"][0]["status"], "refunded", "{r}");
    let after = with_lab_tenant(&app, |s, c| s.bank_account(c).unwrap().value.balance);
    assert_eq!(after - before, end);

    // the month it arrived in, once over: its return transfers the refund out on line 14
    let month = treasury.format("%Y-%m").to_string();
    let next_month = taxlab::domain::period::YearMonth::of(treasury)
        .next()
        .first_day();
    let (status, panel) = api
        .post(
            "/api/v1/attempt/clock",
            json!({ "days": (next_month - treasury).num_days() + 1 }),
        )
        .await;
    assert_eq!(status, 200, "{panel}");
    let (status, next) = api
        .get(&format!("/api/v1/returns/vat_general/{month}"))
        .await;
    assert_eq!(status, 200, "{next}");
    let mut v = values(&next);
    assert_eq!(fen(&v["input_transferred_out"]), end, "{next}");
    v["input_transferred_out"] = json!("0.00");
    let (status, e) = api
        .post(
            &format!("/api/v1/returns/vat_general/{month}/calculate"),
            json!({ "values": v }),
        )
        .await;
    let line14 = e["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "input_transferred_out")
        .unwrap();
    assert!(
        status == 200 && line14["error"].as_str().unwrap().contains("留抵退税"),
        "{status} {line14}"
    );
    let (score, graded) = finish(&api).await;
    assert_eq!(score, 100, "{graded}");
}

#[tokio::test]
async fn a_grade_below_b_is_refused_and_a_small_scale_company_has_nothing_to_ask() {
    let app = TestApp::spawn().await;
    let (api, m) = start(&app, "credit-refund").await;
    // last year's record pushed below B: the grade condition is not met
    with_lab_tenant(&app, |s, c| {
        for month in 1..=8 {
            let period =
                taxlab::domain::period::TaxPeriod::parse(&format!("2025-{month:02}")).unwrap();
            s.add_credit_event(
                c,
                NaiveDate::from_ymd_opt(2025, month, 20).unwrap(),
                taxlab::domain::entities::CreditEventKind::Arrears,
                (taxlab::domain::entities::ReturnKind::VatGeneral, period),
                11,
            )
            .unwrap();
        }
    });
    let period = m["period"].clone();
    let (_, f) = api
        .get(&format!("/api/v1/returns/vat_general/{period}"))
        .await;
    let (status, _) = api
        .post(
            &format!("/api/v1/returns/vat_general/{period}/submit"),
            json!({ "values": values(&f), "confirm": true }),
        )
        .await;
    assert_eq!(status, 200);
    let (_, r) = api.get("/api/v1/refunds").await;
    assert_eq!(unmet(&r["credit"]), ["grade"], "{r}");
    assert!(
        matches!(r["credit"]["grade"].as_str(), Some("C" | "D")),
        "{r}"
    );
    let (status, e) = api
        .post(
            "/api/v1/refunds/credit",
            json!({ "reason": "集中采购形成留抵", "file_name": "a.pdf", "file_base64": pdf() }),
        )
        .await;
    assert_eq!((status, e["unmet"].clone()), (409, json!(["grade"])), "{e}");
    assert!(e["message"].as_str().unwrap().contains("A级或者B级"), "{e}");
    // the page shows the same, the form closed
    let mut page = crate::browser::Visitor::new(&app);
    page.get("/portal/login").await;
    let res = page
        .post(
            "/portal/login",
            &[
                ("company", m["uscc"].as_str()),
                ("account", m["me.mobile"].as_str()),
                ("password", "Clerk#2026ok"),
            ],
        )
        .await;
    assert_eq!(crate::browser::location(&res), "/portal");
    let html = page.get_text("/portal/refunds").await;
    assert!(
        html.contains("增量留抵退税") && html.contains("credit-refund-closed"),
        "{html}"
    );

    // the refusal is a decision the company may dispute; the ruling finds the grade unmet
    // on its day too, and the refusal stands
    let (_, d) = api.get("/api/v1/disputes").await;
    let refusal = d["refusals"][0].clone();
    assert_eq!(refusal["unmet"], json!(["grade"]), "{d}");
    // the refusal as the disputes page offers it, with its reason
    let html = page.get_text("/portal/disputes").await;
    let number = refusal["number"].as_str().unwrap();
    assert!(
        html.contains("不予退税决定")
            && html.contains(number)
            && html.contains("纳税信用等级为A级或者B级"),
        "{html}"
    );
    let (status, filed) = api
        .post(
            "/api/v1/disputes",
            json!({ "refusal": refusal["id"], "reason": "公司认为应当准予退还留抵税额" }),
        )
        .await;
    assert_eq!(status, 201, "{filed}");
    let decided = filed["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "decided")
        .unwrap()["on"]
        .as_str()
        .unwrap()
        .parse::<NaiveDate>()
        .unwrap();
    let (status, _) = api
        .post(
            "/api/v1/attempt/clock",
            json!({ "days": (decided - NaiveDate::from_ymd_opt(2026, 10, 12).unwrap()).num_days() }),
        )
        .await;
    assert_eq!(status, 200);
    let (_, d) = api.get("/api/v1/disputes").await;
    assert_eq!(d["disputes"][0]["status"], "dismissed", "{d}");
    let (_, r) = api.get("/api/v1/refunds").await;
    assert!(
        r["credit_applications"].as_array().unwrap().is_empty(),
        "{r}"
    );
    finish(&api).await;
    // back in the demo's tenant, its small-scale company: no credit to refund
    let small = crate::returns::filer(&app, false).await;
    let (_, r) = small.get("/api/v1/refunds").await;
    assert!(r["credit"].is_null(), "{r}");
    let (status, e) = small
        .post(
            "/api/v1/refunds/credit",
            json!({ "reason": "无", "file_name": "a.pdf", "file_base64": pdf() }),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (409, Some("not_general")),
        "{e}"
    );
}

#[tokio::test]
async fn a_refund_refused_wrongly_is_won_in_a_dispute_and_arrives() {
    let app = TestApp::spawn().await;
    let (api, m) = start(&app, "dispute-refund-refusal").await;
    let (_, r) = api.get("/api/v1/refunds").await;
    assert!(
        matches!(r["credit"]["grade"].as_str(), Some("A" | "B")),
        "{r}"
    );
    let (_, d) = api.get("/api/v1/disputes").await;
    let refusal = d["refusals"][0].clone();
    assert_eq!(refusal["number"], m["refusal"].as_str(), "{d}");
    assert_eq!(refusal["unmet"], json!(["grade"]));
    let (status, _) = api.get("/api/v1/credit").await;
    assert_eq!(status, 200);
    // another tenant's refusal is not this company's, whatever its id; a malformed subject
    // is refused
    let company = crate::returns::company(&app, 1);
    let theirs = app
        .db
        .write(|s| {
            let scope = s.tenant(app.demo);
            scope.add_refund_refusal(
                company,
                &taxlab::store::RefundRefusal {
                    number: "BY202610120001999".into(),
                    period: taxlab::domain::period::TaxPeriod::parse("2026-09").unwrap(),
                    amount: Fen::from_yuan(1000),
                    unmet: vec!["grade".into()],
                    refused_on: NaiveDate::from_ymd_opt(2026, 10, 12).unwrap(),
                    person: 1,
                },
            )?;
            Ok(scope.refund_refusals(company)?[0].id)
        })
        .unwrap();
    for id in [theirs, refusal["id"].as_i64().unwrap() + 1000] {
        let (status, e) = api
            .post(
                "/api/v1/disputes",
                json!({ "refusal": id, "reason": "这是一段足够长的理由文字" }),
            )
            .await;
        assert_eq!(
            (status, e["code"].as_str()),
            (404, Some("unknown_refusal")),
            "{id}: {e}"
        );
    }
    let (status, e) = api
        .post(
            "/api/v1/disputes",
            json!({ "payment": 1, "refusal": refusal["id"], "reason": "这是一段足够长的理由文字" }),
        )
        .await;
    assert_eq!(status, 404, "{e}");
    let (status, filed) = api
        .post(
            "/api/v1/disputes",
            json!({ "refusal": refusal["id"], "reason": "公司纳税信用等级为A级，符合留抵退税条件" }),
        )
        .await;
    assert_eq!(status, 201, "{filed}");
    assert_eq!(filed["refusal"], refusal["id"]);
    let (status, e) = api
        .post(
            "/api/v1/disputes",
            json!({ "refusal": refusal["id"], "reason": "公司纳税信用等级为A级，符合留抵退税条件" }),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (409, Some("already_disputed")),
        "{e}"
    );
    // the ruling, then the refund's 退库: move the lab clock to it
    let (_, r) = api.get("/api/v1/refunds").await;
    let granted = r["credit_applications"][0].clone();
    assert_eq!(granted["status"], "review", "{r}");
    let treasury: NaiveDate = granted["treasury_on"].as_str().unwrap().parse().unwrap();
    let before = with_lab_tenant(&app, |s, c| s.bank_account(c).unwrap().value.balance);
    let (status, _) = api
        .post(
            "/api/v1/attempt/clock",
            json!({ "days": (treasury - NaiveDate::from_ymd_opt(2026, 10, 12).unwrap()).num_days() }),
        )
        .await;
    assert_eq!(status, 200);
    let (_, d) = api.get("/api/v1/disputes").await;
    assert_eq!(d["disputes"][0]["status"], "upheld", "{d}");
    let after = with_lab_tenant(&app, |s, c| s.bank_account(c).unwrap().value.balance);
    assert_eq!(after - before, fen(&granted["amount"]));
    let (score, a) = finish(&api).await;
    assert_eq!(score, 100, "{a}");
}
