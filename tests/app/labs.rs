//! Every shipped lab walked through the portal over HTTP: the golden path earns full marks,
//! the typical mistakes lose exactly the points the lab file says.

use taxlab::labs::setup::Materials;
use taxlab::store::{Attempt, TenantId};

use crate::browser::{Visitor, location};
use crate::helpers::TestApp;

/// Start a lab from the front page, as the visitor's trainee.
async fn start(v: &mut Visitor<'_>, lab: &str) {
    v.get("/").await;
    let res = v.post(&format!("/labs/{lab}/start"), &[]).await;
    assert_eq!(location(&res), "/lab", "{lab} starts");
    let page = v.get_text("/lab").await;
    assert!(page.contains("操作步骤") && page.contains("检查我的操作"));
}

/// The trainee's current attempt, its tenant and materials.
fn current(app: &TestApp) -> (Attempt, TenantId, Materials) {
    app.db
        .read(|s| {
            let t = s.sandbox_trainee(&app.sandbox)?.unwrap();
            let a = s.attempt_of(t.id, t.attempt.unwrap())?;
            let m = taxlab::labs::run::materials(&a)?;
            Ok((a.clone(), a.tenant.unwrap(), m))
        })
        .unwrap()
}

fn attempt(app: &TestApp, id: i64) -> Attempt {
    app.db
        .read(|s| {
            let t = s.sandbox_trainee(&app.sandbox)?.unwrap();
            s.attempt_of(t.id, id)
        })
        .unwrap()
}

/// The newest code on the attempt tenant's phone.
fn code(app: &TestApp, tenant: TenantId) -> String {
    app.db
        .read(|s| {
            let m = s.tenant(tenant).phone_messages(1)?.remove(0);
            let args: serde_json::Value = serde_json::from_str(&m.args).unwrap();
            Ok(args["code"].as_str().unwrap().to_owned())
        })
        .unwrap()
}

fn value(m: &Materials, key: &str) -> String {
    m.values[key].clone()
}

async fn password(v: &mut Visitor<'_>, m: &Materials, password: &str) -> reqwest::Response {
    v.get("/portal/login").await;
    v.post(
        "/portal/login",
        &[
            ("company", &value(m, "uscc")),
            ("account", &value(m, "me.mobile")),
            ("password", password),
        ],
    )
    .await
}

/// Password, then the SMS code: to the workbench.
async fn sms_login(v: &mut Visitor<'_>, app: &TestApp, tenant: TenantId, m: &Materials, pw: &str) {
    let res = password(v, m, pw).await;
    assert_eq!(location(&res), "/portal/login/sms");
    let res = v
        .post("/portal/login/sms", &[("code", &code(app, tenant))])
        .await;
    assert_eq!(location(&res), "/portal");
}

/// Finish the lab and read its final score from the result page and the store.
async fn finish(v: &mut Visitor<'_>, app: &TestApp) -> (u32, String) {
    let (a, _, _) = current(app);
    let res = v.post("/lab/finish", &[]).await;
    assert_eq!(location(&res), format!("/lab/attempts/{}", a.id));
    let page = v.get_text(&format!("/lab/attempts/{}", a.id)).await;
    let done = attempt(app, a.id);
    assert!(done.finished_at.is_some());
    let score = u32::try_from(done.score.unwrap()).unwrap();
    assert!(
        page.contains(&format!("<strong>{score}</strong> / 100")),
        "{page}"
    );
    (score, page)
}

// ---- 账号登录与设置 ----

