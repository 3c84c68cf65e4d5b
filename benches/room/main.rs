//! `cargo bench --bench room [-- --seats N] [--startup-seats M] [--page-seconds S]`: a class
//! of N trainees (default 500) who all at once join, log in with the SMS step, change the
//! initial password, open the workbench, the returns, the VAT form, recalculate, file, sign
//! the tripartite agreement, pay and check their work, each over HTTP against the real
//! server binary on a free port of 127.0.0.1, with a temporary database.
//!
//! Prints per step p50/p95/p99/max, errors by status, the whole room's time, the server's
//! peak RSS and threads; the instructor's dashboard idle and while the room works; pages
//! per second (workbench, returns list, a return form) beside the server's own baseline
//! route (with `TAXLAB_BENCH_BASELINE=1`: 20 indexed rows read and a ~7 KB page rendered) measured
//! alternately in the same run, so the pages read as ratios; and the time from start to the
//! first 200 on `/healthz` with a database of M seats (default 2,000; `ROOM_STARTUP_DB=FILE`
//! keeps that database for the next run). Asserts nothing;
//! bounded in time (every request 60 s at most, the room 300 s). Results go to BENCHMARKS.md.

mod bot;
mod server;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use bot::{Bot, Log};
use server::{Server, dashboard, launch, rate, staff_token, write_scenarios};

struct Args {
    seats: usize,
    startup_seats: usize,
    page_seconds: u64,
}

