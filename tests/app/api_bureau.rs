//! 账户设置, certificates, 办税人员, messages and help through the JSON API: the same rules
//! and messages as the pages, refusals as `{code, message, field}`.

use serde_json::{Value, json};
use taxlab::store::CompanyId;

use crate::api_client::Api;
use crate::helpers::TestApp;
use crate::staff::cast;

fn refusal(r: &(u16, Value)) -> (u16, Option<&str>, Option<&str>) {
    (r.0, r.1["code"].as_str(), r.1["field"].as_str())
}

#[tokio::test]
async fn account_settings_through_the_api() {
    let app = TestApp::spawn().await;
    let (uscc, _, _, _, clerk, _) = cast(&app);
    let mut api = Api::new(&app);
    let r = api.get("/api/v1/account").await;
    assert_eq!(refusal(&r), (401, Some("no_session"), None));
    api.first_login(&uscc, &clerk.mobile).await;

    let (status, me) = api.get("/api/v1/account").await;
    assert_eq!(status, 200);
    assert!(me["me"]["mobile"].as_str().unwrap().contains("****"));
    assert_ne!(
        me["me"]["resident_id"],
        clerk.resident_id.as_str(),
        "masked"
    );
    assert!(me["history"].as_array().unwrap().len() >= 2);

    // password change: wrong current, weak new, then done
    let r = api
        .post(
            "/api/v1/account/password",
            json!({"current": "nope", "new_password": "Better#Pass7", "confirm": "Better#Pass7"}),
        )
        .await;
    assert_eq!(refusal(&r), (422, Some("wrong_current"), Some("current")));
    let r = api
        .post(
            "/api/v1/account/password",
            json!({"current": "Good#Pass42", "new_password": "short", "confirm": "short"}),
        )
        .await;
    assert_eq!(refusal(&r), (422, Some("too_short"), Some("new_password")));
    let (status, _) = api
        .post(
            "/api/v1/account/password",
            json!({"current": "Good#Pass42", "new_password": "Better#Pass7", "confirm": "Better#Pass7"}),
        )
        .await;
    assert_eq!(status, 200);

    // security: a bad address is refused at its field, in English when asked
    let r = api
        .put(
            "/api/v1/account/security?lang=en",
            json!({"two_factor": true, "ip_allow": ["10.0.0.999"]}),
        )
        .await;
    assert_eq!(refusal(&r), (422, Some("bad_ip"), Some("ip_allow")));
    assert!(r.1["message"].as_str().unwrap().contains("10.0.0.999"));
    let r = api
        .put(
            "/api/v1/account/security",
            json!({"two_factor": true, "ip_allow": ["192.168.77."]}),
        )
        .await;
    assert_eq!(refusal(&r), (422, Some("locks_out"), Some("ip_allow")));
    let (status, _) = api
        .put(
            "/api/v1/account/security",
            json!({"two_factor": false, "ip_allow": ["127.0.0.1"], "hours_from": "00:00", "hours_to": "23:59"}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, me) = api.get("/api/v1/account").await;
    assert_eq!(me["security"]["two_factor"], false);
    assert_eq!(me["security"]["ip_allow"], "127.0.0.1");

    // mobile change, verified by a code sent to the new number
    let r = api
        .post(
            "/api/v1/account/contact",
            json!({"which": "fax", "value": "1"}),
        )
        .await;
    assert_eq!(refusal(&r), (422, Some("bad_which"), Some("which")));
    let r = api
        .post(
            "/api/v1/account/contact",
            json!({"which": "mobile", "value": "123"}),
        )
        .await;
    assert_eq!(refusal(&r), (422, Some("bad_mobile"), Some("value")));
    let (status, _) = api
        .post(
            "/api/v1/account/contact",
            json!({"which": "mobile", "value": "13912345678"}),
        )
        .await;
    assert_eq!(status, 200);
    let r = api
        .post(
            "/api/v1/account/contact/confirm",
            json!({"which": "mobile", "code": "000000"}),
        )
        .await;
    assert_eq!(refusal(&r), (422, Some("wrong_code"), Some("code")));
    let code = api.latest_code().await;
    let (status, _) = api
        .post(
            "/api/v1/account/contact/confirm",
            json!({"which": "mobile", "code": code}),
        )
        .await;
    assert_eq!(status, 200);
    let (_, me) = api.get("/api/v1/account").await;
    assert_eq!(me["me"]["mobile"], "139****5678");
}

#[tokio::test]
async fn a_certificate_from_the_api_logs_in_and_a_renewed_one_revokes_it() {
    let app = TestApp::spawn().await;
    let (uscc, _, _, _, clerk, _) = cast(&app);
    let mut api = Api::new(&app);
    api.first_login(&uscc, &clerk.mobile).await;
    let r = api
        .post(
            "/api/v1/account/certificate",
            json!({"pin": "12", "pin_confirm": "12"}),
        )
        .await;
    assert_eq!(refusal(&r), (422, Some("bad_pin"), Some("pin")));
    let r = api
        .post(
            "/api/v1/account/certificate",
            json!({"pin": "246810", "pin_confirm": "246811"}),
        )
        .await;
    assert_eq!(
        refusal(&r),
        (422, Some("pin_mismatch"), Some("pin_confirm"))
    );
    let (status, first) = api
        .post(
            "/api/v1/account/certificate",
            json!({"pin": "246810", "pin_confirm": "246810"}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(first["file_name"].as_str().unwrap().ends_with(".cer"));
    let first = first["text"].as_str().unwrap().to_owned();

    let anon = Api::new(&app);
    let r = anon
        .post(
            "/api/v1/login/certificate",
            json!({"company": uscc, "certificate": first, "pin": "000000"}),
        )
        .await;
    assert_eq!(refusal(&r).1, Some("wrong_pin"));
    let (status, body) = anon
        .post(
            "/api/v1/login/certificate",
            json!({"company": uscc, "certificate": first, "pin": "246810"}),
        )
        .await;
    assert_eq!((status, body["stage"].as_str()), (200, Some("active")));

    // 更新证书: the earlier file is revoked, and the refusal says what to do
    let (status, _) = api
        .post(
            "/api/v1/account/certificate",
            json!({"pin": "135790", "pin_confirm": "135790"}),
        )
        .await;
    assert_eq!(status, 200);
    let r = anon
        .post(
            "/api/v1/login/certificate",
            json!({"company": uscc, "certificate": first, "pin": "246810"}),
        )
        .await;
    assert_eq!(refusal(&r), (422, Some("cert_revoked"), None));
    assert!(r.1["message"].as_str().unwrap().contains("证书"));
}

#[tokio::test]
async fn staff_authorisation_and_identity_switch_through_the_api() {
    let app = TestApp::spawn().await;
    let (uscc, _, company1, boss, clerk, outsider) = cast(&app);

    let mut c = Api::new(&app);
    c.first_login(&uscc, &clerk.mobile).await;
    let (_, staff) = c.get("/api/v1/staff").await;
    assert_eq!(staff["manager"], false);
    let r = c
        .post(
            "/api/v1/staff/grant",
            json!({"resident_id": outsider.resident_id, "name": outsider.name, "role": "tax_clerk"}),
        )
        .await;
    assert_eq!(refusal(&r), (403, Some("not_manager"), None));

    let mut b = Api::new(&app);
    b.first_login(&uscc, &boss.mobile).await;
    let (_, staff) = b.get("/api/v1/staff").await;
    assert_eq!(staff["manager"], true);
    assert!(
        staff["staff"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["resident_id"].as_str().unwrap().contains('*'))
    );
    let r = b
        .post(
            "/api/v1/staff/grant",
            json!({"resident_id": outsider.resident_id, "name": "某某某", "role": "tax_clerk"}),
        )
        .await;
    assert_eq!(refusal(&r), (422, Some("unknown_person"), None));
    let (status, _) = b
        .post(
            "/api/v1/staff/grant",
            json!({"resident_id": outsider.resident_id, "name": outsider.name, "role": "tax_clerk"}),
        )
        .await;
    assert_eq!(status, 200);

    // the outsider now serves both companies and switches between them
    let mut o = Api::new(&app);
    o.first_login(&uscc, &outsider.mobile).await;
    let (_, staff) = o.get("/api/v1/staff").await;
    assert_eq!(staff["companies"].as_array().unwrap().len(), 2);
    let (status, _) = o
        .post("/api/v1/switch", json!({"company_id": company1}))
        .await;
    assert_eq!(status, 200);
    let (_, wb) = o.get("/api/v1/workbench").await;
    assert_eq!(wb["company"]["id"], company1);

    let (status, _) = b
        .post(
            "/api/v1/staff/revoke",
            json!({"person_id": outsider.id, "role": "tax_clerk"}),
        )
        .await;
    assert_eq!(status, 200);
    let r = b
        .post(
            "/api/v1/staff/revoke",
            json!({"person_id": outsider.id, "role": "tax_clerk"}),
        )
        .await;
    assert_eq!(refusal(&r), (422, Some("not_held"), None));
    let r = b
        .post("/api/v1/staff/revoke", json!({"person_id": "x"}))
        .await;
    assert_eq!(refusal(&r), (400, Some("bad_request"), None));
}

#[tokio::test]
async fn messages_and_help_through_the_api_and_never_another_tenants() {
    let app = TestApp::spawn().await;
    let (uscc, _, _, _, clerk, _) = cast(&app);
    let mut api = Api::new(&app);
    api.first_login(&uscc, &clerk.mobile).await;
    api.get("/api/v1/workbench").await;
    let (status, inbox) = api.get("/api/v1/messages").await;
    assert_eq!(status, 200);
    let first = inbox["messages"][0].clone();
    assert_eq!(first["read"], false);
    let id = first["id"].as_str().unwrap().to_owned();
    let (status, opened) = api.get(&format!("/api/v1/messages/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(opened["title"], first["title"]);
    let (_, inbox) = api.get("/api/v1/messages").await;
    assert_eq!(inbox["messages"][0]["read"], true);
    let ann = inbox["announcements"][0]["id"].as_str().unwrap().to_owned();
    let (status, _) = api.get(&format!("/api/v1/announcements/{ann}")).await;
    assert_eq!(status, 200);
    for bad in [
        "/api/v1/messages/abc",
        "/api/v1/messages/999999",
        "/api/v1/announcements/none",
    ] {
        let r = api.get(bad).await;
        assert_eq!(refusal(&r).1, Some("not_found"), "{bad}");
    }

    // another tenant's trainee, logged in to their own bureau, cannot open this message
    let (other, other_sandbox) = app.other_tenant();
    let (ouscc, omobile) = app
        .db
        .read(|s| {
            let scope = s.tenant(other);
            let c = scope.companies()?.remove(0);
            let p = scope.staff(CompanyId(c.id))?.remove(0);
            Ok((c.value.uscc.to_string(), p.person.value.mobile.to_string()))
        })
        .unwrap();
    let mut o = Api::with_sandbox(&app, &other_sandbox);
    o.first_login(&ouscc, &omobile).await;
    let r = o.get(&format!("/api/v1/messages/{id}")).await;
    assert_eq!(refusal(&r).0, 404);
    let demo_company = app
        .db
        .read(|s| Ok(s.tenant(app.demo).companies()?.remove(0).id))
        .unwrap();
    let r = o
        .post("/api/v1/switch", json!({"company_id": demo_company}))
        .await;
    assert_eq!(refusal(&r), (422, Some("not_your_company"), None));
    let r = o
        .post(
            "/api/v1/staff/revoke",
            json!({"person_id": clerk.id, "role": "tax_clerk"}),
        )
        .await;
    assert_ne!(r.0, 200, "a person of another tenant cannot be revoked");

    // help: search and the online service
    let (_, found) = api.get("/api/v1/help?q=证书过期").await;
    assert!(
        found["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["question"].as_str().unwrap().contains("数字证书"))
    );
    let (_, reply) = api
        .post(
            "/api/v1/help/ask",
            json!({"question": "提交申报时网络中断了怎么办？"}),
        )
        .await;
    assert_eq!(reply["answered"], true);
    assert!(reply["answer"].as_str().unwrap().contains("不要重复提交"));
    let (_, reply) = api
        .post("/api/v1/help/ask?lang=en", json!({"question": "weather"}))
        .await;
    assert_eq!(reply["answered"], false);
    assert!(reply["answer"].as_str().unwrap().contains("12366"));
}

#[tokio::test]
async fn certificate_pins_lock_the_account_like_passwords() {
    let app = TestApp::spawn().await;
    let (uscc, _, _, _, clerk, _) = cast(&app);
    let mut api = Api::new(&app);
    api.first_login(&uscc, &clerk.mobile).await;
    let (_, cert) = api
        .post(
            "/api/v1/account/certificate",
            json!({"pin": "246810", "pin_confirm": "246810"}),
        )
        .await;
    let cert = cert["text"].as_str().unwrap().to_owned();
    let anon = Api::new(&app);
    let login = |pin: &'static str| {
        let body = json!({"company": uscc, "certificate": cert, "pin": pin});
        let anon = &anon;
        async move { anon.post("/api/v1/login/certificate", body).await }
    };
    let max = taxlab::domain::password::PortalPolicy::embedded().max_failures;
    for _ in 1..max {
        assert_eq!(refusal(&login("000000").await).1, Some("wrong_pin"));
    }
    // the last wrong PIN locks the account; then even the right PIN waits
    assert_eq!(refusal(&login("000000").await).0, 423);
    let r = login("246810").await;
    assert_eq!(refusal(&r), (423, Some("locked"), None), "{}", r.1);
    // and so does the password
    let r = anon
        .post(
            "/api/v1/login",
            json!({"company": uscc, "account": clerk.mobile, "password": "whatever1A!"}),
        )
        .await;
    assert_eq!(refusal(&r).1, Some("locked"));
}

#[tokio::test]
async fn failed_bureau_logins_are_limited_per_client_address_across_tenants() {
    let app = TestApp::spawn().await;
    let (uscc, _, _, _, clerk, _) = cast(&app);
    // a script behind one address: 600 failures in 15 minutes, over any accounts
    app.db
        .write(|s| {
            let now = chrono::Utc::now();
            for _ in 0..taxlab::bureau::login::ADDRESS_FAILURES.max {
                use taxlab::store::limits::Counted;
                s.rate_add("bureau_login", "127.0.0.1", now)?;
            }
            Ok(())
        })
        .unwrap();
    let anon = Api::new(&app);
    let r = anon
        .post(
            "/api/v1/login",
            json!({"company": uscc, "account": clerk.mobile, "password": "whatever1A!"}),
        )
        .await;
    assert_eq!(refusal(&r), (429, Some("too_many_tries"), None), "{}", r.1);
    assert!(r.1["message"].as_str().unwrap().contains("15 分钟"));
    // a quarter of an hour later the address may try again
    app.clock.advance(chrono::Duration::minutes(16));
    let r = anon
        .post(
            "/api/v1/login",
            json!({"company": uscc, "account": clerk.mobile, "password": "whatever1A!"}),
        )
        .await;
    assert_ne!(r.0, 429);
}

#[tokio::test]
async fn changing_the_password_ends_the_persons_other_logins() {
    let app = TestApp::spawn().await;
    let (uscc, _, _, _, clerk, _) = cast(&app);
    let mut here = Api::new(&app);
    here.first_login(&uscc, &clerk.mobile).await;
    // the same person logged in elsewhere (a second browser)
    let mut there = Api::new(&app);
    let (status, body) = there
        .post(
            "/api/v1/login",
            json!({"company": uscc, "account": clerk.mobile, "password": "Good#Pass42"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    there.token = body["token"].as_str().map(str::to_owned);
    let code = there.latest_code().await;
    let (status, _) = there.post("/api/v1/login/sms", json!({"code": code})).await;
    assert_eq!(status, 200);
    assert_eq!(there.get("/api/v1/account").await.0, 200);
    let (status, body) = here
        .post(
            "/api/v1/account/password",
            json!({"current": "Good#Pass42", "new_password": "Better#Pass43", "confirm": "Better#Pass43"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        here.get("/api/v1/account").await.0,
        200,
        "this login goes on"
    );
    assert_eq!(
        there.get("/api/v1/account").await.0,
        401,
        "the other one ends"
    );
}
