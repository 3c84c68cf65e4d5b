//! `cargo bench --bench report`: the evaluation report of a class of 1,000 trainees, each
//! with 12 finished lab attempts (graded, some hints), a pre-test and a post-test of 24
//! questions each, a survey response, and (600 of them) a follow-up self-report.
//!
//! 1. Each format as a user exports it, `taxlab export --class ID --format F` (the release
//!    binary, a process each): the median of five runs' wall time, the process's peak
//!    resident memory (from `wait4`), and the file's size; the baseline is the same command
//!    on an empty class (process start, the lab library, the database opened).
//! 2. The same formats from the real server, `GET /console/classes/{id}/report?format=F`
//!    (and the page itself): the median of five, as a ratio to the server's baseline route
//!    (`/_bench/page/0`) measured in the same run, and the server's peak memory after.
//!
//! Asserts nothing but that every export succeeds; prints what it measured. Results go to
//! BENCHMARKS.md.

#[path = "room/bot.rs"]
#[allow(dead_code)]
mod bot;
#[allow(dead_code)]
#[path = "room/server.rs"]
mod server;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::json;

use server::{Server, staff_token, write_scenarios};
use taxlab::evaluation::{self, PaperItem};
use taxlab::labs::Library;
use taxlab::labs::quiz::{Answer, Given};
use taxlab::store::{
    Db, Mode, NewAttempt, NewClass, NewTest, StoreError, SurveyResponse, TestOwner, TraineeKind,
};

const TRAINEES: u32 = 1000;
const LABS: usize = 12;
const RUNS: usize = 5;
const FORMATS: [(&str, &str); 7] = [
    ("json", ""),
    ("csv", "people"),
    ("csv", "gradebook"),
    ("xlsx", ""),
    ("pdf", ""),
    ("xapi", ""),
    ("", ""),
];

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// A deterministic number in 0..n from a trainee and a salt.
fn pick(trainee: u32, salt: u32, n: u32) -> u32 {
    let mut z =
        u64::from(trainee) * 0x9E37_79B9_7F4A_7C15 + u64::from(salt) * 0xBF58_476D_1CE4_E5B9;
    z ^= z >> 31;
    z = z.wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z >> 17) % u64::from(n)) as u32
}

/// Answers to a paper: right for the first `right` questions.
fn answers(
    bank: &taxlab::labs::quiz::Bank,
    paper: &[PaperItem],
    right: usize,
) -> BTreeMap<String, Given> {
    paper
        .iter()
        .enumerate()
        .filter_map(|(n, item)| {
            let q = bank.question(&item.question)?;
            let good = n < right;
            let given = match &q.answer {
                Answer::One(i) => {
                    Given::Choices(vec![if good { *i } else { (*i + 1) % q.choices.len() }])
                }
                Answer::Many(all) if good => Given::Choices(all.clone()),
                Answer::Many(_) => Given::Choices(vec![0]),
                Answer::TrueFalse(t) => Given::TrueFalse(if good { *t } else { !*t }),
                Answer::Figure(f) => {
                    Given::Figure(if good { f.to_string() } else { "1.00".into() })
                }
            };
            Some((q.id.clone(), given))
        })
        .collect()
}

