//! 登录与身份验证 over HTTP: password, SMS code, forced password change, lockout, timeout.

use taxlab::store::{CompanyId, Db, TenantId};

use crate::browser::{Visitor, latest_code, location};
use crate::helpers::TestApp;

pub(crate) struct Login {
    pub(crate) uscc: String,
    pub(crate) mobile: String,
    pub(crate) resident_id: String,
}

/// The tax clerk of the demo tenant's first company, and a person of the second company
/// who has no role in the first.
pub(crate) fn accounts(db: &Db, demo: TenantId) -> (Login, Login) {
    db.read(|s| {
        let scope = s.tenant(demo);
        let companies = scope.companies()?;
        let staff = |c: i64| scope.staff(CompanyId(c));
        let first = staff(companies[0].id)?;
        let clerk = first
            .iter()
            .find(|st| st.role.as_str() == "tax_clerk")
            .unwrap();
        let outsider = staff(companies[1].id)?
            .into_iter()
            .find(|st| first.iter().all(|f| f.person.id != st.person.id))
            .unwrap();
        let login = |uscc: &str, p: &taxlab::domain::entities::Person| Login {
            uscc: uscc.to_owned(),
            mobile: p.mobile.to_string(),
            resident_id: p.resident_id.to_string(),
        };
        Ok((
            login(companies[0].value.uscc.as_str(), &clerk.person.value),
            login(companies[0].value.uscc.as_str(), &outsider.person.value),
        ))
    })
    .unwrap()
}

pub(crate) async fn password_step(
    v: &mut Visitor<'_>,
    who: &Login,
    password: &str,
) -> reqwest::Response {
    v.get("/portal/login").await;
    v.post(
        "/portal/login",
        &[
            ("company", &who.uscc),
            ("account", &who.mobile),
            ("password", password),
        ],
    )
    .await
}

