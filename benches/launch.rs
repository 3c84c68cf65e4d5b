//! `cargo bench --bench launch`: time and memory to launch a class (one tenant and one
//! trainee per seat, in one pass) of 50 and of 500 seats for the 电子税务局基础实操 pack,
//! each into a fresh database. Prints figures; asserts nothing. Results go to BENCHMARKS.md.

use std::time::{Duration, Instant};

use taxlab::classroom::{self, Seats};
use taxlab::labs::Library;
use taxlab::store::{Db, UserRole};

const RUNS: usize = 7;

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

/// One dashboard tick, read as the server reads it.
fn tick(db: &Db, lib: &Library, boards: &classroom::Boards, class: &taxlab::store::ClassRecord) {
    db.read(|s| {
        classroom::dashboard(s, lib, boards, class.clone(), chrono::Utc::now())
            .map_err(|e| taxlab::store::StoreError::Other(e.to_string()))
    })
    .expect("dashboard");
}

/// Ticks while nobody in the room does anything: the grades are kept from the tick before.
fn warm_ticks(db: &Db, lib: &Library, class: &taxlab::store::ClassRecord, seats: u32, what: &str) {
    // every seat graded once (a tick regrades at most 100)
    let boards = classroom::Boards::default();
    for _ in 0..=seats / 100 {
        tick(db, lib, &boards, class);
    }
    let ticks: Vec<Duration> = (0..7)
        .map(|_| {
            let started = Instant::now();
            tick(db, lib, &boards, class);
            started.elapsed()
        })
        .collect();
    let d = median(ticks.clone());
    println!(
        "  {seats:>4} seats: one dashboard tick with nothing changed, {what}: {:.4} s median (min {:.4}, max {:.4})",
        d.as_secs_f64(),
        ticks.iter().min().unwrap_or(&d).as_secs_f64(),
        ticks.iter().max().unwrap_or(&d).as_secs_f64(),
    );
}

fn main() {
    let lib = Library::embedded().expect("shipped labs");
    println!("launch a class of the etax-basics pack, {RUNS} runs each, medians:");
    for seats in [50u32, 500, 1000] {
        let mut launch = Vec::new();
        let mut whole = Vec::new();
        for run in 0..RUNS {
            let dir = tempfile::tempdir().expect("temp dir");
            let db = Db::open(&dir.path().join("bench.db")).expect("open");
            let user = db
                .write(|s| {
                    let id = s.create_user(
                        "bench",
                        "bench",
                        UserRole::Instructor,
                        "x",
                        chrono::Utc::now(),
                    )?;
                    Ok(s.users()?.into_iter().find(|u| u.id == id).expect("user"))
                })
                .expect("user");
            let started = Instant::now();
            let plan = classroom::ClassPlan {
                name: "bench".into(),
                pack: "etax-basics".into(),
                seats: Seats::Count(seats),
                seed: Some(run as u64),
                starts_at: None,
                ends_at: None,
            };
            let class = classroom::create_and_launch(&db, &lib, &user, plan, chrono::Utc::now())
                .expect("launch");
            whole.push(started.elapsed());
            launch.push(Duration::from_millis(
                class.launch_ms.unwrap_or_default() as u64
            ));
            if run == 0 {
                // the room joins: each trainee's first lab gets its own tenant on joining
                let started = Instant::now();
                for n in 1..=seats {
                    db.write(|s| {
                        let who = format!("t{n}");
                        let req = classroom::JoinRequest {
                            code: &class.join_code,
                            who: &who,
                            pin: "",
                            ip: "",
                        };
                        classroom::join(s, &lib, &req, chrono::Utc::now())
                            .map_err(|e| taxlab::store::StoreError::Other(e.to_string()))
                    })
                    .expect("join");
                }
                let took = started.elapsed();
                println!(
                    "  {seats:>3} seats: every trainee joins, one after another: {:.3} s ({:.1} ms each)",
                    took.as_secs_f64(),
                    took.as_secs_f64() * 1000.0 / f64::from(seats)
                );
                // the dashboard grades every seat's current attempt on each 2-second tick
                let ticks: Vec<Duration> = (0..7)
                    .map(|_| {
                        let started = Instant::now();
                        tick(&db, &lib, &classroom::Boards::default(), &class);
                        started.elapsed()
                    })
                    .collect();
                let d = median(ticks.clone());
                println!(
                    "  {seats:>3} seats: first look, every seat changed (grades up to 100, the budget) {:.3} s median (min {:.3}, max {:.3})",
                    d.as_secs_f64(),
                    ticks.iter().min().unwrap_or(&d).as_secs_f64(),
                    ticks.iter().max().unwrap_or(&d).as_secs_f64(),
                );
                warm_ticks(&db, &lib, &class, seats, "in the first lab");
                // the room moves on to the filing lab, whose checks work out the returns
                let filing = lib.lab("filing-practice").expect("filing lab");
                db.write(|s| {
                    for st in s.seats(class.id)? {
                        let t = s.trainee(st.trainee_id)?;
                        taxlab::labs::run::start(
                            s,
                            filing,
                            &t,
                            taxlab::store::Mode::Practice,
                            None,
                            chrono::Utc::now(),
                        )
                        .map_err(|e| taxlab::store::StoreError::Other(e.to_string()))?;
                    }
                    Ok(())
                })
                .expect("filing lab for every seat");
                let ticks: Vec<Duration> = (0..7)
                    .map(|_| {
                        let started = Instant::now();
                        tick(&db, &lib, &classroom::Boards::default(), &class);
                        started.elapsed()
                    })
                    .collect();
                let d = median(ticks.clone());
                println!(
                    "  {seats:>3} seats: first look, every seat in the filing lab (grades up to 100) {:.3} s median (min {:.3}, max {:.3})",
                    d.as_secs_f64(),
                    ticks.iter().min().unwrap_or(&d).as_secs_f64(),
                    ticks.iter().max().unwrap_or(&d).as_secs_f64(),
                );
                warm_ticks(&db, &lib, &class, seats, "in the filing lab");
            }
        }
        let (l, w) = (median(launch.clone()), median(whole.clone()));
        println!(
            "  {seats:>3} seats: provisioning {:.3} s (min {:.3}, max {:.3}); create + launch {:.3} s; peak RSS so far {} MiB",
            l.as_secs_f64(),
            launch.iter().min().unwrap_or(&l).as_secs_f64(),
            launch.iter().max().unwrap_or(&l).as_secs_f64(),
            w.as_secs_f64(),
            peak_rss_kib().unwrap_or(0) / 1024,
        );
    }
}
