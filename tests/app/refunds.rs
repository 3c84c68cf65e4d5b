//! 退抵税: an amendment that lowers a paid return leaves tax overpaid; the refund is applied
//! for with files, the office asks for what is missing, the review restarts when it comes,
//! and the money reaches the bank account on the 退库 date of the sandbox clock. Bad amounts
//! and files are refused at their field; another tenant's application is out of reach.

use base64::Engine;
use chrono::NaiveDate;
use serde_json::{Value, json};
use taxlab::domain::money::Fen;
use taxlab::domain::tax::Policy;

use crate::api_client::Api;
use crate::helpers::TestApp;
use crate::portal::{accounts, logged_in_again};
use crate::returns::{Q3, company, fen, filer, form, set_today, values};

fn pdf(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("%PDF-1.4\n{text}\n%%EOF"))
}

fn file(material: &str) -> Value {
    json!({ "material": material, "name": format!("{material}.pdf"), "content_base64": pdf(material) })
}

/// File the quarter's return with a million yuan of sales too many, pay it, then correct
/// it inside the period: the first payment now exceeds what the return asks.
async fn overpaid(app: &TestApp, api: &Api<'_>) -> Fen {
    let f = form(api, "vat_small").await;
    let right = values(&f);
    let mut wrong = right.clone();
    wrong["sales_3pct_other"] =
        json!((fen(&right["sales_3pct_other"]) + Fen::from_yuan(1_000_000)).to_string());
    let (status, first) = api
        .post(
            &format!("/api/v1/returns/vat_small/{Q3}/submit"),
            json!({ "values": wrong, "confirm": true }),
        )
        .await;
    assert_eq!(status, 200, "{first}");
    let (status, _) = api.post("/api/v1/payments/agreement", json!({})).await;
    assert_eq!(status, 200);
    app.db
        .write(|s| {
            s.tenant(app.demo)
                .set_bank_balance(company(app, 0), Fen::from_yuan(10_000_000))
        })
        .unwrap();
    let (status, paid) = api
        .post(&format!("/api/v1/returns/vat_small/{Q3}/pay"), json!({}))
        .await;
    assert_eq!(status, 200, "{paid}");
    let (status, second) = api
        .post(
            &format!("/api/v1/returns/vat_small/{Q3}/amend"),
            json!({ "values": right, "confirm": true }),
        )
        .await;
    assert_eq!(status, 200, "{second}");
    fen(&first["total_due"]) - fen(&second["total_due"]).max(Fen::ZERO)
}

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
async fn an_overpaid_return_is_refunded_after_the_review_on_the_sandbox_clock() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let over = overpaid(&app, &api).await;
    assert!(over > Fen::ZERO, "{over}");
    let (status, r) = api.get("/api/v1/refunds").await;
    assert_eq!(status, 200, "{r}");
    let row = &r["refundable"][0];
    assert_eq!(
        (row["return_kind"].as_str(), row["period"].as_str()),
        (Some("vat_small"), Some(Q3))
    );
    assert_eq!(
        fen(&row["overpaid"]),
        over,
        "the payments less what the correction asks"
    );
    assert_eq!(fen(&row["available"]), over);
    let green = r["path"]["green"].as_bool().unwrap();
    let days = r["path"]["approve_days"].as_u64().unwrap() as u32;
    // the path follows the company's grade in the profile in force
    let (_, credit) = api.get("/api/v1/credit").await;
    let grade =
        taxlab::domain::tax::credit::Grade::parse(credit["grade"].as_str().unwrap()).unwrap();
    let profile = Policy::embedded().credit_profile(
        taxlab::domain::tax::credit::CreditProfileKind::parse(credit["profile"].as_str().unwrap())
            .unwrap(),
    );
    assert_eq!(green, profile.has_green_channel(grade));
    assert_eq!(days, profile.refund_days(grade));

    // refusals at their field, nothing applied
    let of = format!("vat_small/{Q3}");
    let more = (over + Fen::new(1)).to_string();
    for (body, field, code) in [
        (
            json!({ "of": of, "amount": more, "reason": "更正" }),
            "amount",
            "more_than_overpaid",
        ),
        (
            json!({ "of": of, "amount": "-5", "reason": "更正" }),
            "amount",
            "bad_amount",
        ),
        (
            json!({ "of": of, "amount": "1.234", "reason": "更正" }),
            "amount",
            "bad_amount",
        ),
        (
            json!({ "of": of, "amount": "100", "reason": "  " }),
            "reason",
            "reason_missing",
        ),
        (
            json!({ "of": of, "amount": "100", "reason": "长".repeat(201) }),
            "reason",
            "reason_long",
        ),
        (
            json!({ "of": "vat_small/2019Q1", "amount": "100", "reason": "x" }),
            "of",
            "unknown_return",
        ),
        (
            json!({ "of": of, "amount": "100", "reason": "x", "files": [{ "material": "application", "name": "a.exe", "content_base64": base64::engine::general_purpose::STANDARD.encode("MZ\u{90}") }] }),
            "files",
            "file_type",
        ),
    ] {
        let (status, e) = api.post("/api/v1/refunds", body.clone()).await;
        assert_eq!(
            (status, e["code"].as_str(), e["field"].as_str()),
            (422, Some(code), Some(field)),
            "{body}"
        );
        assert!(
            e["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{e}"
        );
    }
    let (_, r) = api.get("/api/v1/refunds").await;
    assert!(r["applications"].as_array().unwrap().is_empty());

    // applied for with the application form only
    let today = NaiveDate::from_ymd_opt(2026, 10, 12).unwrap();
    let cal = &Policy::embedded().calendar;
    let (status, a) = api
        .post(
            "/api/v1/refunds",
            json!({ "of": of, "amount": over.to_string(), "reason": "更正申报调减销售额，多缴税款申请退还", "files": [file("application")] }),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(a["green"], green);
    let number = a["number"].as_str().unwrap().to_owned();
    let complete_on = if green {
        // the green channel asks for nothing more
        assert!(a["missing"].as_array().unwrap().is_empty(), "{a}");
        today
    } else {
        assert_eq!(a["missing"], json!(["amended_return", "payment_voucher"]));
        let asked = cal.working_days_after(today, 1);
        let correction = a["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == "correction")
            .unwrap();
        assert_eq!(correction["on"], asked.to_string());
        // the request comes the next working day: the materials follow three days later
        let later = cal.working_days_after(today, 3);
        set_today(&app, &later.to_string());
        let (_, r) = api.get("/api/v1/refunds").await;
        assert_eq!(r["applications"][0]["status"], "correction");
        let (status, e) = api
            .post(&format!("/api/v1/refunds/{number}/files"), json!({ "files": [{ "material": "other", "name": "x.png", "content_base64": "not base64!" }] }))
            .await;
        assert_eq!((status, e["code"].as_str()), (422, Some("file_type")));
        let (status, s) = api
            .post(
                &format!("/api/v1/refunds/{number}/files"),
                json!({ "files": [file("amended_return"), file("payment_voucher")] }),
            )
            .await;
        assert_eq!(status, 200, "{s}");
        assert!(s["missing"].as_array().unwrap().is_empty());
        let (status, e) = api
            .post(
                &format!("/api/v1/refunds/{number}/files"),
                json!({ "files": [file("other")] }),
            )
            .await;
        assert_eq!((status, e["code"].as_str()), (409, Some("nothing_missing")));
        later
    };
    let approve = cal.working_days_after(complete_on, days);
    let treasury = cal.working_days_after(approve, 3);
    let (_, r) = api.get("/api/v1/refunds").await;
    let app_view = &r["applications"][0];
    let on = |key: &str| {
        app_view["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == key)
            .unwrap()["on"]
            .clone()
    };
    assert_eq!(on("approved"), approve.to_string());
    assert_eq!(on("refunded"), treasury.to_string());
    // nothing is left to ask for
    assert_eq!(fen(&r["refundable"][0]["available"]), Fen::ZERO);
    let (status, e) = api
        .post(
            "/api/v1/refunds",
            json!({ "of": of, "amount": "1", "reason": "再次" }),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (422, Some("more_than_overpaid"))
    );

    // the money arrives on the 退库 date, not a day before
    let before = balance(&app);
    set_today(&app, &(treasury - chrono::Duration::days(1)).to_string());
    assert_eq!(balance(&app), before);
    let (_, r) = api.get("/api/v1/refunds").await;
    assert_eq!(r["applications"][0]["status"], "approved");
    set_today(&app, &treasury.to_string());
    assert_eq!(balance(&app), before + over);
    let (_, r) = api.get("/api/v1/refunds").await;
    assert_eq!(r["applications"][0]["status"], "refunded");
}

#[tokio::test]
async fn another_tenant_s_application_and_a_missing_one_are_not_found() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let over = overpaid(&app, &api).await;
    let (_, a) = api
        .post(
            "/api/v1/refunds",
            json!({ "of": format!("vat_small/{Q3}"), "amount": over.to_string(), "reason": "多缴", "files": [file("application")] }),
        )
        .await;
    let number = a["number"].as_str().unwrap().to_owned();
    // the second company's filer (same tenant, another company) and a stranger
    let other = filer(&app, true).await;
    for (who, n) in [(&other, number.as_str()), (&api, "TS202610120001999")] {
        let (status, _) = who
            .post(
                &format!("/api/v1/refunds/{n}/files"),
                json!({ "files": [file("other")] }),
            )
            .await;
        assert_eq!(status, 404, "{n}");
    }
    let (_, r) = other.get("/api/v1/refunds").await;
    assert!(r["applications"].as_array().unwrap().is_empty());
    assert!(r["refundable"].as_array().unwrap().is_empty());
    let anon = crate::api_client::Api::new(&app);
    let (status, _) = anon.get("/api/v1/refunds").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn the_refund_page_applies_with_a_file_and_shows_refusals_at_their_field() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let over = overpaid(&app, &api).await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = logged_in_again(&app, &clerk).await;
    let page = v.get_text("/portal/refunds").await;
    for text in [
        "退抵税",
        "可申请退还的多缴税款",
        "办理通道",
        "退（抵）税申请表",
        "办理进度",
    ] {
        assert!(page.contains(text), "{text}");
    }
    assert!(page.contains(&over.to_string()), "the overpaid amount");
    let of = format!("vat_small/{Q3}");
    // a file that is not a PDF, PNG or JPEG: refused at the files, what was typed kept
    let res = v
        .post_file(
            "/portal/refunds",
            &[
                ("of", &of),
                ("amount", "100.00"),
                ("reason", "多缴退还"),
                ("material1", "application"),
            ],
            "file1",
            "just text",
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"err-files\"") && html.contains("文件格式不支持"),
        "{html}"
    );
    assert!(html.contains(">多缴退还</textarea>"), "the reason is kept");
    let res = v
        .post_file(
            "/portal/refunds",
            &[
                ("of", &of),
                ("amount", "100.00"),
                ("reason", "多缴退还"),
                ("material1", "application"),
            ],
            "file1",
            "%PDF-1.4 application",
        )
        .await;
    assert_eq!(res.status(), 303);
    let to = crate::browser::location(&res);
    assert!(
        to.starts_with("/portal/refunds?notice=applied#refund-TS"),
        "{to}"
    );
    let page = v.get_text(&to).await;
    assert!(page.contains("退税申请已提交"));
    // 我要查询: the same progress, read only
    let q = v.get_text("/portal/query/refunds").await;
    assert!(
        q.contains("退抵税办理进度查询") && q.contains("受理"),
        "{q}"
    );
    assert!(
        !q.contains("action=\"/portal/refunds\""),
        "no form in the query"
    );
}

#[tokio::test]
async fn an_application_carries_several_files_up_to_their_own_limit() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let over = overpaid(&app, &api).await;
    let big = |n: usize| {
        let mut b = b"%PDF-1.4\n".to_vec();
        b.resize(n, b' ');
        base64::engine::general_purpose::STANDARD.encode(b)
    };
    let of = format!("vat_small/{Q3}");
    // one file over 2 MB: refused at the files, not as a body too large
    let (status, e) = api
        .post(
            "/api/v1/refunds",
            json!({ "of": of, "amount": over.to_string(), "reason": "多缴退还",
                    "files": [{ "material": "application", "name": "a.pdf", "content_base64": big(2_200_000) }] }),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (422, Some("file_too_large")),
        "{e}"
    );
    // two files of 1.5 MB (a body of some 4 MB, over axum's default 2 MiB): accepted
    let (status, a) = api
        .post(
            "/api/v1/refunds",
            json!({ "of": of, "amount": over.to_string(), "reason": "多缴退还",
                    "files": [
                        { "material": "application", "name": "a.pdf", "content_base64": big(1_500_000) },
                        { "material": "amended_return", "name": "b.pdf", "content_base64": big(1_500_000) },
                    ] }),
        )
        .await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(a["files"].as_array().unwrap().len(), 2);
}