async fn account_setup(v: &mut Visitor<'_>, app: &TestApp, read_announcements: bool) {
    let (_, tenant, m) = current(app);
    // 2FA is off at the start: password, then the forced change, no SMS
    let res = password(v, &m, "Etax@2026").await;
    assert_eq!(location(&res), "/portal/password/initial");
    let res = v
        .post(
            "/portal/password/initial",
            &[("new_password", "Good#Pass42"), ("confirm", "Good#Pass42")],
        )
        .await;
    assert_eq!(location(&res), "/portal");
    v.post(
        "/portal/account/contact",
        &[("which", "email"), ("value", "trainee@example.cn")],
    )
    .await;
    v.post(
        "/portal/account/contact/confirm",
        &[("which", "email"), ("code", &code(app, tenant))],
    )
    .await;
    v.post("/portal/account/security", &[("two_factor", "on")])
        .await;
    if read_announcements {
        let date = taxlab::seed::default_sandbox_date();
        for a in taxlab::bureau::messages::announcements(date) {
            assert_eq!(
                v.get(&format!("/portal/announcements/{}", a.id))
                    .await
                    .status(),
                200
            );
        }
    }
    let page = v
        .post(
            "/portal/staff/grant",
            &[
                ("resident_id", &value(&m, "clerk.resident_id")),
                ("name", &value(&m, "clerk.name")),
                ("role", "tax_clerk"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("授权成功"), "{page}");
    v.post("/portal/logout", &[]).await;
    sms_login(v, app, tenant, &m, "Good#Pass42").await;
}

#[tokio::test]
async fn account_setup_golden_path_earns_full_marks() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    start(&mut v, "account-setup").await;
    let (_, _, m) = current(&app);
    // the story speaks of this trainee's own people
    let page = v.get_text("/lab").await;
    assert!(page.contains(&value(&m, "me.name")) && page.contains(&value(&m, "clerk.resident_id")));
    // the task panel is beside the portal
    let login = v.get_text("/portal/login").await;
    assert!(login.contains("账号登录与设置") && login.contains("检查我的操作"));

    // checking before doing anything: nothing passes, and it says what to do
    v.post("/lab/check", &[]).await;
    let page = v.get_text("/lab").await;
    assert!(page.contains("<strong>0</strong> / 100"));
    assert!(page.contains("还没有按要求完成登录") && page.contains("账户设置—安全设置"));

    account_setup(&mut v, &app, true).await;
    let (score, page) = finish(&mut v, &app).await;
    assert_eq!(score, 100, "{page}");
    assert!(page.contains("通过"));
    // back in the trainee's own tenant, with the attempt listed
    let home = v.get_text("/").await;
    assert!(home.contains("我的实验记录") && home.contains("100"));
}

#[tokio::test]
async fn account_setup_mistakes_lose_the_points_the_lab_says() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    start(&mut v, "account-setup").await;
    let (_, _, m) = current(&app);
    // a hint on step 1 (2 points), two wrong passwords (1 point each)
    v.post(
        "/lab/hint",
        &[("step", "1"), ("hint", "0"), ("back", "/lab")],
    )
    .await;
    assert!(v.get_text("/lab").await.contains("企业代码在沙箱顶部"));
    for _ in 0..2 {
        let page = password(&mut v, &m, "Wrong#2026")
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("密码错误"));
    }
    // and the announcements are never read (10 points)
    account_setup(&mut v, &app, false).await;
    let (score, page) = finish(&mut v, &app).await;
    assert_eq!(score, 100 - 10 - 2 - 2, "{page}");
    assert!(page.contains("阅读全部") && page.contains("已阅读 0 条"));
    assert!(page.contains("操作被拒绝 2 次") && page.contains("查看提示扣分"));
}

// ---- 账号锁定与找回密码 ----

