//! The learning records reach a real learning record store (Ralph, from PyPI, installed by
//! `.ci/run` into `.lrs/`): statements wait in the outbox while the LRS is down and arrive
//! once it is up, each once; what the LRS refuses is kept back with its reason while the
//! rest of the batch goes; the report counts them.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use taxlab::evaluation::lrs::{LrsConfig, Outbox};
use taxlab::store::TestOwner;

use crate::class_tests::{answers, class_with_two, open_test, pairs, paper_for, paper_of};
use crate::helpers::TestApp;

/// Ralph's LRS on `port`, with a file-system backend and one account (taxlab:secret) in
/// `dir`; killed when dropped.
struct Ralph(Child);

impl Drop for Ralph {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The Python of the venv Ralph is installed in (`TAXLAB_LRS_PYTHON`, or `.lrs/bin/python`).
fn ralph_python() -> std::path::PathBuf {
    let python = std::env::var_os("TAXLAB_LRS_PYTHON").map_or_else(
        || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".lrs/bin/python"),
        std::path::PathBuf::from,
    );
    assert!(
        python.exists(),
        "the test LRS is missing at {}: run .ci/run, which installs it (see ../shared/LRS.md)",
        python.display()
    );
    python
}

/// Ralph, through tests/lrs/run_ralph.py (which says the one thing it changes).
fn ralph_command() -> Command {
    let mut c = Command::new(ralph_python());
    c.arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lrs/run_ralph.py"));
    c
}

fn ralph(dir: &std::path::Path, port: u16) -> Ralph {
    let auth = dir.join("auth.json");
    let status = ralph_command()
        .args(["auth", "-u", "taxlab", "-p", "secret", "-s", "all"])
        .args(["-M", "mailto:lrs@example.com", "-w"])
        .env("RALPH_AUTH_FILE", &auth)
        .env("RALPH_RUNSERVER_BACKEND", "fs")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("ralph auth");
    assert!(status.success());
    let child = ralph_command()
        .args(["runserver", "-b", "fs", "--fs-default-directory-path"])
        .arg(dir.join("data"))
        .args(["-p", &port.to_string()])
        .env("RALPH_AUTH_FILE", &auth)
        .env("RALPH_RUNSERVER_BACKEND", "fs")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("ralph runserver");
    Ralph(child)
}

/// Every statement the LRS holds, following its `more` links.
async fn stored(client: &reqwest::Client, port: u16) -> Vec<serde_json::Value> {
    let root = format!("http://127.0.0.1:{port}");
    let mut url = format!("{root}/xAPI/statements?limit=500");
    let mut all = Vec::new();
    loop {
        let page: serde_json::Value = client
            .get(&url)
            .basic_auth("taxlab", Some("secret"))
            .header("X-Experience-API-Version", "1.0.3")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        all.extend(page["statements"].as_array().unwrap().iter().cloned());
        match page["more"].as_str() {
            Some(more) if !more.is_empty() => url = format!("{root}{more}"),
            _ => return all,
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn statements_wait_for_the_lrs_and_arrive_once_each() {
    ralph_python();
    let app = TestApp::spawn().await;
    let (mut teacher, class, mut a, mut b) = class_with_two(&app).await;
    let owner = TestOwner::Class(class);
    open_test(&mut teacher, class, "pre", "a").await;
    for (v, seat, right) in [(&mut a, 1, 12), (&mut b, 2, 6)] {
        v.post("/tests/pre/start", &[]).await;
        let (_, paper) = paper_of(&app, class, seat);
        v.post("/tests/pre/submit", &pairs(&answers(&paper, right)))
            .await;
    }

    // the LRS is down: everything is queued, nothing lost
    let port = free_port();
    let cfg = LrsConfig::new(
        &format!("http://127.0.0.1:{port}/xAPI/"),
        Some("taxlab"),
        Some("secret"),
        &app.base,
    )
    .unwrap();
    let labs = std::sync::Arc::new(taxlab::labs::Library::embedded().unwrap());
    // retries wait on real time here: the LRS really is down, then really comes up
    let outbox = Outbox::new(
        app.db.clone(),
        taxlab::clock::Clock::system(),
        labs.clone(),
        cfg,
    );
    let first = outbox.round().await.unwrap();
    // two trainees: a lab attempt each (started when joining), the pre-test handed in
    // (completed) and its 24 questions answered
    let expected = 2 * (1 + 1 + 24);
    assert_eq!((first.queued, first.sent), (expected, 0), "{first:?}");
    assert_eq!(first.waiting, expected);
    let (counts, error) = app.db.read(|s| s.xapi_counts(owner)).unwrap();
    assert_eq!((counts.queued, counts.sent), (expected as i64, 0));
    assert!(!error.is_empty(), "the connection error is kept: {error}");
    let page = teacher
        .get_text(&format!("/console/classes/{class}/report"))
        .await;
    assert!(page.contains("id=\"lrs-status\""), "{page}");

    // the LRS comes up: the retries deliver it all
    let dir = tempfile::tempdir().unwrap();
    let _lrs = ralph(dir.path(), port);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        outbox.round().await.unwrap();
        let (c, _) = app.db.read(|s| s.xapi_counts(owner)).unwrap();
        if c.queued == 0 {
            assert_eq!((c.sent, c.refused), (expected as i64, 0));
            break;
        }
        assert!(Instant::now() < deadline, "still waiting: {c:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let client = reqwest::Client::new();
    let at_lrs = stored(&client, port).await;
    let mut ids: Vec<String> = at_lrs
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    let mut ours: Vec<String> = app
        .db
        .read(|s| taxlab::evaluation::xapi::statements(s, &labs, owner, &app.base))
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    ours.sort();
    assert_eq!(ids, ours, "the LRS holds exactly the report's statements");
    // a round with nothing new sends nothing
    let idle = outbox.round().await.unwrap();
    assert_eq!((idle.queued, idle.sent), (0, 0));

    // a malformed statement in the same batch as good ones: the good ones still go
    app.db
        .write(|s| {
            s.xapi_queue(
                &[(owner, "not-a-statement".into(), "{\"bad\":1}".into())],
                &[],
                chrono::Utc::now(),
            )
        })
        .unwrap();
    open_test(&mut teacher, class, "post", "b").await;
    a.post("/tests/post/start", &[]).await;
    let (_, paper) = paper_for(&app, class, "post", 1);
    a.post("/tests/post/submit", &pairs(&answers(&paper, 20)))
        .await;
    let round = outbox.round().await.unwrap();
    let why = app.db.read(|s| s.xapi_counts(owner)).unwrap().1;
    assert_eq!(
        (round.queued, round.sent, round.refused),
        (25, 25, 1),
        "{round:?} {why}"
    );
    let (c, error) = app.db.read(|s| s.xapi_counts(owner)).unwrap();
    assert_eq!((c.queued, c.sent, c.refused), (0, expected as i64 + 25, 1));
    assert!(
        error.contains("HTTP 4"),
        "the LRS's reason is kept: {error}"
    );
    assert_eq!(stored(&client, port).await.len(), expected + 25);
    let page = teacher
        .get_text(&format!("/console/classes/{class}/report"))
        .await;
    assert!(page.contains("id=\"lrs-status\""), "{page}");
}