#[tokio::test]
async fn first_login_walks_password_sms_and_forced_change_to_the_workbench() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = Visitor::new(&app);

    let page = v.get_text("/portal/login").await;
    assert!(
        page.contains("用户登录") && page.contains("实训资料"),
        "the login page points to the training materials"
    );
    let materials = v.get_text("/").await;
    assert!(
        materials.contains("Etax@2026") && materials.contains(&clerk.mobile),
        "the materials give the accounts and the initial password"
    );
    let res = password_step(&mut v, &clerk, "Etax@2026").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/portal/login/sms");

    let sms = v.get_text("/portal/login/sms").await;
    assert!(sms.contains("模拟手机"));
    let code = latest_code(&sms);
    assert_eq!(code.len(), 6);
    let res = v.post("/portal/login/sms", &[("code", &code)]).await;
    assert_eq!(location(&res), "/portal/password/initial");

    // the workbench is not reachable before the password is changed
    let res = v.get("/portal").await;
    assert_eq!(location(&res), "/portal/password/initial");

    let res = v
        .post(
            "/portal/password/initial",
            &[("new_password", "weakpass"), ("confirm", "weakpass")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("密码须包含数字"));
    let birthday = format!("Ab@{}", &clerk.resident_id[6..14]);
    let res = v
        .post(
            "/portal/password/initial",
            &[("new_password", &birthday), ("confirm", &birthday)],
        )
        .await;
    assert!(res.text().await.unwrap().contains("不能包含您的出生日期"));
    let res = v
        .post(
            "/portal/password/initial",
            &[("new_password", "Good#Pass42"), ("confirm", "Good#Pass4")],
        )
        .await;
    assert!(res.text().await.unwrap().contains("两次输入的密码不一致"));
    let res = v
        .post(
            "/portal/password/initial",
            &[("new_password", "Good#Pass42"), ("confirm", "Good#Pass42")],
        )
        .await;
    assert_eq!(location(&res), "/portal");

    let home = v.get_text("/portal").await;
    assert!(home.contains("我的工作台") && home.contains("我的待办"));
    assert!(home.contains("2026Q3"), "the return due is a to-do");
    // every return due is, not only VAT: the CIT prepayment too, each linking to its form
    let todo = home.split("我的待办").nth(1).unwrap_or_default();
    let todo = todo.split("</section>").next().unwrap_or_default();
    assert!(
        todo.contains("增值税及附加税费申报") && todo.contains("企业所得税月（季）度预缴申报"),
        "{todo}"
    );
    assert!(
        todo.contains("/portal/returns/cit_quarterly/2026Q3"),
        "{todo}"
    );
    // the credit grade says which ranking it is in, and what the national one is
    assert!(
        home.contains("课程口径") && home.contains("A &gt; B &gt; M &gt; C &gt; D"),
        "{home}"
    );

    let res = v.post("/portal/logout", &[]).await;
    assert_eq!(location(&res), "/portal/login?notice=logged_out");
    assert!(!v.has_cookie("etax_session"));
    assert_eq!(
        location(&v.get("/portal").await),
        "/portal/login?notice=login"
    );

    // the new password works and the initial one no longer does
    let res = password_step(&mut v, &clerk, "Etax@2026").await;
    assert_eq!(res.status(), 200);
    let res = password_step(&mut v, &clerk, "Good#Pass42").await;
    assert_eq!(location(&res), "/portal/login/sms");
    let code = latest_code(&v.get_text("/portal/login/sms").await);
    let res = v.post("/portal/login/sms", &[("code", &code)]).await;
    assert_eq!(
        location(&res),
        "/portal",
        "no forced change the second time"
    );

    let actions: Vec<(String, String)> = app
        .db
        .read(|s| {
            Ok(s.tenant(app.demo)
                .trace_events()?
                .into_iter()
                .map(|e| (e.action, e.result))
                .collect())
        })
        .unwrap();
    for expected in [
        ("login.password", "ok"),
        ("sms.sent", "ok"),
        ("login.sms", "ok"),
        ("password.change", "password.needs_digit"),
        ("password.change", "ok"),
        ("login", "ok"),
        ("logout", "ok"),
        ("login.password", "wrong_password"),
    ] {
        assert!(
            actions
                .iter()
                .any(|(a, r)| (a.as_str(), r.as_str()) == expected),
            "trace lacks {expected:?}: {actions:?}"
        );
    }
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_for_fifteen_minutes() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = Visitor::new(&app);
    for remaining in (1..=4).rev() {
        let res = password_step(&mut v, &clerk, "Wrong#123").await;
        assert_eq!(res.status(), 200);
        let page = res.text().await.unwrap();
        assert!(page.contains(&format!("您还可以尝试 {remaining} 次")));
        // the message is tied to its field for a screen reader
        assert!(
            page.contains(r#"name="password" aria-invalid="true" aria-describedby="err-password""#)
                && page.contains(r#"<em class="field-error" id="err-password" role="alert">"#),
            "{page}"
        );
    }
    let res = password_step(&mut v, &clerk, "Wrong#123").await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("账号已被锁定"));
    // the lock ends fifteen minutes on, on the sandbox's clock: its date, Beijing's time
    let date = app
        .db
        .read(|s| Ok(s.tenant(app.demo).record()?.sandbox_date))
        .unwrap();
    let now = app.clock.now();
    let time = taxlab::domain::SandboxTime::new(date, now);
    let until = time.show(now + chrono::Duration::minutes(15));
    assert!(until.starts_with(&date.to_string()));
    assert!(page.contains(&format!("请于 {until} 后再试")), "{page}");
    assert!(page.contains(&format!("沙箱时间（北京时间）：{}", time.show_minutes(now))));
    // the help centre states the lockout the login enforces
    let help = v.get_text("/portal/help?q=锁定").await;
    assert!(
        help.contains("15 分钟内连续输错 5 次密码，账号将被锁定 15 分钟"),
        "{help}"
    );
    // even the right password is refused while locked
    let res = password_step(&mut v, &clerk, "Etax@2026").await;
    assert!(res.text().await.unwrap().contains("账号已被锁定"));
    app.clock.advance(chrono::Duration::minutes(16));
    let res = password_step(&mut v, &clerk, "Etax@2026").await;
    assert_eq!(location(&res), "/portal/login/sms");
    // the SMS is stamped on the same clock
    let phone = v.get_text("/portal/login/sms").await;
    let sent = time.show(app.clock.now());
    assert!(phone.contains(&sent), "{sent}: {phone}");
}

#[tokio::test]
async fn sms_codes_expire_cannot_be_reused_and_resend_is_throttled() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = Visitor::new(&app);
    password_step(&mut v, &clerk, "Etax@2026").await;
    let first = latest_code(&v.get_text("/portal/login/sms").await);

    let wrong = if first == "000000" {
        "111111"
    } else {
        "000000"
    };
    let res = v.post("/portal/login/sms", &[("code", wrong)]).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("短信验证码错误"));

    let res = v.post("/portal/login/sms/resend", &[]).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("秒后再试"));

    app.clock.advance(chrono::Duration::minutes(6));
    let res = v.post("/portal/login/sms", &[("code", &first)]).await;
    assert!(res.text().await.unwrap().contains("已过期"));

    let res = v.post("/portal/login/sms/resend", &[]).await;
    assert_eq!(res.status(), 200);
    let second = latest_code(&res.text().await.unwrap());
    assert_ne!(first, second);
    let res = v.post("/portal/login/sms", &[("code", &second)]).await;
    assert_eq!(location(&res), "/portal/password/initial");

    // five wrong entries spend a code: guessing stops there
    let mut w = Visitor::new(&app);
    app.clock.advance(chrono::Duration::minutes(2));
    password_step(&mut w, &clerk, "Etax@2026").await;
    let right = latest_code(&w.get_text("/portal/login/sms").await);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    for _ in 0..4 {
        assert!(
            w.post("/portal/login/sms", &[("code", wrong)])
                .await
                .text()
                .await
                .unwrap()
                .contains("短信验证码错误")
        );
    }
    assert!(
        w.post("/portal/login/sms", &[("code", wrong)])
            .await
            .text()
            .await
            .unwrap()
            .contains("错误次数过多")
    );
    let page = w
        .post("/portal/login/sms", &[("code", &right)])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("短信验证码错误"),
        "the right code no longer works once spent"
    );
}

