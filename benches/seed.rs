//! `cargo bench --bench seed`: time and memory to seed 500 tenants of full history into one
//! database file, split into generation alone and the whole run. Prints figures; asserts
//! nothing. Results go to BENCHMARKS.md.

use std::time::{Duration, Instant};

use taxlab::seed::{self, SeedPlan, default_sandbox_date};
use taxlab::store::Db;
use taxlab::synth::{self, TenantSpec};

const TENANTS: u32 = 500;
const RUNS: usize = 9;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Peak resident set size of this process so far, from /proc (Linux).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let presets = seed::presets(&seed::DEFAULT_PRESETS.map(String::from)).expect("default presets");
    let date = default_sandbox_date();

    let mut generate = Vec::new();
    for run in 0..RUNS {
        let started = Instant::now();
        let mut rows = 0usize;
        for seat in 1..=TENANTS {
            let t = synth::generate(&TenantSpec {
                class_seed: run as u64,
                seat,
                sandbox_date: date,
                presets: presets.clone(),
            })
            .expect("generate");
            rows += t.companies.iter().map(|c| c.invoices.len()).sum::<usize>();
        }
        generate.push(started.elapsed());
        assert!(rows > 0);
    }

    let mut whole = Vec::new();
    let mut rows = 0;
    let mut size = 0;
    for run in 0..RUNS {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("bench.db");
        let db = Db::open(&path).expect("open");
        let plan = SeedPlan {
            class_seed: run as u64,
            tenants: TENANTS,
            sandbox_date: date,
            presets: presets.clone(),
            label_prefix: None,
        };
        let report = seed::seed(&db, &plan, |_, _, _| Ok(())).expect("seed");
        whole.push(report.elapsed);
        rows = report.rows;
        drop(db);
        size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    }

    let g = median(generate.clone());
    let w = median(whole.clone());
    println!("seed {TENANTS} tenants x 2 companies, {RUNS} runs each, medians:");
    println!(
        "  generation only (1 thread): {:>7.0} ms   (runs: {:?})",
        g.as_secs_f64() * 1e3,
        ms(&generate)
    );
    println!(
        "  seed into a new file:       {:>7.0} ms   (runs: {:?})",
        w.as_secs_f64() * 1e3,
        ms(&whole)
    );
    println!("  rows written per run:       {rows}");
    println!(
        "  rows per second:            {:>7.0}",
        rows as f64 / w.as_secs_f64()
    );
    println!(
        "  database file size:         {:.1} MiB",
        size as f64 / 1048576.0
    );
    if let Some(kib) = peak_rss_kib() {
        println!(
            "  peak RSS (whole bench):     {:.1} MiB",
            kib as f64 / 1024.0
        );
    }
}

fn ms(v: &[Duration]) -> Vec<u64> {
    v.iter().map(|d| d.as_millis() as u64).collect()
}
