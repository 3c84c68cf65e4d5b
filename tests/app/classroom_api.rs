//! A class run by a script through the JSON API, from token to end.

use crate::classroom::instructor;
use crate::helpers::TestApp;

#[tokio::test]
async fn a_script_runs_a_class_through_the_api() {
    let app = TestApp::spawn().await;
    instructor(&app, "script").await;
    let post = |path: &str, token: Option<(&str, &str)>, body: serde_json::Value| {
        let mut req = app.client.post(app.url(path)).json(&body);
        if let Some((h, v)) = token {
            req = req.header(h, v);
        }
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<serde_json::Value>().await.unwrap())
        }
    };
    let (status, body) = post(
        "/api/v1/console/token",
        None,
        serde_json::json!({"username": "script", "password": "nope"}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("login_refused"))
    );
    let (_, body) = post(
        "/api/v1/console/token",
        None,
        serde_json::json!({"username": "script", "password": "Teach#2026ok"}),
    )
    .await;
    let token = body["token"].as_str().unwrap().to_owned();
    let staff = Some(("x-staff-token", token.as_str()));

    let (status, body) = post(
        "/api/v1/classes",
        staff,
        serde_json::json!({"name": "脚本班", "pack": "etax-basics", "roster": "姓名,学号\n张三,2026001\n李四,2026002"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["seats"], 2);
    let (id, code) = (
        body["id"].as_i64().unwrap(),
        body["join_code"].as_str().unwrap().to_owned(),
    );
    let (status, body) = post(
        "/api/v1/classes",
        staff,
        serde_json::json!({"name": "", "pack": "etax-basics", "seats": 3}),
    )
    .await;
    assert_eq!((status, body["field"].as_str()), (422, Some("name")));

    // a trainee joins by student number and gets the roster's seat
    let (status, body) = post(
        "/api/v1/join",
        None,
        serde_json::json!({"code": code, "who": "2026002"}),
    )
    .await;
    assert_eq!(status, 200);
    let sandbox = body["sandbox_token"].as_str().unwrap().to_owned();
    let trainee = Some(("x-sandbox-token", sandbox.as_str()));
    let res = app
        .client
        .get(app.url("/api/v1/classes"))
        .header("x-sandbox-token", &sandbox)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "a trainee is no instructor");

    let board: serde_json::Value = app
        .client
        .get(app.url(&format!("/api/v1/classes/{id}")))
        .header("x-staff-token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(board["seats"][1]["name"], "李四");
    assert_eq!(board["seats"][1]["joined"], true);
    assert_eq!(board["seats"][1]["current_lab"], "account-setup");
    assert_eq!(board["seats"][0]["joined"], false);

    let (status, _) = post(
        &format!("/api/v1/classes/{id}/faults"),
        staff,
        serde_json::json!({"kind": "maintenance", "module": "help", "minutes": 5}),
    )
    .await;
    assert_eq!(status, 200);
    let res = app
        .client
        .get(app.url("/api/v1/help"))
        .header("x-sandbox-token", &sandbox)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    let (status, _) = post(
        &format!("/api/v1/classes/{id}/faults-clear"),
        staff,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = post(
        &format!("/api/v1/classes/{id}/seats/2/reset"),
        staff,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = post(
        &format!("/api/v1/classes/{id}/broadcast"),
        staff,
        serde_json::json!({"text": "十分钟后交卷"}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, me) = post("/api/v1/attempt/check", trainee, serde_json::json!({})).await;
    assert_eq!(me["lab"], "account-setup");
    // a raised hand shows on the dashboard; pause stops the trainee; the clock moves
    let (status, _) = post("/api/v1/hand", trainee, serde_json::json!({})).await;
    assert_eq!(status, 200);
    let (status, _) = post(
        &format!("/api/v1/classes/{id}/pause"),
        staff,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = post("/api/v1/attempt/check", trainee, serde_json::json!({})).await;
    assert_eq!((status, body["code"].as_str()), (503, Some("class_paused")));
    post(
        &format!("/api/v1/classes/{id}/resume"),
        staff,
        serde_json::json!({}),
    )
    .await;
    let (status, _) = post(
        &format!("/api/v1/classes/{id}/clock"),
        staff,
        serde_json::json!({"minutes": 400}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, _) = post(
        &format!("/api/v1/classes/{id}/clock"),
        staff,
        serde_json::json!({"minutes": 3}),
    )
    .await;
    assert_eq!(status, 200);
    let board: serde_json::Value = app
        .client
        .get(app.url(&format!("/api/v1/classes/{id}")))
        .header("x-staff-token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(board["hands"], 1);
    assert_eq!(board["seats"][1]["hand"], true);
    let (status, _) = post(
        &format!("/api/v1/classes/{id}/seats/2/hand"),
        staff,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 200);
    // exam mode: the joined trainee starts the pack as a timed exam; later joins do too
    let url = format!("/api/v1/classes/{id}/exam-on");
    let (status, body) = post(&url, staff, serde_json::json!({})).await;
    assert_eq!((status, body["done"].as_str()), (200, Some("exam_on")));
    let (_, panel) = app_get(&app, "/api/v1/attempt", &sandbox).await;
    assert_eq!(panel["mode"], "exam");
    assert!(panel["deadline"].is_string());
    // a pause is not exam time: twenty minutes paused move the deadline twenty minutes on
    let deadline = || {
        app.db
            .read(|s| {
                let t = s
                    .sandbox_trainees()?
                    .into_iter()
                    .find(|t| t.name == "李四")
                    .unwrap();
                Ok(s.attempt_of(t.id, t.attempt.unwrap())?.deadline_at.unwrap())
            })
            .unwrap()
    };
    let before = deadline();
    let pause = format!("/api/v1/classes/{id}/pause");
    assert_eq!(post(&pause, staff, serde_json::json!({})).await.0, 200);
    app.clock.advance(chrono::Duration::minutes(15));
    // pausing twice keeps the first moment
    assert_eq!(post(&pause, staff, serde_json::json!({})).await.0, 200);
    app.clock.advance(chrono::Duration::minutes(5));
    let resume = format!("/api/v1/classes/{id}/resume");
    assert_eq!(post(&resume, staff, serde_json::json!({})).await.0, 200);
    assert_eq!(deadline() - before, chrono::Duration::minutes(20));
    let (_, moved) = app_get(&app, "/api/v1/attempt", &sandbox).await;
    assert_ne!(moved["deadline"], panel["deadline"]);
    let who = serde_json::json!({"code": code, "who": "张三"});
    let (_, body) = post("/api/v1/join", None, who).await;
    let other_seat = body["sandbox_token"].as_str().unwrap().to_owned();
    let (_, panel) = app_get(&app, "/api/v1/attempt", &other_seat).await;
    assert_eq!(panel["mode"], "exam");
    let url = format!("/api/v1/classes/{id}/exam-off");
    assert_eq!(post(&url, staff, serde_json::json!({})).await.0, 200);
    let url = format!("/api/v1/classes/{id}/no-such-action");
    assert_eq!(post(&url, staff, serde_json::json!({})).await.0, 404);

    // another instructor's token reaches nothing of this class
    instructor(&app, "other").await;
    let (_, body) = post(
        "/api/v1/console/token",
        None,
        serde_json::json!({"username": "other", "password": "Teach#2026ok"}),
    )
    .await;
    let other = body["token"].as_str().unwrap().to_owned();
    let (status, _) = post(
        &format!("/api/v1/classes/{id}/end"),
        Some(("x-staff-token", &other)),
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 404);

    let (status, _) = post(
        &format!("/api/v1/classes/{id}/end"),
        staff,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let res = app
        .client
        .get(app.url("/api/v1/attempt"))
        .header("x-sandbox-token", &sandbox)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 410, "the class has ended");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "class_ended");
    assert!(body["message"].as_str().unwrap().contains("课堂已结束"));
    // the lab that was running was handed in and graded
    let open = app
        .db
        .read(|s| {
            let mut n = 0;
            for st in s.seats(id)? {
                n += s
                    .attempts_of(st.trainee_id)?
                    .iter()
                    .filter(|a| a.finished_at.is_none() || a.score.is_none())
                    .count();
            }
            Ok(n)
        })
        .unwrap();
    assert_eq!(open, 0);
}

async fn app_get(app: &TestApp, path: &str, sandbox: &str) -> (u16, serde_json::Value) {
    let res = app
        .client
        .get(app.url(path))
        .header("x-sandbox-token", sandbox)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}
