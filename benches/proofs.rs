//! `cargo bench --bench proofs`: the certificate PDF (证明开具).
//!
//! 1. Drawing a 完税证明 of ten rows in process, 200 times: median and p99.
//! 2. Against the real server binary (one trainee who has filed and paid, as the room
//!    benchmark's bot does): issuing over HTTP, and the p50/p99 of two ordinary requests
//!    (the server's baseline route and the workbench API) idle and while 100 connections
//!    download the certificate's PDF without pause — the ratio of the two is the figure.
//!
//! Asserts nothing; prints what it measured. Results go to BENCHMARKS.md.

#[path = "room/bot.rs"]
mod bot;
// the room benchmark's server helpers; not all of them are used here
#[allow(dead_code)]
#[path = "room/server.rs"]
mod server;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;

use bot::Bot;
use server::{Server, launch, staff_token, write_scenarios};
use taxlab::bureau::proofs::{Content, PaidLine, ProofKind, pdf};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn content() -> Content {
    let line = |i: usize| PaidLine {
        voucher: format!("3202604140000000{i:02}"),
        item: "vat".into(),
        item_name: "增值税".into(),
        subject: "商业".into(),
        period_from: "2026-01-01".into(),
        period_to: "2026-03-31".into(),
        paid_on: "2026-04-14".into(),
        amount: "3882.30".into(),
    };
    Content {
        kind: ProofKind::PaymentTable,
        title: "税收完税证明".into(),
        uscc: "91620102MAF7Y99T5Y".into(),
        company: "兰州新宇供应链管理有限公司".into(),
        authority: "国家税务总局甘肃省兰州市城关区税务局".into(),
        issued_on: "2026-10-12".into(),
        issued_on_text: "2026年10月12日".into(),
        date_from: Some("2026-01-01".into()),
        date_to: Some("2026-10-12".into()),
        range_of: Some("paid".into()),
        items: vec!["vat".into()],
        purpose: None,
        lines: (0..10).map(line).collect(),
        total: "38823.00".into(),
        total_capitals: "叁万捌仟捌佰贰拾叁元整".into(),
        remark: "一般申报 正税；实训沙箱模拟凭证，不具法律效力".into(),
    }
}

fn in_process() {
    let c = content();
    let first = Instant::now();
    let bytes = pdf::render(&c, "127832341060808080", "334218770");
    println!(
        "render: first (font parsed) {} ms, {} KiB",
        ms(first.elapsed()),
        bytes.len() / 1024
    );
    let mut times: Vec<Duration> = (0..200)
        .map(|i| {
            let t = Instant::now();
            let _ = pdf::render(&c, &format!("1278323410608{i:05}"), "334218770");
            t.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "render ×200 (10 rows): median {} ms, p99 {} ms, max {} ms",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(times[times.len() - 1])
    );
}

/// `n` sequential GETs, timed.
async fn timed(client: &reqwest::Client, url: &str, bot: &Bot, n: usize) -> Vec<Duration> {
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let ok = client
            .get(url)
            .header("x-sandbox-token", &bot.sandbox)
            .bearer_auth(bot.token.as_deref().unwrap_or_default())
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        assert!(ok, "{url} answers");
        v.push(t.elapsed());
    }
    v.sort();
    v
}

fn line(name: &str, v: &[Duration]) -> String {
    format!(
        "{name}: p50 {} ms, p99 {} ms",
        ms(percentile(v, 0.5)),
        ms(percentile(v, 0.99))
    )
}

async fn over_http() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenarios = write_scenarios(dir.path());
    let (server, _) = Server::start(&dir.path().join("proofs.db"), &scenarios).await;
    let base = server.base.clone();
    let staff = staff_token(&base).await;
    let (_, code) = launch(&base, &staff, 1).await;
    let mut bot = Bot {
        client: reqwest::Client::new(),
        base: base.clone(),
        sandbox: String::new(),
        token: None,
        log: Arc::new(Mutex::new(Vec::new())),
    };
    bot.walk(&code, 0)
        .await
        .expect("the trainee files and pays");
    let client = reqwest::Client::new();
    // issuing over HTTP (under the person's limit of 60 an hour)
    let mut issue = Vec::new();
    let mut number = String::new();
    for _ in 0..40 {
        let t = Instant::now();
        let res: serde_json::Value = client
            .post(format!("{base}/api/v1/proofs"))
            .header("x-sandbox-token", &bot.sandbox)
            .bearer_auth(bot.token.as_deref().unwrap_or_default())
            .json(&json!({"kind": "payment_table", "date_from": "2026-01-01", "date_to": "2026-10-12"}))
            .send()
            .await
            .expect("issue")
            .json()
            .await
            .expect("issue JSON");
        issue.push(t.elapsed());
        number = res["number"].as_str().expect("issued").to_owned();
    }
    issue.sort();
    let baseline_url = format!("{base}/_bench/page/0");
    let page_url = format!("{base}/api/v1/workbench");
    let pdf_url = format!("{base}/api/v1/proofs/{number}/pdf");
    let idle_base = timed(&client, &baseline_url, &bot, 200).await;
    let idle_page = timed(&client, &page_url, &bot, 200).await;
    println!("{}", line("issue over HTTP ×40", &issue));
    println!(
        "issue / baseline (p50): {:.1}",
        percentile(&issue, 0.5).as_secs_f64() / percentile(&idle_base, 0.5).as_secs_f64()
    );
    println!("{}", line("idle: baseline route", &idle_base));
    println!("{}", line("idle: workbench", &idle_page));

    // 100 connections downloading the PDF without pause
    let stop = Arc::new(AtomicBool::new(false));
    let downloads = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let (stop, downloads, url) = (stop.clone(), downloads.clone(), pdf_url.clone());
        let (sandbox, token) = (bot.sandbox.clone(), bot.token.clone().unwrap_or_default());
        tasks.push(tokio::spawn(async move {
            let c = reqwest::Client::new();
            while !stop.load(Ordering::Relaxed) {
                let ok = c
                    .get(&url)
                    .header("x-sandbox-token", &sandbox)
                    .bearer_auth(&token)
                    .timeout(Duration::from_secs(60))
                    .send()
                    .await;
                if let Ok(r) = ok
                    && r.status() == 200
                    && r.bytes().await.is_ok()
                {
                    downloads.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let n0 = downloads.load(Ordering::Relaxed);
    let busy_base = timed(&client, &baseline_url, &bot, 200).await;
    let busy_page = timed(&client, &page_url, &bot, 200).await;
    let rate = (downloads.load(Ordering::Relaxed) - n0) as f64 / started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    println!("100 connections downloading: {rate:.0} PDFs/s meanwhile");
    println!("{}", line("busy: baseline route", &busy_base));
    println!("{}", line("busy: workbench", &busy_page));
    println!(
        "busy / idle p99: baseline {:.1}, workbench {:.1}",
        percentile(&busy_base, 0.99).as_secs_f64() / percentile(&idle_base, 0.99).as_secs_f64(),
        percentile(&busy_page, 0.99).as_secs_f64() / percentile(&idle_page, 0.99).as_secs_f64()
    );
    server.stop();
}

#[tokio::main]
async fn main() {
    in_process();
    over_http().await;
}