fn args() -> Args {
    let mut a = Args {
        seats: 500,
        startup_seats: 2000,
        page_seconds: 3,
    };
    let argv: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < argv.len() {
        let next = argv.get(i + 1).and_then(|v| v.parse::<usize>().ok());
        match (argv[i].as_str(), next) {
            ("--seats", Some(n)) => a.seats = n,
            ("--startup-seats", Some(n)) => a.startup_seats = n,
            ("--page-seconds", Some(n)) => a.page_seconds = n as u64,
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    a
}

/// The server as a child process.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// A staff token for the admin.
async fn room(a: &Args) {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenarios = write_scenarios(dir.path());
    let db = dir.path().join("room.db");
    let (server, _) = Server::start(&db, &scenarios).await;
    let base = server.base.clone();
    let staff = staff_token(&base).await;
    let rss_before = server.status("VmRSS:");
    let started = Instant::now();
    let (class, code) = launch(&base, &staff, a.seats).await;
    println!(
        "room of {} seats: launched in {:.2} s (server RSS {} MiB before the launch)",
        a.seats,
        started.elapsed().as_secs_f64(),
        rss_before / 1024
    );
    let dash_client = reqwest::Client::new();
    let idle: Vec<Duration> = {
        let mut v = Vec::new();
        for _ in 0..7 {
            v.push(dashboard(&dash_client, &base, &staff, class).await);
        }
        v.sort();
        v
    };

    // the room
    let log: Log = Arc::new(Mutex::new(Vec::new()));
    let threads = Arc::new(Mutex::new(0u64));
    let running = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let pid = server.child.id();
    let sampler = {
        let (threads, running) = (threads.clone(), running.clone());
        tokio::spawn(async move {
            while running.load(std::sync::atomic::Ordering::Relaxed) {
                let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
                let n = s
                    .lines()
                    .find(|l| l.starts_with("Threads:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                {
                    let mut t = threads.lock().expect("threads");
                    *t = (*t).max(n);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let watcher = {
        let (base, staff, running) = (base.clone(), staff.clone(), running.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut times = Vec::new();
            while running.load(std::sync::atomic::Ordering::Relaxed) {
                times.push(dashboard(&client, &base, &staff, class).await);
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            times
        })
    };
    let wave = Instant::now();
    let mut bots = Vec::new();
    for n in 1..=a.seats {
        let (base, code, log) = (base.clone(), code.clone(), log.clone());
        bots.push(tokio::spawn(async move {
            let mut bot = Bot {
                client: reqwest::Client::new(),
                base,
                sandbox: String::new(),
                token: None,
                log,
            };
            let out = tokio::time::timeout(Duration::from_secs(300), bot.walk(&code, n)).await;
            let out = out.unwrap_or_else(|_| Err("timed out".into()));
            (out, bot.sandbox, bot.token)
        }));
    }
    let mut failures = Vec::new();
    let mut sessions = Vec::new();
    for b in bots {
        let (out, sandbox, token) = b.await.expect("bot");
        match out {
            Ok(()) => sessions.push((sandbox, token.unwrap_or_default())),
            Err(e) => failures.push(e),
        }
    }
    let whole = wave.elapsed();
    running.store(false, std::sync::atomic::Ordering::Relaxed);
    let mut busy = watcher.await.expect("watcher");
    sampler.await.expect("sampler");
    busy.sort();

    let log = log.lock().expect("log").clone();
    let mut by_step: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for (step, d, status) in &log {
        by_step.entry(step).or_default().push(*d);
        *statuses.entry(*status).or_default() += 1;
    }
    println!(
        "  whole room: {:.2} s; {} of {} trainees scored 100; requests {}; by status {:?}",
        whole.as_secs_f64(),
        sessions.len(),
        a.seats,
        log.len(),
        statuses
    );
    for f in failures.iter().take(5) {
        println!("  failure: {}", f.chars().take(300).collect::<String>());
    }
    println!(
        "  {:<16} {:>6} {:>8} {:>8} {:>8} {:>8}",
        "step", "n", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    let order = [
        "join",
        "attempt",
        "login",
        "phone",
        "sms",
        "password_change",
        "workbench",
        "returns",
        "form",
        "calculate",
        "submit",
        "agreement",
        "pay",
        "check",
    ];
    for step in order {
        let Some(v) = by_step.get_mut(step) else {
            continue;
        };
        v.sort();
        println!(
            "  {:<16} {:>6} {:>8} {:>8} {:>8} {:>8}",
            step,
            v.len(),
            ms(percentile(v, 0.5)),
            ms(percentile(v, 0.95)),
            ms(percentile(v, 0.99)),
            ms(*v.last().unwrap_or(&Duration::ZERO))
        );
    }
    println!(
        "  server peak RSS {} MiB, peak threads {}",
        server.status("VmHWM:") / 1024,
        *threads.lock().expect("threads")
    );
    println!(
        "  dashboard ({} seats): idle median {} ms (max {}); during the room median {} ms, max {} ms ({} reads)",
        a.seats,
        ms(percentile(&idle, 0.5)),
        ms(*idle.last().unwrap_or(&Duration::ZERO)),
        ms(percentile(&busy, 0.5)),
        ms(*busy.last().unwrap_or(&Duration::ZERO)),
        busy.len()
    );

    // pages per second beside the baseline, alternately, 3 rounds; 64 connections
    if let Some((sandbox, token)) = sessions.first() {
        let period = {
            let client = reqwest::Client::new();
            let r: Value = client
                .get(format!("{base}/api/v1/returns"))
                .header("x-sandbox-token", sandbox)
                .bearer_auth(token)
                .send()
                .await
                .expect("returns")
                .json()
                .await
                .expect("returns JSON");
            r[0]["period"].as_str().unwrap_or("").to_owned()
        };
        let pages = [
            ("baseline", "/_bench/page/1".to_owned()),
            ("workbench", "/portal".to_owned()),
            ("returns list", "/portal/returns".to_owned()),
            ("VAT form", format!("/portal/returns/vat_small/{period}")),
        ];
        let mut rates: BTreeMap<&str, Vec<(f64, Duration, usize)>> = BTreeMap::new();
        for _round in 0..3 {
            for (name, path) in &pages {
                let r = rate(&base, path, &sessions, 64, a.page_seconds).await;
                rates.entry(name).or_default().push(r);
            }
        }
        let median = |v: &Vec<(f64, Duration, usize)>| {
            let mut r: Vec<f64> = v.iter().map(|x| x.0).collect();
            r.sort_by(f64::total_cmp);
            r[r.len() / 2]
        };
        let base_rate = median(&rates["baseline"]);
        println!(
            "  pages, 64 connections, {} s each, 3 alternating rounds (median req/s, ratio to the baseline, worst p99, failed):",
            a.page_seconds
        );
        for (name, _) in &pages {
            let v = &rates[name];
            let worst = v.iter().map(|x| x.1).max().unwrap_or_default();
            let bad: usize = v.iter().map(|x| x.2).sum();
            println!(
                "    {:<14} {:>8.0} req/s  {:>5.2}x  p99 {} ms  failed {}  (rounds: {:?})",
                name,
                median(v),
                median(v) / base_rate,
                ms(worst),
                bad,
                v.iter().map(|x| x.0.round() as i64).collect::<Vec<_>>()
            );
        }
    }
    println!(
        "  server peak RSS after the pages {} MiB",
        server.status("VmHWM:") / 1024
    );
    flood(&server, sessions.first()).await;
    server.stop();
}

/// 300 wrong console passwords at once (argon2's full setting each): how long they take,
/// the server's memory, and a trainee's page meanwhile.
async fn flood(server: &Server, session: Option<&(String, String)>) {
    let before = server.status("VmRSS:");
    let started = Instant::now();
    let mut tries = Vec::new();
    for n in 0..300 {
        let base = server.base.clone();
        tries.push(tokio::spawn(async move {
            reqwest::Client::new()
                .post(format!("{base}/api/v1/console/token"))
                .json(&json!({"username": "admin", "password": format!("guess{n}")}))
                .timeout(Duration::from_secs(120))
                .send()
                .await
                .map_or(0, |r| r.status().as_u16())
        }));
    }
    let mut page = Vec::new();
    if let Some((sandbox, token)) = session {
        let client = reqwest::Client::new();
        for _ in 0..20 {
            let t = Instant::now();
            let ok = client
                .get(format!("{}/portal", server.base))
                .header("x-sandbox-token", sandbox)
                .header("cookie", format!("etax_session={token}"))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            page.push((t.elapsed(), ok));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for t in tries {
        *statuses.entry(t.await.unwrap_or(0)).or_default() += 1;
    }
    let took = started.elapsed();
    let mut times: Vec<Duration> = page.iter().map(|p| p.0).collect();
    times.sort();
    println!(
        "  300 wrong console passwords at once: {:.2} s, answers {:?}; server RSS {} -> {} MiB (peak {} MiB); a trainee's workbench meanwhile median {} ms, max {} ms, {} of {} ok",
        took.as_secs_f64(),
        statuses,
        before / 1024,
        server.status("VmRSS:") / 1024,
        server.status("VmHWM:") / 1024,
        ms(percentile(&times, 0.5)),
        ms(*times.last().unwrap_or(&Duration::ZERO)),
        page.iter().filter(|p| p.1).count(),
        page.len()
    );
}

/// Start-up with a database of `seats` seats (a class launched, then the server restarted).
async fn startup(a: &Args) {
    if a.startup_seats == 0 {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let scenarios = write_scenarios(dir.path());
    // ROOM_STARTUP_DB=FILE keeps the large database there (made once, reused after)
    let db = std::env::var_os("ROOM_STARTUP_DB")
        .map_or_else(|| dir.path().join("big.db"), PathBuf::from);
    if !db.exists() {
        let (server, _) = Server::start(&db, &scenarios).await;
        let staff = staff_token(&server.base).await;
        let mut left = a.startup_seats;
        while left > 0 {
            let n = left.min(500);
            launch(&server.base, &staff, n).await;
            left -= n;
        }
        server.stop();
    }
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    let mut times = Vec::new();
    for _ in 0..7 {
        let (server, took) = Server::start(&db, &scenarios).await;
        times.push(took);
        server.stop();
    }
    times.sort();
    println!(
        "start-up with {} seats ({} MiB): first 200 on /healthz after median {} ms (runs {:?})",
        a.startup_seats,
        size / (1 << 20),
        ms(times[times.len() / 2]),
        times.iter().map(|t| ms(*t)).collect::<Vec<_>>()
    );
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        room(&a).await;
        startup(&a).await;
    });
}
