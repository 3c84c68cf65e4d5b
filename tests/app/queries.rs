//! 我要查询: each query answers from the company's own records, filtered and paged, exports
//! what it found as CSV, refuses bad filters at their field, and never shows another
//! company's or tenant's rows.

use taxlab::store::CompanyId;

use crate::helpers::TestApp;
use crate::portal::{accounts, logged_in};
use crate::returns::{company, filer};

/// A number of an invoice of `company` in `tenant`.
fn invoice_of(
    app: &TestApp,
    tenant: taxlab::store::TenantId,
    company: Option<CompanyId>,
) -> String {
    app.db
        .read(|s| {
            let scope = s.tenant(tenant);
            let c = match company {
                Some(c) => c,
                None => CompanyId(scope.companies()?[0].id),
            };
            let from = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
            let to = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
            Ok(scope.invoices(c, from, to)?[0].value.number.to_string())
        })
        .unwrap()
}

#[tokio::test]
async fn each_query_answers_from_the_company_s_own_records_ten_to_a_page() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let own = company(&app, 0);
    // 申报信息查询: the generated history's filings of this year and last, newest first
    let (status, a) = api
        .get("/api/v1/queries/filings?date_from=2025-01-01&date_to=2026-10-12")
        .await;
    assert_eq!(status, 200, "{a}");
    let stored = app
        .db
        .read(|s| {
            let from = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
            Ok(s.tenant(app.demo)
                .return_heads_of(own)?
                .into_iter()
                .filter(|r| r.filed_on >= from)
                .count())
        })
        .unwrap();
    assert_eq!(a["total"], stored, "{a}");
    assert!(stored > 10, "more than a page");
    assert_eq!(a["rows"].as_array().unwrap().len(), 10);
    assert_eq!(a["pages"], stored.div_ceil(10));
    let dates: Vec<&str> = a["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["filed_on"].as_str().unwrap())
        .collect();
    assert!(
        dates.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {dates:?}"
    );
    let (_, last) = api
        .get(&format!(
            "/api/v1/queries/filings?date_from=2025-01-01&date_to=2026-10-12&page={}",
            a["pages"]
        ))
        .await;
    assert_eq!(
        last["rows"].as_array().unwrap().len(),
        stored - (stored - 1) / 10 * 10
    );
    // by kind and tax period
    let (_, cit) = api
        .get("/api/v1/queries/filings?kind=cit_quarterly&period_from=2026-01&period_to=2026-06")
        .await;
    let periods: Vec<&str> = cit["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["period"].as_str().unwrap())
        .collect();
    assert_eq!(periods, ["2026Q2", "2026Q1"], "{cit}");

    // 缴款信息查询 and 欠税信息查询 (the late fee to the sandbox date)
    let (status, p) = api.get("/api/v1/queries/payments?item=vat").await;
    assert_eq!(status, 200, "{p}");
    assert!(
        p["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["item"] == "vat")
    );
    let (status, arrears) = api.get("/api/v1/queries/arrears").await;
    assert_eq!(status, 200, "{arrears}");
    for r in arrears["rows"].as_array().unwrap() {
        assert!(r["days_late"].as_i64().unwrap() > 0, "{r}");
    }

    // 发票信息查询: by direction and counterparty; an invoice's face
    let (_, sales) = api.get("/api/v1/queries/invoices?direction=sales").await;
    let first = &sales["rows"][0];
    assert_eq!(first["direction"], "sales");
    let name: String = first["counterparty"]
        .as_str()
        .unwrap()
        .chars()
        .take(4)
        .collect();
    let (_, by_name) = api
        .get(&format!(
            "/api/v1/queries/invoices?counterparty={}",
            url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
        ))
        .await;
    assert!(by_name["total"].as_u64().unwrap() >= 1);
    assert!(
        by_name["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["counterparty"].as_str().unwrap().contains(&name))
    );
    let (status, inv) = api
        .get(&format!(
            "/api/v1/invoices/{}",
            first["number"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(inv["amount"], first["amount"]);

    // 纳税信用信息查询: the grade, the profile and its ranking
    let (status, credit) = api.get("/api/v1/queries/credit").await;
    assert_eq!(status, 200, "{credit}");
    assert!(["M", "A", "B", "C", "D"].contains(&credit["grade"].as_str().unwrap()));
    assert_eq!(credit["ranking"].as_array().unwrap().len(), 5);
    assert_eq!(credit["evaluated_year"], 2025);
}

#[tokio::test]
async fn a_bad_filter_is_refused_at_its_field_in_chinese() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    for (query, field) in [
        ("filings?date_from=2026-02-30", "date_from"),
        ("filings?date_from=2020-01-01&date_to=2026-01-01", "date_to"),
        ("filings?kind=income_tax", "kind"),
        ("invoices?amount_min=abc", "amount_min"),
        ("invoices?amount_min=5&amount_max=1", "amount_max"),
        ("payments?page=0", "page"),
        ("filings?period_from=2026-13", "period_from"),
    ] {
        let (status, body) = api.get(&format!("/api/v1/queries/{query}")).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["code"], "bad_filter");
        assert_eq!(body["field"], field, "{query}: {body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        );
    }
    let (status, _) = api.get("/api/v1/queries/secrets").await;
    assert_eq!(status, 404);
    // each query is in the trace, a refused one with its problems (a lab grades from it)
    let (ok, refused) = app
        .db
        .read(|s| {
            let events = s.tenant(app.demo).trace_events()?;
            let runs: Vec<_> = events.iter().filter(|e| e.action == "query.run").collect();
            Ok((
                runs.iter().filter(|e| e.result == "ok").count(),
                runs.iter()
                    .filter(|e| e.result == "bad_filter" && e.detail.contains("\"via\":\"api\""))
                    .count(),
            ))
        })
        .unwrap();
    assert_eq!((ok, refused), (0, 7));
}

#[tokio::test]
async fn no_query_shows_another_company_s_or_tenant_s_records() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let (other_tenant, _) = app.other_tenant();
    for number in [
        invoice_of(&app, app.demo, Some(company(&app, 1))),
        invoice_of(&app, other_tenant, None),
    ] {
        let (status, body) = api.get(&format!("/api/v1/invoices/{number}")).await;
        assert_eq!(status, 404, "{number}: {body}");
        let (_, found) = api
            .get(&format!("/api/v1/queries/invoices?counterparty={number}"))
            .await;
        assert_eq!(found["total"], 0);
    }
    // every filing the query lists is this company's
    let (_, a) = api
        .get("/api/v1/queries/filings?date_from=2024-01-01")
        .await;
    let own: Vec<String> = app
        .db
        .read(|s| {
            Ok(s.tenant(app.demo)
                .return_heads_of(company(&app, 0))?
                .into_iter()
                .map(|r| format!("{}{}", r.kind.as_str(), r.period))
                .collect())
        })
        .unwrap();
    for r in a["rows"].as_array().unwrap() {
        let key = format!(
            "{}{}",
            r["kind"].as_str().unwrap(),
            r["period"].as_str().unwrap()
        );
        assert!(own.contains(&key), "{key}");
    }
    // without a bureau login: 401
    let anon = crate::api_client::Api::new(&app);
    let (status, _) = anon.get("/api/v1/queries/filings").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn the_query_pages_filter_page_and_export_csv() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = logged_in(&app, &clerk).await;
    // the bureau's top menu: 我要办税 · 我要查询 · 公众服务, and 我要查询's own menu
    let home = v.get_text("/portal").await.replace("&#x2f;", "/");
    for item in ["我要办税", "我要查询", "公众服务", "账户中心", "征纳互动"] {
        assert!(home.contains(item), "{item}");
    }
    let menu = v.get_text("/portal/query").await;
    assert!(menu.contains("申报信息查询") && menu.contains("纳税信用信息查询"));
    let page = v
        .get_text("/portal/query/filings")
        .await
        .replace("&#x2f;", "/");
    assert!(
        page.contains("【我要查询】 — 【申报信息查询】"),
        "breadcrumbs"
    );
    assert!(page.contains("id=\"result-table\""), "{page}");
    assert!(page.contains("10 条/页"), "{page}");
    let page2 = v
        .get_text("/portal/query/filings?page=2")
        .await
        .replace("&#x2f;", "/");
    assert!(page2.contains("第 2 / 2 页"), "{page2}");
    // a bad date comes back 422 with the message at the field, what was typed kept
    let res = v.get("/portal/query/invoices?date_from=2026-02-30").await;
    assert_eq!(res.status(), 422);
    let bad = res.text().await.unwrap();
    assert!(bad.contains("请按“年-月-日”填写日期") && bad.contains("value=\"2026-02-30\""));
    // an empty answer says so
    let none = v
        .get_text("/portal/query/invoices?counterparty=%E6%97%A0%E6%AD%A4%E5%85%AC%E5%8F%B8")
        .await;
    assert!(none.contains("暂未查询到符合条件的信息"));
    // 导出: every row, UTF-8 with a BOM, Chinese header
    let res = v.get("/portal/query/filings/export").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let bytes = res.bytes().await.unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    assert!(text.starts_with('\u{feff}'));
    let mut lines = text.lines();
    assert!(lines.next().unwrap().contains("申报表种类,申报日期"));
    assert!(text.lines().count() - 1 > 10, "the export is not paged");
    // an invoice's face, and another company's invoice is not found
    let mine = invoice_of(&app, app.demo, Some(company(&app, 0)));
    let face = v.get_text(&format!("/portal/query/invoice/{mine}")).await;
    assert!(face.contains(&mine) && face.contains("发票详情"));
    let theirs = invoice_of(&app, app.demo, Some(company(&app, 1)));
    assert_eq!(
        v.get(&format!("/portal/query/invoice/{theirs}"))
            .await
            .status(),
        404
    );
    // 纳税信用信息查询 names the profile in force
    let credit = v.get_text("/portal/query/credit").await;
    assert!(credit.contains("适用口径") && credit.contains("等级由高到低"));
    // 公众服务 without a login; the help centre keeps the logged-in frame
    let help = v.get_text("/portal/help").await;
    assert!(
        help.contains("账户中心"),
        "logged-in frame in the help centre"
    );
    let mut anon = crate::browser::Visitor::new(&app);
    let public = anon.get("/portal/public").await;
    assert_eq!(public.status(), 200);
    let public = public.text().await.unwrap();
    assert!(public.contains("帮助中心") && !public.contains("账户中心"));
}

#[tokio::test]
async fn an_invoice_is_checked_by_number_date_and_amount_in_the_trainee_s_world() {
    let app = TestApp::spawn().await;
    let anon = crate::api_client::Api::new(&app);
    let (number, date, amount) = app
        .db
        .read(|s| {
            let scope = s.tenant(app.demo);
            let from = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
            let to = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
            let i = scope.invoices(company(&app, 0), from, to)?.remove(0).value;
            Ok((
                i.number.to_string(),
                i.issued_on.to_string(),
                i.amount.to_string(),
            ))
        })
        .unwrap();
    let body = |n: &str, d: &str, a: &str| serde_json::json!({"number": n, "date": d, "amount": a});
    let (status, v) = anon
        .post("/api/v1/invoices/check", body(&number, &date, &amount))
        .await;
    assert_eq!(
        (status, v["verdict"].as_str()),
        (200, Some("genuine")),
        "{v}"
    );
    assert_eq!(v["face"]["amount"], amount.as_str());
    let (_, v) = anon
        .post("/api/v1/invoices/check", body(&number, &date, "1.00"))
        .await;
    assert_eq!(v["verdict"], "mismatch");
    let (_, v) = anon
        .post(
            "/api/v1/invoices/check",
            body("99999999999999999999", &date, &amount),
        )
        .await;
    assert_eq!(v["verdict"], "not_found");
    let (status, v) = anon
        .post("/api/v1/invoices/check", body("123", &date, &amount))
        .await;
    assert_eq!((status, v["field"].as_str()), (422, Some("number")));
    // another tenant's invoice is not in this trainee's world
    let (other, _) = app.other_tenant();
    let theirs = invoice_of(&app, other, None);
    let (_, v) = anon
        .post("/api/v1/invoices/check", body(&theirs, &date, &amount))
        .await;
    assert_eq!(v["verdict"], "not_found");
    // the page, without a bureau login
    let mut visitor = crate::browser::Visitor::new(&app);
    let page = visitor
        .get_text(&format!(
            "/portal/public/invoice-check?number={number}&date={date}&amount={amount}"
        ))
        .await;
    assert!(page.contains("发票信息一致"), "{page}");
    let res = visitor
        .get("/portal/public/invoice-check?number=1&date=2026-01-01&amount=1")
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("发票号码为20位数字"));
}