async fn reset_and_login(v: &mut Visitor<'_>, app: &TestApp) {
    let (_, tenant, m) = current(app);
    v.get("/portal/password/forgot").await;
    v.post(
        "/portal/password/forgot",
        &[("account", &value(&m, "me.mobile"))],
    )
    .await;
    let res = v
        .post(
            "/portal/password/reset",
            &[
                ("account", &value(&m, "me.mobile")),
                ("code", &code(app, tenant)),
                ("new_password", "Fresh#2026ab"),
                ("confirm", "Fresh#2026ab"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/portal/login?notice=reset_done");
    sms_login(v, app, tenant, &m, "Fresh#2026ab").await;
}

#[tokio::test]
async fn locked_account_golden_path_and_guessing() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    start(&mut v, "locked-account").await;
    reset_and_login(&mut v, &app).await;
    assert_eq!(finish(&mut v, &app).await.0, 100);

    // again, guessing three times first: the first refusal is free, then 10 each
    start(&mut v, "locked-account").await;
    let (_, _, m) = current(&app);
    for _ in 0..3 {
        let page = password(&mut v, &m, "Guess#2026")
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("账号已被锁定"), "{page}");
    }
    reset_and_login(&mut v, &app).await;
    let (score, page) = finish(&mut v, &app).await;
    assert_eq!(score, 80, "{page}");
}

// ---- 数字证书过期与更新 ----

#[tokio::test]
async fn certificate_renewal_golden_path_and_a_skipped_step() {
    let app = TestApp::spawn().await;
    for golden in [true, false] {
        let mut v = Visitor::new(&app);
        start(&mut v, "certificate-renewal").await;
        let (_, tenant, m) = current(&app);
        let old = v.get_text("/lab/files/0").await;
        assert!(old.contains("BEGIN TAXLAB SIMULATED CERTIFICATE"));
        v.get("/portal/login").await;
        if golden {
            let page = v
                .post_file(
                    "/portal/login/certificate",
                    &[("company", &value(&m, "uscc")), ("pin", "246810")],
                    "certificate",
                    &old,
                )
                .await
                .text()
                .await
                .unwrap();
            assert!(
                page.contains("数字证书已于") && page.contains("更新证书"),
                "{page}"
            );
        } else {
            v.post(
                "/lab/hint",
                &[("step", "3"), ("hint", "0"), ("back", "/lab")],
            )
            .await;
        }
        sms_login(&mut v, &app, tenant, &m, "Clerk#2026ok").await;
        let new = v
            .post(
                "/portal/account/certificate",
                &[("pin", "135790"), ("pin_confirm", "135790")],
            )
            .await
            .text()
            .await
            .unwrap();
        assert!(new.contains("BEGIN TAXLAB SIMULATED CERTIFICATE"));
        v.post("/portal/logout", &[]).await;
        v.get("/portal/login").await;
        let res = v
            .post_file(
                "/portal/login/certificate",
                &[("company", &value(&m, "uscc")), ("pin", "135790")],
                "certificate",
                &new,
            )
            .await;
        assert_eq!(location(&res), "/portal");
        let (score, page) = finish(&mut v, &app).await;
        // skipping the first step costs its 10 points, the hint 5
        assert_eq!(score, if golden { 100 } else { 85 }, "{page}");
    }
}

// ---- 短信验证码延迟与过期 ----

#[tokio::test]
async fn sms_expired_golden_path_and_repeated_submits() {
    let app = TestApp::spawn().await;
    for repeats in [1, 3] {
        let mut v = Visitor::new(&app);
        start(&mut v, "sms-expired").await;
        let (_, tenant, m) = current(&app);
        let res = password(&mut v, &m, "Clerk#2026ok").await;
        assert_eq!(location(&res), "/portal/login/sms");
        let late = code(&app, tenant);
        for _ in 0..repeats {
            let page = v
                .post("/portal/login/sms", &[("code", &late)])
                .await
                .text()
                .await
                .unwrap();
            assert!(page.contains("验证码已过期"), "{page}");
        }
        // the delayed message was "sent" six minutes ago: a new one may be asked for at once
        v.post("/portal/login/sms/resend", &[]).await;
        let fresh = code(&app, tenant);
        assert_ne!(fresh, late);
        let res = v.post("/portal/login/sms", &[("code", &fresh)]).await;
        assert_eq!(location(&res), "/portal");
        let (score, page) = finish(&mut v, &app).await;
        assert_eq!(score, if repeats == 1 { 100 } else { 80 }, "{page}");
    }
}

// ---- exam mode, faults, isolation, the API ----

#[tokio::test]
async fn an_exam_has_no_hints_no_feedback_until_the_end_and_a_clock() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    v.get("/").await;
    let res = v.post("/packs/etax-basics/exam", &[]).await;
    assert_eq!(location(&res), "/lab");
    let page = v.get_text("/lab").await;
    assert!(
        page.contains("考试模式") && !page.contains("查看提示") && !page.contains("检查我的操作")
    );
    let (first, _, _) = current(&app);
    assert_eq!(first.lab_id, "account-setup");
    // hints and checks are refused
    let res = v.post("/lab/hint", &[("step", "1"), ("hint", "0")]).await;
    assert_eq!(res.status(), 409);
    let res = v.post("/lab/check", &[]).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("交卷后才给出检查结果"));
    // handing in moves on to the pack's next lab; its result waits for the end
    let res = v.post("/lab/finish", &[]).await;
    assert_eq!(location(&res), "/lab");
    let (second, _, _) = current(&app);
    assert_eq!(second.lab_id, "locked-account");
    let page = v.get_text(&format!("/lab/attempts/{}", first.id)).await;
    assert!(page.contains("考试结束后显示") && !page.contains("<strong>0</strong>"));
    // time runs out (the pack's 260 minutes): the next request finds the exam handed in,
    // the trainee back home
    app.clock.advance(chrono::Duration::minutes(261));
    let home = v.get_text("/").await;
    assert!(!home.contains("正在进行的实验"));
    let done = attempt(&app, second.id);
    assert!(done.finished_at.is_some() && done.score == Some(0));
    let page = v.get_text(&format!("/lab/attempts/{}", first.id)).await;
    assert!(page.contains("考试各题成绩") && page.contains("<strong>0</strong> / 100"));
}

