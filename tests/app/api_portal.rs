//! The login steps through the JSON API.

use serde_json::{Value, json};

use crate::helpers::TestApp;

async fn post(app: &TestApp, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url(path))
        .header("x-sandbox-token", &app.sandbox)
        .json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn latest_code(app: &TestApp) -> String {
    let phone: Value = app.get_in("/api/v1/phone").await.json().await.unwrap();
    phone["messages"][0]["code"].as_str().unwrap().to_owned()
}

fn clerk(app: &TestApp) -> (String, String) {
    app.db
        .read(|s| {
            let scope = s.tenant(app.demo);
            let c = scope.companies()?.remove(0);
            let staff = scope.staff(taxlab::store::CompanyId(c.id))?;
            let clerk = staff
                .into_iter()
                .find(|st| st.role.as_str() == "tax_clerk")
                .unwrap();
            Ok((
                c.value.uscc.to_string(),
                clerk.person.value.mobile.to_string(),
            ))
        })
        .unwrap()
}

#[tokio::test]
async fn the_api_walks_the_same_login_with_the_same_rules() {
    let app = TestApp::spawn().await;
    let (uscc, mobile) = clerk(&app);

    let (status, body) = post(
        &app,
        "/api/v1/login",
        None,
        json!({"company": uscc, "account": mobile, "password": "nope"}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str(), body["field"].as_str()),
        (422, Some("wrong_password"), Some("password"))
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("还可以尝试 4 次")
    );

    let (status, body) = post(
        &app,
        "/api/v1/login",
        None,
        json!({"company": uscc, "account": mobile, "password": "Etax@2026"}),
    )
    .await;
    assert_eq!(status, 200);
    let token = body["token"].as_str().unwrap().to_owned();
    assert_eq!(body["stage"], "sms");

    let (status, body) = post(&app, "/api/v1/login/sms/resend", Some(&token), json!({})).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("resend_too_soon"))
    );

    let code = latest_code(&app).await;
    let (status, body) = post(
        &app,
        "/api/v1/login/sms",
        Some(&token),
        json!({"code": code}),
    )
    .await;
    assert_eq!(
        (status, body["stage"].as_str()),
        (200, Some("change_password"))
    );

    let res = app
        .client
        .get(app.url("/api/v1/workbench"))
        .header("x-sandbox-token", &app.sandbox)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        401,
        "no workbench before the password is changed"
    );

    let (status, body) = post(
        &app,
        "/api/v1/password/initial",
        Some(&token),
        json!({"new_password": "abc", "confirm": "abc"}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str(), body["field"].as_str()),
        (422, Some("too_short"), Some("new_password"))
    );
    let (status, _) = post(
        &app,
        "/api/v1/password/initial",
        Some(&token),
        json!({"new_password": "Good#Pass42", "confirm": "Good#Pass42"}),
    )
    .await;
    assert_eq!(status, 200);

    let res = app
        .client
        .get(app.url("/api/v1/workbench"))
        .header("x-sandbox-token", &app.sandbox)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let wb: Value = res.json().await.unwrap();
    assert_eq!(wb["company"]["uscc"], uscc.as_str());
    assert_eq!(wb["company"]["due_period"], "2026Q3");

    let (status, _) = post(&app, "/api/v1/logout", Some(&token), json!({})).await;
    assert_eq!(status, 200);
    let res = app
        .client
        .get(app.url("/api/v1/workbench"))
        .header("x-sandbox-token", &app.sandbox)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "no_session");
}

#[tokio::test]
async fn api_lockout_and_bad_bodies_are_json() {
    let app = TestApp::spawn().await;
    let (uscc, mobile) = clerk(&app);
    for _ in 0..4 {
        post(
            &app,
            "/api/v1/login",
            None,
            json!({"company": uscc, "account": mobile, "password": "x"}),
        )
        .await;
    }
    let (status, body) = post(
        &app,
        "/api/v1/login",
        None,
        json!({"company": uscc, "account": mobile, "password": "x"}),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (423, Some("locked")));
    let (status, body) = post(&app, "/api/v1/login", None, json!({"company": uscc})).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("bad_request")));
    let (status, body) = post(
        &app,
        "/api/v1/login/sms",
        Some("forged-token"),
        json!({"code": "123456"}),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (401, Some("no_session")));
}

#[tokio::test]
async fn the_openapi_document_lists_every_json_endpoint() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/openapi.json").await;
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/healthz",
        "/api/v1/calc/{tax}",
        "/api/v1/login",
        "/api/v1/login/sms",
        "/api/v1/login/sms/resend",
        "/api/v1/password/initial",
        "/api/v1/password/forgot",
        "/api/v1/password/reset",
        "/api/v1/logout",
        "/api/v1/workbench",
        "/api/v1/phone",
    ] {
        assert!(paths.contains_key(p), "{p} missing");
    }
    // every JSON route the router lists is in the document
    let router =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/router.rs"))
            .unwrap();
    for route in router
        .split('"')
        .filter(|t| t.starts_with("/api/v1/") && *t != "/api/v1/openapi.json")
    {
        assert!(
            paths.contains_key(route),
            "router has {route}, the OpenAPI document does not"
        );
    }
    assert!(doc["components"]["schemas"]["ApiErrorBody"].is_object());
    // the two tokens are described, and each endpoint says which it needs
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["sandbox"]["name"], "X-Sandbox-Token");
    assert_eq!(schemes["bureau"]["scheme"], "bearer");
    let needs = |path: &str, method: &str| doc["paths"][path][method]["security"][0].clone();
    assert!(needs("/api/v1/account", "get")["bureau"].is_array());
    assert!(needs("/api/v1/login", "post")["bureau"].is_null());
    assert!(needs("/api/v1/login", "post")["sandbox"].is_array());
    assert!(
        doc["components"]["schemas"]["LoginBody"]["properties"]["company"]["description"]
            .as_str()
            .unwrap()
            .contains("统一社会信用代码")
    );
}
