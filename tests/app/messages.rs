//! 消息中心 and 通知公告 over HTTP.

use taxlab::store::CompanyId;

use crate::helpers::TestApp;
use crate::portal::{accounts, logged_in};

#[tokio::test]
async fn messages_and_announcements_are_read_and_unread_and_stay_in_their_tenant() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = logged_in(&app, &clerk).await;
    let home = v.get_text("/portal").await;
    assert!(
        home.contains("未读消息（条）: 1"),
        "the deadline reminder is unread"
    );
    assert!(home.contains("关于电子税务局系统维护的公告"));

    let list = v.get_text("/portal/messages").await;
    assert!(list.contains("申报期限提醒") && list.contains("未读"));
    let id = list
        .split("/portal/messages/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let page = v.get_text(&format!("/portal/messages/{id}")).await;
    assert!(page.contains("待申报") && page.contains("2026Q3") && page.contains("2026-10-26"));
    assert!(
        !v.get_text("/portal").await.contains("未读消息（条）"),
        "read now"
    );

    let page = v
        .get_text("/portal/announcements/2026-10-maintenance")
        .await;
    assert!(page.contains("系统维护"));
    assert!(v.get_text("/portal/messages").await.contains("已读"));
    // an announcement after the sandbox date is not published; unknown ids are 404 pages
    assert_eq!(
        v.get("/portal/announcements/no-such-thing").await.status(),
        404
    );

    // another tenant's message id is not found
    let other = app
        .db
        .write(|s| {
            let t = taxlab::synth::Tables::embedded();
            let data = taxlab::synth::generate(&taxlab::synth::TenantSpec {
                class_seed: 79,
                seat: 1,
                sandbox_date: taxlab::seed::default_sandbox_date(),
                presets: vec![t.preset("general-manufacturing").unwrap()],
            })
            .unwrap();
            let id = s.insert_tenant(&data)?;
            let scope = s.tenant(id);
            let c = CompanyId(scope.companies()?[0].id);
            scope.post_message(
                c,
                taxlab::seed::default_sandbox_date(),
                "arrears",
                "x",
                &serde_json::json!({"count": 9}),
            )?;
            Ok(scope.messages(c)?[0].id)
        })
        .unwrap();
    let res = v.get(&format!("/portal/messages/{other}")).await;
    assert_eq!(res.status(), 404);
    assert_eq!(v.get("/portal/messages/abc").await.status(), 404);
}

#[tokio::test]
async fn the_help_centre_searches_the_faq_and_the_online_service_answers() {
    let app = TestApp::spawn().await;
    let page = app.get_in("/portal/help").await.text().await.unwrap();
    assert!(
        page.contains("帮助中心") && page.contains("忘记登录密码怎么办"),
        "the whole FAQ without a query"
    );
    let page = app
        .get_in("/portal/help?q=%E8%AF%81%E4%B9%A6%E8%BF%87%E6%9C%9F")
        .await
        .text()
        .await
        .unwrap(); // 证书过期
    assert!(page.contains("数字证书过期或无法读取怎么办"));
    assert!(
        !page.contains("申报数据导入失败怎么办"),
        "unrelated entries are left out"
    );
    // 提交申报时网络中断了怎么办？
    let q = "%E6%8F%90%E4%BA%A4%E7%94%B3%E6%8A%A5%E6%97%B6%E7%BD%91%E7%BB%9C%E4%B8%AD%E6%96%AD%E4%BA%86%E6%80%8E%E4%B9%88%E5%8A%9E";
    let page = app
        .get_in(&format!("/portal/help/ask?q={q}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("不要重复提交"),
        "the course's answer: query, do not resubmit"
    );
    let page = app
        .get_in("/portal/help/ask?q=weather")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("12366"));
    let trace = app.db.read(|s| s.tenant(app.demo).trace_events()).unwrap();
    assert!(
        trace
            .iter()
            .any(|e| e.action == "help.ask" && e.result == "ok")
    );
    assert!(
        trace
            .iter()
            .any(|e| e.action == "help.ask" && e.result == "no_answer")
    );
    let page = app
        .get_in("/portal/help?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Help centre") && page.contains("I forgot my password"));
}
