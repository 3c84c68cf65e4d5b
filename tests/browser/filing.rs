//! Filing in the browser: a trainee files the quarter's small-scale VAT return (the lines
//! recompute as they type, a mistake is shown at its field, submitting asks first), gets the
//! receipt, pays, and finds the return filed and paid; then the pages in English on a tablet.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::helpers::TestApp;
use crate::{
    assert_no_console_errors, browser, browser_sized, chinese_ui, clerk, english_and_fits,
    enter_sandbox, first_login, screenshot, start_driver, text, wait_for,
};

pub(crate) async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

pub(crate) async fn value_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Type into a form field, replacing what was there.
pub(crate) async fn retype(c: &Client, name: &str, value: &str) {
    let field = c.find(Locator::Css(&format!("#f-{name}"))).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// Wait until the element's text is no longer `old` (nor the mark that it is being
/// recalculated).
async fn changes(c: &Client, css: &str, old: &str) -> String {
    for _ in 0..50 {
        let now = value_of(c, css).await;
        if now != old && now != "待重新计算" && now != "To be recalculated" {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{css} stayed {old}");
}

#[tokio::test]
async fn trainee_files_the_quarterly_vat_return_gets_the_receipt_and_pays() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let c = browser(&driver).await;
    enter_sandbox(&c, &app).await;
    let (uscc, mobile) = clerk(&app);
    first_login(&c, &uscc, &mobile).await;
    // 【我要办税】—【税费申报及缴纳】
    click(&c, "nav.menu a[href='/portal/tax']").await;
    wait_for(&c, "#tax-menu").await;
    click(&c, "#tax-menu a[href='/portal/returns']").await;
    wait_for(&c, "#returns").await;
    assert!(text(&c).await.contains("未申报"));
    assert_no_console_errors(&c, "returns").await;
    screenshot(&c, "61-returns").await;

    click(&c, "a[href='/portal/returns/vat_small/2026Q3']").await;
    wait_for(&c, "#return-form").await;
    let total = value_of(&c, "#total-due").await;
    assert!(
        total.chars().any(|c| c.is_ascii_digit()) && total != "待重新计算",
        "the prefilled form is worked through: {total}"
    );
    screenshot(&c, "62-return-form").await;

    // the form is the official grid: 25 lines, two columns this period and two year to date;
    // the company trades goods, so its sales are in the 货物及劳务 column
    wait_for(&c, "#grid tr[data-line='25'] td.shaded").await;
    assert!(
        c.find(Locator::Css("#grid td[data-cell='15/0'] input"))
            .await
            .is_err(),
        "a computed cell cannot be typed in"
    );
    let tax = value_of(&c, "#grid td[data-cell='15/0'] .num").await;
    // the computed cells follow the figures as they are typed into the cells (the server
    // computes)
    let other = c
        .find(Locator::Css(
            "#grid td[data-cell='3/0'] #f-goods_sales_3pct_other",
        ))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    // a leading 1 adds a million yuan of sales
    retype(&c, "goods_sales_3pct_other", &format!("1{other}")).await;
    let bigger = changes(&c, "#total-due", &total).await;
    assert_ne!(bigger, total);
    let more_tax = changes(&c, "#grid td[data-cell='15/0'] .num", &tax).await;
    assert_ne!(more_tax, tax);
    // a mistake is shown at its field, live
    retype(&c, "prepaid_tax", "12.345").await;
    wait_for(&c, "td.invalid #f-prepaid_tax").await;
    assert!(text(&c).await.contains("金额最多保留两位小数"));
    // while it is wrong, no figure of the earlier inputs stands: the lines are blank and the
    // total waits to be recalculated
    assert_eq!(value_of(&c, "#total-due").await, "待重新计算");
    assert_eq!(value_of(&c, "#grid td[data-cell='15/0'] .num").await, "");
    retype(&c, "prepaid_tax", "0").await;
    retype(&c, "goods_sales_3pct_other", &other).await;
    changes(&c, "#total-due", &bigger).await;
    assert_no_console_errors(&c, "form typing").await;

    // 申报 asks first; cancelling files nothing
    click(&c, "button[value='submit']").await;
    assert!(c.get_alert_text().await.unwrap().contains("不能重复申报"));
    c.dismiss_alert().await.unwrap();
    assert!(c.find(Locator::Css("#return-form")).await.is_ok());
    click(&c, "button[value='submit']").await;
    c.accept_alert().await.unwrap();
    wait_for(&c, "#receipt").await;
    let number = value_of(&c, "#filing-no").await;
    assert_eq!(number.len(), 20);
    assert_eq!(value_of(&c, "#receipt-total").await, total);
    assert!(text(&c).await.contains("申报成功"));
    assert_no_console_errors(&c, "receipt").await;
    screenshot(&c, "63-receipt").await;

    // paying asks first, with the amount; declined, nothing is paid
    click(
        &c,
        "form[action='/portal/returns/vat_small/2026Q3/pay'] button",
    )
    .await;
    let question = c.get_alert_text().await.unwrap();
    assert!(
        question.contains(&total) && question.contains("扣缴"),
        "{question}"
    );
    c.dismiss_alert().await.unwrap();
    assert!(c.find(Locator::Css("#receipt")).await.is_ok());
    click(
        &c,
        "form[action='/portal/returns/vat_small/2026Q3/pay'] button",
    )
    .await;
    c.accept_alert().await.unwrap();
    wait_for(&c, "#payment").await;
    assert_eq!(value_of(&c, "#payment-total").await, total);
    // the result says it worked, above the 电子缴款书
    assert!(value_of(&c, "#paid").await.contains("扣款成功"));
    screenshot(&c, "64-payment").await;
    c.goto(&app.url("/portal/returns")).await.unwrap();
    wait_for(&c, "#returns").await;
    let row = value_of(&c, "#returns tbody tr.status-filed").await;
    assert!(row.contains("已申报") && row.contains("2026Q3"), "{row}");

    // a mistake found inside the period: 更正申报, then pay what it adds
    click(&c, "a[href='/portal/returns/vat_small/2026Q3']").await;
    wait_for(&c, "input[name='mode'][value='amend']").await;
    assert!(text(&c).await.contains("提交更正申报"));
    retype(&c, "other_exempt_sales", "1000").await;
    retype(&c, "goods_sales_3pct_other", &format!("1{other}")).await;
    changes(&c, "#total-due", &total).await;
    click(&c, "button[value='submit']").await;
    c.accept_alert().await.unwrap();
    wait_for(&c, "#receipt").await;
    assert!(text(&c).await.contains("更正申报成功"));
    screenshot(&c, "68-correction-receipt").await;
    click(
        &c,
        "form[action='/portal/returns/vat_small/2026Q3/pay'] button",
    )
    .await;
    c.accept_alert().await.unwrap();
    wait_for(&c, "#payment").await;
    assert_no_console_errors(&c, "correction paid").await;

    // 【我要查询】: the filing and its correction, then the payments
    click(&c, "nav.menu a[href='/portal/query']").await;
    wait_for(&c, "#query-menu").await;
    click(&c, "#query-menu a[href='/portal/query/filings']").await;
    wait_for(&c, "#result-table").await;
    let found = text(&c).await;
    assert!(
        found.contains("更正申报表") && found.contains(&number),
        "{found}"
    );
    screenshot(&c, "69-query-filings").await;
    c.goto(&app.url("/portal/query/payments?item=vat"))
        .await
        .unwrap();
    wait_for(&c, "#result-table").await;
    assert!(text(&c).await.contains("电子缴款书"));
    assert_no_console_errors(&c, "queries").await;
    c.close().await.unwrap();
}

#[tokio::test]
async fn the_filing_pages_are_usable_in_english_on_a_tablet() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let c = browser_sized(&driver, 768, 1024, None).await;
    enter_sandbox(&c, &app).await;
    click(&c, "a[href^='/lang/en']").await;
    wait_for(&c, "html[lang='en']").await;
    let (uscc, mobile) = clerk(&app);
    first_login(&c, &uscc, &mobile).await;
    let ui = chinese_ui();
    c.goto(&app.url("/portal/returns")).await.unwrap();
    english_and_fits(&c, &ui, "/portal/returns", "65-tablet-returns").await;
    c.goto(&app.url("/portal/returns/cit_quarterly/2026Q3"))
        .await
        .unwrap();
    english_and_fits(&c, &ui, "/portal/returns/cit_quarterly", "66-tablet-cit").await;
    click(&c, "button[value='submit']").await;
    c.accept_alert().await.unwrap();
    wait_for(&c, "#receipt").await;
    english_and_fits(&c, &ui, "receipt", "67-tablet-receipt").await;
    for (path, shot) in [
        ("/portal/query", "69-tablet-query"),
        ("/portal/query/invoices", "69-tablet-invoices"),
        ("/portal/query/credit", "69-tablet-credit"),
        (
            "/portal/proofs?tab=table&preview=1&item_vat=1",
            "74-tablet-proofs",
        ),
        ("/portal/public", "75-tablet-public"),
        ("/portal/public/verify", "75-tablet-verify"),
        ("/portal/public/invoice-check", "75-tablet-invoice-check"),
    ] {
        c.goto(&app.url(path)).await.unwrap();
        english_and_fits(&c, &ui, path, shot).await;
    }
    c.close().await.unwrap();
}
