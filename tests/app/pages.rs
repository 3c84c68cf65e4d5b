use crate::browser::location;
use crate::helpers::TestApp;

#[tokio::test]
async fn healthz_reports_schema_and_demo_tenant() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["schema_version"], taxlab::store::SCHEMA_VERSION as i64);
    assert_eq!(body["tenants"], 1);
}

#[tokio::test]
async fn home_lists_the_demo_companies_in_chinese_by_default() {
    let app = TestApp::spawn().await;
    let res = app.get_in("/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("<html lang=\"zh-CN\">"));
    assert!(html.contains("演示环境"));
    assert!(html.contains("小规模纳税人") && html.contains("一般纳税人"));
    assert!(html.contains("2026Q3"));
    assert!(
        !html.contains("serde_json"),
        "template received a raw JSON value"
    );
}

#[tokio::test]
async fn english_switch_sets_a_cookie_and_the_page_follows_it() {
    let app = TestApp::spawn().await;
    let res = app.get("/lang/en?next=/").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("lang=en"));
    let html = app
        .client
        .get(app.url("/"))
        .header("cookie", "lang=en")
        .header("x-sandbox-token", &app.sandbox)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Small-scale taxpayer"));
    // an off-site `next` is ignored
    for next in [
        "//evil.example",
        "/%5Cevil.example",
        "/%0Aevil",
        "http://evil.example/",
        "/%E4%B8%AD",
    ] {
        let res = app.get(&format!("/lang/en?next={next}")).await;
        assert_eq!(res.status(), 303, "{next}");
        assert_eq!(res.headers()["location"], "/", "{next}");
    }
    let res = app.get("/lang/en?next=%ZZ").await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn unknown_pages_get_a_friendly_404_in_the_users_language() {
    let app = TestApp::spawn().await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("您访问的页面或数据不存在")
    );
    let res = app
        .client
        .get(app.url("/no/such/page"))
        .header("accept-language", "en-US,en;q=0.9")
        .header("cookie", "lang=en")
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().contains("does not exist"));
    let res = app.get("/api/v1/nothing").await;
    assert_eq!(res.status(), 404);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
}

#[tokio::test]
async fn static_css_is_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let res = app.get("/static/app.css").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(app.get("/static/missing.js").await.status(), 404);
}

#[tokio::test]
async fn serve_stops_when_asked_and_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let db = taxlab::store::Db::open(&dir.path().join("s.db")).unwrap();
    let demo = taxlab::seed::ensure_demo(&db).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        taxlab::http::App::build(taxlab::http::AppState {
            db,
            demo,
            clock: taxlab::clock::Clock::system(),
            labs: std::sync::Arc::new(taxlab::labs::Library::embedded().unwrap()),
            boards: Default::default(),
            net: Default::default(),
            health: Default::default(),
        })
        .serve(listener, async {
            let _ = stopped.await;
        }),
    );
    let res = reqwest::get(format!("http://{addr}/healthz"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    stop.send(()).unwrap();
    let finished = tokio::time::timeout(std::time::Duration::from_secs(5), server).await;
    assert!(
        matches!(finished, Ok(Ok(Ok(())))),
        "server did not shut down: {finished:?}"
    );
    assert!(
        reqwest::get(format!("http://{addr}/healthz"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn wrong_methods_and_bodies_get_json_errors_not_server_pages() {
    let app = TestApp::spawn().await;
    let res = app.get("/api/v1/calc/vat-small").await;
    assert_eq!(res.status(), 405);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "method_not_allowed");
    let res = app
        .client
        .post(app.url("/api/v1/calc/vat-small"))
        .body(vec![0xff, 0xfe, 0x00])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "not_utf8");
    let res = app
        .client
        .post(app.url("/api/v1/calc/vat-small"))
        .body(vec![b' '; 3 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "too_large");
    let res = app.client.post(app.url("/")).send().await.unwrap();
    assert_eq!(res.status(), 405);
    assert!(res.text().await.unwrap().contains("不支持此请求方式"));
}

#[tokio::test]
async fn every_response_carries_security_headers() {
    let app = TestApp::spawn().await;
    for path in ["/", "/portal/login", "/healthz", "/nope"] {
        let res = app.get(path).await;
        let h = res.headers();
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'self'"),
            "{path}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
    }
}

#[tokio::test]
async fn links_back_to_this_page_keep_its_address_and_query() {
    let app = TestApp::spawn().await;
    let page = app
        .get_in("/portal/public/calculator?calc=cit")
        .await
        .text()
        .await
        .unwrap();
    // the language switch returns to this very page, query and all
    assert!(
        page.contains("/lang/en?next=&#x2f;portal&#x2f;public&#x2f;calculator%3Fcalc%3Dcit"),
        "{page}"
    );
    // and following it lands there
    let res = app
        .client
        .get(app.url("/lang/en?next=%2Fportal%2Fpublic%2Fcalculator%3Fcalc%3Dcit"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/portal/public/calculator?calc=cit");
    // a form sent back with a mistake names the page it was sent from, never another site
    let res = app
        .client
        .post(app.url("/sandbox/leave"))
        .header("referer", "http://evil.example//evil.example/x")
        .form(&[("csrf", "wrong")])
        .send()
        .await
        .unwrap();
    let body = res.text().await.unwrap();
    assert!(!body.contains("evil"), "{body}");
}
