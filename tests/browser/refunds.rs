//! 增量留抵退税 in the browser: the manufacturer files the month's return (its input VAT above
//! its output), finds the refund's conditions and figures under 【我要办税】—【退抵税】,
//! applies with the form from the task panel (asked first), and moves the lab's sandbox
//! date until the money is in; the section fits a phone's 390 px.

use fantoccini::Locator;

use crate::credit::lab_logged_in;
use crate::filing::{click, value_of};
use crate::helpers::TestApp;
use crate::{assert_no_console_errors, browser_sized, screenshot, start_driver, wait_for};

#[tokio::test]
async fn a_manufacturer_asks_for_its_excess_credit_back_and_watches_it_arrive() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let c = browser_sized(&driver, 1366, 768, None).await;
    let m = lab_logged_in(&c, &app, "credit-refund").await;
    wait_for(&c, ".cards").await;

    // the month's return, as the bureau prefills it: line 20 carries the excess credit
    let period = &m["period"];
    c.goto(&app.url(&format!("/portal/returns/vat_general/{period}")))
        .await
        .unwrap();
    wait_for(&c, "button[value='submit']").await;
    click(&c, "button[value='submit']").await;
    c.accept_alert().await.unwrap();
    wait_for(&c, "#receipt").await;

    // 退抵税 → 增量留抵退税: every condition met, the amount, the form attached
    c.goto(&app.url("/portal/refunds")).await.unwrap();
    wait_for(&c, "#credit-refund").await;
    let conditions = value_of(&c, "#credit-refund-conditions").await;
    assert!(
        conditions.contains("纳税信用等级为A级或者B级") && !conditions.contains("不符合"),
        "{conditions}"
    );
    let amount = value_of(&c, "#credit-refund-amount").await;
    assert!(
        !amount.trim().is_empty() && amount.trim() != "0.00",
        "{amount}"
    );
    c.execute(
        "document.getElementById('credit-refund').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, "97-1366-credit-refund").await;
    c.find(Locator::Id("f-credit-reason"))
        .await
        .unwrap()
        .send_keys("集中采购原材料和设备形成留抵")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let form = dir.path().join("refund-application.pdf");
    std::fs::write(&form, taxlab::labs::setup::tiny_pdf("refund application")).unwrap();
    c.find(Locator::Id("f-credit-file"))
        .await
        .unwrap()
        .send_keys(form.to_str().unwrap())
        .await
        .unwrap();
    click(&c, "#credit-refund-submit").await;
    c.accept_alert().await.unwrap();
    wait_for(&c, "#refund-notice").await;
    let progress = value_of(&c, "#refund-progress").await;
    assert!(
        progress.contains("审核中") && progress.contains(amount.trim()),
        "{progress}"
    );

    // the lab's clock: all the way to the last day it allows
    let days = c
        .find(Locator::Css("#lab-clock input[name='days']"))
        .await
        .unwrap();
    let left = days.attr("max").await.unwrap().unwrap();
    days.clear().await.unwrap();
    days.send_keys(&left).await.unwrap();
    click(&c, "#lab-clock button[type='submit']").await;
    // the page after the move (the old one has a #refund-progress too)
    crate::wait_text(&c, "已推进到本练习允许的最后一天").await;
    let progress = value_of(&c, "#refund-progress").await;
    assert!(progress.contains("已退库到账"), "{progress}");
    assert_no_console_errors(&c, "credit refund arrived").await;
    screenshot(&c, "97-1366-credit-refund-arrived").await;

    // the same page on a phone: nothing wider than the screen
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&app.url("/portal/refunds")).await.unwrap();
    wait_for(&c, "#credit-refund").await;
    c.execute(
        "document.getElementById('credit-refund').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    crate::fits(&c, "/portal/refunds", "97-390-credit-refund").await;
    c.close().await.unwrap();
}
