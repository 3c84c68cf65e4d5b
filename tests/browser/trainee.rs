//! The trainee's page as a classroom's screen (1366×768) and a phone (390 px) show it: the
//! SMS code is in view the moment it arrives, a hint opens in place without losing what was
//! typed, a raised hand shows it is up until the instructor answers it, and no page scrolls
//! sideways on a phone.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::helpers::TestApp;
use crate::{
    assert_no_console_errors, browser_sized, clerk, enter_sandbox, fill, first_login, fits,
    phone_code, screenshot, start_driver, submit, text, wait_for,
};

/// The story's values for the demo trainee's lab in progress.
pub(crate) fn materials(app: &TestApp) -> std::collections::BTreeMap<String, String> {
    app.db
        .read(|s| {
            let t = s
                .sandbox_trainees()?
                .into_iter()
                .find(|t| t.attempt.is_some())
                .unwrap();
            let a = s.attempt_of(t.id, t.attempt.unwrap())?;
            Ok(taxlab::labs::run::materials(&a)?
                .values
                .into_iter()
                .collect())
        })
        .unwrap()
}

/// The element's box lies within the window (what a trainee sees without scrolling).
async fn in_view(c: &Client, css: &str) -> bool {
    c.execute(
        "const e = document.querySelector(arguments[0]); if (!e) return false; \
         const r = e.getBoundingClientRect(); \
         return r.width > 0 && r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 \
           && r.right <= window.innerWidth;",
        vec![css.into()],
    )
    .await
    .unwrap()
    .as_bool()
    .unwrap()
}

async fn input_value(c: &Client, name: &str) -> String {
    c.find(Locator::Css(&format!("#f-{name}")))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test]
