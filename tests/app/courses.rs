//! Self-paced courses: enrolment by link, password sign-in across days, rate limits,
//! retrying a lab, the completion record; and the console's side of it.

use serde_json::{Value, json};

use crate::api_client::{Api, Client, staff};
use crate::browser::{Visitor, location};
use crate::classroom::instructor;
use crate::helpers::TestApp;

/// The shipped labs plus a one-lab pack, so a learner can complete a course in one test.
fn library_with_short_pack() -> taxlab::labs::Library {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files = Vec::new();
    for sub in ["labs", "packs"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            files.push((
                format!("{sub}/{name}"),
                std::fs::read_to_string(&path).unwrap(),
            ));
        }
    }
    files.push((
        "packs/sms-only.toml".to_owned(),
        r#"id = "sms-only"
title = { zh = "验证码专项", en = "SMS codes" }
description = { zh = "验证码过期。", en = "An expired SMS code." }
labs = ["sms-expired"]
exam_minutes = 20
"#
        .to_owned(),
    ));
    taxlab::labs::Library::from_files(files).unwrap()
}

async fn register(app: &TestApp, code: &str, login: &str, password: &str) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/course/{code}/register")))
        .json(&json!({"login": login, "name": "赵六", "password": password, "confirm": password}))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn sign_in(app: &TestApp, code: &str, login: &str, password: &str) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/course/{code}/sign-in")))
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

