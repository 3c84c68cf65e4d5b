//! Issue 12 inside the sandbox: out-of-range input refused at its field with nothing saved,
//! lockouts, seat PINs and freeing seats, join limits, staff tokens and passwords, a launch
//! that fails leaving nothing. (The network side is in `serving.rs`.)

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

async fn api_join(app: &TestApp, code: &str, who: &str, pin: &str) -> (u16, serde_json::Value) {
    let res = app
        .client
        .post(app.url("/api/v1/join"))
        .json(&json!({"code": code, "who": who, "pin": pin}))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn a_classmates_name_does_not_take_over_their_seat() {
    let app = TestApp::spawn().await;
    instructor(&app, "p").await;
    let teacher = staff(&app, "p").await;
    let (_, class) = teacher
        .post(
            "/api/v1/classes",
            json!({"name": "座位", "pack": "etax-basics", "seats": 3}),
        )
        .await;
    let (id, code) = (
        class["id"].as_i64().unwrap(),
        class["join_code"].as_str().unwrap(),
    );
    let (status, ben) = api_join(&app, code, "Ben", "").await;
    assert_eq!(status, 200, "{ben}");
    let pin = ben["seat_pin"].as_str().unwrap().to_owned();
    assert_eq!(pin.len(), 4);
    // somebody else typing Ben's name (any case or width) gets nothing without the PIN
    for who in ["Ben", "ben", "ＢＥＮ", " BEN "] {
        let (status, body) = api_join(&app, code, who, "").await;
        assert_eq!(
            (status, body["code"].as_str(), body["field"].as_str()),
            (422, Some("pin_needed"), Some("pin")),
            "{who}: {body}"
        );
    }
    let wrong = if pin == "0000" { "1111" } else { "0000" };
    let (status, body) = api_join(&app, code, "ben", wrong).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("wrong_pin")));
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("还可以再试 4 次"),
        "{body}"
    );
    // Ben himself, from another browser, with his PIN: the same seat, no new PIN
    let (status, again) = api_join(&app, code, "ＢＥＮ", &pin).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (again["seat"].as_u64(), again["seat_pin"].is_null()),
        (Some(1), true)
    );
    // five wrong PINs lock the seat, even for the right one, until the instructor unlocks
    for _ in 0..4 {
        api_join(&app, code, "Ben", wrong).await;
    }
    let (status, body) = api_join(&app, code, "Ben", wrong).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (423, Some("seat_locked")),
        "{body}"
    );
    let (status, body) = api_join(&app, code, "Ben", &pin).await;
    assert_eq!((status, body["code"].as_str()), (423, Some("seat_locked")));
    // the instructor's seat list shows the PIN and the lock, and is not cached
    let res = app
        .client
        .get(app.url(&format!("/console/classes/{id}/pins")))
        .header(teacher.header.0, &teacher.header.1)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["cache-control"], "no-store");
    let page = res.text().await.unwrap();
    assert!(page.contains(&pin) && page.contains("已锁定"), "{page}");
    let (status, body) = teacher
        .post(&format!("/api/v1/classes/{id}/seats/1/unlock"), json!({}))
        .await;
    assert_eq!(
        (status, body["done"].as_str()),
        (200, Some("unlocked")),
        "{body}"
    );
    let (status, back) = api_join(&app, code, "Ben", "").await;
    assert_eq!(status, 200, "{back}");
    let new_pin = back["seat_pin"].as_str().unwrap();
    assert_eq!(back["seat"].as_u64(), Some(1));
    // his work is still there: the same trainee as before
    let trainee = |token: &str| trainee_of(&app, token).id;
    assert_eq!(
        trainee(ben["sandbox_token"].as_str().unwrap()),
        trainee(back["sandbox_token"].as_str().unwrap())
    );
    assert_eq!(api_join(&app, code, "Ben", new_pin).await.0, 200);
}

