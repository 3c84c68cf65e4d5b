//! Browser journeys in headless Chromium (Debian's `chromium` and `chromium-driver`,
//! installed by `.ci/run`). A missing browser fails the test: it is never skipped.
//! Every page visited must log no console error; screenshots go to
//! `target/browser-screenshots/`. Later features add their journeys here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "app/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use helpers::TestApp;
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A chromedriver process, stopped on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_driver() -> Driver {
    for path in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            std::path::Path::new(path).exists(),
            "{path} is missing: browser tests need Debian's chromium and chromium-driver (.ci/run installs them)"
        );
    }
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    // Owned by the guard from here on, so a failed start still stops the process.
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start on port {port}");
}

async fn browser(driver: &Driver) -> Client {
    let mut caps = Capabilities::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--lang=zh-CN", "--window-size=1280,800", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"
            ]
        }),
    );
    caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("open a Chromium session")
}

/// Chromium's console log since the last call (the legacy log endpoint chromedriver keeps).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}

async fn assert_no_console_errors(c: &Client, page: &str) {
    let log = c.issue_cmd(BrowserLog).await.expect("read the console log");
    let entries = log
        .as_array()
        .unwrap_or_else(|| panic!("the console log is not a list: {log}"));
    let errors: Vec<&Value> = entries.iter().filter(|e| e["level"] == "SEVERE").collect();
    assert!(errors.is_empty(), "console errors on {page}: {errors:?}");
}

async fn screenshot(c: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{name}.png")),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
}

async fn fill(c: &Client, name: &str, value: &str) {
    let field = c
        .find(Locator::Css(&format!("input[name='{name}']")))
        .await
        .unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

async fn submit(c: &Client, form_action: &str) {
    c.find(Locator::Css(&format!(
        "form[action='{form_action}'] button[type='submit']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
}

/// Wait for the next page: an element only it has.
async fn wait_for(c: &Client, css: &str) {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for {css}: {e}"));
}

async fn text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn trainee_logs_in_with_sms_code_and_changes_the_initial_password() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let c = browser(&driver).await;

    let (uscc, mobile) = app
        .db
        .read(|s| {
            let scope = s.tenant(app.demo);
            let company = scope.companies()?.remove(0);
            let staff = scope.staff(taxlab::store::CompanyId(company.id))?;
            let clerk = staff
                .into_iter()
                .find(|st| st.role.as_str() == "tax_clerk")
                .unwrap();
            Ok((
                company.value.uscc.to_string(),
                clerk.person.value.mobile.to_string(),
            ))
        })
        .unwrap();

    c.goto(&app.url("/portal/login")).await.unwrap();
    assert!(text(&c).await.contains("用户登录"));
    assert_no_console_errors(&c, "login").await;
    screenshot(&c, "01-login").await;

    fill(&c, "company", &uscc).await;
    fill(&c, "account", &mobile).await;
    fill(&c, "password", "Etax@2026").await;
    submit(&c, "/portal/login").await;
    wait_for(&c, "form[action='/portal/login/sms']").await;

    let page = text(&c).await;
    assert!(page.contains("短信验证"), "{page}");
    assert_no_console_errors(&c, "sms").await;
    screenshot(&c, "02-sms").await;
    let phone = c
        .find(Locator::Css("aside.phone"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = phone
        .find("验证码为 ")
        .expect("the code on the simulated phone")
        + "验证码为 ".len();
    let code: String = phone[at..].chars().take(6).collect();
    fill(&c, "code", &code).await;
    submit(&c, "/portal/login/sms").await;
    wait_for(&c, "form[action='/portal/password/initial']").await;

    assert!(text(&c).await.contains("修改初始密码"));
    assert_no_console_errors(&c, "password").await;
    fill(&c, "new_password", "short").await;
    fill(&c, "confirm", "short").await;
    submit(&c, "/portal/password/initial").await;
    wait_for(&c, ".field-error").await;
    assert!(text(&c).await.contains("密码长度不能少于 8 位"));
    screenshot(&c, "03-password-refused").await;
    fill(&c, "new_password", "Good#Pass42").await;
    fill(&c, "confirm", "Good#Pass42").await;
    submit(&c, "/portal/password/initial").await;
    wait_for(&c, ".cards").await;

    let home = text(&c).await;
    assert!(
        home.contains("我的工作台") && home.contains("我的待办"),
        "{home}"
    );
    assert_no_console_errors(&c, "workbench").await;
    screenshot(&c, "04-workbench").await;

    c.close().await.unwrap();
}
