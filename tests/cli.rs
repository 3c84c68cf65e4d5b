#![allow(clippy::unwrap_used, clippy::expect_used)]

//! The `taxlab` binary as a user runs it.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn taxlab(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_taxlab"))
        .args(args)
        .env_remove("TAXLAB_DB")
        .env_remove("TAXLAB_LANG")
        .env_remove("TAXLAB_LRS_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run taxlab");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn example(tax: &str) -> String {
    format!("{}/docs/examples/{tax}.json", env!("CARGO_MANIFEST_DIR"))
}

fn calc(tax: &str) -> serde_json::Value {
    let out = taxlab(&["calc", tax, "--input", &example(tax)], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn calc_reproduces_every_worked_example() {
    // TAXRULES.md's worked examples, to the fen.
    let v = calc("vat-small");
    assert_eq!(
        (v["lines"]["1"].as_str(), v["lines"]["15"].as_str()),
        (Some("400000.00"), Some("12000.00"))
    );
    assert_eq!(
        (
            v["lines"]["16"].as_str(),
            v["lines"]["20"].as_str(),
            v["lines"]["22"].as_str()
        ),
        (Some("8000.00"), Some("4000.00"), Some("4000.00"))
    );
    let s = calc("surcharges");
    assert_eq!(
        s["lines"],
        serde_json::json!({"1": "140.00", "2": "60.00", "3": "40.00", "4": "240.00"})
    );
    // 2025Q4: the A200000 of 公告2025年第17号 (27 应纳所得税额, 28 减免所得税额)
    let c = calc("cit-quarterly");
    assert_eq!(
        (
            c["lines"]["27"].as_str(),
            c["lines"]["28"].as_str(),
            c["totals"]["tax"].as_str()
        ),
        (Some("500000.00"), Some("400000.00"), Some("100000.00"))
    );
    let l = calc("late-fee");
    assert_eq!(
        (
            l["totals"]["days"].as_i64(),
            l["totals"]["late_fee"].as_str()
        ),
        (Some(10), Some("20.00"))
    );
    let g = calc("vat-general");
    assert_eq!(g["totals"]["vat_due"], "47000.00");
    let f = calc("culture-fee");
    assert_eq!(
        (f["lines"]["10"].as_str(), f["lines"]["18"].as_str()),
        (Some("2880.00"), Some("1440.00"))
    );
}

#[test]
fn calc_reads_standard_input() {
    let out = taxlab(
        &["calc", "vat-small", "--input", "-"],
        Some(r#"{"period":"2025Q3","sales_3pct_other":"400000"}"#),
    );
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["lines"]["22"], "4000.00");
}

#[test]
fn bad_calc_input_exits_non_zero_with_one_line_naming_the_field() {
    let cases = [
        (
            vec!["calc", "vat-small", "--input", "-"],
            r#"{"period":"2025Q3","sales_3pct_other":"-1"}"#,
            "sales_3pct_other",
        ),
        (
            vec!["calc", "vat-small", "--input", "-"],
            r#"{"period":"2025-Q3"}"#,
            "period",
        ),
        (
            vec!["calc", "cit-quarterly", "--input", "-"],
            r#"{"period":"2025Q3","cost":"1","total_profit":"1"}"#,
            "revenue",
        ),
        (
            vec!["calc", "vat-nothing", "--input", "-"],
            "{}",
            "vat-nothing",
        ),
    ];
    for (args, input, field) in cases {
        let out = taxlab(&args, Some(input));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(field), "{err}");
        assert!(err.starts_with("错误"), "{err}");
        assert!(out.stdout.is_empty());
    }
    let out = taxlab(
        &[
            "--lang",
            "en",
            "calc",
            "vat-small",
            "--input",
            "/no/such/file.json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .starts_with("Error: cannot read input")
    );
}

#[test]
fn seed_is_deterministic_across_files() {
    let dir = tempfile::tempdir().unwrap();
    let dump = |name: &str| {
        let path = dir.path().join(name);
        let out = taxlab(
            &[
                "--db",
                path.to_str().unwrap(),
                "seed",
                "--tenants",
                "3",
                "--seed",
                "42",
            ],
            None,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8(out.stdout).unwrap().contains("3 个租户"));
        let db = taxlab::store::Db::open(&path).unwrap();
        db.read(|s| {
            let mut all = String::new();
            for t in s.tenants()? {
                all.push_str(&s.tenant(t.id).dump()?);
            }
            Ok(all)
        })
        .unwrap()
    };
    let (a, b) = (dump("a.db"), dump("b.db"));
    assert!(a.len() > 10_000);
    assert_eq!(a, b);
}

#[test]
fn seeding_the_same_class_twice_is_refused_and_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let db = path.to_str().unwrap();
    assert!(
        taxlab(&["--db", db, "seed", "--tenants", "2", "--seed", "7"], None)
            .status
            .success()
    );
    let out = taxlab(&["--db", db, "seed", "--tenants", "2", "--seed", "7"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr).unwrap().contains("s7-1"));
    let out = taxlab(
        &[
            "--db",
            db,
            "seed",
            "--tenants",
            "1",
            "--seed",
            "8",
            "--presets",
            "no-such-preset",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let store = taxlab::store::Db::open(&path).unwrap();
    assert_eq!(store.read(|s| s.tenants()).unwrap().len(), 2);
}

#[test]
fn a_foreign_file_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "my notes, not a database\n".repeat(200)).unwrap();
    let before = std::fs::read(&path).unwrap();
    let out = taxlab(
        &[
            "--db",
            path.to_str().unwrap(),
            "seed",
            "--tenants",
            "1",
            "--seed",
            "1",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("不是 taxlab 数据库")
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn help_explains_each_command() {
    let out = taxlab(&["--help"], None);
    let text = String::from_utf8(out.stdout).unwrap();
    for cmd in ["serve", "seed", "calc"] {
        assert!(text.contains(cmd), "{text}");
    }
}

#[test]
fn scenarios_validate_passes_the_shipped_labs_and_locates_every_problem() {
    // the shipped files, as CI checks them
    let out = taxlab(&["scenarios", "validate"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let labs = taxlab::labs::Library::embedded().unwrap().labs().count();
    let said = format!("{labs} 个实验，1 个实验包");
    assert!(String::from_utf8_lossy(&out.stdout).contains(&said));
    let dir = format!("{}/scenarios", env!("CARGO_MANIFEST_DIR"));
    let out = taxlab(&["scenarios", "validate", &dir], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // an instructor's copy with two mistakes: each named with file and line
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("labs")).unwrap();
    let original = std::fs::read_to_string(format!("{dir}/labs/sms-expired.toml")).unwrap();
    let broken = original
        .replace("id = \"sms-expired\"", "id = \"my-sms-lab\"")
        .replace("kind = \"code_resent\"", "kind = \"code_resend\"")
        .replace("small-scale-trading-above-threshold", "corner-shop");
    let path = tmp.path().join("labs/my-sms-lab.toml");
    std::fs::write(&path, broken).unwrap();
    let out = taxlab(
        &[
            "--lang",
            "en",
            "scenarios",
            "validate",
            tmp.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("problems (file:line: problem)"), "{err}");
    let file = path.display().to_string();
    assert!(
        err.contains(&format!("{file}:22: preset \"corner-shop\" is missing")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{file}:40: check \"resent\": unknown variant `code_resend`"
        )),
        "{err}"
    );

    // the server refuses to start with it, and says why
    let out = taxlab(
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--scenarios",
            tmp.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("corner-shop"));
}

#[test]
fn user_add_prints_the_password_once_and_refuses_a_taken_name() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let db = db.to_str().unwrap();
    let out = taxlab(
        &[
            "--db",
            db,
            "user",
            "add",
            "wang",
            "--role",
            "instructor",
            "--name",
            "王老师",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        said.contains("已添加 instructor 账号 wang，密码："),
        "{said}"
    );
    let out = taxlab(&["--db", db, "user", "add", "wang"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("用户名 wang 已存在"));
    let out = taxlab(&["--db", db, "user", "add", "li", "--role", "boss"], None);
    assert_eq!(out.status.code(), Some(2));
    // the console's rule for usernames holds here too
    let out = taxlab(&["--db", db, "user", "add", "王 老师"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("只能使用字母、数字、下划线和连字符"));
    // and, as in the console, the addition is in the audit log
    let added = rusqlite::Connection::open(db)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'user.add' AND outcome = 'ok'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap();
    assert_eq!(added, 1);
}

#[test]
fn check_reads_the_whole_file_and_names_the_damage() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.db");
    let db = path.to_str().unwrap();
    let out = taxlab(&["--db", db, "seed", "--tenants", "3", "--seed", "5"], None);
    assert!(out.status.success());
    let out = taxlab(&["--db", db, "check"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("完整性检查通过")
    );
    // scribble over a page in the middle of the file: the header and schema still open
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 16_384;
    let at = (bytes.len() / page / 2) * page;
    for b in &mut bytes[at..at + page] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let out = taxlab(&["--db", db, "check"], None);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("已损坏"), "{err}");
}

#[test]
fn export_writes_a_class_report_or_says_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("taxlab.db");
    let db = db.to_str().unwrap();
    let class = {
        let store = taxlab::store::Db::open(std::path::Path::new(db)).unwrap();
        store
            .write(|s| {
                let now = chrono::Utc::now();
                let owner = s.create_user(
                    "teacher",
                    "王老师",
                    taxlab::store::UserRole::Instructor,
                    "x",
                    now,
                )?;
                s.create_class(&taxlab::store::NewClass {
                    name: "导出班",
                    pack_id: "etax-basics",
                    class_seed: 1,
                    seats: 1,
                    join_code: "ABCDEF",
                    owner_id: owner,
                    starts_at: None,
                    ends_at: None,
                    now,
                })
            })
            .unwrap()
    };
    let out = dir.path().join("report.json");
    let done = taxlab(
        &[
            "--db",
            db,
            "export",
            "--class",
            &class.to_string(),
            "--out",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(report["name"], "导出班");
    assert_eq!(report["missing"][0], "trainees", "an empty class says so");
    let csv = dir.path().join("gradebook.csv");
    let done = taxlab(
        &[
            "--db",
            db,
            "export",
            "--class",
            &class.to_string(),
            "--format",
            "csv",
            "--section",
            "gradebook",
            "--out",
            csv.to_str().unwrap(),
        ],
        None,
    );
    assert!(done.status.success());
    assert!(
        std::fs::read(&csv)
            .unwrap()
            .starts_with("\u{feff}ID number".as_bytes())
    );
    // the workbook and the PDF, as the console's buttons give them
    for (format, magic) in [("xlsx", &b"PK"[..]), ("pdf", &b"%PDF-"[..])] {
        let file = dir.path().join(format!("report.{format}"));
        let done = taxlab(
            &[
                "--db",
                db,
                "export",
                "--class",
                &class.to_string(),
                "--format",
                format,
                "--out",
                file.to_str().unwrap(),
            ],
            None,
        );
        assert!(done.status.success(), "{format}");
        assert!(std::fs::read(&file).unwrap().starts_with(magic), "{format}");
    }
    // every class of a pack together
    let file = dir.path().join("pack.json");
    let done = taxlab(
        &[
            "--db",
            db,
            "export",
            "--pack",
            "etax-basics",
            "--out",
            file.to_str().unwrap(),
        ],
        None,
    );
    assert!(done.status.success());
    let pack: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        (pack["kind"].as_str(), pack["classes"][0]["name"].as_str()),
        (Some("pack"), Some("导出班"))
    );
    for (args, code) in [
        (vec!["--class", "999"], 2),
        (vec!["--pack", "no-such-pack"], 2),
        (
            vec!["--class", &class.to_string() as &str, "--format", "docx"],
            2,
        ),
    ] {
        let mut all = vec!["--db", db, "export"];
        all.extend(args.iter().copied());
        all.extend(["--out", out.to_str().unwrap()]);
        let done = taxlab(&all, None);
        assert_eq!(done.status.code(), Some(code), "{args:?}");
        assert!(String::from_utf8_lossy(&done.stderr).contains("错误"));
    }
}

#[test]
fn serve_refuses_an_lrs_it_could_never_reach() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("taxlab.db");
    let db = db.to_str().unwrap();
    let out = taxlab(
        &[
            "--db",
            db,
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--lrs-endpoint",
            "lrs.example.com/xAPI",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("--lrs-endpoint 须是以 http:// 或 https:// 开头"),
        "{err}"
    );
    // a user without TAXLAB_LRS_PASSWORD
    let out = taxlab(
        &[
            "--db",
            db,
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--lrs-endpoint",
            "https://lrs.example.com/xAPI/",
            "--lrs-user",
            "taxlab",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("TAXLAB_LRS_PASSWORD"), "{err}");
}
