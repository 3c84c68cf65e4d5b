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
    assert!(page.contains("待申报") && page.contains("2026Q3") && page.contains("2026-10-22"));
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
