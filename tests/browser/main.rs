//! Browser journeys in headless Chromium (Debian's `chromium` and `chromium-driver`,
//! installed by `.ci/run`). A missing browser fails the test: it is never skipped.
//! Every page visited must log no console error; screenshots go to
//! `target/browser-screenshots/`. Later features add their journeys here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod courses;
mod credit;
mod evaluation;
mod filing;
#[path = "../app/helpers.rs"]
#[allow(dead_code)]
mod helpers;
mod labs;
mod proofs;
mod refunds;
mod trainee;

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

/// A desktop browser window (1280×800).
async fn browser(driver: &Driver) -> Client {
    browser_sized(driver, 1280, 800, None).await
}

/// A browser window of the given size; downloads, if a folder is given, land there.
async fn browser_sized(
    driver: &Driver,
    width: u32,
    height: u32,
    downloads: Option<&std::path::Path>,
) -> Client {
    let mut caps = Capabilities::new();
    let mut options = json!({
        "binary": CHROMIUM,
        "args": [
            "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
            "--lang=zh-CN", format!("--window-size={width},{height}"),
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run"
        ]
    });
    if width < 500 {
        // a desktop window is never narrower than 500 px: a phone's screen is emulated
        options["mobileEmulation"] = json!({
            "deviceMetrics": { "width": width, "height": height, "pixelRatio": 1.0, "touch": true }
        });
    }
    if let Some(dir) = downloads {
        options["prefs"] = json!({
            "download.default_directory": dir.to_str().unwrap(),
            "download.prompt_for_download": false,
        });
    }
    caps.insert("goog:chromeOptions".into(), options);
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

/// An instructor account `username` (password Teach#2026ok), signed in to the console in a
/// browser of its own.
async fn console_instructor(app: &TestApp, driver: &Driver, username: &str) -> Client {
    let hash = {
        use argon2::PasswordHasher;
        let salt = argon2::password_hash::SaltString::encode_b64(b"browser-journey!").unwrap();
        argon2::Argon2::default()
            .hash_password(b"Teach#2026ok", &salt)
            .unwrap()
            .to_string()
    };
    app.db
        .write(|s| {
            s.create_user(
                username,
                "王老师",
                taxlab::store::UserRole::Instructor,
                &hash,
                chrono::Utc::now(),
            )
        })
        .unwrap();
    let teacher = browser(driver).await;
    teacher.goto(&app.url("/console")).await.unwrap();
    wait_for(&teacher, "form[action='/console/login']").await;
    fill(&teacher, "username", username).await;
    fill(&teacher, "password", "Teach#2026ok").await;
    submit(&teacher, "/console/login").await;
    wait_for(&teacher, "form[action='/console/classes']").await;
    teacher
}

/// An instructor `username` at a classroom's 1366×768 screen, with a new class of `seats`
/// seats open on the dashboard; and the class's join code.
async fn class_on_screen(
    app: &TestApp,
    driver: &Driver,
    username: &str,
    name: &str,
    seats: u32,
) -> (Client, String) {
    let teacher = console_instructor(app, driver, username).await;
    teacher.set_window_size(1366, 768).await.unwrap();
    fill(&teacher, "name", name).await;
    fill(&teacher, "seats", &seats.to_string()).await;
    submit(&teacher, "/console/classes").await;
    wait_for(&teacher, "table.room").await;
    let code = teacher
        .find(Locator::Css(".join-code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (teacher, code)
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

/// Submit a form that leads to a page much like this one (a code sent again), and wait
/// until this page has gone, so what is read next is the new page's.
async fn submit_to_next_page(c: &Client, form_action: &str) {
    let old = c.find(Locator::Css("html")).await.unwrap();
    submit(c, form_action).await;
    let until = std::time::Instant::now() + Duration::from_secs(10);
    while old.tag_name().await.is_ok() {
        assert!(
            std::time::Instant::now() < until,
            "{form_action}: the page did not change"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Wait for the next page: an element only it has.
async fn wait_for(c: &Client, css: &str) {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for {css}: {e}"));
}

/// Wait until the page says `needle` (the page may still be changing: a navigation after a
/// form, or the live dashboard replacing its rows).
async fn wait_text(c: &Client, needle: &str) {
    let until = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let body = match c.find(Locator::Css("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if body.contains(needle) {
            return;
        }
        assert!(
            std::time::Instant::now() < until,
            "waiting for {needle:?}; the page says: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text(c: &Client) -> String {
    c.find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// From the sandbox's front page, as the demo trainee, to the bureau's login page.
async fn enter_sandbox(c: &Client, app: &TestApp) {
    c.goto(&app.url("/")).await.unwrap();
    assert!(text(c).await.contains("以演示学员身份进入"));
    assert_no_console_errors(c, "sandbox entry").await;
    submit(c, "/sandbox/demo").await;
    wait_for(c, "table.accounts").await;
    assert!(text(c).await.contains("实训资料"));
    assert_no_console_errors(c, "materials").await;
    c.find(Locator::Css("a.primary-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(c, "form[action='/portal/login']").await;
}

/// The first company's USCC and its tax clerk's mobile number.
fn clerk(app: &TestApp) -> (String, String) {
    app.db
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
        .unwrap()
}

/// The newest code on the phone panel of the page, in either language.
async fn phone_code(c: &Client) -> String {
    let phone = c
        .find(Locator::Css("aside.phone"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // the newest message comes first; its code is the first run of exactly six digits
    let digits: Vec<char> = phone.chars().collect();
    let mut i = 0;
    while i < digits.len() {
        let run = digits[i..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if run == 6 {
            return digits[i..i + 6].iter().collect();
        }
        i += run.max(1);
    }
    panic!("no code on the simulated phone: {phone}");
}

#[tokio::test]
async fn trainee_logs_in_with_sms_code_and_changes_the_initial_password() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let c = browser(&driver).await;

    let (uscc, mobile) = clerk(&app);
    enter_sandbox(&c, &app).await;
    assert!(text(&c).await.contains("用户登录"));
    assert_no_console_errors(&c, "login").await;
    screenshot(&c, "01-login").await;

    // the phone panel picks up a message sent meanwhile, without a reload
    assert!(c.find(Locator::Css("aside.phone ul li")).await.is_err());
    // (this browser's own demo sandbox: every demo visitor has a tenant of their own)
    let sandbox = c
        .get_named_cookie("taxlab_sandbox")
        .await
        .unwrap()
        .value()
        .to_owned();
    let res = app
        .client
        .post(app.url("/api/v1/password/forgot"))
        .header("x-sandbox-token", &sandbox)
        .json(&json!({ "account": mobile }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    wait_for(&c, "aside.phone ul li").await;
    assert!(
        text(&c).await.contains("重置电子税务局密码"),
        "the reset code arrived"
    );

    fill(&c, "company", &uscc).await;
    fill(&c, "account", &mobile).await;
    fill(&c, "password", "Etax@2026").await;
    submit(&c, "/portal/login").await;
    wait_for(&c, "form[action='/portal/login/sms']").await;

    let page = text(&c).await;
    assert!(page.contains("短信验证"), "{page}");
    assert_no_console_errors(&c, "sms").await;
    screenshot(&c, "02-sms").await;
    let code = phone_code(&c).await;
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

async fn fill_in(c: &Client, form_action: &str, name: &str, value: &str) {
    let field = c
        .find(Locator::Css(&format!(
            "form[action='{form_action}'] input[name='{name}']"
        )))
        .await
        .unwrap();
    field.clear().await.unwrap();
    field.send_keys(value).await.unwrap();
}

/// Password, SMS code from the phone panel, new password: to the workbench.
async fn first_login(c: &Client, uscc: &str, mobile: &str) {
    fill(c, "company", uscc).await;
    fill(c, "account", mobile).await;
    fill(c, "password", "Etax@2026").await;
    submit(c, "/portal/login").await;
    wait_for(c, "form[action='/portal/login/sms']").await;
    let code = phone_code(c).await;
    fill(c, "code", &code).await;
    submit(c, "/portal/login/sms").await;
    wait_for(c, "form[action='/portal/password/initial']").await;
    fill(c, "new_password", "Good#Pass42").await;
    fill(c, "confirm", "Good#Pass42").await;
    submit(c, "/portal/password/initial").await;
    wait_for(c, ".cards").await;
}

/// Wait until the download folder holds `n` certificate files; their paths, oldest first.
async fn downloaded(dir: &std::path::Path, n: usize) -> Vec<std::path::PathBuf> {
    downloaded_with(dir, n, "cer").await
}

/// The first `n` files with this extension downloaded into `dir`, oldest first.
async fn downloaded_with(
    dir: &std::path::Path,
    n: usize,
    extension: &str,
) -> Vec<std::path::PathBuf> {
    for _ in 0..100 {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == extension))
            .collect();
        if files.len() >= n {
            files.sort_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap());
            return files;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {n} certificate files in {}", dir.display());
}

#[tokio::test]
async fn trainee_downloads_a_certificate_renews_it_and_logs_in_with_the_new_one_only() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let downloads = tempfile::tempdir().unwrap();
    let c = browser_sized(&driver, 1280, 800, Some(downloads.path())).await;
    let (uscc, mobile) = clerk(&app);
    enter_sandbox(&c, &app).await;
    first_login(&c, &uscc, &mobile).await;

    c.goto(&app.url("/portal/account#certificate"))
        .await
        .unwrap();
    assert!(text(&c).await.contains("数字证书"));
    assert_no_console_errors(&c, "account").await;
    let form = "/portal/account/certificate";
    fill_in(&c, form, "pin", "246810").await;
    fill_in(&c, form, "pin_confirm", "246810").await;
    submit(&c, form).await;
    let old = downloaded(downloads.path(), 1).await.remove(0);
    // the page says so beside the certificate, which is listed as valid
    wait_for(&c, "#certificate #certificate-issued").await;
    let section = c
        .find(Locator::Id("certificate"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let file = old.file_name().unwrap().to_str().unwrap();
    assert!(
        section.contains("数字证书已签发") && section.contains(file) && section.contains("有效"),
        "{section}"
    );
    // 更新证书: a new file, and the first one stops working
    c.goto(&app.url("/portal/account#certificate"))
        .await
        .unwrap();
    wait_for(&c, "form[action='/portal/account/certificate']").await;
    assert!(text(&c).await.contains("有效"), "the certificate is listed");
    fill_in(&c, form, "pin", "135790").await;
    fill_in(&c, form, "pin_confirm", "135790").await;
    submit(&c, form).await;
    let files = downloaded(downloads.path(), 2).await;
    let new = files.into_iter().find(|p| *p != old).unwrap();
    screenshot(&c, "11-certificate-issued").await;

    submit(&c, "/portal/logout").await;
    wait_for(&c, "form[action='/portal/login/certificate']").await;
    let form = "/portal/login/certificate";
    fill_in(&c, form, "company", &uscc).await;
    c.find(Locator::Css("input[name='certificate']"))
        .await
        .unwrap()
        .send_keys(old.to_str().unwrap())
        .await
        .unwrap();
    fill_in(&c, form, "pin", "246810").await;
    submit(&c, form).await;
    wait_for(&c, ".cert-login .error-box").await;
    assert!(text(&c).await.contains("该数字证书已注销"));
    assert_no_console_errors(&c, "certificate refused").await;
    screenshot(&c, "12-certificate-revoked").await;

    fill_in(&c, form, "company", &uscc).await;
    c.find(Locator::Css("input[name='certificate']"))
        .await
        .unwrap()
        .send_keys(new.to_str().unwrap())
        .await
        .unwrap();
    fill_in(&c, form, "pin", "135790").await;
    submit(&c, form).await;
    wait_for(&c, ".cards").await;
    assert!(text(&c).await.contains("我的工作台"));
    assert_no_console_errors(&c, "workbench after certificate login").await;
    c.close().await.unwrap();
}

/// At tablet width, in English: nothing wider than the screen, every string translated.
#[tokio::test]
async fn the_portal_is_usable_in_english_at_tablet_width() {
    let app = TestApp::spawn().await;
    let driver = start_driver().await;
    let c = browser_sized(&driver, 768, 1024, None).await;
    let (uscc, mobile) = clerk(&app);
    let chinese_ui = chinese_ui();
    assert!(chinese_ui.len() > 100);
    enter_sandbox(&c, &app).await;
    c.find(Locator::Css("a[href^='/lang/en']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "html[lang='en']").await;
    assert!(text(&c).await.contains("Log in"));
    first_login(&c, &uscc, &mobile).await;
    for (path, name) in [
        ("/portal", "21-tablet-workbench"),
        ("/portal/account", "22-tablet-account"),
        ("/portal/staff", "23-tablet-staff"),
        ("/portal/messages", "24-tablet-messages"),
        ("/portal/help", "25-tablet-help"),
        ("/portal/proofs?tab=voucher", "26a-tablet-proof-voucher"),
        ("/portal/proofs?tab=record", "26b-tablet-proof-record"),
        (
            "/portal/public/calculator?calc=vat-small&run=1&period=2025Q3&sales_3pct_other=400000",
            "26c-tablet-calculator",
        ),
        ("/portal/public/policies?tax=cit", "26d-tablet-policies"),
        ("/portal/public/tools", "26e-tablet-tools"),
        // last: the lab starts from the materials page
        ("/", "26-tablet-materials"),
    ] {
        c.goto(&app.url(path)).await.unwrap();
        english_and_fits(&c, &chinese_ui, path, name).await;
    }
    // a lab: its page, its task panel beside the login, and its feedback
    submit(&c, "/labs/certificate-renewal/start").await;
    wait_for(&c, "ol.steps").await;
    english_and_fits(&c, &chinese_ui, "/lab", "27-tablet-lab").await;
    c.goto(&app.url("/portal/login")).await.unwrap();
    wait_for(&c, "aside.task").await;
    english_and_fits(
        &c,
        &chinese_ui,
        "/portal/login (lab)",
        "28-tablet-lab-login",
    )
    .await;
    submit(&c, "/lab/check").await;
    wait_for(&c, "#feedback").await;
    english_and_fits(&c, &chinese_ui, "/lab#feedback", "29-tablet-lab-feedback").await;
    c.close().await.unwrap();
}

/// The catalogue's Chinese strings (four characters or more): none may show in English.
fn chinese_ui() -> Vec<String> {
    let catalogue: toml::Table = toml::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/web/i18n/zh-CN.toml"))
            .unwrap(),
    )
    .unwrap();
    catalogue
        .values()
        .filter_map(|v| v.as_str())
        .flat_map(|v| v.split(['{', '}', '，', '。', '：', '、']))
        .filter(|v| {
            v.chars().count() >= 4 && v.chars().all(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch))
        })
        .map(str::to_owned)
        .collect()
}

/// The page is in English, shows none of the catalogue's Chinese strings (outside what is
/// marked `lang="zh-CN"`: official documents cited by their Chinese names), is no wider than
/// the window and logged no console error; then a screenshot.
async fn english_and_fits(c: &Client, chinese_ui: &[String], path: &str, name: &str) {
    wait_for(c, "html[lang='en']").await;
    let page = c
        .execute(
            "const b = document.body.cloneNode(true); \
             b.querySelectorAll('[lang^=zh]').forEach(e => e.remove()); \
             return b.textContent;",
            vec![],
        )
        .await
        .unwrap();
    let page = page.as_str().unwrap_or_default().to_owned();
    for zh in chinese_ui {
        assert!(!page.contains(zh.as_str()), "{path}: untranslated {zh:?}");
    }
    fits(c, path, name).await;
}

/// The page is no wider than the window (anything wide scrolls inside its own box) and
/// logged no console error; then a screenshot.
pub(crate) async fn fits(c: &Client, path: &str, name: &str) {
    let overflow = c
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    if overflow.as_i64().unwrap() > 0 {
        // name the elements that stick out, to find the culprit
        let wide = c
            .execute(
                "return [...document.querySelectorAll('body *')] \
                 .filter(e => e.getBoundingClientRect().right > window.innerWidth) \
                 .filter(e => !e.closest('.table-scroll')) \
                 .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id + ' in ' + (e.closest('section, form') || {}).id + ' ' + Math.round(e.getBoundingClientRect().width)).join(' ');",
                vec![],
            )
            .await
            .unwrap();
        panic!("{path}: {overflow} px wider than the window: {wide}");
    }
    assert_no_console_errors(c, path).await;
    screenshot(c, name).await;
}
