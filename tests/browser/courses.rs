//! Journeys of the console and of self-paced courses: an instructor works in English on a
//! tablet (console, a course, a scheduled class); a learner registers from the course link,
//! starts a lab, and signs in again from another browser.

use fantoccini::{Client, Locator};

use crate::helpers::TestApp;
use crate::{
    assert_no_console_errors, browser, browser_sized, chinese_ui, english_and_fits, fill, fill_in,
    screenshot, start_driver, submit, text, wait_for,
};

fn add_instructor(app: &TestApp) {
    use argon2::PasswordHasher;
    let salt = argon2::password_hash::SaltString::encode_b64(b"console-browser!").unwrap();
    let hash = argon2::Argon2::default()
        .hash_password(b"Teach#2026ok", &salt)
        .unwrap()
        .to_string();
    app.db
        .write(|s| {
            s.create_user(
                "li",
                "李老师",
                taxlab::store::UserRole::Instructor,
                &hash,
                chrono::Utc::now(),
            )
        })
        .unwrap();
}

async fn sign_in(c: &Client, app: &TestApp) {
    c.goto(&app.url("/console")).await.unwrap();
    wait_for(c, "form[action='/console/login']").await;
    fill(c, "username", "li").await;
    fill(c, "password", "Teach#2026ok").await;
    submit(c, "/console/login").await;
    wait_for(c, "form[action='/console/courses']").await;
}

/// The console log holds only the refusal the page answered with (a form shown again with
/// its error is a 4xx response, which Chromium logs); reading it empties it.
async fn refused_with(c: &Client, status: u16) {
    let log = c.issue_cmd(crate::BrowserLog).await.unwrap();
    for e in log.as_array().unwrap() {
        if e["level"] == "SEVERE" {
            let message = e["message"].as_str().unwrap_or_default();
            assert!(message.contains(&format!("status of {status}")), "{e}");
        }
    }
}

async fn join_code(c: &Client) -> String {
    c.find(Locator::Css(".join-code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn instructor_console_in_english_on_a_tablet_and_a_learner_across_two_browsers() {
    let app = TestApp::spawn().await;
    add_instructor(&app);
    let driver = start_driver().await;
    let teacher = browser_sized(&driver, 768, 1024, None).await;
    sign_in(&teacher, &app).await;
    teacher
        .find(Locator::Css("a[href^='/lang/en']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let chinese_ui = chinese_ui();
    english_and_fits(&teacher, &chinese_ui, "/console", "51-tablet-console").await;

    // a course, opened from the console form
    fill_in(
        &teacher,
        "/console/courses",
        "name",
        "Self-study: e-tax basics",
    )
    .await;
    submit(&teacher, "/console/courses").await;
    wait_for(&teacher, "#enrol-link").await;
    english_and_fits(
        &teacher,
        &chinese_ui,
        "/console/courses/1",
        "52-tablet-course",
    )
    .await;
    let code = join_code(&teacher).await;

    // a class with a schedule: the list shows its times
    teacher.goto(&app.url("/console")).await.unwrap();
    wait_for(&teacher, "form[action='/console/classes']").await;
    fill_in(&teacher, "/console/classes", "name", "Friday class").await;
    fill_in(&teacher, "/console/classes", "seats", "5").await;
    // datetime-local: set the value as a script would (typing depends on the locale)
    teacher
        .execute(
            "document.querySelector(\"input[name='ends_at']\").value = arguments[0];",
            vec![serde_json::json!(
                (app.clock.now() + chrono::Duration::hours(10))
                    .format("%Y-%m-%dT%H:%M")
                    .to_string()
            )],
        )
        .await
        .unwrap();
    submit(&teacher, "/console/classes").await;
    wait_for(&teacher, "table.room").await;
    english_and_fits(
        &teacher,
        &chinese_ui,
        "/console/classes/1",
        "53-tablet-dashboard",
    )
    .await;
    assert!(text(&teacher).await.contains("Ends"));

    // a learner registers from the link; a mistyped confirmation keeps the rest
    let learner = browser(&driver).await;
    learner
        .goto(&app.url(&format!("/course/{code}")))
        .await
        .unwrap();
    wait_for(&learner, "#register").await;
    assert_no_console_errors(&learner, "course page").await;
    let reg = format!("/course/{code}/register");
    for (field, value) in [
        ("login", "2026301"),
        ("name", "吴十"),
        ("password", "Study2026"),
        ("confirm", "Study2062"),
    ] {
        fill_in(&learner, &reg, field, value).await;
    }
    submit(&learner, &reg).await;
    wait_for(&learner, ".field.invalid input[name='confirm']").await;
    assert!(text(&learner).await.contains("两次输入的密码不一致"));
    refused_with(&learner, 422).await;
    screenshot(&learner, "54-course-register-error").await;
    for (field, value) in [("password", "Study2026"), ("confirm", "Study2026")] {
        fill_in(&learner, &reg, field, value).await;
    }
    submit(&learner, &reg).await;
    wait_for(&learner, "#course progress").await;
    let pack = taxlab::labs::Library::embedded().unwrap().packs()[0]
        .labs
        .len();
    assert!(
        text(&learner)
            .await
            .contains(&format!("已通过 0 / {pack} 个实验"))
    );
    submit(&learner, "/labs/sms-expired/start").await;
    wait_for(&learner, "ol.steps").await;
    assert_no_console_errors(&learner, "learner's lab").await;
    learner.close().await.unwrap();

    // the next day, another browser: sign in and find the lab where it was left
    let again = browser(&driver).await;
    again
        .goto(&app.url(&format!("/course/{code}")))
        .await
        .unwrap();
    wait_for(&again, "#sign-in").await;
    let form = format!("/course/{code}/sign-in");
    for (field, value) in [("login", "2026301"), ("password", "Study2026")] {
        fill_in(&again, &form, field, value).await;
    }
    submit(&again, &form).await;
    wait_for(&again, "#course progress").await;
    let page = text(&again).await;
    assert!(
        page.contains("短信验证码延迟与过期"),
        "the lab in progress is kept"
    );
    assert_no_console_errors(&again, "learner's home").await;
    screenshot(&again, "55-course-home").await;

    // the instructor's course page lists the learner
    teacher.goto(&app.url("/console/courses/1")).await.unwrap();
    wait_for(&teacher, "#learners").await;
    assert!(text(&teacher).await.contains("2026301"));
    again.close().await.unwrap();
    teacher.close().await.unwrap();
}
