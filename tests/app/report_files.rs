//! The evaluation report as files a training manager takes away: the XLSX workbook (read
//! back with calamine: a sheet a section, numbers as numbers, names as text however they
//! start, header rows frozen) and the PDF (read back with poppler's pdftotext), from the
//! console and the API, with the same numbers as the report's JSON.

use std::io::Read;

use calamine::{Data, Reader, Xlsx};

use crate::browser::location;
use crate::class_tests::{answers, open_test, pairs, paper_for};
use crate::classroom::{instructor, join_pin};
use crate::helpers::TestApp;

const AWKWARD: &str = "=SUM(1),\"张\"😀";

fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed by .ci/run");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn cell(sheet: &calamine::Range<Data>, row: usize, col: usize) -> Data {
    sheet.get((row, col)).cloned().unwrap_or(Data::Empty)
}

/// The report's JSON is valid against its schema in the server's OpenAPI document (the
/// document is the schema: its `Report` component, with every `$ref` resolved in it).
async fn assert_valid_report(app: &TestApp, report: &serde_json::Value) {
    let mut schema: serde_json::Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(schema["components"]["schemas"]["Report"].is_object());
    schema["$ref"] = "#/components/schemas/Report".into();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // and the schema is not vacuous: a report missing a field, or with a wrong type, fails
    let mut broken = report.clone();
    broken.as_object_mut().unwrap().remove("learning");
    assert!(!validator.is_valid(&broken));
    let mut broken = report.clone();
    broken["trainees"] = "two".into();
    assert!(!validator.is_valid(&broken));
}

