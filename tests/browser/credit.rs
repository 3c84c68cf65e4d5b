//! 纳税信用 and 退抵税 in the browser, on a classroom's screen. 逾期申报后的信用修复: the
//! trainee files the forgotten return late and pays it, finds the failing under
//! 【我要办税】—【纳税信用】, applies for the repair from its row (asked first), and sees it
//! under review with the answer date. 退税与绿色通道: the trainee corrects an over-declared
//! return, asks the overpaid tax back with the lab's form attached, sees the green channel
//! and its dates, and answers how many days it saves. (Both pages at 390 px:
//! tests/browser/trainee.rs.)

use fantoccini::Locator;

use crate::filing::{click, retype, value_of};
use crate::helpers::TestApp;
use crate::{
    assert_no_console_errors, browser_sized, enter_sandbox, fill, screenshot, start_driver, submit,
    text, wait_for,
};

/// The demo trainee starts `lab` on a classroom's screen and logs in to its company; the
/// story's values.
pub(crate) async fn lab_logged_in(
    c: &fantoccini::Client,
    app: &TestApp,
    lab: &str,
) -> std::collections::BTreeMap<String, String> {
    enter_sandbox(c, app).await;
    c.goto(&app.url("/#labs")).await.unwrap();
    submit(c, &format!("/labs/{lab}/start")).await;
    wait_for(c, "ol.steps").await;
    let m = crate::trainee::materials(app);
    c.goto(&app.url("/portal/login")).await.unwrap();
    fill(c, "company", &m["uscc"]).await;
    fill(c, "account", &m["me.mobile"]).await;
    fill(c, "password", &m["password"]).await;
    submit(c, "/portal/login").await;
    m
}

#[tokio::test]
async fn a_late_return_filed_and_paid_is_repaired_from_the_credit_page() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let c = browser_sized(&driver, 1366, 768, None).await;
    let m = lab_logged_in(&c, &app, "credit-repair").await;
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