/// A course opened through the API: (id, enrolment code).
async fn open_course(staff: &Client<'_>, pack: &str) -> (i64, String) {
    let (status, body) = staff
        .post(
            "/api/v1/courses",
            json!({"name": "自学：验证码", "pack": pack, "seed": 5}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    (
        body["id"].as_i64().unwrap(),
        body["enrol_code"].as_str().unwrap().to_owned(),
    )
}

/// The learner's current lab: its company code and the clerk's mobile.
fn lab_login(app: &TestApp, sandbox: &str) -> (String, String) {
    app.db
        .read(|s| {
            let t = s.sandbox_trainee(sandbox)?.unwrap();
            let a = s.attempt_of(t.id, t.attempt.unwrap())?;
            let m = taxlab::labs::run::materials(&a)?;
            Ok((m.values["uscc"].clone(), m.values["me.mobile"].clone()))
        })
        .unwrap()
}

/// `sms-expired` through the API without a mistake: 100 points.
async fn pass_sms_expired(app: &TestApp, sandbox: &str) {
    let mut api = Api::with_sandbox(app, sandbox);
    let (status, _) = api.post("/api/v1/labs/sms-expired/start", json!({})).await;
    assert_eq!(status, 200);
    let (uscc, mobile) = lab_login(app, sandbox);
    let (status, body) = api
        .post(
            "/api/v1/login",
            json!({"company": uscc, "account": mobile, "password": "Clerk#2026ok"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    api.token = Some(body["token"].as_str().unwrap().to_owned());
    api.post("/api/v1/login/sms/resend", json!({})).await;
    let code = api.latest_code().await;
    let (status, _) = api.post("/api/v1/login/sms", json!({"code": code})).await;
    assert_eq!(status, 200);
    let (status, done) = api.post("/api/v1/attempt/finish", json!({})).await;
    assert_eq!(status, 200, "{done}");
}

#[tokio::test]
async fn a_learner_registers_comes_back_another_day_retries_and_completes() {
    let app = TestApp::spawn_with(library_with_short_pack()).await;
    instructor(&app, "teacher").await;
    let teacher = staff(&app, "teacher").await;
    let (course, code) = open_course(&teacher, "sms-only").await;

    // bad registrations are refused at their field, in Chinese by default
    let res = app
        .client
        .post(app.url(&format!("/api/v1/course/{code}/register")))
        .json(&json!({"login": "2026101", "name": "赵六", "password": "Study2026", "confirm": "Study2027"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["field"], "confirm");
    assert!(body["message"].as_str().unwrap().contains("不一致"));
    let (status, body) = register(&app, &code, "2026101", "short1").await;
    assert_eq!((status, body["field"].as_str()), (422, Some("password")));
    let (status, body) = register(&app, "NOPE99", "2026101", "Study2026").await;
    assert_eq!((status, body["field"].as_str()), (404, Some("code")));

    let (status, body) = register(&app, &code.to_lowercase(), "2026101", "Study2026").await;
    assert_eq!(status, 200, "{body}");
    let first = body["sandbox_token"].as_str().unwrap().to_owned();
    let (status, body) = register(&app, &code, "2026101", "Other2026").await;
    assert_eq!((status, body["code"].as_str()), (409, Some("login_taken")));

    let learner = Api::with_sandbox(&app, &first);
    let (status, p) = learner.get("/api/v1/course").await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        (p["passed"].as_u64(), p["total"].as_u64()),
        (Some(0), Some(1))
    );
    assert!(p["completion"].is_null());
    // the learner's front page offers only the course's pack
    let home = app
        .client
        .get(app.url("/"))
        .header("x-sandbox-token", &first)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("我的课程：自学：验证码") && home.contains("验证码专项"));
    assert!(
        !home.contains("电子税务局基础实操"),
        "other packs are not the course"
    );

    // a first try that is abandoned, then the lab done properly: reset and retry
    let (status, _) = learner
        .post("/api/v1/labs/sms-expired/start", json!({}))
        .await;
    assert_eq!(status, 200);
    pass_sms_expired(&app, &first).await;
    let (_, p) = learner.get("/api/v1/course").await;
    assert_eq!(p["labs"][0]["attempts"], 2);
    assert_eq!(p["labs"][0]["best"], 100);
    assert_eq!(p["completion"]["number"], "TLC-0001-00001");

    // the next day, on another computer: a wrong password, then the right one
    app.clock.advance(chrono::Duration::days(1));
    let (status, body) = sign_in(&app, &code, "2026101", "Study2025").await;
    assert_eq!((status, body["field"].as_str()), (401, Some("password")));
    let (status, body) = sign_in(&app, &code, "nobody", "Study2026").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("wrong_password"))
    );
    let (status, body) = sign_in(&app, &code, "2026101", "Study2026").await;
    assert_eq!(status, 200, "{body}");
    let again = body["sandbox_token"].as_str().unwrap().to_owned();
    assert_ne!(again, first);
    let (_, p) = Api::with_sandbox(&app, &again).get("/api/v1/course").await;
    assert_eq!(p["completion"]["number"], "TLC-0001-00001", "progress kept");
    let page = app
        .client
        .get(app.url("/course/completion"))
        .header("x-sandbox-token", &again)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("结业记录") && page.contains("TLC-0001-00001") && page.contains("赵六"));

    // the instructor sees the learner; another instructor and the learner do not
    let (status, body) = teacher.get(&format!("/api/v1/courses/{course}")).await;
    assert_eq!(status, 200);
    assert_eq!(body["learners"][0]["login"], "2026101");
    assert_eq!(
        body["learners"][0]["completion"]["number"],
        "TLC-0001-00001"
    );
    instructor(&app, "other").await;
    let other = staff(&app, "other").await;
    let (status, _) = other.get(&format!("/api/v1/courses/{course}")).await;
    assert_eq!(status, 404);
    let learner_as_staff = Client {
        app: &app,
        header: ("x-sandbox-token", again.clone()),
    };
    let (status, _) = learner_as_staff.get("/api/v1/courses").await;
    assert_eq!(status, 401, "a learner is no instructor");

    // a class trainee or the demo trainee has no course
    let (status, _) = Api::new(&app).get("/api/v1/course").await;
    assert_eq!(status, 404);
    let res = app.get_in("/course/completion").await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn two_learners_get_their_own_tenants_and_cannot_reach_each_other() {
    let app = TestApp::spawn().await;
    instructor(&app, "teacher").await;
    let teacher = staff(&app, "teacher").await;
    let (_, code) = open_course(&teacher, "etax-basics").await;
    let (_, a) = register(&app, &code, "a@example.cn", "Study2026").await;
    let (_, b) = register(&app, &code, "b@example.cn", "Study2026").await;
    let (a, b) = (
        a["sandbox_token"].as_str().unwrap().to_owned(),
        b["sandbox_token"].as_str().unwrap().to_owned(),
    );
    let (ta, tb) = app
        .db
        .read(|s| {
            Ok((
                s.sandbox_trainee(&a)?.unwrap(),
                s.sandbox_trainee(&b)?.unwrap(),
            ))
        })
        .unwrap();
    assert_ne!(ta.home, tb.home);
    // the two companies differ, and b's materials never show a's
    let ma = Api::with_sandbox(&app, &a).get("/api/v1/sandbox").await.1;
    let mb = Api::with_sandbox(&app, &b).get("/api/v1/sandbox").await.1;
    let uscc_a = ma["companies"][0]["uscc"].as_str().unwrap().to_owned();
    assert_ne!(uscc_a, mb["companies"][0]["uscc"].as_str().unwrap());
    assert!(!mb.to_string().contains(&uscc_a));
    // a starts a lab; b cannot read a's attempt by id
    let (_, started) = Api::with_sandbox(&app, &a)
        .post("/api/v1/labs/account-setup/start", json!({}))
        .await;
    let id = started["attempt"].as_i64().unwrap_or_else(|| {
        app.db
            .read(|s| Ok(s.sandbox_trainee(&a)?.unwrap().attempt.unwrap()))
            .unwrap()
    });
    let (status, _) = Api::with_sandbox(&app, &b)
        .get(&format!("/api/v1/attempts/{id}"))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn registration_and_sign_in_are_rate_limited() {
    let app = TestApp::spawn().await;
    instructor(&app, "teacher").await;
    let teacher = staff(&app, "teacher").await;
    let (_, code) = open_course(&teacher, "etax-basics").await;
    for n in 0..5 {
        let (status, body) = register(&app, &code, &format!("s{n}"), "Study2026").await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = register(&app, &code, "s5", "Study2026").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("too_many_registrations"))
    );
    assert!(body["message"].as_str().unwrap().contains("60 分钟"));
    app.clock.advance(chrono::Duration::minutes(61));
    let (status, _) = register(&app, &code, "s5", "Study2026").await;
    assert_eq!(status, 200, "the window has passed");

    for _ in 0..5 {
        let (status, _) = sign_in(&app, &code, "s1", "Wrong2026").await;
        assert_eq!(status, 401);
    }
    let (status, body) = sign_in(&app, &code, "s1", "Study2026").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("too_many_sign_ins")),
        "even the right password waits"
    );
    // another learner is not locked by s1's failures
    let (status, _) = sign_in(&app, &code, "s2", "Study2026").await;
    assert_eq!(status, 200);
    app.clock.advance(chrono::Duration::minutes(16));
    let (status, _) = sign_in(&app, &code, "s1", "Study2026").await;
    assert_eq!(status, 200);
    // every refusal is in the audit log with the IP address
    let refused = app
        .db
        .read(|s| {
            s.recent_audits(
                "course.sign_in",
                "refused",
                chrono::Utc::now() - chrono::Duration::days(1),
                Some("127.0.0.1"),
                None,
            )
        })
        .unwrap();
    assert_eq!(refused, 5);

    // twenty guesses at once: each is counted before its check, so only five are checked
    let (app, code) = (&app, &code);
    let answers = futures_util::future::join_all(
        (0..20).map(|n| async move { sign_in(app, code, "s3", &format!("Guess{n}x")).await }),
    )
    .await;
    let checked = answers.iter().filter(|(s, _)| *s == 401).count();
    let held = answers
        .iter()
        .filter(|(s, b)| *s == 429 && b["code"] == "too_many_sign_ins")
        .count();
    assert_eq!((checked, held), (5, 15), "{answers:?}");
}

#[tokio::test]
async fn the_enrolment_page_keeps_what_was_typed_and_a_closed_course_still_signs_in() {
    let app = TestApp::spawn().await;
    let mut teacher = instructor(&app, "teacher").await;
    // the instructor opens a course from the console
    let res = teacher
        .post(
            "/console/courses",
            &[("name", ""), ("pack", "etax-basics"), ("seed", "")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("请填写课堂名称"), "{page}");
    let res = teacher
        .post(
            "/console/courses",
            &[("name", "税务自学"), ("pack", "etax-basics"), ("seed", "9")],
        )
        .await;
    let at = location(&res);
    assert!(at.starts_with("/console/courses/"), "{at}");
    let page = teacher.get_text(&at).await;
    let code = page
        .split("class=\"join-code mono\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let shown = page.replace("&#x2f;", "/");
    assert!(shown.contains(&format!("/course/{code}")) && page.contains("<svg"));

    // a learner mistypes the confirmation: the page says so at the field, keeps the rest
    let mut learner = Visitor::outsider(&app);
    let page = learner.get_text(&format!("/course/{code}")).await;
    assert!(page.contains("税务自学") && page.contains("注册并开始学习"));
    let res = learner
        .post(
            &format!("/course/{code}/register"),
            &[
                ("login", "2026201"),
                ("name", "钱七"),
                ("password", "Study2026"),
                ("confirm", "Study2062"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("两次输入的密码不一致"));
    assert!(page.contains("value=\"2026201\"") && page.contains("value=\"钱七\""));
    assert!(!page.contains("Study2026"), "a password is never sent back");
    let res = learner
        .post(
            &format!("/course/{code}/register"),
            &[
                ("login", "2026201"),
                ("name", "钱七"),
                ("password", "Study2026"),
                ("confirm", "Study2026"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/");
    let home = learner.get_text("/").await.replace("&#x2f;", "/");
    assert!(
        home.contains("我的课程：税务自学")
            && home.contains(&format!("已通过 0 / {} 个实验", pack_labs())),
        "{home}"
    );

    // closing enrolment refuses newcomers but not those registered
    let id = at.rsplit('/').next().unwrap();
    let res = teacher
        .post(&format!("/console/courses/{id}/close"), &[])
        .await;
    assert_eq!(location(&res), format!("/console/courses/{id}"));
    let (status, body) = register(&app, &code, "late", "Study2026").await;
    assert_eq!((status, body["code"].as_str()), (409, Some("closed")));
    let mut back = Visitor::outsider(&app);
    let page = back.get_text(&format!("/course/{code}")).await;
    assert!(page.contains("本课程已停止报名"));
    let res = back
        .post(
            &format!("/course/{code}/sign-in"),
            &[("login", "2026201"), ("password", "Study2026")],
        )
        .await;
    assert_eq!(location(&res), "/");
    let page = teacher.get_text(&format!("/console/courses/{id}")).await;
    let progress = format!("0/{}", pack_labs());
    assert!(page.contains("2026201") && page.replace("&#x2f;", "/").contains(&progress));
    // an unknown course code is a clear page, not an error page
    let res = back.get("/course/ZZZZZZ").await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("没有这个课程码"));
}

/// How many labs the embedded course pack holds.
pub(crate) fn pack_labs() -> usize {
    taxlab::labs::Library::embedded().unwrap().packs()[0]
        .labs
        .len()
}

#[tokio::test]
async fn a_course_opens_a_pre_test_its_learners_take() {
    let app = TestApp::spawn().await;
    let mut page = instructor(&app, "teacher").await;
    let teacher = staff(&app, "teacher").await;
    let (course, code) = open_course(&teacher, "etax-basics").await;
    let res = page
        .post(
            &format!("/console/courses/{course}/tests"),
            &[
                ("action", "open"),
                ("kind", "pre"),
                ("form", "a"),
                ("minutes", "15"),
                ("attempts", "1"),
            ],
        )
        .await;
    assert_eq!(
        crate::browser::location(&res),
        format!("/console/courses/{course}?done=test_open")
    );
    let (status, body) = register(&app, &code, "2026301", "Study2026").await;
    assert_eq!(status, 200, "{body}");
    let learner = Api::with_sandbox(&app, body["sandbox_token"].as_str().unwrap());
    let (_, tests) = learner.get("/api/v1/tests").await;
    assert_eq!(tests[0]["phase"], "pre");
    let (s, t) = learner.post("/api/v1/tests/pre/start", json!({})).await;
    assert_eq!(s, 200, "{t}");
    let (s, done) = learner
        .post("/api/v1/tests/pre/submit", json!({ "answers": {} }))
        .await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(
        done["attempts"][0]["score"], 0,
        "nothing answered, nothing right"
    );
    let board = page.get_text(&format!("/console/courses/{course}")).await;
    assert!(
        board.contains("已交卷 1 人") && board.contains("平均得分率 0%"),
        "{board}"
    );
    // bad settings at their field; an unknown action is not found
    let res = page
        .post(
            &format!("/console/courses/{course}/tests"),
            &[("action", "open"), ("kind", "pre"), ("attempts", "11")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("作答次数为 1 到 10 次"));
    let res = page
        .post(
            &format!("/console/courses/{course}/tests"),
            &[("action", "x")],
        )
        .await;
    assert_eq!(res.status(), 404);
}