#[tokio::test]
async fn the_workbook_and_the_pdf_carry_the_reports_numbers() {
    let app = TestApp::spawn().await;
    let mut teacher = instructor(&app, "sun").await;
    let res = teacher
        .post(
            "/console/classes",
            &[
                ("name", "文件班"),
                ("pack", "etax-basics"),
                ("seats", "2"),
                ("roster", ""),
                ("seed", "17"),
            ],
        )
        .await;
    let class: i64 = location(&res).rsplit('/').next().unwrap().parse().unwrap();
    let base = format!("/console/classes/{class}/report");
    let code = app.db.read(|s| s.class(class)).unwrap().join_code;
    let (mut a, _) = join_pin(&app, &code, AWKWARD).await;
    let (mut b, _) = join_pin(&app, &code, "李四").await;
    for (phase, form) in [("pre", "a"), ("post", "b")] {
        open_test(&mut teacher, class, phase, form).await;
    }
    let paper = |phase: &str, seat: u32| paper_for(&app, class, phase, seat).1;
    for (phase, ra, rb) in [("pre", 12, 6), ("post", 24, 12)] {
        a.post(&format!("/tests/{phase}/start"), &[]).await;
        b.post(&format!("/tests/{phase}/start"), &[]).await;
        a.post(
            &format!("/tests/{phase}/submit"),
            &pairs(&answers(&paper(phase, 1), ra)),
        )
        .await;
        b.post(
            &format!("/tests/{phase}/submit"),
            &pairs(&answers(&paper(phase, 2), rb)),
        )
        .await;
    }
    teacher
        .post(
            &format!("/console/classes/{class}/survey-open"),
            &[("kind", "named")],
        )
        .await;
    let comment = "=SUM(A1) 很实用\n\"谢谢\"";
    let res = a
        .post(
            "/survey",
            &[
                ("content", "5"),
                ("instructor", "4"),
                ("environment", "4"),
                ("usefulness", "5"),
                ("pace", "3"),
                ("recommend", "10"),
                ("comment", comment),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let r: serde_json::Value = teacher
        .get(&format!("{base}?format=json"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["learning"]["pre"]["mean_percent"], 38);
    assert_valid_report(&app, &r).await;

    // the workbook
    let res = teacher.get(&format!("{base}?format=xlsx")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = res.bytes().await.unwrap().to_vec();
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone()))
        .expect("the workbook reads");
    assert_eq!(
        wb.sheet_names(),
        [
            "概要",
            "学员",
            "试题",
            "实验",
            "常见错误",
            "满意度",
            "成绩册（Moodle 导入）",
            "意见与建议"
        ]
    );
    let summary = wb.worksheet_range("概要").unwrap();
    let figure = |label: &str| -> Data {
        (0..summary.height())
            .find(|&r| cell(&summary, r, 0) == Data::String(label.into()))
            .map(|r| cell(&summary, r, 1))
            .unwrap_or_else(|| panic!("{label}"))
    };
    assert_eq!(figure("学员人数"), Data::Float(2.0));
    assert_eq!(
        figure("二级 学习：课前测试平均正确率（%）"),
        Data::Float(38.0)
    );
    assert_eq!(
        figure("二级 学习：课后测试平均正确率（%）"),
        Data::Float(75.0)
    );
    assert_eq!(figure("二级 学习：标准化增益 ⟨g⟩"), Data::Float(0.6));
    assert_eq!(figure("一级 反应：推荐值（NPS）"), Data::Float(100.0));
    assert_eq!(figure("名称"), Data::String("文件班".into()));
    let people = wb.worksheet_range("学员").unwrap();
    assert_eq!(cell(&people, 0, 1), Data::String("姓名".into()));
    for (i, p) in r["people"].as_array().unwrap().iter().enumerate() {
        assert_eq!(
            cell(&people, i + 1, 1),
            Data::String(p["name"].as_str().unwrap().into())
        );
        assert_eq!(
            cell(&people, i + 1, 2),
            Data::Float(p["pre_percent"].as_f64().unwrap()),
            "numbers are numbers, equal to the report's"
        );
        assert_eq!(
            cell(&people, i + 1, 3),
            Data::Float(p["post_percent"].as_f64().unwrap())
        );
    }
    assert_eq!(
        cell(&people, 1, 1),
        Data::String(AWKWARD.into()),
        "a name starting with = is kept whole, as text"
    );
    let formulas = wb.worksheet_formula("学员").unwrap();
    assert!(
        formulas.cells().all(|(_, _, f)| f.is_empty()),
        "no formulas anywhere"
    );
    let survey = wb.worksheet_range("满意度").unwrap();
    assert_eq!(cell(&survey, 1, 1), Data::Float(5.0));
    let comments = wb.worksheet_range("意见与建议").unwrap();
    assert_eq!(cell(&comments, 1, 0), Data::String(comment.into()));
    let gradebook = wb.worksheet_range("成绩册（Moodle 导入）").unwrap();
    assert_eq!(cell(&gradebook, 0, 0), Data::String("ID number".into()));
    assert_eq!(cell(&gradebook, 2, 2), Data::Float(50.0));
    // every sheet's header row is frozen
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    for n in 1..=8 {
        let mut xml = String::new();
        zip.by_name(&format!("xl/worksheets/sheet{n}.xml"))
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        assert!(xml.contains("<pane ySplit=\"1\""), "sheet {n}: {xml}");
    }

    // the PDF: A4, the same figures, the awkward name printed without breaking anything
    let res = teacher.get(&format!("{base}?format=pdf")).await;
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf = res.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    for want in [
        "培训效果评估报告",
        "文件班",
        "第一层 反应",
        "第二层 学习",
        "第三层 行为",
        "第四层 结果",
        "38%",
        "75%",
        "李四",
        "=SUM(1),\"张\"〓",
        "=SUM(A1) 很实用 \"谢谢\"",
        "标准化增益 〈g〉 = 0.60",
    ] {
        assert!(text.contains(want), "{want} in\n{text}");
    }

    // the API gives the same files to a staff token; an unknown format is a clear 404
    let res = app
        .client
        .post(app.url("/api/v1/console/token"))
        .json(&serde_json::json!({"username": "sun", "password": "Teach#2026ok"}))
        .send()
        .await
        .unwrap();
    let token: serde_json::Value = res.json().await.unwrap();
    let token = token["token"].as_str().unwrap().to_owned();
    let api = |format: &str| {
        app.client
            .get(app.url(&format!("/api/v1/classes/{class}/report?format={format}")))
            .header("x-staff-token", &token)
            .send()
    };
    let res = api("xlsx").await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().starts_with(b"PK"));
    let res = api("pdf").await.unwrap();
    assert!(res.bytes().await.unwrap().starts_with(b"%PDF-"));
    let res = api("json").await.unwrap();
    let again: serde_json::Value = res.json().await.unwrap();
    assert_eq!(again["learning"], r["learning"]);
    let res = app
        .client
        .get(app.url("/api/v1/packs/etax-basics/report"))
        .header("x-staff-token", &token)
        .send()
        .await
        .unwrap();
    let pack: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        (pack["kind"].as_str(), pack["trainees"].as_i64()),
        (Some("pack"), Some(2))
    );
    let res = api("docx").await.unwrap();
    assert_eq!(res.status(), 404);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["message"].as_str().is_some(), "{body}");
}

