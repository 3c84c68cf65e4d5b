//! Journeys through labs and classes: a trainee doing a lab with its task panel, and an
//! instructor running a class live.

use std::time::Duration;

use fantoccini::{Client, Locator};

use crate::helpers::TestApp;
use crate::{
    assert_no_console_errors, browser, enter_sandbox, fill, phone_code, screenshot, start_driver,
    submit, submit_to_next_page, text, wait_for, wait_text,
};

/// A trainee does a lab in the browser: starts it, reads the task panel, opens a hint,
/// meets the delayed code, checks their work, finishes and reads the feedback.
#[tokio::test]
async fn trainee_does_a_lab_with_the_task_panel_and_reads_the_feedback() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let c = browser(&driver).await;
    enter_sandbox(&c, &app).await;
    c.goto(&app.url("/#labs")).await.unwrap();
    assert!(text(&c).await.contains("电子税务局基础实操"));
    submit(&c, "/labs/sms-expired/start").await;
    wait_for(&c, "ol.steps").await;
    let page = text(&c).await;
    assert!(page.contains("短信验证码延迟与过期") && page.contains("操作步骤"));
    assert_no_console_errors(&c, "lab page").await;
    screenshot(&c, "31-lab-page").await;

    // the story names this trainee's own company and mobile number
    let (uscc, mobile, password) = app
        .db
        .read(|s| {
            let t = s
                .sandbox_trainees()?
                .into_iter()
                .find(|t| t.attempt.is_some())
                .unwrap();
            let a = s.attempt_of(t.id, t.attempt.unwrap())?;
            let m = taxlab::labs::run::materials(&a)?;
            Ok((
                m.values["uscc"].clone(),
                m.values["me.mobile"].clone(),
                m.values["password"].clone(),
            ))
        })
        .unwrap();
    assert!(page.contains(&mobile));

    c.goto(&app.url("/portal/login")).await.unwrap();
    wait_for(&c, "aside.task").await;
    // a hint from the panel, at its cost, asked first: declining keeps it closed
    let hint = c
        .find(Locator::Css("aside.task form.hint-form button"))
        .await
        .unwrap();
    hint.click().await.unwrap();
    let question = c.get_alert_text().await.expect("a confirmation");
    assert!(
        question.contains("将扣") && question.contains("分"),
        "{question}"
    );
    c.dismiss_alert().await.unwrap();
    assert!(c.find(Locator::Css("aside.task p.hint")).await.is_err());
    c.find(Locator::Css("aside.task form.hint-form button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.accept_alert().await.unwrap();
    wait_for(&c, "aside.task p.hint").await;
    assert!(text(&c).await.contains("60 秒后可用"));
    fill(&c, "company", &uscc).await;
    fill(&c, "account", &mobile).await;
    fill(&c, "password", &password).await;
    submit(&c, "/portal/login").await;
    wait_for(&c, "form[action='/portal/login/sms']").await;
    let late = phone_code(&c).await;
    fill(&c, "code", &late).await;
    submit(&c, "/portal/login/sms").await;
    wait_for(&c, ".field-error, .error-box").await;
    assert!(text(&c).await.contains("验证码已过期"));
    screenshot(&c, "32-lab-expired-code").await;
    submit_to_next_page(&c, "/portal/login/sms/resend").await;
    wait_for(&c, "form[action='/portal/login/sms']").await;
    let fresh = phone_code(&c).await;
    assert_ne!(fresh, late);
    fill(&c, "code", &fresh).await;
    submit(&c, "/portal/login/sms").await;
    wait_for(&c, ".cards").await;
    assert_no_console_errors(&c, "workbench in a lab").await;
    screenshot(&c, "33-lab-workbench-with-panel").await;

    // 检查我的操作 from the panel: both checks pass, the hint cost 3
    submit(&c, "/lab/check").await;
    wait_for(&c, "#feedback").await;
    let page = text(&c).await;
    assert!(
        page.contains("97 / 100") && page.contains("查看提示扣分"),
        "{page}"
    );
    screenshot(&c, "34-lab-feedback").await;
    submit(&c, "/lab/finish").await;
    wait_for(&c, "dl.facts").await;
    let page = text(&c).await;
    assert!(page.contains("实验成绩") && page.contains("97 / 100") && page.contains("通过"));
    assert_no_console_errors(&c, "lab result").await;
    screenshot(&c, "35-lab-result").await;
    c.close().await.unwrap();
}

/// The instructor's journey: sign in, create a class, watch a trainee join live, put the
/// bureau into maintenance for everyone, end the class.
#[tokio::test]
async fn instructor_runs_a_class_and_watches_it_live() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let teacher = crate::console_instructor(&app, &driver, "wang").await;
    assert_no_console_errors(&teacher, "console").await;
    fill(&teacher, "name", "周三上午班").await;
    fill(&teacher, "seats", "2").await;
    // the roster from a CSV Excel saved in GBK: read into the box as Chinese, not garbled
    let roster = std::env::temp_dir().join(format!("taxlab-roster-{}.csv", std::process::id()));
    // 姓名,学号 / 张三,2026001 / 李四,2026002 in GBK
    std::fs::write(
        &roster,
        b"\xd0\xd5\xc3\xfb,\xd1\xa7\xba\xc5\r\n\xd5\xc5\xc8\xfd,2026001\r\n\xc0\xee\xcb\xc4,2026002\r\n",
    )
    .unwrap();
    teacher
        .find(Locator::Id("roster-file"))
        .await
        .unwrap()
        .send_keys(roster.to_str().unwrap())
        .await
        .unwrap();
    let mut read = String::new();
    for _ in 0..50 {
        read = teacher
            .execute(
                "return document.querySelector('textarea[name=roster]').value",
                vec![],
            )
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if !read.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        read.contains("张三,2026001") && read.contains("李四,2026002"),
        "{read:?}"
    );
    let _ = std::fs::remove_file(&roster);
    submit(&teacher, "/console/classes").await;
    wait_for(&teacher, "table.room").await;
    let code = teacher
        .find(Locator::Css(".join-code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(code.len(), 6);
    assert!(text(&teacher).await.contains("已加入 0 人"));
    assert_no_console_errors(&teacher, "dashboard").await;

    // a trainee joins from their own browser; the dashboard follows without a reload
    let trainee = browser(&driver).await;
    trainee
        .goto(&app.url(&format!("/join/{code}")))
        .await
        .unwrap();
    fill(&trainee, "who", "张三").await;
    submit(&trainee, "/join").await;
    // the first join shows the seat PIN once, then the lab
    wait_for(&trainee, "#seat-pin").await;
    assert!(text(&trainee).await.contains("你的座位密码"));
    screenshot(&trainee, "40-seat-pin").await;
    trainee
        .find(Locator::Id("to-lab"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&trainee, "ol.steps").await;
    assert!(text(&trainee).await.contains("账号登录与设置"));
    assert_no_console_errors(&trainee, "trainee's lab").await;
    teacher
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//p[@id='summary' and contains(., '已加入 1 人')]",
        ))
        .await
        .expect("the dashboard shows the join live");
    screenshot(&teacher, "41-dashboard-live").await;
    // the seat's page shows its PIN to read out, with unlock and free
    let class = class_id(&teacher).await;
    teacher
        .goto(&app.url(&format!("/console/classes/{class}/seats/1")))
        .await
        .unwrap();
    wait_for(&teacher, "#seat-pin").await;
    assert!(text(&teacher).await.contains("解锁座位"));
    assert_no_console_errors(&teacher, "seat page").await;
    screenshot(&teacher, "42-seat-page").await;
    teacher
        .goto(&app.url(&format!("/console/classes/{class}/pins")))
        .await
        .unwrap();
    wait_for(&teacher, "table.pins").await;
    assert!(text(&teacher).await.contains("张三"));
    screenshot(&teacher, "43-seat-pins").await;
    teacher
        .goto(&app.url(&format!("/console/classes/{class}")))
        .await
        .unwrap();
    wait_for(&teacher, "table.room").await;

    // maintenance on the login module for the whole class
    teacher
        .find(Locator::Css("select[name='module'] option[value='login']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    submit(
        &teacher,
        &format!("/console/classes/{}/faults", class_id(&teacher).await),
    )
    .await;
    wait_for(&teacher, ".notice-box").await;
    trainee.goto(&app.url("/portal/login")).await.unwrap();
    wait_for(&trainee, ".error-page").await;
    assert!(text(&trainee).await.contains("登录功能正在维护升级"));
    screenshot(&trainee, "42-trainee-maintenance").await;

    // ending the class asks first; it then hands in and grades the running lab, and the
    // trainee sees their results wherever they were
    submit(
        &teacher,
        &format!("/console/classes/{}/end", class_id(&teacher).await),
    )
    .await;
    let question = teacher.get_alert_text().await.expect("a confirmation");
    assert!(question.contains("确定结束课堂吗"), "{question}");
    teacher.accept_alert().await.unwrap();
    wait_text(&teacher, "课堂已结束").await;
    screenshot(&teacher, "43-class-ended").await;
    // (the maintenance page's 503 above is in the log; read it away first)
    trainee.issue_cmd(crate::BrowserLog).await.unwrap();
    trainee.goto(&app.url("/portal/login")).await.unwrap();
    wait_for(&trainee, "#ended-results").await;
    let page = text(&trainee).await;
    assert!(
        page.contains("课堂已结束") && page.contains("最高得分"),
        "{page}"
    );
    assert_no_console_errors(&trainee, "class ended").await;
    screenshot(&trainee, "44-trainee-class-ended").await;
    teacher.close().await.unwrap();
    trainee.close().await.unwrap();
}

pub(crate) async fn class_id(c: &Client) -> String {
    c.find(Locator::Css("table.room"))
        .await
        .unwrap()
        .attr("data-class")
        .await
        .unwrap()
        .unwrap()
}

/// A class of 40 in a computer lab, on the instructor's 1366×768 screen: the room fits
/// without scrolling sideways, the control bar stays in view while the grid scrolls, and
/// the join code opens large with its QR code for the projector.
#[tokio::test]
async fn a_40_seat_dashboard_fits_one_screen() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let (teacher, _) = crate::class_on_screen(&app, &driver, "zhou", "四十人班", 40).await;
    let rows = teacher
        .find_all(Locator::Css("table.room tbody tr"))
        .await
        .unwrap()
        .len();
    assert_eq!(rows, 40);
    let sizes = teacher
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth,
                     document.getElementById('room').getBoundingClientRect().right]",
            vec![],
        )
        .await
        .unwrap();
    let (page, view, room) = (
        sizes[0].as_f64().unwrap(),
        sizes[1].as_f64().unwrap(),
        sizes[2].as_f64().unwrap(),
    );
    assert!(
        page <= view && room <= view,
        "page {page}, room {room}, view {view}"
    );
    screenshot(&teacher, "45-dashboard-40-seats").await;
    // scrolled down the grid, the controls are still at the top of the screen
    let top = teacher
        .execute(
            "window.scrollTo(0, 900); return document.getElementById('control-bar').getBoundingClientRect().top",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!((0.0..2.0).contains(&top), "control bar at {top}");
    // the join code, large, for the projector
    teacher
        .find(Locator::Css("#join-large summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let height = teacher
        .execute(
            "return document.querySelector('.join-code-large').getBoundingClientRect().height",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(height > 80.0, "the large code is {height}px high");
    screenshot(&teacher, "46-join-code-projected").await;
    assert_no_console_errors(&teacher, "40-seat dashboard").await;
    teacher.close().await.unwrap();
}
