//! The server facing the network: each demo visitor's own tenant and its limits, lab starts
//! and housekeeping, a trusted reverse proxy, timeouts for idle and half-sent connections,
//! `/healthz`, and cookie-only API writes from other sites (issue 12).

use serde_json::json;

use crate::hardening::trainee_of;
use crate::helpers::TestApp;

async fn enter_demo(app: &TestApp) -> (u16, serde_json::Value) {
    let res = app
        .client
        .post(app.url("/api/v1/sandbox/demo"))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn each_demo_visitor_has_a_tenant_of_their_own_that_goes_when_idle() {
    let app = TestApp::spawn().await;
    let (_, a) = enter_demo(&app).await;
    let (_, b) = enter_demo(&app).await;
    let (a, b) = (
        a["sandbox_token"].as_str().unwrap().to_owned(),
        b["sandbox_token"].as_str().unwrap().to_owned(),
    );
    let (ta, tb) = (trainee_of(&app, &a), trainee_of(&app, &b));
    assert_ne!(ta.tenant, tb.tenant);
    assert_ne!(ta.tenant, app.demo, "not the shared demo tenant");
    // the same handout: both see the demo's companies
    let sandbox = |t: &str| crate::api_client::Api::with_sandbox(&app, t);
    let (_, ma) = sandbox(&a).get("/api/v1/sandbox").await;
    let (_, mb) = sandbox(&b).get("/api/v1/sandbox").await;
    let usccs = |m: &serde_json::Value| -> Vec<String> {
        m["companies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["uscc"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(usccs(&ma), usccs(&mb));
    // A works in the bureau; B's tenant has none of it
    let uscc = ma["accounts"][0]["uscc"].as_str().unwrap().to_owned();
    let res = app
        .client
        .post(app.url("/api/v1/login"))
        .header("x-sandbox-token", &a)
        .json(&json!({"company": uscc, "account": "nobody", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let traces = |t| app.db.read(|s| s.tenant(t).trace_events()).unwrap().len();
    assert_eq!((traces(ta.tenant) > 0, traces(tb.tenant)), (true, 0));

    // two hours later without activity, A (who acted at the start) and B go with their tenants
    let later = app.clock.now() + chrono::Duration::hours(2) + chrono::Duration::minutes(1);
    let swept = app
        .db
        .write(|s| {
            taxlab::store::gc::sweep(
                s,
                later,
                taxlab::http::DEMO_IDLE,
                taxlab::http::ABANDONED_AFTER,
            )
        })
        .unwrap();
    assert_eq!(swept.demo_visitors, 2);
    assert_eq!(sandbox(&a).get("/api/v1/sandbox").await.0, 401);
    let gone = app
        .db
        .read(|s| Ok(s.tenant(ta.tenant).record().is_err()))
        .unwrap();
    assert!(gone, "the visitor's tenant is removed");
    // the shared demo tenant stays
    assert!(app.db.read(|s| s.tenant(app.demo).record()).is_ok());
}

#[tokio::test]
async fn demo_sandboxes_are_limited_per_address() {
    let app = TestApp::spawn().await;
    for _ in 0..taxlab::http::DEMO_PER_ADDRESS.max {
        assert_eq!(enter_demo(&app).await.0, 200);
    }
    let (status, body) = enter_demo(&app).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("too_many")),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains("演示沙箱"));
}

#[tokio::test]
async fn lab_starts_are_limited_and_abandoned_attempts_lose_their_tenant_but_not_their_trace() {
    let app = TestApp::spawn().await;
    let (_, v) = enter_demo(&app).await;
    let token = v["sandbox_token"].as_str().unwrap().to_owned();
    let api = crate::api_client::Api::with_sandbox(&app, &token);
    let (status, first) = api
        .post("/api/v1/labs/account-setup/start", json!({}))
        .await;
    assert_eq!(status, 200, "{first}");
    let abandoned = trainee_of(&app, &token).tenant;
    // something happens in it, then the trainee starts another lab instead
    app.db
        .write(|s| {
            s.tenant(abandoned).trace(
                app.clock.now(),
                None,
                "login.password",
                "unknown_company",
                &json!({}),
            )
        })
        .unwrap();
    for _ in 1..taxlab::labs::run::STARTS_PER_TRAINEE.max {
        let (status, body) = api
            .post("/api/v1/labs/account-setup/start", json!({}))
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = api
        .post("/api/v1/labs/account-setup/start", json!({}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (429, Some("too_many_starts")),
        "{body}"
    );
    let current = trainee_of(&app, &token).tenant;

    let later = app.clock.now() + chrono::Duration::days(2);
    let swept = app
        .db
        .write(|s| {
            taxlab::store::gc::sweep(
                s,
                later,
                chrono::Duration::days(365),
                taxlab::http::ABANDONED_AFTER,
            )
        })
        .unwrap();
    assert!(swept.pruned >= 29, "{swept:?}");
    let (companies, trace, pruned) = app
        .db
        .read(|s| {
            Ok((
                s.tenant(abandoned).companies()?.len(),
                s.tenant(abandoned).trace_events()?.len(),
                s.tenant_pruned_at(abandoned)?.is_some(),
            ))
        })
        .unwrap();
    assert_eq!((companies, trace, pruned), (0, 1, true));
    // the attempt in progress keeps its tenant, and the trainee goes on working
    assert!(
        !app.db
            .read(|s| s.tenant(current).companies())
            .unwrap()
            .is_empty()
    );
    assert_eq!(api.get("/api/v1/attempt").await.0, 200);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_client_address_is_the_forwarded_one_and_cookies_are_secure() {
    let app = TestApp::spawn_behind(taxlab::http::net::Net {
        public_url: Some("https://tax.example.edu.cn".into()),
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        timeouts: None,
    })
    .await;
    let demo = |from: &'static str| {
        let req = app
            .client
            .post(app.url("/api/v1/sandbox/demo"))
            .header("x-forwarded-for", from);
        async move { req.send().await.unwrap() }
    };
    // a page: HSTS, and every cookie Secure
    let res = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(
        res.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let cookies: Vec<_> = res.headers().get_all("set-cookie").iter().collect();
    assert!(!cookies.is_empty());
    assert!(
        cookies
            .iter()
            .all(|c| c.to_str().unwrap().contains("; Secure")),
        "{cookies:?}"
    );
    // the demo limit counts the forwarded client, not the proxy
    for _ in 0..taxlab::http::DEMO_PER_ADDRESS.max {
        demo("198.51.100.7").await;
    }
    assert_eq!(demo("198.51.100.7").await.status(), 429);
    assert_ne!(demo("198.51.100.8").await.status(), 429);
    // a client's own claim in front of the proxy's entry changes nothing, on one line or two
    assert_eq!(demo("10.9.9.9, 198.51.100.7").await.status(), 429);
    let two_lines = app
        .client
        .post(app.url("/api/v1/sandbox/demo"))
        .header("x-forwarded-for", "10.9.9.9")
        .header("x-forwarded-for", "198.51.100.7")
        .send()
        .await
        .unwrap();
    assert_eq!(two_lines.status(), 429);
    // the address counted is the forwarded one
    let ips = app
        .db
        .read(|s| {
            use taxlab::store::limits::Counted;
            s.rate_count(
                "demo",
                "198.51.100.8",
                chrono::Utc::now() - chrono::Duration::hours(1),
            )
        })
        .unwrap();
    assert_eq!(ips, 1);
}

#[tokio::test]
async fn without_a_trusted_proxy_forwarded_for_is_ignored() {
    let app = TestApp::spawn().await;
    for n in 0..taxlab::http::DEMO_PER_ADDRESS.max {
        let res = app
            .client
            .post(app.url("/api/v1/sandbox/demo"))
            .header("x-forwarded-for", format!("198.51.100.{n}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    let (status, _) = enter_demo(&app).await;
    assert_eq!(status, 429, "every request counted against the real peer");
    let res = app.client.get(app.url("/")).send().await.unwrap();
    assert!(res.headers().get("strict-transport-security").is_none());
}

#[tokio::test]
async fn healthz_is_ok_only_when_the_database_can_be_written() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    // another process holds the database's write lock: reads go on, writes cannot
    let other = rusqlite::Connection::open(app.db_path()).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    app.clock.advance(chrono::Duration::seconds(2));
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 503);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        (
            body["status"].as_str(),
            body["read"].as_bool(),
            body["write"].as_bool()
        ),
        (Some("unavailable"), Some(true), Some(false)),
        "{body}"
    );
    other.execute_batch("ROLLBACK").unwrap();
    app.clock.advance(chrono::Duration::seconds(2));
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn idle_and_half_sent_connections_are_closed() {
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_behind(taxlab::http::net::Net {
        timeouts: Some(taxlab::http::net::Timeouts {
            header: Duration::from_millis(500),
            request: Duration::from_millis(800),
        }),
        ..Default::default()
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let closed_within = |mut s: tokio::net::TcpStream, limit: Duration| async move {
        let started = Instant::now();
        let mut buf = Vec::new();
        let read = tokio::time::timeout(limit, s.read_to_end(&mut buf)).await;
        (
            read.is_ok(),
            started.elapsed(),
            String::from_utf8_lossy(&buf).into_owned(),
        )
    };
    // connected, sends nothing
    let s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (closed, took, _) = closed_within(s, Duration::from_secs(5)).await;
    assert!(closed, "an idle connection is closed");
    assert!(took < Duration::from_secs(3), "{took:?}");
    // half a header
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let (closed, _, _) = closed_within(s, Duration::from_secs(5)).await;
    assert!(closed, "a half-sent header is closed");
    // headers, then half the body it announced
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(
        b"POST /api/v1/join HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"code\":",
    )
    .await
    .unwrap();
    let (closed, _, answer) = closed_within(s, Duration::from_secs(5)).await;
    assert!(closed, "a half-sent body is answered and closed");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("请求超时"), "{answer}");
    // a kept-alive connection is closed once idle that long, after its answer
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (closed, _, answer) = closed_within(s, Duration::from_secs(5)).await;
    assert!(closed && answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn a_cookie_alone_changes_nothing_through_the_api_unless_it_is_json_from_this_site() {
    let app = TestApp::spawn().await;
    let cookie = format!("taxlab_sandbox={}", app.sandbox);
    let post = |content_type: &'static str, origin: Option<String>, body: &'static str| {
        let mut req = app
            .client
            .post(app.url("/api/v1/sandbox/leave"))
            .header("cookie", &cookie)
            .header("content-type", content_type)
            .body(body);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        async move { req.send().await.unwrap() }
    };
    // a cross-site form (what a forged page can send without asking)
    let res = post(
        "application/x-www-form-urlencoded",
        Some("https://evil.example".into()),
        "",
    )
    .await;
    assert_eq!(res.status(), 403);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "cross_origin");
    assert!(body["message"].as_str().unwrap().contains("令牌"));
    let res = post("text/plain", None, "{}").await;
    assert_eq!(res.status(), 403);
    // JSON from another origin
    let res = post(
        "application/json",
        Some("https://evil.example".into()),
        "{}",
    )
    .await;
    assert_eq!(res.status(), 403);
    // the sandbox session survived all of that
    let (status, _) = crate::api_client::Api::new(&app)
        .get("/api/v1/sandbox")
        .await;
    assert_eq!(status, 200);
    // JSON from this site's own pages passes
    let res = post("application/json", Some(app.base.clone()), "{}").await;
    assert_eq!(res.status(), 200);
}