#[tokio::test]
async fn an_overpaid_return_is_corrected_and_refunded_through_the_green_channel() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let c = browser_sized(&driver, 1366, 768, None).await;
    let m = lab_logged_in(&c, &app, "refund-green-channel").await;
    wait_for(&c, ".cards").await;

    // 更正申报: the sale counted twice comes out
    let period = &m["period"];
    c.goto(&app.url(&format!("/portal/returns/vat_small/{period}")))
        .await
        .unwrap();
    wait_for(&c, "input[name='mode'][value='amend']").await;
    let over = taxlab::domain::money::Fen::parse_yuan(&m["over_declared"]).unwrap();
    let mut corrected = false;
    for field in ["goods_sales_3pct_other", "sales_3pct_other"] {
        let Ok(input) = c.find(Locator::Css(&format!("#f-{field}"))).await else {
            continue;
        };
        let now = input.prop("value").await.unwrap().unwrap_or_default();
        let now = taxlab::domain::money::Fen::parse_yuan(&now).unwrap_or_default();
        if now >= over {
            retype(&c, field, &(now - over).to_string()).await;
            corrected = true;
            break;
        }
    }
    assert!(corrected, "the over-declared sales are on the form");
    click(&c, "button[value='submit']").await;
    c.accept_alert().await.unwrap();
    wait_for(&c, "#receipt").await;
    assert!(text(&c).await.contains("更正申报成功"));

    // 【我要办税】—【退抵税】: the green channel, the overpaid tax, the form attached
    click(&c, "nav.menu a[href='/portal/tax']").await;
    wait_for(&c, "#tax-menu").await;
    click(&c, "#tax-menu a[href='/portal/refunds']").await;
    wait_for(&c, "#refund-path").await;
    screenshot(&c, "98-1366-refund-path").await;
    assert!(
        value_of(&c, "#green-channel").await.contains("绿色通道"),
        "{}",
        value_of(&c, "#refund-path").await
    );
    assert!(value_of(&c, "#normal-days").await.contains("10"));
    let available = value_of(&c, "#refundable tbody tr").await;
    let amount = c
        .find(Locator::Id("f-amount"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        available.contains(&amount),
        "the amount is prefilled: {available} / {amount}"
    );
    c.find(Locator::Id("f-reason"))
        .await
        .unwrap()
        .send_keys("重复计入销售额，更正申报后多缴")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let form = dir.path().join("refund-application.pdf");
    std::fs::write(&form, taxlab::labs::setup::tiny_pdf("refund application")).unwrap();
    c.find(Locator::Css("input[name='file1']"))
        .await
        .unwrap()
        .send_keys(form.to_str().unwrap())
        .await
        .unwrap();
    screenshot(&c, "98-1366-refund-form").await;
    click(&c, "#refund-submit").await;
    c.accept_alert().await.unwrap();
    wait_for(&c, "#refund-notice").await;
    let progress = value_of(&c, "#refund-progress").await;
    assert!(
        progress.contains("绿色通道") && progress.contains("受理") && progress.contains("审批通过"),
        "{progress}"
    );
    assert!(
        !progress.contains("要求补正"),
        "the green channel asks for nothing more"
    );
    assert_no_console_errors(&c, "refund applied").await;
    screenshot(&c, "99-1366-refund-progress").await;

    // the question in the task panel: the days the green channel saves
    let input = c
        .find(Locator::Css("#q-refund_days_saved input[name='answer']"))
        .await
        .unwrap();
    input.send_keys("5").await.unwrap();
    c.find(Locator::Css("#q-refund_days_saved button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    crate::wait_text(&c, "已提交").await;

    // the lab's clock in the task panel: move the sandbox date and watch the refund arrive
    c.goto(&app.url("/portal/refunds")).await.unwrap();
    wait_for(&c, "#lab-clock").await;
    assert!(value_of(&c, "#refund-progress").await.contains("审核中"));
    let days = c
        .find(Locator::Css("#lab-clock input[name='days']"))
        .await
        .unwrap();
    days.clear().await.unwrap();
    days.send_keys("99").await.unwrap();
    // the browser's own range check stops 99; the server's refusal is the API test's
    let left = days.attr("max").await.unwrap().unwrap();
    days.clear().await.unwrap();
    days.send_keys(&left).await.unwrap();
    click(&c, "#lab-clock button[type='submit']").await;
    // the page after the move (the old one has a #refund-progress too)
    crate::wait_text(&c, "已推进到本练习允许的最后一天").await;
    let progress = value_of(&c, "#refund-progress").await;
    assert!(progress.contains("已退库到账"), "{progress}");
    assert!(
        value_of(&c, "#lab-clock")
            .await
            .contains("已推进到本练习允许的最后一天")
    );
    assert_no_console_errors(&c, "refund arrived").await;
    screenshot(&c, "99-1366-refund-arrived").await;
    c.close().await.unwrap();
}

/// 欠税风险预警: from the workbench's 风险疑点 to the alert, paid from the returns list, and
/// the alert lifted by itself.
#[tokio::test]
async fn a_tax_owing_alert_is_followed_from_the_workbench_and_lifts_once_paid() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let c = browser_sized(&driver, 1366, 768, None).await;
    lab_logged_in(&c, &app, "risk-arrears").await;
    wait_for(&c, "#todo-risks").await;
    click(&c, "#todo-risks a").await;
    wait_for(&c, "#risk-alerts").await;
    let alert = c
        .find(Locator::Css("article.risk-high.risk-status-open"))
        .await
        .expect("the tax-owing alert, high, open");
    let id = alert.attr("id").await.unwrap().unwrap();
    let text = alert.text().await.unwrap();
    assert!(
        text.contains("欠税风险") && text.contains("滞纳金"),
        "{text}"
    );
    // alert-arrears-<kind>-<period>
    let mut parts = id.trim_start_matches("alert-arrears-").rsplitn(2, '-');
    let period = parts.next().unwrap().to_owned();
    let kind = parts.next().unwrap().to_owned();
    assert_no_console_errors(&c, "risk alerts").await;
    screenshot(&c, "99-1366-risk-open").await;

    // paid from the returns list (asked first)
    c.goto(&app.url("/portal/returns")).await.unwrap();
    wait_for(&c, "#returns").await;
    click(
        &c,
        &format!("form[action='/portal/returns/{kind}/{period}/pay'] button"),
    )
    .await;
    c.accept_alert().await.unwrap();
    wait_for(&c, "#paid").await;

    c.goto(&app.url("/portal/risk")).await.unwrap();
    wait_for(&c, &format!("#{id}.risk-status-resolved")).await;
    assert!(value_of(&c, &format!("#{id}")).await.contains("已整改"));
    screenshot(&c, "99-1366-risk-resolved").await;
    c.close().await.unwrap();
}