#[tokio::test]
async fn a_maintenance_window_closes_one_module_and_the_grader_sees_it() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    start(&mut v, "certificate-renewal").await;
    let (_, tenant, m) = current(&app);
    let now = app.clock.now();
    app.db
        .write(|s| {
            s.tenant(tenant).add_fault(
                "maintenance",
                r#"{"kind":"maintenance","module":"certificate","minutes":30}"#,
                now,
                Some(now + chrono::Duration::minutes(30)),
                None,
            )
        })
        .unwrap();
    sms_login(&mut v, &app, tenant, &m, "Clerk#2026ok").await;
    let res = v
        .post(
            "/portal/account/certificate",
            &[("pin", "135790"), ("pin_confirm", "135790")],
        )
        .await;
    assert_eq!(res.status(), 503);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("数字证书功能正在维护升级") && page.contains("恢复"),
        "{page}"
    );
    // other modules work; the API says the same in JSON
    assert_eq!(v.get("/portal/account").await.status(), 200);
    let res = app
        .client
        .post(app.url("/api/v1/login/certificate"))
        .header("x-sandbox-token", &app.sandbox)
        .json(&serde_json::json!({"company": "x", "certificate": "x", "pin": "1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "maintenance");
    let trace = app.db.read(|s| s.tenant(tenant).trace_events()).unwrap();
    assert!(
        trace
            .iter()
            .any(|e| e.action == "maintenance" && e.result == "refused")
    );
    // when the window closes, it works again (after a fresh login: the idle session ended)
    app.clock.advance(chrono::Duration::minutes(31));
    let res = v.get("/portal/account").await;
    assert_eq!(location(&res), "/portal/login?notice=timeout");
    sms_login(&mut v, &app, tenant, &m, "Clerk#2026ok").await;
    let res = v
        .post(
            "/portal/account/certificate",
            &[("pin", "135790"), ("pin_confirm", "135790")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()[axum::http::header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
}

#[tokio::test]
async fn one_trainee_never_sees_anothers_attempts_or_lab_tenant() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    start(&mut v, "account-setup").await;
    let (mine, tenant, m) = current(&app);
    // another trainee: their own lab, and this trainee's attempt id in URLs
    let mut other = Visitor::outsider(&app);
    other.get("/").await;
    other.post("/sandbox/demo", &[]).await;
    assert_eq!(
        other
            .get(&format!("/lab/attempts/{}", mine.id))
            .await
            .status(),
        404
    );
    assert_eq!(other.get("/lab/files/0").await.status(), 404);
    let res = other.post("/lab/check", &[]).await;
    assert_eq!(res.status(), 409);
    // and the lab's company does not exist in the other trainee's bureau
    other.get("/portal/login").await;
    let page = other
        .post(
            "/portal/login",
            &[
                ("company", &value(&m, "uscc")),
                ("account", &value(&m, "me.mobile")),
                ("password", "Etax@2026"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("纳税人识别号不存在"), "{page}");
    // nothing of the other's attempt touched this tenant's trace
    let before = app.db.read(|s| s.tenant(tenant).trace_events()).unwrap();
    assert!(before.is_empty());
}

#[tokio::test]
async fn the_api_runs_a_lab_start_to_finish() {
    let app = TestApp::spawn().await;
    let mut api = crate::api_client::Api::new(&app);
    let (status, labs) = api.get("/api/v1/labs").await;
    assert_eq!(status, 200);
    assert_eq!(labs["packs"][0]["id"], "etax-basics");
    let pack = taxlab::labs::Library::embedded().unwrap().packs()[0]
        .labs
        .len();
    assert_eq!(labs["packs"][0]["labs"].as_array().unwrap().len(), pack);
    let (status, panel) = api
        .post("/api/v1/labs/sms-expired/start", serde_json::json!({}))
        .await;
    assert_eq!(status, 200, "{panel}");
    assert_eq!(panel["mode"], "practice");
    let (_, tenant, m) = current(&app);
    assert!(
        panel["story"]
            .as_str()
            .unwrap()
            .contains(&value(&m, "me.mobile"))
    );
    let (status, panel) = api
        .post(
            "/api/v1/attempt/hint?lang=en",
            serde_json::json!({"step": 2, "hint": 0}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        panel["steps"][1]["hints"][0]["text"]
            .as_str()
            .unwrap()
            .contains("60 seconds")
    );
    let (status, body) = api
        .post(
            "/api/v1/login",
            serde_json::json!({"company": value(&m, "uscc"), "account": value(&m, "me.mobile"), "password": "Clerk#2026ok"}),
        )
        .await;
    assert_eq!(status, 200);
    api.token = Some(body["token"].as_str().unwrap().to_owned());
    let (status, body) = api
        .post(
            "/api/v1/login/sms",
            serde_json::json!({"code": code(&app, tenant)}),
        )
        .await;
    assert_eq!((status, body["code"].as_str()), (422, Some("expired_code")));
    api.post("/api/v1/login/sms/resend", serde_json::json!({}))
        .await;
    let (status, _) = api
        .post(
            "/api/v1/login/sms",
            serde_json::json!({"code": code(&app, tenant)}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, fb) = api
        .post("/api/v1/attempt/check", serde_json::json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(fb["score"], 97, "{fb}");
    assert!(
        fb["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["passed"] == true)
    );
    let (status, done) = api
        .post("/api/v1/attempt/finish", serde_json::json!({}))
        .await;
    assert_eq!((status, done["next"].as_str()), (200, Some("done")));
    let id = done["attempt"].as_i64().unwrap();
    let (status, a) = api.get(&format!("/api/v1/attempts/{id}?lang=en")).await;
    assert_eq!(status, 200);
    assert_eq!(a["feedback"]["score"], 97);
    assert_eq!(a["hints"], 1);
    assert!(
        a["feedback"]["checks"][0]["expected"]
            .as_str()
            .unwrap()
            .contains("new code")
    );
    let (status, body) = api.get("/api/v1/attempt").await;
    assert_eq!((status, body["code"].as_str()), (409, Some("no_attempt")));
}

#[tokio::test]
async fn a_finished_attempt_is_regraded_with_a_fixed_lab() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    start(&mut v, "sms-expired").await;
    let (a, tenant, m) = current(&app);
    password(&mut v, &m, "Clerk#2026ok").await;
    let late = code(&app, tenant);
    v.post("/portal/login/sms", &[("code", &late)]).await;
    v.post("/portal/login/sms/resend", &[]).await;
    v.post("/portal/login/sms", &[("code", &code(&app, tenant))])
        .await;
    assert_eq!(finish(&mut v, &app).await.0, 100);

    // the lab's author changes the 40-point check into one this attempt does not meet
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/labs/sms-expired.toml"
    ))
    .unwrap()
    .replace(
        "kind = \"code_resent\"",
        "kind = \"two_factor\"\non = false",
    );
    let fixed =
        taxlab::labs::Library::from_files([("labs/sms-expired.toml".to_owned(), text)]).unwrap();
    let lab = fixed.lab("sms-expired").unwrap().clone();
    let before = attempt(&app, a.id);
    let now = app.clock.now();
    let rows = app
        .db
        .write(|s| {
            taxlab::labs::run::regrade(s, &lab, now)
                .map_err(|e| taxlab::store::StoreError::Other(e.to_string()))
        })
        .unwrap();
    assert_eq!(rows, vec![(a.id, Some(100), 60)]);
    let after = attempt(&app, a.id);
    assert_eq!(after.score, Some(60));
    assert!(before.finished_at.is_some());
    assert_eq!(
        after.finished_at, before.finished_at,
        "still finished, at the same time"
    );
}
