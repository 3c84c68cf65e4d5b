//! Out-of-range input is refused at its field, and nothing is saved (issue 12's first
//! findings: a class time in year 10000, fault minutes of i64::MAX).

use serde_json::json;

use crate::api_client::staff;
use crate::classroom::instructor;
use crate::helpers::TestApp;

#[tokio::test]
async fn a_class_time_outside_this_century_is_refused_and_nothing_is_saved() {
    let app = TestApp::spawn().await;
    instructor(&app, "t").await;
    let teacher = staff(&app, "t").await;
    for (field, value) in [
        ("ends_at", "9999-12-31T23:00:00-01:00"),
        ("ends_at", "+10000-01-01T00:00:00Z"),
        ("starts_at", "1999-12-31T09:00"),
        ("starts_at", "2101-01-01T09:00"),
    ] {
        let (status, body) = teacher
            .post(
                "/api/v1/classes",
                json!({"name": "远期", "pack": "etax-basics", "seats": 2, field: value}),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str(), body["field"].as_str()),
            (422, Some("bad_time"), Some(field)),
            "{value}: {body}"
        );
        assert!(body["message"].as_str().unwrap().contains("2000"), "{body}");
    }
    let (status, list) = teacher.get("/api/v1/classes").await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
    // and a class in range still works, as does every list after the refusals
    let (status, body) = teacher
        .post(
            "/api/v1/classes",
            json!({"name": "今天", "pack": "etax-basics", "seats": 2, "ends_at": "2100-12-31T23:00"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, list) = teacher.get("/api/v1/classes").await;
    assert_eq!((status, list.as_array().map(Vec::len)), (200, Some(1)));
}

#[tokio::test]
async fn fault_minutes_out_of_range_are_refused_at_their_field() {
    let app = TestApp::spawn().await;
    instructor(&app, "f").await;
    let teacher = staff(&app, "f").await;
    let (_, class) = teacher
        .post(
            "/api/v1/classes",
            json!({"name": "故障", "pack": "etax-basics", "seats": 2}),
        )
        .await;
    let path = format!("/api/v1/classes/{}/faults", class["id"]);
    for body in [
        json!({"kind": "maintenance", "module": "login", "minutes": i64::MAX}),
        json!({"kind": "sms_delay", "minutes": i64::MAX}),
        json!({"kind": "sms_delay", "minutes": 0}),
        json!({"kind": "maintenance", "module": "login", "minutes": -5}),
    ] {
        let (status, answer) = teacher.post(&path, body.clone()).await;
        assert_eq!(
            (status, answer["code"].as_str(), answer["field"].as_str()),
            (422, Some("bad_minutes"), Some("minutes")),
            "{body}: {answer}"
        );
    }
    let (status, answer) = teacher
        .post(
            &path,
            json!({"kind": "maintenance", "module": "login", "minutes": 600}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
}

/// Console sign-ins lock after five wrong passwords for a username, counted before the
/// check in the same transaction, so twenty guesses at once still get only five checks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_sign_ins_lock_after_five_wrong_passwords_even_in_parallel() {
    let app = TestApp::spawn().await;
    instructor(&app, "victim").await;
    instructor(&app, "other").await;
    let token = |user: &'static str, password: String| {
        let app = &app;
        async move {
            let res = app
                .post_json(
                    "/api/v1/console/token",
                    &json!({"username": user, "password": password}).to_string(),
                )
                .await;
            let status = res.status().as_u16();
            (status, res.json::<serde_json::Value>().await.unwrap())
        }
    };
    let answers =
        futures_util::future::join_all((0..20).map(|n| token("victim", format!("guess{n}")))).await;
    let wrong = answers.iter().filter(|(s, _)| *s == 401).count();
    let locked = answers
        .iter()
        .filter(|(s, b)| *s == 429 && b["code"] == "locked")
        .count();
    assert_eq!((wrong, locked), (5, 15), "{answers:?}");
    // the right password waits too, with a message saying how long
    let (status, body) = token("victim", "Teach#2026ok".into()).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("locked")));
    assert!(
        body["message"].as_str().unwrap().contains("15 分钟"),
        "{body}"
    );
    // another account from the same address is not locked by these
    let (status, body) = token("other", "Teach#2026ok".into()).await;
    assert_eq!(status, 200, "{body}");
    // a quarter of an hour later the account opens again
    app.clock.advance(chrono::Duration::minutes(16));
    let (status, body) = token("victim", "Teach#2026ok".into()).await;
    assert_eq!(status, 200, "{body}");
    let outcomes = app
        .db
        .read(|s| {
            Ok((
                s.recent_audits(
                    "console.login",
                    "refused",
                    chrono::Utc::now() - chrono::Duration::hours(1),
                    None,
                    None,
                )?,
                s.recent_audits(
                    "console.login",
                    "pending",
                    chrono::Utc::now() - chrono::Duration::hours(1),
                    None,
                    None,
                )?,
            ))
        })
        .unwrap();
    assert_eq!(outcomes, (5, 0), "every attempt settled in the audit log");
}
