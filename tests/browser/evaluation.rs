//! The course evaluation in the browser: the instructor opens the pre-test and the survey
//! from the class's page; a trainee finds them on their materials page, takes the test
//! against its countdown, reads the result, answers the survey; the instructor reads the
//! evaluation report.

use fantoccini::{Client, Locator};

use crate::helpers::TestApp;
use crate::{
    assert_no_console_errors, browser, fill, screenshot, start_driver, submit, text, wait_for,
};

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_class_takes_a_test_and_a_survey_and_the_instructor_reads_the_report() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let teacher = crate::console_instructor(&app, &driver, "li").await;
    fill(&teacher, "name", "评估演示班").await;
    fill(&teacher, "seats", "1").await;
    submit(&teacher, "/console/classes").await;
    wait_for(&teacher, "#class-tests").await;
    // the pre-test, 20 minutes, one attempt, and an anonymous survey
    click(&teacher, "#open-pre button[type='submit']").await;
    wait_for(&teacher, "#test-state-pre").await;
    click(&teacher, "#survey-open button[type='submit']").await;
    wait_for(&teacher, "#survey-state").await;
    assert_no_console_errors(&teacher, "class with tests").await;
    let code = teacher
        .find(Locator::Css(".join-code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    // the trainee joins and finds both on the materials page
    let trainee = browser(&driver).await;
    trainee
        .goto(&app.url(&format!("/join/{code}")))
        .await
        .unwrap();
    fill(&trainee, "who", "王五").await;
    submit(&trainee, "/join").await;
    wait_for(&trainee, "#seat-pin").await;
    trainee.goto(&app.url("/")).await.unwrap();
    wait_for(&trainee, "#tests").await;
    click(&trainee, "#tests a[href='/tests/pre']").await;
    wait_for(&trainee, "#start-pre").await;
    click(&trainee, "#start-pre").await;
    wait_for(&trainee, "#paper").await;
    assert!(text(&trainee).await.contains("交卷截止"));
    // answer the first choice of every single-choice question, then hand in
    for radio in trainee
        .find_all(Locator::Css("li.question input[type='radio'][value='0']"))
        .await
        .unwrap()
    {
        radio.click().await.unwrap();
    }
    screenshot(&trainee, "80-test-paper").await;
    assert_no_console_errors(&trainee, "test paper").await;
    click(&trainee, "#hand-in").await;
    wait_for(&trainee, "#result").await;
    assert!(text(&trainee).await.contains("正确答案"));
    screenshot(&trainee, "81-test-result").await;

    // the survey
    trainee.goto(&app.url("/survey")).await.unwrap();
    wait_for(&trainee, "#survey-form").await;
    for item in ["content", "instructor", "environment", "usefulness", "pace"] {
        click(&trainee, &format!("input[name='{item}'][value='4']")).await;
    }
    click(&trainee, "input[name='recommend'][value='9']").await;
    click(&trainee, "#survey-submit").await;
    wait_for(&trainee, "#survey-thanks").await;
    assert_no_console_errors(&trainee, "survey").await;

    // the report
    click(&teacher, "#report-link").await;
    wait_for(&teacher, "#l1").await;
    let page = text(&teacher).await;
    assert!(
        page.contains("培训效果评估报告") && page.contains("王五"),
        "{page}"
    );
    assert!(page.contains("已收到 1 份"));
    assert_no_console_errors(&teacher, "report").await;
    screenshot(&teacher, "82-evaluation-report").await;
    teacher.close().await.unwrap();
    trainee.close().await.unwrap();
}
