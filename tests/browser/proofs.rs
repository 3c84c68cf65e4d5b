//! 证明开具 in the browser: a trainee finds 证明开具 under 我要办税, ticks a tax, sees the
//! payments, issues a 完税证明, downloads the PDF, and verifies it under 公众服务 both by
//! number and code and by uploading the file.

use fantoccini::Locator;

use crate::helpers::TestApp;
use crate::{
    assert_no_console_errors, browser_sized, clerk, downloaded_with, enter_sandbox, first_login,
    screenshot, start_driver, text, wait_for,
};

#[tokio::test]
async fn trainee_issues_downloads_and_verifies_a_tax_payment_certificate() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let downloads = tempfile::tempdir().unwrap();
    let c = browser_sized(&driver, 1280, 900, Some(downloads.path())).await;
    enter_sandbox(&c, &app).await;
    let (uscc, mobile) = clerk(&app);
    first_login(&c, &uscc, &mobile).await;
    let click = |css: &'static str| {
        let c = c.clone();
        async move {
            c.find(Locator::Css(css))
                .await
                .unwrap_or_else(|e| panic!("{css}: {e}"))
                .click()
                .await
                .unwrap();
        }
    };

    // 【我要办税】—【证明开具】
    click("nav.menu a[href='/portal/tax']").await;
    wait_for(&c, "#tax-menu").await;
    click("#tax-menu a[href='/portal/proofs']").await;
    wait_for(&c, "#proof-form").await;
    click("#proof-form input[name='item_vat']").await;
    click("#proof-form button[type='submit']").await;
    wait_for(&c, "#preview-table").await;
    assert!(text(&c).await.contains("增值税"));
    screenshot(&c, "71-proof-preview").await;
    click("#issue").await;
    wait_for(&c, "#issued").await;
    let number = c
        .find(Locator::Css("#issued-number"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let code = c
        .find(Locator::Css("#issued-code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!((number.len(), code.len()), (18, 9));
    click("#download").await;
    let pdf = downloaded_with(downloads.path(), 1, "pdf").await.remove(0);
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
    assert!(text(&c).await.contains(&number), "listed in 开具记录");
    assert_no_console_errors(&c, "proofs").await;
    screenshot(&c, "72-proof-issued").await;

    // 【公众服务】—【证明查验】: by number and code
    click("nav.menu a[href='/portal/public']").await;
    wait_for(&c, "#public-menu").await;
    click("#public-menu a[href='/portal/public/verify']").await;
    wait_for(&c, "#verify-number").await;
    let field = |name: &'static str| {
        let c = c.clone();
        async move {
            c.find(Locator::Css(&format!(
                "#verify-number input[name='{name}']"
            )))
            .await
            .unwrap()
        }
    };
    field("number").await.send_keys(&number).await.unwrap();
    field("code").await.send_keys(&code).await.unwrap();
    click("#verify-number button[type='submit']").await;
    wait_for(&c, "#verdict.verdict-genuine").await;
    assert!(text(&c).await.contains("查验通过"));
    screenshot(&c, "73-proof-verified").await;
    // and by the file itself
    c.find(Locator::Css("#verify-file input[name='file']"))
        .await
        .unwrap()
        .send_keys(pdf.to_str().unwrap())
        .await
        .unwrap();
    click("#verify-file button[type='submit']").await;
    wait_for(&c, "#verdict.verdict-genuine").await;
    assert_no_console_errors(&c, "verify").await;
    c.close().await.unwrap();
}

/// 实操演练四 in the browser: the trainee starts the query lab, logs in to its company,
/// finds the credit score through 纳税信用信息查询, answers it in the task panel, then uses
/// 公众服务's 税费计算器 and 政策法规库.
#[tokio::test]
async fn trainee_answers_a_lab_question_from_a_query_and_uses_the_calculator() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let c = browser_sized(&driver, 1280, 900, None).await;
    enter_sandbox(&c, &app).await;
    c.goto(&app.url("/#labs")).await.unwrap();
    crate::submit(&c, "/labs/queries-practice/start").await;
    wait_for(&c, "#questions").await;
    screenshot(&c, "74-lab-questions").await;
    let (uscc, mobile) = app
        .db
        .read(|s| {
            let t = s
                .sandbox_trainees()?
                .into_iter()
                .find(|t| t.attempt.is_some())
                .unwrap();
            let m = taxlab::labs::run::materials(&s.attempt_of(t.id, t.attempt.unwrap())?)?;
            Ok((m.values["uscc"].clone(), m.values["me.mobile"].clone()))
        })
        .unwrap();
    c.goto(&app.url("/portal/login")).await.unwrap();
    crate::fill(&c, "company", &uscc).await;
    crate::fill(&c, "account", &mobile).await;
    crate::fill(&c, "password", "Clerk#2026ok").await;
    crate::submit(&c, "/portal/login").await;
    wait_for(&c, ".cards").await;
    // 【我要查询】—【纳税信用信息查询】: the score, typed into the panel's question
    c.goto(&app.url("/portal/query/credit")).await.unwrap();
    wait_for(&c, "#score").await;
    let score = c
        .find(Locator::Css("#score"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let score: String = score.chars().filter(char::is_ascii_digit).collect();
    let input = c
        .find(Locator::Css("#q-credit_score input[name='answer']"))
        .await
        .unwrap();
    input.send_keys(&score).await.unwrap();
    c.find(Locator::Css("#q-credit_score button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    crate::wait_text(&c, "已提交").await;
    assert!(
        c.current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/portal/query/credit")
    );
    assert_no_console_errors(&c, "credit with questions").await;
    screenshot(&c, "75-question-answered").await;

    // 【公众服务】—【税费计算器】: TAXRULES.md's small-scale example
    c.goto(&app.url("/portal/public/calculator")).await.unwrap();
    wait_for(&c, "#calc-form").await;
    crate::fill(&c, "period", "2025Q3").await;
    crate::fill(&c, "sales_3pct_other", "400000").await;
    c.find(Locator::Css("#calc-run"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "#calc-result").await;
    assert!(text(&c).await.contains("4000.00"));
    assert_no_console_errors(&c, "calculator").await;
    screenshot(&c, "76-calculator").await;
    // 【政策法规库】 from the policy the calculator applied
    c.find(Locator::Css("#calc-result a[href*='policies']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "#policy-vat-small-2023").await;
    assert!(text(&c).await.contains("财政部 税务总局公告2023年第1号"));
    screenshot(&c, "77-policy-library").await;
    c.close().await.unwrap();
}
