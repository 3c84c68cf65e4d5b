//! The real binary under a bounded submit-and-pay load, killed with SIGKILL, restarted:
//! the file checks ok, every filing a trainee got a receipt for is there exactly once, and no
//! payment is half settled.

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

/// `taxlab serve` on `db`, on a free port: the child and its base URL.
fn serve(db: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_taxlab"))
        .args([
            "--db",
            db.to_str().unwrap(),
            "--lang",
            "en",
            "serve",
            "--addr",
            "127.0.0.1:0",
        ])
        .env("TAXLAB_ADMIN_PASSWORD", "Crash#Test2026")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("taxlab serve");
    let out = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(out).lines();
    let base = loop {
        let line = lines.next().expect("taxlab says where it serves").unwrap();
        if let Some(at) = line.find("http://") {
            let url: String = line[at..]
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != ')' && *c != '（' && *c != '(')
                .collect();
            break url.trim_end_matches('/').to_owned();
        }
    };
    // keep reading so the child never blocks on a full pipe
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

/// What the trainees were told was done: filing numbers and payment document numbers.
#[derive(Default)]
struct Told {
    filings: Vec<String>,
    payments: Vec<String>,
}

struct Trainee {
    client: reqwest::Client,
    base: String,
    sandbox: String,
    token: Option<String>,
}

impl Trainee {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Option<(u16, Value)> {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("x-sandbox-token", &self.sandbox);
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.ok()?;
        let status = res.status().as_u16();
        Some((status, res.json().await.ok()?))
    }

    async fn get(&self, path: &str) -> Option<(u16, Value)> {
        self.call(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Option<(u16, Value)> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
}

/// One trainee's work until the server goes: a demo sandbox, a login per company, every
/// due return submitted and paid. Returns early (without panicking) when the server dies.
async fn work(base: String, told: Arc<Mutex<Told>>) -> Option<()> {
    let client = reqwest::Client::new();
    let res = client
        .post(format!("{base}/api/v1/sandbox/demo"))
        .send()
        .await
        .ok()?;
    let sandbox = res.json::<Value>().await.ok()?["sandbox_token"]
        .as_str()?
        .to_owned();
    let mut t = Trainee {
        client,
        base,
        sandbox,
        token: None,
    };
    let (_, me) = t.get("/api/v1/sandbox").await?;
    let mut seen = std::collections::BTreeSet::new();
    for a in me["accounts"].as_array()?.clone() {
        let uscc = a["uscc"].as_str()?.to_owned();
        if !seen.insert(uscc.clone()) {
            continue;
        }
        t.token = None;
        let (status, body) = t
            .post(
                "/api/v1/login",
                json!({"company": uscc, "account": a["mobile"], "password": "Etax@2026"}),
            )
            .await?;
        if status != 200 {
            continue;
        }
        t.token = body["token"].as_str().map(str::to_owned);
        let (_, phone) = t.get("/api/v1/phone").await?;
        let code = phone["messages"][0]["code"].as_str()?.to_owned();
        t.post("/api/v1/login/sms", json!({"code": code})).await?;
        t.post(
            "/api/v1/password/initial",
            json!({"new_password": "Good#Pass42", "confirm": "Good#Pass42"}),
        )
        .await?;
        let (_, list) = t.get("/api/v1/returns").await?;
        for row in list.as_array()?.clone() {
            if row["status"] != "not_filed" {
                continue;
            }
            let (kind, period) = (row["kind"].as_str()?, row["period"].as_str()?);
            let (status, form) = t.get(&format!("/api/v1/returns/{kind}/{period}")).await?;
            if status != 200 {
                continue;
            }
            let mut values = serde_json::Map::new();
            for f in form["fields"].as_array()? {
                values.insert(f["name"].as_str()?.to_owned(), f["value"].clone());
            }
            let path = format!("/api/v1/returns/{kind}/{period}");
            let (status, receipt) = t
                .post(&format!("{path}/submit"), json!({"values": values}))
                .await?;
            if status == 200 {
                told.lock()
                    .unwrap()
                    .filings
                    .push(receipt["filing_no"].as_str()?.to_owned());
            }
            let (status, paid) = t.post(&format!("{path}/pay"), json!({})).await?;
            if status == 200 {
                told.lock()
                    .unwrap()
                    .payments
                    .push(paid["number"].as_str()?.to_owned());
            }
        }
    }
    Some(())
}

fn count(conn: &rusqlite::Connection, sql: &str, arg: &str) -> i64 {
    conn.query_row(sql, [arg], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_under_submit_and_pay_loses_nothing_told_and_half_settles_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let (mut child, base) = serve(&db);
    let told = Arc::new(Mutex::new(Told::default()));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..8 {
        workers.spawn(work(base.clone(), told.clone()));
    }
    // kill once enough is under way that filings and payments are in flight
    let started = std::time::Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let t = told.lock().unwrap();
        if (t.filings.len() >= 6 && t.payments.len() >= 3)
            || started.elapsed() > Duration::from_secs(60)
        {
            break;
        }
    }
    tokio::time::sleep(Duration::from_millis(u64::from(rand::random::<u8>() % 50))).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let finished = workers.join_all().await;
    let told = std::mem::take(&mut *told.lock().unwrap());
    assert!(
        told.filings.len() >= 6,
        "the load got going: {} filings",
        told.filings.len()
    );
    let cut = finished.iter().filter(|w| w.is_none()).count();
    assert!(cut > 0, "the kill came while trainees were working");
    eprintln!(
        "killed with {cut} of 8 trainees mid-work, after {} filings and {} payments",
        told.filings.len(),
        told.payments.len()
    );

    // the file after the kill
    let check = Command::new(env!("CARGO_BIN_EXE_taxlab"))
        .args(["--db", db.to_str().unwrap(), "--lang", "en", "check"])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
        for n in &told.filings {
            assert_eq!(
                count(
                    &conn,
                    "SELECT count(*) FROM filings WHERE filing_no = ?1",
                    n
                ),
                1,
                "{n}"
            );
        }
        for n in &told.payments {
            assert_eq!(
                count(
                    &conn,
                    "SELECT count(*) FROM remittances WHERE number = ?1",
                    n
                ),
                1,
                "{n}"
            );
        }
        // nothing half settled: a payment in a payment document is paid (the generated
        // history has paid payments from before documents), and every document's tax is
        // the sum of its payments
        let half: i64 = conn
            .query_row(
                "SELECT count(*) FROM payments WHERE remittance_id IS NOT NULL AND paid_on IS NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(half, 0);
        let unequal: i64 = conn
            .query_row(
                "SELECT count(*) FROM remittances r WHERE r.tax_fen !=
                   (SELECT coalesce(sum(amount_fen), 0) FROM payments p WHERE p.remittance_id = r.id)
                 OR r.late_fee_fen !=
                   (SELECT coalesce(sum(late_fee_fen), 0) FROM payments p WHERE p.remittance_id = r.id)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(unequal, 0);
    }
    // and the server starts again on it
    let (mut again, base) = serve(&db);
    let health = reqwest::get(format!("{base}/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    // systemd's stop (SIGTERM) is a clean shutdown
    let pid = i32::try_from(again.id()).unwrap();
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let status = tokio::task::spawn_blocking(move || again.wait().unwrap())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
}