/// A class of the etax-basics pack by `teacher` with trainees `names`, the pre-test opened
/// and handed in by each with `right` answers right.
async fn class_taking_the_pre_test(
    app: &TestApp,
    teacher: &mut crate::browser::Visitor<'_>,
    name: &str,
    names: &[(&str, usize)],
) -> i64 {
    let seats = names.len().to_string();
    let res = teacher
        .post(
            "/console/classes",
            &[
                ("name", name),
                ("pack", "etax-basics"),
                ("seats", &seats),
                ("roster", ""),
                ("seed", "19"),
            ],
        )
        .await;
    let class: i64 = location(&res).rsplit('/').next().unwrap().parse().unwrap();
    let code = app.db.read(|s| s.class(class)).unwrap().join_code;
    open_test(teacher, class, "pre", "a").await;
    for (seat, (who, right)) in names.iter().enumerate() {
        let (mut v, _) = join_pin(app, &code, who).await;
        v.post("/tests/pre/start", &[]).await;
        let (_, paper) = crate::class_tests::paper_of(app, class, seat as u32 + 1);
        v.post("/tests/pre/submit", &pairs(&answers(&paper, *right)))
            .await;
    }
    class
}

#[tokio::test]
async fn a_packs_report_covers_the_readers_classes_together() {
    let app = TestApp::spawn().await;
    let mut zhou = instructor(&app, "zhou").await;
    let mut wu = instructor(&app, "wu").await;
    let first = class_taking_the_pre_test(&app, &mut zhou, "一班", &[("甲", 24), ("乙", 12)]).await;
    let second = class_taking_the_pre_test(&app, &mut zhou, "二班", &[("丙", 6)]).await;
    // another instructor's class of the same pack stays out of zhou's report
    class_taking_the_pre_test(&app, &mut wu, "别人的班", &[("丁", 0)]).await;

    let page = zhou
        .get_text(&format!("/console/classes/{first}/report"))
        .await;
    assert!(
        page.contains("href=\"/console/packs/etax-basics/report\""),
        "{page}"
    );
    let r: serde_json::Value = zhou
        .get("/console/packs/etax-basics/report?format=json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (r["kind"].as_str(), r["trainees"].as_i64()),
        (Some("pack"), Some(3))
    );
    assert_valid_report(&app, &r).await;
    let classes: Vec<i64> = r["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(classes, [first, second], "oldest first, only zhou's");
    // 24 + 12 + 6 right of 72: 58.3% → 58, over the takers of both classes together
    assert_eq!(r["learning"]["pre"]["takers"], 3);
    assert_eq!(r["learning"]["pre"]["mean_percent"], 58);
    let rows: Vec<(&str, &str)> = r["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["class"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    assert_eq!(rows, [("一班", "甲"), ("一班", "乙"), ("二班", "丙")]);
    // each question's difficulty over all three answerers
    let answered: Vec<i64> = r["learning"]["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["answered"].as_i64().unwrap())
        .collect();
    assert!(!answered.is_empty() && answered.iter().all(|n| *n == 3));
    let page = zhou.get_text("/console/packs/etax-basics/report").await;
    assert!(
        page.contains("id=\"pack-classes\"") && page.contains("二班"),
        "{page}"
    );
    assert!(!page.contains("别人的班") && !page.contains(">丁<"));
    // the workbook's people sheet names each trainee's class
    let bytes = zhou
        .get("/console/packs/etax-basics/report?format=xlsx")
        .await
        .bytes()
        .await
        .unwrap()
        .to_vec();
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let people = wb.worksheet_range("学员").unwrap();
    assert_eq!(cell(&people, 0, 1), Data::String("班级".into()));
    assert_eq!(cell(&people, 3, 1), Data::String("二班".into()));
    // the other instructor sees only theirs; an unknown pack is not found
    let theirs: serde_json::Value = wu
        .get("/console/packs/etax-basics/report?format=json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["trainees"], 1);
    assert_eq!(
        zhou.get("/console/packs/no-such-pack/report")
            .await
            .status(),
        404
    );
    let pdf = zhou
        .get("/console/packs/etax-basics/report?format=pdf")
        .await;
    assert!(pdf_text(&pdf.bytes().await.unwrap()).contains("二班"));
}
