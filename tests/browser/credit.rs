//! 逾期申报后的信用修复 in the browser, on a classroom's screen: the trainee files the
//! forgotten return late and pays it, finds the failing under 【我要办税】—【纳税信用】,
//! applies for the repair from its row (asked first), and sees it under review with the
//! answer date (the page at 390 px: tests/browser/trainee.rs).

use fantoccini::Locator;

use crate::filing::{click, value_of};
use crate::helpers::TestApp;
use crate::{
    assert_no_console_errors, browser_sized, enter_sandbox, fill, screenshot, start_driver, submit,
    text, wait_for,
};

#[tokio::test]
async fn a_late_return_filed_and_paid_is_repaired_from_the_credit_page() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let c = browser_sized(&driver, 1366, 768, None).await;
    enter_sandbox(&c, &app).await;
    c.goto(&app.url("/#labs")).await.unwrap();
    submit(&c, "/labs/credit-repair/start").await;
    wait_for(&c, "ol.steps").await;
    let m = crate::trainee::materials(&app);
    c.goto(&app.url("/portal/login")).await.unwrap();
    fill(&c, "company", &m["uscc"]).await;
    fill(&c, "account", &m["me.mobile"]).await;
    fill(&c, "password", &m["password"]).await;
    submit(&c, "/portal/login").await;
    wait_for(&c, ".cards").await;

    // file the overdue return and pay it with its surcharge
    let period = &m["period"];
    c.goto(&app.url(&format!("/portal/returns/vat_small/{period}")))
        .await
        .unwrap();
    wait_for(&c, "#return-form").await;
    click(&c, "button[value='submit']").await;
    c.accept_alert().await.unwrap();
    wait_for(&c, "#receipt").await;
    let pay = format!("form[action='/portal/returns/vat_small/{period}/pay'] button");
    if c.find(Locator::Css(&pay)).await.is_ok() {
        click(&c, &pay).await;
        c.accept_alert().await.unwrap();
        wait_for(&c, "#paid").await;
    }

    // 【我要办税】—【纳税信用】
    click(&c, "nav.menu a[href='/portal/tax']").await;
    wait_for(&c, "#tax-menu").await;
    click(&c, "#tax-menu a[href='/portal/credit']").await;
    wait_for(&c, "#credit-failings").await;
    // the late return's row (the late payment has its own) offers a repair
    let mut late_return = None;
    for row in c
        .find_all(Locator::Css("#credit-failings tbody tr"))
        .await
        .unwrap()
    {
        let t = row.text().await.unwrap();
        if t.contains("未按规定期限办理纳税申报") && t.contains(period.as_str()) {
            late_return = Some(row.attr("id").await.unwrap().unwrap());
        }
    }
    let row = late_return.expect("the late return is on the record");
    let form = format!("#{row} form[action='/portal/credit/repair']");
    screenshot(&c, "95-1366-credit").await;
    // applying asks first, naming the points; declined, nothing is applied
    click(&c, &format!("{form} button")).await;
    let question = c.get_alert_text().await.unwrap();
    assert!(question.contains("加回"), "{question}");
    c.dismiss_alert().await.unwrap();
    assert!(c.find(Locator::Css("#credit-notice")).await.is_err());
    click(&c, &format!("{form} button")).await;
    c.accept_alert().await.unwrap();
    wait_for(&c, "#credit-notice").await;
    assert!(
        value_of(&c, "#credit-notice")
            .await
            .contains("信用修复申请已提交")
    );
    let applications = value_of(&c, "#credit-applications").await;
    assert!(
        applications.contains("信用修复") && applications.contains("审核中"),
        "{applications}"
    );
    assert!(
        text(&c).await.contains("审核中，"),
        "the row says when the answer comes"
    );
    assert_no_console_errors(&c, "credit repaired").await;
    screenshot(&c, "96-1366-credit-applied").await;
    c.close().await.unwrap();
}
