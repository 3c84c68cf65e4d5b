//! The sandbox session: entering as the demo trainee, leaving, and its separation from
//! the simulated bureau's login and from other tenants.

use serde_json::json;

use crate::api_client::Api;
use crate::browser::{Visitor, location};
use crate::helpers::TestApp;
use crate::portal::{accounts, logged_in, logged_in_again};

#[tokio::test]
async fn a_visitor_enters_the_sandbox_as_the_demo_trainee_and_sees_the_materials() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = Visitor::outsider(&app);
    for path in ["/portal/login", "/portal", "/portal/help"] {
        let res = v.get(path).await;
        assert_eq!(location(&res), "/?notice=sandbox", "{path}");
    }
    let entry = v.get_text("/?notice=sandbox").await;
    assert!(entry.contains("请先进入实训沙箱") && entry.contains("以演示学员身份进入"));
    assert!(
        !entry.contains(&clerk.mobile),
        "nothing of the tenant before entering"
    );
    // a forged form is refused
    let res = app
        .client
        .post(app.url("/sandbox/demo"))
        .form(&[("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    let res = v.post("/sandbox/demo", &[]).await;
    assert_eq!(location(&res), "/");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("taxlab_sandbox=") && cookie.contains("HttpOnly"));
    let home = v.get_text("/").await;
    assert!(home.contains("实训资料") && home.contains("学员：演示学员"));
    assert!(home.contains(&clerk.mobile) && home.contains(&clerk.resident_id));
    assert!(home.contains("Etax@2026"));
    let login = v.get_text("/portal/login").await;
    assert!(login.contains("用户登录") && login.contains("离开沙箱"));
    assert!(
        !login.contains(&clerk.mobile),
        "the bureau's pages do not list accounts"
    );
    let en = v.get_text("/?lang=en").await;
    assert!(en.contains("Training materials") && en.contains("Demo trainee"));
}

#[tokio::test]
async fn leaving_the_bureau_keeps_the_sandbox_and_leaving_the_sandbox_ends_both() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = logged_in(&app, &clerk).await;
    let res = v.post("/portal/logout", &[]).await;
    assert!(location(&res).starts_with("/portal/login"));
    assert!(v.has_cookie("taxlab_sandbox"), "still in the sandbox");
    assert!(v.get_text("/").await.contains("实训资料"));
    assert_eq!(v.get("/portal/login").await.status(), 200);

    let mut v = logged_in_again(&app, &clerk).await;
    let sandbox = v.cookie("taxlab_sandbox").unwrap();
    let res = v.post("/sandbox/leave", &[]).await;
    assert_eq!(location(&res), "/?notice=left");
    assert!(!v.has_cookie("taxlab_sandbox") && !v.has_cookie("etax_session"));
    assert!(v.get_text("/?notice=left").await.contains("已离开实训沙箱"));
    assert_eq!(location(&v.get("/portal").await), "/?notice=sandbox");
    // the old token is dead for the API too
    let (status, body) = Api::with_sandbox(&app, &sandbox)
        .get("/api/v1/sandbox")
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("sandbox_required"))
    );
}

#[tokio::test]
async fn the_api_needs_a_sandbox_token_and_hands_one_out() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let res = app
        .client
        .post(app.url("/api/v1/login"))
        .json(&json!({"company": clerk.uscc, "account": clerk.mobile, "password": "Etax@2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "sandbox_required");
    assert!(body["message"].as_str().unwrap().contains("实训沙箱"));

    let res = app
        .client
        .post(app.url("/api/v1/sandbox/demo"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    let api = Api::with_sandbox(&app, body["sandbox_token"].as_str().unwrap());
    let (status, me) = api.get("/api/v1/sandbox?lang=en").await;
    assert_eq!(status, 200);
    assert_eq!(me["trainee"]["name"], "Demo trainee");
    assert_eq!(me["sandbox_date"], "2026-10-12");
    assert!(
        me["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["mobile"] == clerk.mobile.as_str() && a["uscc"] == clerk.uscc.as_str())
    );
    let (status, _) = api.post("/api/v1/sandbox/leave", json!({})).await;
    assert_eq!(status, 200);
    let (status, _) = api.get("/api/v1/sandbox").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_bureau_login_of_one_tenant_is_nothing_in_another_tenants_sandbox() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let (_, other_sandbox) = app.other_tenant();

    // the API: the demo trainee's bureau token with the other trainee's sandbox token
    let mut api = Api::new(&app);
    api.first_login(&clerk.uscc, &clerk.mobile).await;
    let (status, _) = api.get("/api/v1/account").await;
    assert_eq!(status, 200);
    let mut stranger = Api::with_sandbox(&app, &other_sandbox);
    stranger.token = api.token.clone();
    for path in [
        "/api/v1/account",
        "/api/v1/staff",
        "/api/v1/messages",
        "/api/v1/workbench",
    ] {
        let (status, body) = stranger.get(path).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (401, Some("no_session")),
            "{path}"
        );
    }
    // the demo company is unknown in the other tenant
    let (status, body) = stranger
        .post(
            "/api/v1/login",
            json!({"company": clerk.uscc, "account": clerk.mobile, "password": "Good#Pass42"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("unknown_company"))
    );
    // and its phone shows nothing of the demo tenant's codes
    let (_, phone) = stranger.get("/api/v1/phone").await;
    assert_eq!(phone["messages"].as_array().unwrap().len(), 0);

    // the pages: the demo trainee's bureau cookie with the other trainee's sandbox cookie
    let v = logged_in_again(&app, &clerk).await;
    let session = v.cookie("etax_session").unwrap();
    let res = app
        .client
        .get(app.url("/portal/account"))
        .header(
            "cookie",
            format!("etax_session={session}; taxlab_sandbox={other_sandbox}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/portal/login?notice=login");
}
