//! 账户设置 over HTTP: personal data, password, security settings, contacts, certificates.

use crate::browser::{Visitor, latest_code, location};
use crate::helpers::TestApp;
use crate::portal::{Login, accounts, logged_in, logged_in_again, password_step};

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
    // told in the security section, not in the password's
    let security = page.split_once("id=\"security\"").unwrap().1;
    let security = security.split_once("</section>").unwrap().0;
    assert!(
        security.contains("role=\"status\">安全设置已保存"),
        "{page}"
    );
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