#[tokio::test]
async fn unknown_company_unknown_account_and_unauthorised_person_are_told_apart() {
    let app = TestApp::spawn().await;
    let (clerk, outsider) = accounts(&app.db, app.demo);
    let mut v = Visitor::new(&app);
    v.get("/portal/login").await;
    let res = v
        .post(
            "/portal/login",
            &[
                ("company", "91350100M000100Y43"),
                ("account", &clerk.mobile),
                ("password", "x"),
            ],
        )
        .await;
    let page = res.text().await.unwrap();
    assert!(page.contains("纳税人识别号不存在"));
    assert!(page.contains(&clerk.mobile), "what was typed is kept");
    let res = v
        .post(
            "/portal/login",
            &[
                ("company", &clerk.uscc),
                ("account", "13900000000"),
                ("password", "x"),
            ],
        )
        .await;
    assert!(res.text().await.unwrap().contains("未注册个人用户"));
    let res = password_step(&mut v, &outsider, "Etax@2026").await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("尚未获得该企业的办税授权")
    );
    // the resident ID works as the account too
    let res = v
        .post(
            "/portal/login",
            &[
                ("company", &clerk.uscc),
                ("account", &clerk.resident_id),
                ("password", "Etax@2026"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/portal/login/sms");
}

#[tokio::test]
async fn an_idle_session_times_out_with_a_notice() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = Visitor::new(&app);
    password_step(&mut v, &clerk, "Etax@2026").await;
    let code = latest_code(&v.get_text("/portal/login/sms").await);
    v.post("/portal/login/sms", &[("code", &code)]).await;
    v.post(
        "/portal/password/initial",
        &[("new_password", "Good#Pass42"), ("confirm", "Good#Pass42")],
    )
    .await;
    assert_eq!(v.get("/portal").await.status(), 200);
    app.clock.advance(chrono::Duration::minutes(19));
    assert_eq!(
        v.get("/portal").await.status(),
        200,
        "activity keeps the session alive"
    );
    app.clock.advance(chrono::Duration::minutes(21));
    let res = v.get("/portal").await;
    assert_eq!(location(&res), "/portal/login?notice=timeout");
    assert!(
        v.get_text("/portal/login?notice=timeout")
            .await
            .contains("由于长时间未操作")
    );
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let res = app
        .client
        .post(app.url("/portal/login"))
        .header("x-sandbox-token", &app.sandbox)
        .form(&[
            ("company", clerk.uscc.as_str()),
            ("account", &clerk.mobile),
            ("password", "Etax@2026"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("页面已过期"));
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_sms_code_which_also_lifts_a_lockout() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = Visitor::new(&app);
    for _ in 0..5 {
        password_step(&mut v, &clerk, "Wrong#123").await;
    }
    assert!(
        password_step(&mut v, &clerk, "Etax@2026")
            .await
            .text()
            .await
            .unwrap()
            .contains("账号已被锁定")
    );

    v.get("/portal/password/forgot").await;
    let page = v
        .post("/portal/password/forgot", &[("account", "13900000000")])
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("未注册个人用户"));
    let page = v
        .post("/portal/password/forgot", &[("account", &clerk.mobile)])
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("重置电子税务局密码"),
        "the phone shows a reset code"
    );
    let code = latest_code(&page);

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let page = v
        .post(
            "/portal/password/reset",
            &[
                ("account", &clerk.mobile),
                ("code", wrong),
                ("new_password", "Reset#Pass7"),
                ("confirm", "Reset#Pass7"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("短信验证码错误"));
    let page = v
        .post(
            "/portal/password/reset",
            &[
                ("account", &clerk.mobile),
                ("code", &code),
                ("new_password", &clerk.mobile),
                ("confirm", &clerk.mobile),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("密码须包含字母"),
        "the policy applies to resets too"
    );
    let res = v
        .post(
            "/portal/password/reset",
            &[
                ("account", &clerk.mobile),
                ("code", &code),
                ("new_password", "Reset#Pass7"),
                ("confirm", "Reset#Pass7"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/portal/login?notice=reset_done");
    // the code is spent
    let page = v
        .post(
            "/portal/password/reset",
            &[
                ("account", &clerk.mobile),
                ("code", &code),
                ("new_password", "Other#Pass8"),
                ("confirm", "Other#Pass8"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("短信验证码错误"));

    let res = password_step(&mut v, &clerk, "Reset#Pass7").await;
    assert_eq!(location(&res), "/portal/login/sms", "unlocked by the reset");
    let code = latest_code(&v.get_text("/portal/login/sms").await);
    assert_eq!(
        location(&v.post("/portal/login/sms", &[("code", &code)]).await),
        "/portal"
    );
}

/// A visitor through the whole first login, with "Good#Pass42" as the password.
pub(crate) async fn logged_in<'a>(app: &'a TestApp, who: &Login) -> Visitor<'a> {
    let mut v = Visitor::new(app);
    password_step(&mut v, who, "Etax@2026").await;
    let code = latest_code(&v.get_text("/portal/login/sms").await);
    v.post("/portal/login/sms", &[("code", &code)]).await;
    let res = v
        .post(
            "/portal/password/initial",
            &[("new_password", "Good#Pass42"), ("confirm", "Good#Pass42")],
        )
        .await;
    assert_eq!(location(&res), "/portal");
    v
}

#[tokio::test]
async fn pages_behind_the_login_send_strangers_to_it() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    for path in [
        "/portal",
        "/portal/account",
        "/portal/login/sms",
        "/portal/password/initial",
    ] {
        let res = v.get(path).await;
        assert_eq!(res.status(), 303, "{path}");
        assert_eq!(location(&res), "/portal/login?notice=login", "{path}");
    }
    // a made-up session cookie is no better
    let res = app
        .client
        .get(app.url("/portal"))
        .header(
            "cookie",
            format!("etax_session=0000; taxlab_sandbox={}", app.sandbox),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/portal/login?notice=login");
}

/// A visitor logging in with the changed password "Good#Pass42" (not the first login).
pub(crate) async fn logged_in_again<'a>(app: &'a TestApp, who: &Login) -> Visitor<'a> {
    let mut v = Visitor::new(app);
    password_step(&mut v, who, "Good#Pass42").await;
    let code = latest_code(&v.get_text("/portal/login/sms").await);
    assert_eq!(
        location(&v.post("/portal/login/sms", &[("code", &code)]).await),
        "/portal"
    );
    v
}

#[tokio::test]
async fn the_lockout_counts_failures_in_a_sliding_fifteen_minutes() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = Visitor::new(&app);
    // failures at minutes 0, 14, 16, 17, 18: never five inside 15 minutes
    for (at, remaining) in [(0, 4), (14, 3), (16, 3), (17, 2), (18, 1)] {
        if at > 0 {
            let step = if at == 14 {
                14
            } else if at == 16 {
                2
            } else {
                1
            };
            app.clock.advance(chrono::Duration::minutes(step));
        }
        let page = password_step(&mut v, &clerk, "Wrong#123")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(&format!("您还可以尝试 {remaining} 次")),
            "minute {at}: expected {remaining} left"
        );
    }
    // minute 19: 14, 16, 17, 18, 19 are five inside 15 minutes
    app.clock.advance(chrono::Duration::minutes(1));
    let page = password_step(&mut v, &clerk, "Wrong#123")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("账号已被锁定"));
}

#[tokio::test]
async fn every_form_refuses_a_missing_csrf_token() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = logged_in(&app, &clerk).await;
    let session = v.cookie("etax_session").unwrap();
    for path in [
        "/portal/login",
        "/portal/login/sms",
        "/portal/login/sms/resend",
        "/portal/password/initial",
        "/portal/password/forgot",
        "/portal/password/reset",
        "/portal/account/password",
        "/portal/account/security",
        "/portal/account/contact",
        "/portal/account/contact/confirm",
        "/portal/account/certificate",
        "/portal/staff/grant",
        "/portal/staff/revoke",
        "/portal/switch",
        "/portal/logout",
    ] {
        let res = app
            .client
            .post(app.url(path))
            .header(
                "cookie",
                format!(
                    "etax_session={session}; csrf=aaaa; taxlab_sandbox={}",
                    app.sandbox
                ),
            )
            .form(&[("csrf", "bbbb"), ("two_factor", "")])
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let moved_on = res
            .headers()
            .get("location")
            .is_some_and(|l| l == "/portal");
        let page = res.text().await.unwrap();
        // Steps of a login already complete send the visitor on to the workbench unchanged.
        let stage_step = [
            "/portal/login/sms",
            "/portal/login/sms/resend",
            "/portal/password/initial",
        ]
        .contains(&path);
        assert!(
            status == 403 || page.contains("页面已过期") || (stage_step && moved_on),
            "{path}: {status}"
        );
    }
    // and nothing changed: the session still works and two-factor is still on
    assert_eq!(v.get("/portal").await.status(), 200);
    let on = app
        .db
        .read(|s| {
            let scope = s.tenant(app.demo);
            let person = scope.person_by_account(&clerk.mobile)?.unwrap();
            Ok(scope.account(person)?.two_factor)
        })
        .unwrap();
    assert!(on);
}
