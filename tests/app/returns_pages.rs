//! The filing pages: mistakes at their fields with what was typed kept, 暂存, a double
//! click that files once, the receipt and payment pages, a session that times out while
//! filling (what was typed is kept as a draft), and a lost response.

use crate::browser::{Visitor, location};
use crate::helpers::TestApp;
use crate::portal::{accounts, logged_in, logged_in_again};

const FORM: &str = "/portal/returns/vat_small/2026Q3";

/// The form's fields as the page shows them: (name, value).
fn fields(page: &str) -> Vec<(String, String)> {
    page.split("<input id=\"f-")
        .skip(1)
        .map(|chunk| {
            let name = chunk.split('"').next().unwrap().to_owned();
            let value = chunk
                .split("value=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_owned();
            (name, value)
        })
        .collect()
}

fn with(fields: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                if k == name {
                    value.to_owned()
                } else {
                    v.clone()
                },
            )
        })
        .collect()
}

async fn post(v: &mut Visitor<'_>, action: &str, f: &[(String, String)]) -> reqwest::Response {
    let mut form: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    form.push(("action", action));
    v.post(FORM, &form).await
}

#[tokio::test]
async fn the_form_page_keeps_what_was_typed_files_once_and_pays() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = logged_in(&app, &clerk).await;
    let list = v.get_text("/portal/returns").await;
    assert!(list.contains("税费申报及缴纳") && list.contains("未申报"));
    assert!(list.replace("&#x2f;", "/").contains(FORM));
    let page = v.get_text(FORM).await;
    let prefilled = fields(&page);
    assert_eq!(prefilled.len(), 18, "{page}");

    // a mistake: the page comes back 422 with the message at the field, typed text kept
    let typed = with(&prefilled, "prepaid_tax", "12,3x");
    let res = post(&mut v, "submit", &typed).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("请填写数字"), "{page}");
    assert!(page.contains("value=\"12,3x\""), "typed text kept");
    assert!(page.contains("申报表未通过校验"));

    // 暂存 keeps even an invalid figure until the form is opened again
    let res = post(&mut v, "save", &typed).await;
    assert_eq!(location(&res), format!("{FORM}?notice=saved"));
    let page = v.get_text(FORM).await;
    assert!(page.contains("已为您恢复上次暂存的内容") && page.contains("value=\"12,3x\""));
    let list = v.get_text("/portal/returns").await;
    assert!(list.contains("已暂存"));
    // 重置 goes back to the prefill
    let res = post(&mut v, "reset", &typed).await;
    assert_eq!(location(&res), format!("{FORM}?notice=reset"));
    assert_eq!(fields(&v.get_text(FORM).await), prefilled);

    // a double click: two submits, one filing, both land on the same receipt
    let first = post(&mut v, "submit", &prefilled).await;
    let second = post(&mut v, "submit", &prefilled).await;
    let receipt = location(&first);
    assert!(
        receipt.starts_with("/portal/returns/receipts/"),
        "{receipt}"
    );
    assert_eq!(location(&second), receipt);
    let page = v.get_text(&receipt).await;
    assert!(page.contains("申报成功") && page.contains("申报回执"));
    let filed = app
        .db
        .read(|s| {
            let scope = s.tenant(app.demo);
            let c = scope.companies()?[0].id;
            Ok(scope
                .returns_of(taxlab::store::CompanyId(c))?
                .iter()
                .filter(|r| r.filing_no.is_some())
                .count())
        })
        .unwrap();
    assert_eq!(filed, 1);

    // the form of a filed return is its correction; changing nothing is refused there
    let page = v.get_text(FORM).await;
    assert!(page.contains("提交更正申报") && page.contains("申报记录"));
    assert!(page.contains("name=\"mode\" value=\"amend\""));
    let mut again = prefilled.clone();
    again.push(("mode".to_owned(), "amend".to_owned()));
    let res = post(&mut v, "submit", &again).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("无需更正"));

    let res = v.post(&format!("{FORM}/pay"), &[]).await;
    let doc = location(&res);
    assert!(doc.starts_with("/portal/payments/"), "{doc}");
    let page = v.get_text(&doc).await;
    assert!(page.contains("电子缴款书") && page.contains("增值税"));
    // another person's document number is not found, not an error page
    let res = v.get("/portal/payments/39999999999999999999").await;
    assert_eq!(res.status(), 404);
    let res = v.get("/portal/returns/vat_small/2027Q1").await;
    assert_eq!(res.status(), 404, "a period that has not ended");
    let res = v.get("/portal/returns/nonsense/2026Q3").await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn a_session_that_times_out_while_filling_keeps_the_figures_as_a_draft() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = logged_in(&app, &clerk).await;
    let page = v.get_text(FORM).await;
    let typed = with(&fields(&page), "other_exempt_sales", "1234.50");
    app.clock.advance(chrono::Duration::minutes(21));
    let res = post(&mut v, "submit", &typed).await;
    assert_eq!(location(&res), "/portal/login?notice=timeout_draft");
    let page = v.get_text("/portal/login?notice=timeout_draft").await;
    assert!(page.contains("已自动暂存"));
    let mut v = logged_in_again(&app, &clerk).await;
    let page = v.get_text(FORM).await;
    assert!(page.contains("value=\"1234.50\""), "nothing typed is lost");
    assert!(page.contains("已为您恢复上次暂存的内容"));
}

#[tokio::test]
async fn a_lost_response_says_to_look_before_submitting_again() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = logged_in(&app, &clerk).await;
    app.db
        .write(|s| {
            taxlab::labs::setup::Fault::NetworkDrop { count: 1 }
                .add_to(&s.tenant(app.demo), app.clock.now())
        })
        .unwrap();
    let page = v.get_text(FORM).await;
    let res = post(&mut v, "submit", &fields(&page)).await;
    assert_eq!(res.status(), 504);
    let page = res.text().await.unwrap();
    assert!(page.contains("请不要重复提交"), "{page}");
    let list = v.get_text("/portal/returns").await;
    assert!(list.contains("已申报"));
}