/// Fill the class: seats, attempts, tests, survey, follow-up. Returns (class, empty class).
fn populate(db: &Db, lib: &Library) -> (i64, i64) {
    let demo = taxlab::seed::ensure_demo(db).expect("a tenant for the trainees");
    let start: DateTime<Utc> = "2026-11-02T01:00:00Z".parse().expect("a date");
    let pack = lib.pack("etax-basics").expect("the shipped pack").clone();
    let bank = lib.bank("etax-basics").expect("the shipped bank").clone();
    db.write_bulk_as(|s| {
        let owner = s.user_by_name("admin")?.ok_or(StoreError::NotFound)?.id;
        let new_class = |name: &'static str, code: &'static str, seats: u32| NewClass {
            name,
            pack_id: "etax-basics",
            class_seed: 7,
            seats,
            join_code: code,
            owner_id: owner,
            starts_at: None,
            ends_at: None,
            now: start,
        };
        let empty = s.create_class(&new_class("空班", "EMPTY1", 1))?;
        let class = s.create_class(&new_class("千人班", "BENCH1", TRAINEES))?;
        let owner_of = TestOwner::Class(class);
        let mut tests = Vec::new();
        for (phase, form) in [("pre", "a"), ("post", "b")] {
            tests.push((
                s.set_test(
                    &NewTest {
                        owner: owner_of,
                        phase,
                        bank_id: "etax-basics",
                        form,
                        minutes: 30,
                        attempts_allowed: 1,
                    },
                    start,
                )?,
                form,
            ));
        }
        let survey = s.set_survey(owner_of, false, true, start)?;
        let survey = s
            .survey_of(owner_of)?
            .filter(|sv| sv.id == survey)
            .ok_or(StoreError::NotFound)?;
        let follow_lab = pack.labs[0].clone();
        let follow = s.set_follow_up(
            owner_of,
            30,
            start + chrono::Duration::days(30),
            &follow_lab,
            true,
            start,
        )?;
        let seats = s.seats(class)?;
        for no in 1..=TRAINEES {
            let name = format!("学员{no:04}");
            let t = s.create_trainee(demo, &name, TraineeKind::Class, start)?;
            let seat_id = match seats.iter().find(|x| x.seat_no == no) {
                Some(x) => x.id,
                None => {
                    s.add_seat(class, no, &name, &format!("2026{no:04}"), t.id)?;
                    s.seats(class)?
                        .into_iter()
                        .find(|x| x.seat_no == no)
                        .map(|x| x.id)
                        .ok_or(StoreError::NotFound)?
                }
            };
            s.take_seat(seat_id, &name, start)?;
            // 12 labs, each finished and graded
            for (i, lab_id) in pack.labs.iter().take(LABS).enumerate() {
                let lab = lib.lab(lab_id).ok_or(StoreError::NotFound)?;
                let at =
                    start + chrono::Duration::minutes(i as i64 * 30 + i64::from(pick(no, 1, 20)));
                let id = s.create_attempt(&NewAttempt {
                    trainee_id: t.id,
                    lab_id,
                    lab_digest: &lab.digest,
                    pack_id: Some("etax-basics"),
                    mode: Mode::Practice,
                    started_at: at,
                    deadline_at: None,
                })?;
                if pick(no, i as u32 + 50, 4) == 0 {
                    s.record_hint(id, &[(1, 0)])?;
                }
                let mut earned = 0;
                let checks: Vec<serde_json::Value> = lab
                    .checks
                    .iter()
                    .enumerate()
                    .map(|(k, c)| {
                        let passed = pick(no, (i * 16 + k) as u32 + 100, 10) < 7;
                        if passed {
                            earned += c.points;
                        }
                        json!({
                            "id": c.id, "kind": c.check.kind(), "step": c.step, "points": c.points,
                            "earned": if passed { c.points } else { 0 }, "passed": passed,
                            "expected": {"key": "check.expected", "args": []},
                            "actual": {"key": "check.actual", "args": []},
                        })
                    })
                    .collect();
                let max = lab.max_points();
                let passed = earned >= lab.pass_mark;
                let grade = json!({
                    "checks": checks, "deductions": [], "hint_cost": 0, "earned": earned,
                    "score": earned, "max": max, "pass_mark": lab.pass_mark, "passed": passed,
                });
                s.save_grade(
                    id,
                    &grade.to_string(),
                    earned,
                    passed,
                    Some(
                        at + chrono::Duration::minutes(
                            10 + i64::from(pick(no, i as u32 + 200, 30)),
                        ),
                    ),
                )?;
            }
            // the pre-test and the post-test
            for (k, (test, form)) in tests.iter().enumerate() {
                let paper = evaluation::draw_paper(&bank, form, u64::from(no) * 2 + k as u64);
                let right = (pick(no, 300 + k as u32, 13) + if k == 1 { 11 } else { 6 }) as usize;
                let (score, marks) =
                    evaluation::mark(&bank, &paper, &answers(&bank, &paper, right));
                let at = start + chrono::Duration::hours(if k == 0 { -1 } else { 8 });
                let attempt = s.start_test_attempt(
                    *test,
                    t.id,
                    &serde_json::to_string(&paper).unwrap_or_default(),
                    paper.len() as i64,
                    at,
                    at + chrono::Duration::minutes(30),
                )?;
                s.finish_test_attempt(attempt, score, &marks, at + chrono::Duration::minutes(20))?;
            }
            let r = |salt| i64::from(pick(no, salt, 3)) + 3;
            s.add_survey_response(
                &survey,
                t.id,
                &SurveyResponse {
                    content: r(400),
                    instructor: r(401),
                    environment: r(402),
                    usefulness: r(403),
                    pace: r(404),
                    recommend: i64::from(pick(no, 405, 5)) + 6,
                    comment: if no % 10 == 0 {
                        format!("第{no}号学员：实操很有用，希望多些练习。")
                    } else {
                        String::new()
                    },
                },
                start + chrono::Duration::hours(9),
            )?;
            if no <= 600 {
                let confidence: BTreeMap<String, (i64, i64)> = evaluation::follow_up::TASKS
                    .iter()
                    .map(|task| ((*task).to_owned(), (r(500), r(501) + 1)))
                    .collect();
                s.add_follow_up_report(
                    follow,
                    t.id,
                    "weekly",
                    &confidence,
                    start + chrono::Duration::days(31),
                )?;
            }
        }
        Ok::<_, StoreError>((class, empty))
    })
    .expect("the class is filled")
}