#[tokio::test]
async fn the_instructor_frees_a_seat_junk_names_took() {
    let app = TestApp::spawn().await;
    instructor(&app, "q").await;
    let teacher = staff(&app, "q").await;
    let (_, class) = teacher
        .post(
            "/api/v1/classes",
            json!({"name": "满座", "pack": "etax-basics", "seats": 2}),
        )
        .await;
    let (id, code) = (
        class["id"].as_i64().unwrap(),
        class["join_code"].as_str().unwrap(),
    );
    let (_, junk) = api_join(&app, code, "aaa", "").await;
    api_join(&app, code, "bbb", "").await;
    let (status, body) = api_join(&app, code, "小红", "").await;
    assert_eq!((status, body["code"].as_str()), (409, Some("full")));
    // a name too long, or with control characters, is refused at its field
    let (status, body) = api_join(&app, code, &"长".repeat(41), "").await;
    assert_eq!(
        (status, body["field"].as_str()),
        (422, Some("who")),
        "{body}"
    );
    let (status, body) = api_join(&app, code, "a\u{7}b", "").await;
    assert_eq!((status, body["code"].as_str()), (422, Some("bad_name")));
    let (status, _) = teacher
        .post(&format!("/api/v1/classes/{id}/seats/1/free"), json!({}))
        .await;
    assert_eq!(status, 200);
    // the junk occupant is signed out; the real student gets the seat, starting afresh
    let res = app
        .client
        .get(app.url("/api/v1/attempt"))
        .header("x-sandbox-token", junk["sandbox_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let (status, red) = api_join(&app, code, "小红", "").await;
    assert_eq!((status, red["seat"].as_u64()), (200, Some(1)), "{red}");
    assert!(red["seat_pin"].is_string());
    // the old name no longer sits anywhere
    let (status, body) = api_join(&app, code, "aaa", "").await;
    assert_eq!((status, body["code"].as_str()), (409, Some("full")));
    // once the class ends, controls are refused
    teacher
        .post(&format!("/api/v1/classes/{id}/end"), json!({}))
        .await;
    let (status, body) = teacher
        .post(&format!("/api/v1/classes/{id}/seats/1/free"), json!({}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("ended")),
        "{body}"
    );
}

#[tokio::test]
async fn guessing_join_codes_is_limited_per_address() {
    let app = TestApp::spawn().await;
    for _ in 0..taxlab::classroom::BAD_CODE_LIMIT.max {
        let (status, body) = api_join(&app, "ZZZZZZ", "x", "").await;
        assert_eq!((status, body["code"].as_str()), (404, Some("unknown_code")));
    }
    let (status, body) = api_join(&app, "ZZZZZZ", "x", "").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("too_many_tries")),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains("请稍等"));
}

pub(crate) fn trainee_of(app: &TestApp, token: &str) -> taxlab::store::Trainee {
    app.db
        .read(|s| Ok(s.sandbox_trainee(token)?.expect("a trainee")))
        .unwrap()
}

#[tokio::test]
async fn staff_tokens_expire_and_can_be_revoked() {
    let app = TestApp::spawn().await;
    instructor(&app, "r").await;
    let a = staff(&app, "r").await;
    let b = staff(&app, "r").await;
    assert_eq!(a.get("/api/v1/classes").await.0, 200);
    // this token only
    let (status, body) = a
        .send(reqwest::Method::DELETE, "/api/v1/console/token", None)
        .await;
    assert_eq!((status, body["done"].as_str()), (200, Some("revoked")));
    let (status, body) = a.get("/api/v1/classes").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("staff_required"))
    );
    assert_eq!(b.get("/api/v1/classes").await.0, 200);
    // every API token of the user
    let c = staff(&app, "r").await;
    let (status, body) = c
        .send(reqwest::Method::DELETE, "/api/v1/console/tokens", None)
        .await;
    assert_eq!((status, body["tokens"].as_u64()), (200, Some(2)));
    assert_eq!(b.get("/api/v1/classes").await.0, 401);
    // a token older than 30 days no longer works
    let d = staff(&app, "r").await;
    app.clock.advance(chrono::Duration::days(29));
    assert_eq!(d.get("/api/v1/classes").await.0, 200);
    app.clock.advance(chrono::Duration::days(2));
    assert_eq!(d.get("/api/v1/classes").await.0, 401);
}