async fn at_1366_the_code_is_in_view_and_a_hint_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let c = browser_sized(&driver, 1366, 768, None).await;
    enter_sandbox(&c, &app).await;
    // a page to skip straight to its content
    assert!(
        c.find(Locator::Css("a.skip-link[href='#main']"))
            .await
            .is_ok()
    );
    let (uscc, mobile) = clerk(&app);
    fill(&c, "company", &uscc).await;
    fill(&c, "account", &mobile).await;
    fill(&c, "password", "Etax@2026").await;
    submit(&c, "/portal/login").await;
    wait_for(&c, "form[action='/portal/login/sms']").await;
    // the code arrives as a toast in the window's corner, whatever the task panel's length
    wait_for(&c, "#phone-toast:not([hidden])").await;
    let code = phone_code(&c).await;
    let toast = c
        .find(Locator::Id("phone-toast"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(toast.contains(&code), "{toast}");
    assert!(in_view(&c, "#phone-toast").await, "the toast is on screen");
    screenshot(&c, "91-1366-sms-toast").await;
    fill(&c, "code", &code).await;
    submit(&c, "/portal/login/sms").await;
    wait_for(&c, "form[action='/portal/password/initial']").await;
    // the toast said it once: the next page does not repeat it
    assert!(
        c.find(Locator::Css("#phone-toast:not([hidden])"))
            .await
            .is_err()
    );

    // a lab with a hint on the form: log in to its company
    c.goto(&app.url("/#labs")).await.unwrap();
    submit(&c, "/labs/filing-practice/start").await;
    wait_for(&c, "ol.steps").await;
    let m = materials(&app);
    c.goto(&app.url("/portal/login")).await.unwrap();
    wait_for(&c, "aside.task").await;
    fill(&c, "company", &m["uscc"]).await;
    fill(&c, "account", &m["me.mobile"]).await;
    fill(&c, "password", &m["password"]).await;
    submit(&c, "/portal/login").await;
    wait_for(&c, ".cards").await;

    // figures typed into the form, then a hint opened: the hint shows in the panel, the
    // figures stay, the page is not left
    let period = &m["period"];
    let form = format!("/portal/returns/vat_small/{period}");
    c.goto(&app.url(&form)).await.unwrap();
    wait_for(&c, "#return-form").await;
    let typed = "12345.67";
    let field = c.find(Locator::Css("#f-other_exempt_sales")).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(typed).await.unwrap();
    c.find(Locator::Css("aside.task form.hint-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let question = c.get_alert_text().await.expect("a hint asks first");
    assert!(question.contains("5"), "{question}");
    c.accept_alert().await.unwrap();
    wait_for(&c, "aside.task p.hint").await;
    assert!(text(&c).await.contains("未开票收入也是销售额"));
    assert_eq!(input_value(&c, "other_exempt_sales").await, typed);
    assert!(c.current_url().await.unwrap().path().ends_with(period));
    assert_no_console_errors(&c, "hint in place").await;
    screenshot(&c, "92-1366-hint-in-place").await;

    // scrolled to the foot of the long form, the phone is still beside it
    c.execute("window.scrollTo(0, document.body.scrollHeight);", vec![])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(in_view(&c, "aside.phone").await, "the phone stays in view");
    screenshot(&c, "93-1366-form-scrolled").await;
    c.close().await.unwrap();
}

#[tokio::test]
async fn on_a_390_px_phone_no_page_scrolls_sideways_and_the_menu_folds() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let c = browser_sized(&driver, 390, 844, None).await;
    enter_sandbox(&c, &app).await;
    fits(&c, "/portal/login", "95-390-login").await;
    let (uscc, mobile) = clerk(&app);
    first_login(&c, &uscc, &mobile).await;
    // the menu folds behind its button
    assert!(
        !c.find(Locator::Id("portal-menu"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );
    c.find(Locator::Css("button.menu-toggle"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let returns = c
        .find(Locator::Css("#portal-menu a[href='/portal/returns']"))
        .await
        .unwrap();
    assert!(returns.is_displayed().await.unwrap());
    fits(&c, "/portal (menu open)", "96-390-menu").await;
    returns.click().await.unwrap();
    wait_for(&c, "#returns").await;
    // the phone is a tap away
    assert!(in_view(&c, "a.phone-jump").await);
    for (path, shot) in [
        ("/portal/returns", "97-390-returns"),
        ("/portal/returns/vat_small/2026Q3", "98-390-return-form"),
        ("/portal/returns/cit_quarterly/2026Q3", "98-390-cit"),
        ("/portal/account", "99-390-account"),
        ("/portal/staff", "99-390-staff"),
        ("/portal/messages", "99-390-messages"),
        ("/portal/help", "99-390-help"),
        ("/portal/proofs", "99-390-proofs"),
        ("/portal/tax", "99-390-tax"),
        ("/portal/credit", "99-390-credit"),
        ("/portal/refunds", "99-390-refunds"),
        ("/portal/query/refunds", "99-390-refund-progress"),
        ("/portal/risk", "99-390-risk"),
        ("/portal/disputes", "99-390-disputes"),
        ("/portal/query/filings", "99-390-query"),
        ("/portal/public/calculator", "99-390-calculator"),
        ("/", "99-390-materials"),
    ] {
        c.goto(&app.url(path)).await.unwrap();
        wait_for(&c, "main").await;
        fits(&c, path, shot).await;
    }
    c.close().await.unwrap();
}

/// A class: the trainee on a phone raises a hand, sees it is up, the instructor at a
/// classroom screen sees it on the seat's row and answers it, and the hand is down again.
#[tokio::test]
async fn a_raised_hand_shows_until_the_instructor_answers_it() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let (teacher, code) = crate::class_on_screen(&app, &driver, "zhao", "周四下午班", 2).await;
    let dashboard = app.url(&format!(
        "/console/classes/{}",
        crate::labs::class_id(&teacher).await
    ));

    let c = browser_sized(&driver, 390, 844, None).await;
    c.goto(&app.url(&format!("/join/{code}"))).await.unwrap();
    fill(&c, "who", "王五").await;
    submit(&c, "/join").await;
    wait_for(&c, "#seat-pin").await;
    c.find(Locator::Id("to-lab"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "ol.steps").await;
    fits(&c, "/lab (class, phone)", "99-390-class-lab").await;
    c.goto(&app.url("/portal/login")).await.unwrap();
    wait_for(&c, "aside.task").await;
    fits(&c, "/portal/login (class, phone)", "99-390-class-login").await;
    // the instructor watches the room
    teacher.goto(&dashboard).await.unwrap();
    wait_for(&teacher, "table.room").await;
    // 举手 from the sandbox bar: the bar then says the hand is up
    c.find(Locator::Css("form.hand-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "#hand-up").await;
    assert!(text(&c).await.contains("已举手，请等待老师"));
    assert!(c.find(Locator::Css("form.hand-form")).await.is_err());
    assert!(c.current_url().await.unwrap().path() == "/portal/login");
    screenshot(&c, "99-390-hand-up").await;

    // the seat's row shows the hand, live, with the button that answers it
    wait_for(&teacher, "table.room form.hand").await;
    wait_for(&teacher, "#room-alerts #hands").await;
    screenshot(&teacher, "99-1366-hand-on-dashboard").await;
    let row = teacher
        .find(Locator::Css("table.room form.hand"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(row.contains("举手"), "{row}");
    screenshot(&teacher, "99-1366-hand-on-dashboard").await;
    teacher
        .find(Locator::Css("table.room form.hand button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // the page reloads with the hand answered (wait for the new page, not the old one)
    let mut answered = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if teacher
            .find(Locator::Css("table.room form.hand"))
            .await
            .is_err()
            && teacher.find(Locator::Css("table.room")).await.is_ok()
        {
            answered = true;
            break;
        }
    }
    assert!(answered, "the hand's answer button is gone");
    assert_no_console_errors(&teacher, "hand answered").await;
    c.refresh().await.unwrap();
    wait_for(&c, "form.hand-form").await;
    assert_no_console_errors(&c, "hand down").await;
    teacher.close().await.unwrap();
    c.close().await.unwrap();
}
