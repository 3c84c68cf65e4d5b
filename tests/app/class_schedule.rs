//! A class's start and end times, and its assistants.

use serde_json::{Value, json};

use crate::api_client::staff;
use crate::browser::Visitor;
use crate::classroom::{instructor, taxlab_hash};
use crate::helpers::TestApp;

/// China Standard Time, as the console's form sends it.
fn cst(t: chrono::DateTime<chrono::Utc>) -> String {
    (t + chrono::Duration::hours(8))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

async fn join(app: &TestApp, code: &str, who: &str) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/api/v1/join"))
        .json(&json!({"code": code, "who": who}))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn a_class_opens_for_joining_at_its_start_and_ends_by_itself() {
    let app = TestApp::spawn().await;
    instructor(&app, "teacher").await;
    let teacher = staff(&app, "teacher").await;
    let now = app.clock.now();

    let (status, body) = teacher
        .post(
            "/api/v1/classes",
            json!({"name": "晚班", "pack": "etax-basics", "seats": 3,
                   "starts_at": cst(now + chrono::Duration::hours(2)), "ends_at": cst(now + chrono::Duration::hours(1))}),
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (422, Some("ends_at")));
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("结束时间须晚于开始时间")
    );
    let (status, body) = teacher
        .post(
            "/api/v1/classes",
            json!({"name": "晚班", "pack": "etax-basics", "seats": 3, "ends_at": "next tuesday"}),
        )
        .await;
    // not a time at all: refused at the field it was typed in
    assert_eq!(
        (status, body["code"].as_str(), body["field"].as_str()),
        (422, Some("bad_time"), Some("ends_at"))
    );

    let (status, class) = teacher
        .post(
            "/api/v1/classes",
            json!({"name": "晚班", "pack": "etax-basics", "seats": 3,
                   "starts_at": cst(now + chrono::Duration::hours(2)), "ends_at": cst(now + chrono::Duration::hours(4))}),
        )
        .await;
    assert_eq!(status, 200, "{class}");
    let (id, code) = (
        class["id"].as_i64().unwrap(),
        class["join_code"].as_str().unwrap().to_owned(),
    );
    let (status, body) = join(&app, &code, "孙八").await;
    assert_eq!((status, body["code"].as_str()), (409, Some("not_started")));
    assert!(body["message"].as_str().unwrap().contains("课堂尚未开始"));

    // fifteen minutes before the start the room may come in
    app.clock.advance(chrono::Duration::minutes(106));
    let (status, body) = join(&app, &code, "孙八").await;
    assert_eq!(status, 200, "{body}");
    let sandbox = body["sandbox_token"].as_str().unwrap().to_owned();
    let (status, _) = crate::api_client::Api::with_sandbox(&app, &sandbox)
        .get("/api/v1/attempt")
        .await;
    assert_eq!(status, 200);

    // at the end time the class ends by itself: the dashboard says so, the trainee's work is over
    app.clock.advance(chrono::Duration::hours(3));
    let (status, board) = teacher.get(&format!("/api/v1/classes/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(board["class"]["state"], "ended");
    let res = app
        .client
        .get(app.url("/api/v1/attempt"))
        .header("x-sandbox-token", &sandbox)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 410, "the class is over for its trainees");
    let (status, body) = join(&app, &code, "孙八").await;
    assert_eq!((status, body["code"].as_str()), (409, Some("ended")));
    let ended_by = app
        .db
        .read(|s| s.audit_of_class(id, "class.end", 5))
        .unwrap();
    assert_eq!(ended_by[0].actor, "system");
}

#[tokio::test]
async fn an_assistant_rescues_trainees_but_does_not_run_the_class() {
    let app = TestApp::spawn().await;
    instructor(&app, "teacher").await;
    let hash = taxlab_hash("Teach#2026ok");
    app.db
        .write(|s| {
            s.create_user(
                "helper",
                "李助教",
                taxlab::store::UserRole::Assistant,
                &hash,
                chrono::Utc::now(),
            )
        })
        .unwrap();
    let teacher = staff(&app, "teacher").await;
    let helper = staff(&app, "helper").await;

    let (status, body) = helper
        .post(
            "/api/v1/classes",
            json!({"name": "助教班", "pack": "etax-basics", "seats": 2}),
        )
        .await;
    assert_eq!((status, body["code"].as_str()), (403, Some("not_allowed")));
    let (status, _) = helper
        .post(
            "/api/v1/courses",
            json!({"name": "x", "pack": "etax-basics"}),
        )
        .await;
    assert_eq!(status, 403);

    let (_, class) = teacher
        .post(
            "/api/v1/classes",
            json!({"name": "二班", "pack": "etax-basics", "seats": 2}),
        )
        .await;
    let (id, code) = (
        class["id"].as_i64().unwrap(),
        class["join_code"].as_str().unwrap().to_owned(),
    );
    join(&app, &code, "周九").await;
    let (status, _) = helper.get(&format!("/api/v1/classes/{id}")).await;
    assert_eq!(status, 404, "not yet assigned");

    let (status, body) = teacher
        .post(
            &format!("/api/v1/classes/{id}/assistant-add"),
            json!({"text": "nobody"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("unknown_assistant"))
    );
    let (status, _) = teacher
        .post(
            &format!("/api/v1/classes/{id}/assistant-add"),
            json!({"text": "helper"}),
        )
        .await;
    assert_eq!(status, 200);

    let (_, list) = helper.get("/api/v1/classes").await;
    assert_eq!(list[0]["id"], id);
    let (status, board) = helper.get(&format!("/api/v1/classes/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(board["joined"], 1);
    // a rescue is allowed, and audited under the assistant's name
    let (status, body) = helper
        .post(&format!("/api/v1/classes/{id}/seats/1/reset"), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = helper
        .post(
            &format!("/api/v1/classes/{id}/faults-clear"),
            json!({"seat": 1}),
        )
        .await;
    assert_eq!(status, 200);
    // the class-wide controls are the instructor's
    for (action, body) in [
        ("end", json!({})),
        ("broadcast", json!({"text": "下课"})),
        (
            "faults",
            json!({"kind": "maintenance", "module": "login", "minutes": 5}),
        ),
        ("faults-clear", json!({})),
        ("assistant-remove", json!({"text": "helper"})),
    ] {
        let (status, res) = helper
            .post(&format!("/api/v1/classes/{id}/{action}"), body)
            .await;
        assert_eq!(
            (status, res["code"].as_str()),
            (403, Some("not_allowed")),
            "{action}"
        );
    }
    let log = app
        .db
        .read(|s| s.audit_of_class(id, "class.reset", 5))
        .unwrap();
    let helper_id = app
        .db
        .read(|s| Ok(s.user_by_name("helper")?.unwrap().id))
        .unwrap();
    assert_eq!(log[0].actor, format!("user:{helper_id}"));

    // the dashboard page shows an assistant the rescue controls only
    let mut v = Visitor::outsider(&app);
    v.get("/console/login").await;
    v.post(
        "/console/login",
        &[("username", "helper"), ("password", "Teach#2026ok")],
    )
    .await;
    let page = v.get_text(&format!("/console/classes/{id}")).await;
    assert!(page.contains("你是本课堂的助教") && page.contains("重置实验"));
    assert!(!page.contains(&format!("/console/classes/{id}/end")));

    let (status, _) = teacher
        .post(
            &format!("/api/v1/classes/{id}/assistant-remove"),
            json!({"text": "helper"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = helper.get(&format!("/api/v1/classes/{id}")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_broadcast_is_listed_among_the_announcements_and_a_new_one_is_unread_again() {
    let app = TestApp::spawn().await;
    instructor(&app, "teacher").await;
    let teacher = staff(&app, "teacher").await;
    let (_, class) = teacher
        .post(
            "/api/v1/classes",
            json!({"name": "三班", "pack": "etax-basics", "seats": 1}),
        )
        .await;
    let id = class["id"].as_i64().unwrap();
    let (_, joined) = join(&app, class["join_code"].as_str().unwrap(), "郑一").await;
    let sandbox = joined["sandbox_token"].as_str().unwrap().to_owned();
    let (uscc, mobile) = app
        .db
        .read(|s| {
            let t = s.sandbox_trainee(&sandbox)?.unwrap();
            let a = s.attempt_of(t.id, t.attempt.unwrap())?;
            let m = taxlab::labs::run::materials(&a)?;
            Ok((m.values["uscc"].clone(), m.values["me.mobile"].clone()))
        })
        .unwrap();
    let mut api = crate::api_client::Api::with_sandbox(&app, &sandbox);
    let (status, body) = api
        .post(
            "/api/v1/login",
            json!({"company": uscc, "account": mobile, "password": "Etax@2026"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    api.token = Some(body["token"].as_str().unwrap().to_owned());
    let (status, _) = api
        .post(
            "/api/v1/password/initial",
            json!({"new_password": "Good#Pass42", "confirm": "Good#Pass42"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, inbox) = api.get("/api/v1/messages").await;
    let bureau_only = inbox["announcements"].as_array().unwrap().len();

    teacher
        .post(
            &format!("/api/v1/classes/{id}/broadcast"),
            json!({"text": "请先完成第一步，再绑定邮箱"}),
        )
        .await;
    let (_, inbox) = api.get("/api/v1/messages").await;
    let list = inbox["announcements"].as_array().unwrap();
    assert_eq!(list.len(), bureau_only + 1);
    assert_eq!(list[0]["title"], "课堂通知：请先完成第一步，再绑定邮箱");
    assert_eq!(list[0]["read"], false);
    let notice = list[0]["id"].as_str().unwrap().to_owned();
    let (status, opened) = api.get(&format!("/api/v1/announcements/{notice}")).await;
    assert_eq!(status, 200);
    assert_eq!(opened["body"], "请先完成第一步，再绑定邮箱");
    let (_, inbox) = api.get("/api/v1/messages").await;
    assert_eq!(inbox["announcements"][0]["read"], true);
    // the workbench shows it among the latest announcements
    let (_, bench) = api.get("/api/v1/workbench").await;
    assert_eq!(bench["announcements"][0]["id"], notice.as_str());

    // a new broadcast replaces it, unread; the old id is gone
    teacher
        .post(
            &format!("/api/v1/classes/{id}/broadcast"),
            json!({"text": "十分钟后下课"}),
        )
        .await;
    let (_, inbox) = api.get("/api/v1/messages").await;
    assert_eq!(inbox["announcements"][0]["read"], false);
    assert_ne!(inbox["announcements"][0]["id"], notice.as_str());
    let (status, _) = api.get(&format!("/api/v1/announcements/{notice}")).await;
    assert_eq!(status, 404);
    // reading the class notice does not count as reading the bureau's announcements
    let read = app
        .db
        .read(|s| {
            let t = s.sandbox_trainee(&sandbox)?.unwrap();
            Ok(s.tenant(t.tenant)
                .trace_events()?
                .iter()
                .filter(|e| e.action == "announcement.read")
                .count())
        })
        .unwrap();
    assert_eq!(read, 0);
}
