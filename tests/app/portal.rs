//! 登录与身份验证 over HTTP: password, SMS code, forced password change, lockout, timeout.

use taxlab::store::{CompanyId, Db, TenantId};

use crate::browser::{Visitor, latest_code, location};
use crate::helpers::TestApp;

struct Login {
    uscc: String,
    mobile: String,
    resident_id: String,
}

/// The tax clerk of the demo tenant's first company, and a person of the second company
/// who has no role in the first.
fn accounts(db: &Db, demo: TenantId) -> (Login, Login) {
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

async fn password_step(v: &mut Visitor<'_>, who: &Login, password: &str) -> reqwest::Response {
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
        page.contains("用户登录") && page.contains("Etax@2026"),
        "demo accounts and initial password shown"
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
        assert!(
            res.text()
                .await
                .unwrap()
                .contains(&format!("您还可以尝试 {remaining} 次"))
        );
    }
    let res = password_step(&mut v, &clerk, "Wrong#123").await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("账号已被锁定"));
    // even the right password is refused while locked
    let res = password_step(&mut v, &clerk, "Etax@2026").await;
    assert!(res.text().await.unwrap().contains("账号已被锁定"));
    app.clock.advance(chrono::Duration::minutes(16));
    let res = password_step(&mut v, &clerk, "Etax@2026").await;
    assert_eq!(location(&res), "/portal/login/sms");
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
async fn logged_in<'a>(app: &'a TestApp, who: &Login) -> Visitor<'a> {
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
async fn account_settings_mask_personal_data_list_logins_and_change_the_password() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = logged_in(&app, &clerk).await;

    let page = v.get_text("/portal/account").await;
    assert!(page.contains("账户设置") && page.contains("登录记录"));
    assert!(
        !page.contains(&clerk.resident_id),
        "the resident ID is masked"
    );
    assert!(page.contains(&format!(
        "{}***********{}",
        &clerk.resident_id[..3],
        &clerk.resident_id[14..]
    )));
    assert!(!page.contains(&clerk.mobile), "the mobile number is masked");
    assert!(page.contains(&format!("{}****{}", &clerk.mobile[..3], &clerk.mobile[7..])));
    assert!(page.contains("127.0.0.1"), "the login history shows the IP");
    assert!(page.contains("短信验证") && page.contains("登录成功"));

    let page = v
        .post(
            "/portal/account/password",
            &[
                ("current", "Wrong#1234"),
                ("new_password", "Next#Pass43"),
                ("confirm", "Next#Pass43"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("原密码错误"));
    let page = v
        .post(
            "/portal/account/password",
            &[
                ("current", "Good#Pass42"),
                ("new_password", "Good#Pass42"),
                ("confirm", "Good#Pass42"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("不能与最近使用过的密码相同"));
    let page = v
        .post(
            "/portal/account/password",
            &[
                ("current", "Good#Pass42"),
                ("new_password", "Next#Pass43"),
                ("confirm", "Next#Pass43"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("密码修改成功"));

    v.post("/portal/logout", &[]).await;
    let res = password_step(&mut v, &clerk, "Next#Pass43").await;
    assert_eq!(location(&res), "/portal/login/sms");
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
        .header("cookie", "etax_session=0000")
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/portal/login?notice=login");
}

#[tokio::test]
async fn security_settings_turn_off_the_sms_step_and_restrict_addresses_and_hours() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = logged_in(&app, &clerk).await;

    let page = v
        .post(
            "/portal/account/security",
            &[("two_factor", "on"), ("ip_allow", "10.0.0.300")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("不是有效的 IP 地址"));
    let page = v
        .post(
            "/portal/account/security",
            &[("two_factor", "on"), ("ip_allow", "10.1.2.3")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("白名单不包含您当前的 IP 地址"),
        "cannot lock yourself out"
    );
    let page = v
        .post(
            "/portal/account/security",
            &[("two_factor", "on"), ("hours_from", "08:00")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("同时填写开始和结束时间"));
    // two-factor off, this address allowed
    let page = v
        .post("/portal/account/security", &[("ip_allow", "127.0.0.")])
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("安全设置已保存"));
    v.post("/portal/logout", &[]).await;
    let res = password_step(&mut v, &clerk, "Good#Pass42").await;
    assert_eq!(location(&res), "/portal", "no SMS step with two-factor off");

    // hours that exclude now refuse the login, even with the right password
    let now_cst = (app.clock.now() + chrono::Duration::hours(8)).time();
    let from = (now_cst + chrono::Duration::hours(2))
        .format("%H:%M")
        .to_string();
    let to = (now_cst + chrono::Duration::hours(3))
        .format("%H:%M")
        .to_string();
    let page = v
        .post(
            "/portal/account/security",
            &[
                ("two_factor", "on"),
                ("hours_from", &from),
                ("hours_to", &to),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("安全设置已保存"));
    v.post("/portal/logout", &[]).await;
    let page = password_step(&mut v, &clerk, "Good#Pass42")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("不在您设置的允许登录时段"),
        "{}",
        &page[..200.min(page.len())]
    );
    app.clock.advance(chrono::Duration::minutes(150));
    let res = password_step(&mut v, &clerk, "Good#Pass42").await;
    assert_eq!(
        location(&res),
        "/portal/login/sms",
        "two-factor back on, inside the hours"
    );
}

#[tokio::test]
async fn a_new_mobile_number_is_verified_by_a_code_sent_to_it() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = logged_in(&app, &clerk).await;
    let page = v
        .post(
            "/portal/account/contact",
            &[("which", "mobile"), ("value", "1234")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("有效的 11 位手机号码"));
    let page = v
        .post(
            "/portal/account/contact",
            &[("which", "mobile"), ("value", &clerk.mobile)],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("与当前相同"));
    let page = v
        .post(
            "/portal/account/contact",
            &[("which", "mobile"), ("value", "13912345678")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("139****5678"),
        "the code goes to the new number"
    );
    let code = latest_code(&page);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let page = v
        .post(
            "/portal/account/contact/confirm",
            &[("which", "mobile"), ("code", wrong)],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("验证码错误"));
    let page = v
        .post(
            "/portal/account/contact/confirm",
            &[("which", "mobile"), ("code", &code)],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("变更成功"));
    v.post("/portal/logout", &[]).await;
    // the new number is now the account
    let new = Login {
        uscc: clerk.uscc.clone(),
        mobile: "13912345678".into(),
        resident_id: clerk.resident_id.clone(),
    };
    let res = password_step(&mut v, &new, "Good#Pass42").await;
    assert_eq!(location(&res), "/portal/login/sms");

    // email: same two steps
    let mut v = logged_in_again(&app, &new).await;
    let page = v
        .post(
            "/portal/account/contact",
            &[("which", "email"), ("value", "not-an-email")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("有效的电子邮箱"));
    let page = v
        .post(
            "/portal/account/contact",
            &[("which", "email"), ("value", "clerk@example.cn")],
        )
        .await
        .text()
        .await
        .unwrap();
    let code = latest_code(&page);
    let page = v
        .post(
            "/portal/account/contact/confirm",
            &[("which", "email"), ("code", &code)],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("变更成功") && page.contains("cl***@example.cn"));
}

/// A visitor logging in with the changed password "Good#Pass42" (not the first login).
async fn logged_in_again<'a>(app: &'a TestApp, who: &Login) -> Visitor<'a> {
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
async fn a_mobile_number_already_in_use_cannot_be_taken() {
    let app = TestApp::spawn().await;
    let (clerk, outsider) = accounts(&app.db, app.demo);
    let mut v = logged_in(&app, &clerk).await;
    let page = v
        .post(
            "/portal/account/contact",
            &[("which", "mobile"), ("value", &outsider.mobile)],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("已被其他用户绑定"));
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
            .header("cookie", format!("etax_session={session}; csrf=aaaa"))
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

#[tokio::test]
async fn a_downloaded_certificate_logs_in_with_its_pin_until_it_expires_or_is_renewed() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = logged_in(&app, &clerk).await;
    let page = v
        .post(
            "/portal/account/certificate",
            &[("pin", "12"), ("pin_confirm", "12")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("PIN 码须为 6 位数字"));
    let page = v
        .post(
            "/portal/account/certificate",
            &[("pin", "246810"), ("pin_confirm", "246811")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("两次输入的 PIN 码不一致"));
    let res = v
        .post(
            "/portal/account/certificate",
            &[("pin", "246810"), ("pin_confirm", "246810")],
        )
        .await;
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"TXL")
    );
    let file = res.text().await.unwrap();
    assert!(
        file.contains("BEGIN TAXLAB SIMULATED CERTIFICATE") && !file.contains(&clerk.resident_id)
    );
    assert!(v.get_text("/portal/account").await.contains("有效"));
    v.post("/portal/logout", &[]).await;

    let mut c = Visitor::new(&app);
    c.get("/portal/login").await;
    let page = c
        .post_file(
            "/portal/login/certificate",
            &[("company", &clerk.uscc), ("pin", "000000")],
            "certificate",
            &file,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("PIN 码错误"));
    let tampered = file.replace("key: ", "key: 0");
    let page = c
        .post_file(
            "/portal/login/certificate",
            &[("company", &clerk.uscc), ("pin", "246810")],
            "certificate",
            &tampered,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("已被修改"));
    let page = c
        .post_file(
            "/portal/login/certificate",
            &[("company", &clerk.uscc), ("pin", "246810")],
            "certificate",
            "not a certificate",
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("无法识别"));
    let res = c
        .post_file(
            "/portal/login/certificate",
            &[("company", &clerk.uscc), ("pin", "246810")],
            "certificate",
            &file,
        )
        .await;
    assert_eq!(location(&res), "/portal", "no SMS step with a certificate");
    assert!(c.get_text("/portal").await.contains("我的工作台"));

    // the lab's fault: the certificate has expired (sandbox dates)
    app.db
        .write(|s| {
            let scope = s.tenant(app.demo);
            let person = scope.person_by_account(&clerk.mobile)?.unwrap();
            let mut cert = scope.latest_certificate(person)?.unwrap();
            cert.expires_on = chrono::NaiveDate::from_ymd_opt(2026, 9, 30).unwrap();
            cert.serial.push('X');
            cert.revoked = false;
            scope.issue_certificate(&cert)
        })
        .unwrap();
    assert!(
        c.get_text("/portal").await.contains("已于 2026-09-30 过期"),
        "the workbench reminds"
    );
    c.post("/portal/logout", &[]).await;
    // the original file was revoked when the replacement was stored
    let page = c
        .post_file(
            "/portal/login/certificate",
            &[("company", &clerk.uscc), ("pin", "246810")],
            "certificate",
            &file,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("已注销"));
    // the same key under the replacement's serial: the file a lab hands out, expired
    let serial_line = file.lines().find(|l| l.starts_with("serial: ")).unwrap();
    let expired_file = file.replace(serial_line, &format!("{serial_line}X"));
    let page = c
        .post_file(
            "/portal/login/certificate",
            &[("company", &clerk.uscc), ("pin", "246810")],
            "certificate",
            &expired_file,
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("已于 2026-09-30 过期") && page.contains("更新证书"),
        "the reason and the remedy"
    );
}

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
