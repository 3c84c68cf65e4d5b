//! The server under test, and what the instructor and the load generator ask of it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::percentile;

const BIN: &str = env!("CARGO_BIN_EXE_taxlab");
const ADMIN_PASSWORD: &str = "Bench#Admin2026";

/// The filing lab the room works through: 实操演练二 with the bureau's defaults (initial
/// password, SMS step on) and the agreement still to sign. Its story carries what a trainee
/// would read off the task panel, in a form the bots can parse.
const LAB: &str = r#"
id = "bench-room"
title = { zh = "压测：首次登录与申报缴款", en = "Bench: first login, filing and payment" }
story = { zh = "USCC={uscc};ACCOUNT={me.mobile};PERIOD={period};UNBILLED={unbilled_sales}", en = "USCC={uscc};ACCOUNT={me.mobile};PERIOD={period};UNBILLED={unbilled_sales}" }
minutes = 25
pass_mark = 60

[setup]
presets = ["small-scale-trading-above-threshold"]
as = "tax_clerk"
state = [
  { kind = "unbilled_sales", min = 8000, max = 30000 },
  { kind = "agreement", signed = false },
]

[[steps]]
text = { zh = "申报并缴纳增值税。", en = "File and pay the VAT return." }

[[checks]]
id = "vat_filed"
kind = "return_filed"
return = "vat_small"
points = 60
step = 1

[[checks]]
id = "vat_paid"
kind = "return_paid"
return = "vat_small"
points = 40
step = 1
"#;

const PACK: &str = r#"
id = "bench-room"
title = { zh = "压测", en = "Bench" }
description = { zh = "压测用。", en = "For the room benchmark." }
labs = ["bench-room"]
"#;

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) base: String,
}

impl Server {
    /// Start `taxlab serve` on a free port; returns it with the time to the first 200 on
    /// `/healthz`.
    pub(crate) async fn start(db: &Path, scenarios: &Path) -> (Server, Duration) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let started = Instant::now();
        // ROOM_BIN=PATH: another build of taxlab (an older one, to compare)
        let bin = std::env::var("ROOM_BIN").unwrap_or_else(|_| BIN.to_owned());
        let child = Command::new(bin)
            .args(["--db"])
            .arg(db)
            .args(["serve", "--addr"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--scenarios")
            .arg(scenarios)
            .env("TAXLAB_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("TAXLAB_BENCH_BASELINE", "1")
            .env("TAXLAB_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("start the server");
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        loop {
            let ok = client
                .get(format!("{base}/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            if ok {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the server did not come up"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        (Server { child, base }, started.elapsed())
    }

    pub(crate) fn status(&self, field: &str) -> u64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        s.lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }

    pub(crate) fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every timed request: step, time, status.
pub(crate) async fn staff_token(base: &str) -> String {
    let res: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/console/token"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token JSON");
    res["token"].as_str().expect("a staff token").to_owned()
}

pub(crate) async fn launch(base: &str, staff: &str, seats: usize) -> (i64, String) {
    let res: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/classes"))
        .header("x-staff-token", staff)
        .json(&json!({"name": "压测课堂", "pack": "bench-room", "seats": seats, "seed": 7}))
        .timeout(Duration::from_secs(300))
        .send()
        .await
        .expect("launch")
        .json()
        .await
        .expect("launch JSON");
    (
        res["id"].as_i64().expect("class id"),
        res["join_code"].as_str().expect("join code").to_owned(),
    )
}

/// One dashboard read, timed.
pub(crate) async fn dashboard(
    client: &reqwest::Client,
    base: &str,
    staff: &str,
    class: i64,
) -> Duration {
    let started = Instant::now();
    let ok = client
        .get(format!("{base}/api/v1/classes/{class}"))
        .header("x-staff-token", staff)
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200);
    assert!(ok, "the dashboard answers");
    started.elapsed()
}

/// Requests per second for `secs` seconds over `conns` connections, connection `i` as the
/// `i`-th trainee (their sandbox and bureau sessions), as a room would ask.
pub(crate) async fn rate(
    base: &str,
    path: &str,
    sessions: &[(String, String)],
    conns: usize,
    secs: u64,
) -> (f64, Duration, usize) {
    let stop = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for i in 0..conns {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let url = format!("{base}{path}");
        let (sandbox, token) = sessions[i % sessions.len()].clone();
        let headers = [
            ("x-sandbox-token".to_owned(), sandbox),
            ("cookie".to_owned(), format!("etax_session={token}")),
        ];
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut bad = 0;
            while Instant::now() < stop {
                let mut req = client.get(&url);
                for (k, v) in &headers {
                    req = req.header(k, v);
                }
                let started = Instant::now();
                match req.send().await {
                    Ok(r) if r.status() == 200 => {
                        let _ = r.bytes().await;
                        times.push(started.elapsed());
                    }
                    _ => bad += 1,
                }
            }
            (times, bad)
        }));
    }
    let (mut all, mut bad) = (Vec::new(), 0);
    for t in tasks {
        let (times, b) = t.await.expect("rate task");
        all.extend(times);
        bad += b;
    }
    all.sort();
    (all.len() as f64 / secs as f64, percentile(&all, 0.99), bad)
}

pub(crate) fn write_scenarios(dir: &Path) -> PathBuf {
    let root = dir.join("scenarios");
    std::fs::create_dir_all(root.join("labs")).expect("labs dir");
    std::fs::create_dir_all(root.join("packs")).expect("packs dir");
    std::fs::write(root.join("labs/bench-room.toml"), LAB).expect("lab file");
    std::fs::write(root.join("packs/bench-room.toml"), PACK).expect("pack file");
    root
}
