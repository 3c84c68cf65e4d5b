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