#[tokio::test]
async fn a_class_whose_launch_fails_is_discarded_with_everything_launching_made() {
    let app = TestApp::spawn().await;
    instructor(&app, "d").await;
    let teacher = staff(&app, "d").await;
    let before = app.db.read(|s| s.tenant_count()).unwrap();
    let (_, class) = teacher
        .post(
            "/api/v1/classes",
            json!({"name": "半途", "pack": "etax-basics", "seats": 3}),
        )
        .await;
    let id = class["id"].as_i64().unwrap();
    let launched = app.db.read(|s| s.tenant_count()).unwrap();
    assert_eq!(
        launched,
        before + 6,
        "a tenant per seat and a prepared lab tenant each"
    );
    let (_, seated) = api_join(&app, class["join_code"].as_str().unwrap(), "早到", "").await;
    let token = seated["sandbox_token"].as_str().unwrap().to_owned();
    assert!(
        app.db
            .read(|s| s.sandbox_trainees())
            .unwrap()
            .iter()
            .any(|t| t.kind == taxlab::store::TraineeKind::Class)
    );
    // what create_and_launch does when seeding fails part way
    app.db.write(|s| s.discard_class(id)).unwrap();
    assert_eq!(app.db.read(|s| s.tenant_count()).unwrap(), before);
    let res = app
        .client
        .get(app.url("/api/v1/attempt"))
        .header("x-sandbox-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let (status, list) = teacher.get("/api/v1/classes").await;
    assert_eq!((status, list.as_array().map(Vec::len)), (200, Some(0)));
    let (status, _) = teacher.get(&format!("/api/v1/classes/{id}")).await;
    assert_eq!(status, 404);
    let trainees = app.db.read(|s| s.sandbox_trainees()).unwrap();
    assert!(
        trainees
            .iter()
            .all(|t| t.kind != taxlab::store::TraineeKind::Class),
        "no seat's trainee is left"
    );
}

#[tokio::test]
async fn a_seed_that_is_not_a_number_is_refused_at_its_field_for_classes_and_courses() {
    let app = TestApp::spawn().await;
    let mut teacher = instructor(&app, "s").await;
    for (path, fields) in [
        (
            "/console/classes",
            vec![
                ("name", "种子"),
                ("pack", "etax-basics"),
                ("seats", "2"),
                ("seed", "abc"),
            ],
        ),
        (
            "/console/courses",
            vec![("name", "种子"), ("pack", "etax-basics"), ("seed", "-1")],
        ),
        (
            "/console/classes",
            vec![
                ("name", "种子"),
                ("pack", "etax-basics"),
                ("seats", "2"),
                ("seed", "18446744073709551616"),
            ],
        ),
    ] {
        let res = teacher.post(path, &fields).await;
        assert_eq!(res.status(), 422, "{path} {fields:?}");
        let page = res.text().await.unwrap();
        assert!(page.contains("数据种子须为"), "{page}");
        assert!(
            page.contains("value=\"种子\""),
            "what was typed stays: {page}"
        );
    }
    let (_, list) = staff(&app, "s").await.get("/api/v1/classes").await;
    assert_eq!(list.as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn an_account_launches_at_most_twenty_classes_an_hour() {
    let app = TestApp::spawn().await;
    instructor(&app, "m").await;
    let teacher = staff(&app, "m").await;
    let launch = || {
        teacher.post(
            "/api/v1/classes",
            json!({"name": "小班", "pack": "etax-basics", "seats": 1}),
        )
    };
    for _ in 0..taxlab::classroom::CLASSES_PER_USER.max {
        assert_eq!(launch().await.0, 200);
    }
    let (status, body) = launch().await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("too_many_classes")),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains("20 个课堂"));
    app.clock.advance(chrono::Duration::minutes(61));
    assert_eq!(launch().await.0, 200);
}

#[tokio::test]
async fn two_roster_rows_with_one_name_join_by_student_number() {
    let app = TestApp::spawn().await;
    instructor(&app, "n").await;
    let teacher = staff(&app, "n").await;
    let (_, class) = teacher
        .post(
            "/api/v1/classes",
            json!({"name": "同名", "pack": "etax-basics", "roster": "张伟,2026001\n张伟,2026002\n"}),
        )
        .await;
    let code = class["join_code"].as_str().unwrap();
    let (status, body) = api_join(&app, code, "张伟", "").await;
    assert_eq!(
        (status, body["code"].as_str(), body["field"].as_str()),
        (422, Some("ambiguous_name"), Some("who")),
        "{body}"
    );
    let (status, first) = api_join(&app, code, "2026002", "").await;
    assert_eq!((status, first["seat"].as_u64()), (200, Some(2)), "{first}");
    let (status, other) = api_join(&app, code, "2026001", "").await;
    assert_eq!((status, other["seat"].as_u64()), (200, Some(1)), "{other}");
}

#[tokio::test]
async fn a_staff_password_change_ends_the_users_other_sign_ins_and_tokens() {
    let app = TestApp::spawn().await;
    instructor(&app, "w").await;
    let here = staff(&app, "w").await;
    let elsewhere = staff(&app, "w").await;
    let change = |current: &str, new: &str, confirm: &str| {
        let body = json!({"current": current, "new_password": new, "confirm": confirm});
        let here = &here;
        async move { here.post("/api/v1/console/password", body).await }
    };
    // refusals at their fields, nothing changed
    for (current, new, confirm, field, code) in [
        (
            "Teach#2026ok",
            "short",
            "short",
            "new_password",
            "too_short",
        ),
        ("Teach#2026ok", "w", "w", "new_password", "too_short"),
        (
            "Teach#2026ok",
            "Longer#pass1",
            "Longer#pass2",
            "confirm",
            "mismatch",
        ),
        (
            "wrong-current",
            "Longer#pass1",
            "Longer#pass1",
            "current",
            "wrong_current",
        ),
    ] {
        let (status, body) = change(current, new, confirm).await;
        assert_eq!(
            (status, body["code"].as_str(), body["field"].as_str()),
            (422, Some(code), Some(field)),
            "{body}"
        );
    }
    assert_eq!(elsewhere.get("/api/v1/classes").await.0, 200);
    let (status, body) = change("Teach#2026ok", "Longer#pass1", "Longer#pass1").await;
    assert_eq!(
        (status, body["done"].as_str()),
        (200, Some("password_changed")),
        "{body}"
    );
    // this token goes on; the other ends; the old password no longer signs in
    assert_eq!(here.get("/api/v1/classes").await.0, 200);
    assert_eq!(elsewhere.get("/api/v1/classes").await.0, 401);
    let res = app
        .client
        .post(app.url("/api/v1/console/token"))
        .json(&json!({"username": "w", "password": "Teach#2026ok"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let res = app
        .client
        .post(app.url("/api/v1/console/token"))
        .json(&json!({"username": "w", "password": "Longer#pass1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn the_console_password_page_refuses_at_the_field_and_confirms_the_change() {
    let app = TestApp::spawn().await;
    let mut teacher = instructor(&app, "pw").await;
    let page = teacher.get_text("/console/password").await;
    assert!(
        page.contains("修改密码") && page.contains("至少 10 个字符"),
        "{page}"
    );
    let res = teacher
        .post(
            "/console/password",
            &[
                ("current", "Teach#2026ok"),
                ("new_password", "Longer#pass1"),
                ("confirm", "nope"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("两次输入的新密码不一致"), "{page}");
    let res = teacher
        .post(
            "/console/password",
            &[
                ("current", "Teach#2026ok"),
                ("new_password", "Longer#pass1"),
                ("confirm", "Longer#pass1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("密码已修改"));
    // still signed in here
    assert_eq!(teacher.get("/console").await.status(), 200);
}
