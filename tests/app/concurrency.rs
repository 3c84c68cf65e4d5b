//! Many requests at once through the single writer, and pages that only read.

use futures_util::future::join_all;
use serde_json::json;

use crate::api_client::{Api, staff};
use crate::classroom::instructor;
use crate::helpers::TestApp;
use crate::staff::cast;

/// Fifty trainees of one class join, log in and change their initial password at the same
/// moment: every request succeeds (none answers `database is locked` or times out waiting).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_trainees_join_log_in_and_change_passwords_at_once() {
    let app = TestApp::spawn().await;
    instructor(&app, "busy").await;
    let teacher = staff(&app, "busy").await;
    let (status, class) = teacher
        .post(
            "/api/v1/classes",
            json!({"name": "满座", "pack": "etax-basics", "seats": 50, "seed": 3}),
        )
        .await;
    assert_eq!(status, 200, "{class}");
    let code = class["join_code"].as_str().unwrap().to_owned();

    let app = &app;
    let joins = join_all((1..=50).map(|n| {
        let body = json!({"code": code, "who": format!("学员{n}")});
        async move { app.post_json("/api/v1/join", &body.to_string()).await }
    }))
    .await;
    let mut sandboxes = Vec::new();
    for res in joins {
        assert_eq!(res.status(), 200);
        let body: serde_json::Value = res.json().await.unwrap();
        sandboxes.push(body["sandbox_token"].as_str().unwrap().to_owned());
    }

    // each trainee's first lab (账号登录与设置): their company and their own account
    let who: Vec<(String, String)> = sandboxes
        .iter()
        .map(|t| {
            app.db
                .read(|s| {
                    let trainee = s.sandbox_trainee(t)?.unwrap();
                    let a = s.attempt_of(trainee.id, trainee.attempt.unwrap())?;
                    let m = taxlab::labs::run::materials(&a)?.values;
                    Ok((m["uscc"].clone(), m["me.mobile"].clone()))
                })
                .unwrap()
        })
        .collect();
    let logins = join_all(sandboxes.iter().zip(&who).map(|(sandbox, (uscc, mobile))| {
        let mut api = Api::with_sandbox(app, sandbox);
        async move {
            let (status, body) = api
                .post(
                    "/api/v1/login",
                    json!({"company": uscc, "account": mobile, "password": "Etax@2026"}),
                )
                .await;
            assert_eq!(status, 200, "{body}");
            api.token = Some(body["token"].as_str().unwrap().to_owned());
            let (status, body) = api
                .post(
                    "/api/v1/password/initial",
                    json!({"new_password": "Good#Pass42", "confirm": "Good#Pass42"}),
                )
                .await;
            (status, body)
        }
    }))
    .await;
    for (status, body) in logins {
        assert_eq!(status, 200, "{body}");
    }
    // and every one of them is in the store, logged in
    let logged_in = app
        .db
        .read(|s| {
            let mut n = 0;
            for t in &sandboxes {
                let trainee = s.sandbox_trainee(t)?.unwrap();
                n += s
                    .tenant(trainee.tenant)
                    .trace_events()?
                    .iter()
                    .filter(|e| e.action == "login" && e.result == "ok")
                    .count();
            }
            Ok(n)
        })
        .unwrap();
    assert_eq!(logged_in, 50);
}

/// A page that only shows what is there writes nothing; one that is traced writes its
/// trace entry alone; a session is touched at most once a minute.
#[tokio::test]
async fn a_get_page_writes_nothing() {
    let app = TestApp::spawn().await;
    let (uscc, _, _, _, clerk, _) = cast(&app);
    let mut api = Api::new(&app);
    api.first_login(&uscc, &clerk.mobile).await;
    let token = api.token.clone().unwrap();
    let page = |path: &'static str| {
        let req = app
            .client
            .get(app.url(path))
            .header("x-sandbox-token", &app.sandbox)
            .header("cookie", format!("etax_session={token}"));
        async move {
            let res = req.send().await.unwrap();
            assert_eq!(res.status(), 200, "{path}");
            res.text().await.unwrap()
        }
    };
    // the first workbench of the day posts its reminders; after that it only reads
    page("/portal").await;
    let before = app.db.total_changes();
    let html = page("/portal").await;
    assert!(
        html.contains("工作台") || html.contains("我的待办"),
        "{html}"
    );
    page("/portal/messages").await;
    let (status, _) = api.get("/api/v1/workbench").await;
    assert_eq!(status, 200);
    assert_eq!(app.db.total_changes(), before, "GET pages wrote");

    // the returns list is traced for the grader: that entry is all it writes
    let traced = |app: &TestApp| {
        app.db
            .read(|s| Ok(s.tenant(app.demo).trace_events()?.len()))
            .unwrap()
    };
    let events = traced(&app);
    page("/portal/returns").await;
    assert_eq!(traced(&app), events + 1);
    assert_eq!(app.db.total_changes(), before + 1);

    // a minute on, the next page refreshes the session's last-seen time, once
    app.clock.advance(chrono::Duration::seconds(61));
    page("/portal").await;
    assert_eq!(app.db.total_changes(), before + 2);
    page("/portal").await;
    assert_eq!(app.db.total_changes(), before + 2);
}

/// The first lab's tenant, prepared at launch and claimed at join, is the one the lab would
/// generate for that seat: starting the lab again gives the same company and people.
#[tokio::test]
async fn a_prepared_first_lab_is_the_one_generation_would_give() {
    let app = TestApp::spawn().await;
    instructor(&app, "prep").await;
    let teacher = staff(&app, "prep").await;
    let (status, class) = teacher
        .post(
            "/api/v1/classes",
            json!({"name": "预备", "pack": "etax-basics", "seats": 2, "seed": 11}),
        )
        .await;
    assert_eq!(status, 200, "{class}");
    let prepared: i64 = app
        .db
        .read(|s| {
            Ok(s.tenants()?
                .iter()
                .filter(|t| t.label.contains("-account-setup-"))
                .count() as i64)
        })
        .unwrap();
    assert_eq!(prepared, 2, "one prepared tenant a seat");
    let res = app
        .post_json(
            "/api/v1/join",
            &json!({"code": class["join_code"], "who": "甲"}).to_string(),
        )
        .await;
    let sandbox = res.json::<serde_json::Value>().await.unwrap()["sandbox_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let current = |app: &TestApp| {
        app.db
            .read(|s| {
                let t = s.sandbox_trainee(&sandbox)?.unwrap();
                let a = s.attempt_of(t.id, t.attempt.unwrap())?;
                let label = s.tenant(a.tenant.unwrap()).record()?.label;
                let m = taxlab::labs::run::materials(&a)?.values;
                Ok((
                    label,
                    m["uscc"].clone(),
                    m["me.mobile"].clone(),
                    m["me.name"].clone(),
                ))
            })
            .unwrap()
    };
    let (label, uscc, mobile, name) = current(&app);
    assert!(label.starts_with("attempt-"), "{label}");
    let api = Api::with_sandbox(&app, &sandbox);
    let (status, body) = api
        .post("/api/v1/labs/account-setup/start", json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    let again = current(&app);
    assert_ne!(again.0, label, "a new attempt, a new tenant");
    assert_eq!((again.1, again.2, again.3), (uscc, mobile, name));
}