/// Run the release binary's export; wall time and peak RSS (KiB) of the process.
fn export(db: &Path, class: i64, format: &str, section: &str, out: &Path) -> (Duration, i64, u64) {
    let started = Instant::now();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_taxlab"));
    cmd.arg("--db")
        .arg(db)
        .args(["export", "--class", &class.to_string()]);
    if !format.is_empty() {
        cmd.args(["--format", format]);
    }
    if !section.is_empty() {
        cmd.args(["--section", section]);
    }
    // waited for below with wait4, which also gives its peak memory
    #[allow(clippy::zombie_processes)]
    let child = cmd
        .arg("--out")
        .arg(out)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("run taxlab export");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child, with valid out-pointers
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let took = started.elapsed();
    assert!(
        waited == pid && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "export {format} {section} failed"
    );
    let size = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    (took, usage.ru_maxrss, size)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("report.db");
    let scenarios = write_scenarios(dir.path());
    // the first start makes the admin the class belongs to
    let (first, _) = Server::start(&db_path, &scenarios).await;
    first.stop();
    let lib = Library::embedded().expect("shipped labs");
    let db = Db::open(&db_path).expect("open");
    let filled = Instant::now();
    let (class, empty) = populate(&db, &lib);
    println!(
        "filled a class of {TRAINEES} trainees × {LABS} labs, pre/post tests, survey and follow-up in {:.1} s",
        filled.elapsed().as_secs_f64()
    );
    drop(db);

    println!("\n1. `taxlab export` (release binary, a process each), median of {RUNS}");
    println!("| format | wall time | ratio to baseline | peak RSS | file |");
    println!("|---|---|---|---|---|");
    let out = dir.path().join("out");
    let mut base = Vec::new();
    let mut base_rss = 0;
    for _ in 0..RUNS {
        let (t, rss, _) = export(&db_path, empty, "json", "", &out);
        base.push(t);
        base_rss = base_rss.max(rss);
    }
    let base = median(base);
    println!(
        "| baseline (empty class, json) | {} ms | 1.0 | {} MiB | |",
        ms(base),
        base_rss / 1024
    );
    for (format, section) in FORMATS.iter().filter(|(f, _)| !f.is_empty()) {
        let mut times = Vec::new();
        let (mut rss, mut size) = (0, 0);
        for _ in 0..RUNS {
            let (t, r, s) = export(&db_path, class, format, section, &out);
            times.push(t);
            rss = rss.max(r);
            size = s;
        }
        let t = median(times);
        println!(
            "| {format}{} | {} ms | {:.1} | {} MiB | {} KiB |",
            if section.is_empty() {
                String::new()
            } else {
                format!(" ({section})")
            },
            ms(t),
            t.as_secs_f64() / base.as_secs_f64(),
            rss / 1024,
            size / 1024
        );
    }

    println!("\n2. The server, `GET /console/classes/{{id}}/report?format=F`, median of {RUNS}");
    let (srv, _) = Server::start(&db_path, &scenarios).await;
    let token = staff_token(&srv.base).await;
    let client = reqwest::Client::new();
    let get = |path: String| {
        let req = client
            .get(format!("{}{path}", srv.base))
            .header("x-staff-token", &token);
        async move {
            let started = Instant::now();
            let res = req.send().await.expect("request");
            let status = res.status();
            let bytes = res.bytes().await.expect("body");
            assert_eq!(
                status,
                200,
                "{}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
            );
            started.elapsed()
        }
    };
    let mut base = Vec::new();
    for _ in 0..50 {
        base.push(get("/_bench/page/0".into()).await);
    }
    let base = median(base);
    println!("| format | median | ratio to baseline route | server VmHWM after |");
    println!("|---|---|---|---|");
    println!(
        "| baseline route `/_bench/page/0` | {} ms | 1 | {} MiB |",
        ms(base),
        srv.status("VmHWM:") / 1024
    );
    for (format, section) in FORMATS {
        let mut times = Vec::new();
        for _ in 0..RUNS {
            times.push(
                get(format!(
                    "/console/classes/{class}/report?format={format}&section={section}"
                ))
                .await,
            );
        }
        let t = median(times);
        println!(
            "| {} | {} ms | {:.0} | {} MiB |",
            match (format, section) {
                ("", _) => "the page (HTML)".to_owned(),
                (f, "") => f.to_owned(),
                (f, s) => format!("{f} ({s})"),
            },
            ms(t),
            t.as_secs_f64() / base.as_secs_f64(),
            srv.status("VmHWM:") / 1024
        );
    }
    srv.stop();
}
