//! 公众服务 without a login: 政策法规库 (every rule the engine applies, with its source,
//! searchable) and 税费计算器 (the engine as a page, errors at the field), page and API.

use crate::api_client::Api;
use crate::browser::Visitor;
use crate::helpers::TestApp;

#[tokio::test]
async fn the_policy_library_lists_the_engine_s_rules_with_their_sources() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    let page = v.get_text("/portal/public/policies").await;
    // every rule of the engine, with the figures it computes with and where they come from
    let all = taxlab::bureau::policies::library();
    for e in all {
        assert!(
            page.contains(&format!("id=\"policy-{}\"", e.id)),
            "{}",
            e.id
        );
    }
    assert!(page.contains("财政部 税务总局公告2023年第1号") && page.contains("300000.00"));
    assert!(page.contains("未核实"), "an unconfirmed source is said");
    // by tax, and by words
    let cit = v.get_text("/portal/public/policies?tax=cit").await;
    assert!(cit.contains("policy-cit-2023") && !cit.contains("policy-vat-small-2023"));
    let found = v
        .get_text("/portal/public/policies?q=%E6%BB%9E%E7%BA%B3%E9%87%91")
        .await; // 滞纳金
    assert!(found.contains("policy-late-fee-2001"), "{found}");
    let none = v.get_text("/portal/public/policies?q=zzzz-nothing").await;
    assert!(none.contains("没有找到"));
    // the API, in English
    let api = Api::new(&app);
    let (s, list) = api.get("/api/v1/policies?tax=vat&lang=en").await;
    assert_eq!(s, 200);
    let list = list.as_array().unwrap();
    assert!(list.iter().all(|p| p["tax"] == "vat"));
    let p = list.iter().find(|p| p["id"] == "vat-small-2023").unwrap();
    assert!(p["plain"].as_str().unwrap().contains("100,000"), "{p}");
    assert_eq!(p["from"], "2023-01");
}

#[tokio::test]
async fn the_calculator_page_shows_the_working_and_refuses_at_the_field() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    let page = v.get_text("/portal/public/calculator").await;
    assert!(page.contains("id=\"calc-form\"") && page.contains("税款所属期"));
    // TAXRULES.md's worked example: 400,000 of 3% sales in 2025Q3, in a city
    let res = v
        .get("/portal/public/calculator?calc=vat-small&run=1&period=2025Q3&sales_3pct_other=400000&location_tier=urban")
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    for want in [
        "id=\"calc-working\"",
        "4240.00",
        "8000.00",
        "vat-small-2023",
    ] {
        assert!(page.contains(want), "{want}:\n{page}");
    }
    // a general taxpayer's sales by rate
    let page = v
        .get_text("/portal/public/calculator?calc=vat-general&run=1&period=2026-09&sales_13pct=1000000&sales_6pct=200000&input_tax=90000&carried_credit=5000&location_tier=urban")
        .await;
    assert!(
        page.contains("142000.00") && page.contains("47000.00"),
        "{page}"
    );
    // bad input at its field, what was typed kept
    let res = v
        .get("/portal/public/calculator?calc=vat-small&run=1&period=2025Q3&sales_3pct_other=-5")
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("field-error")
            && page.contains("不能为负数")
            && page.contains("value=\"-5\""),
        "{page}"
    );
    let res = v
        .get("/portal/public/calculator?calc=late-fee&run=1&period=2026Q1&paid_on=2026-04-25")
        .await;
    assert_eq!(res.status(), 422, "a required amount missing");
    let page = v
        .get_text("/portal/public/calculator?calc=late-fee&run=1&period=2026Q1&tax=4000&paid_on=2026-04-25&deadline=2026-04-15")
        .await;
    assert!(
        page.contains("20.00") && page.contains(">10<"),
        "10 days, 20.00: {page}"
    );
    // every tax's form renders
    for tax in taxlab::calc::CalcTax::NAMES {
        let res = v
            .get(&format!("/portal/public/calculator?calc={tax}"))
            .await;
        assert_eq!(res.status(), 200, "{tax}");
    }
}
