//! 课后测试 in a class: the instructor opens the pre-test (form A) with a time limit and
//! attempts; each trainee draws their own shuffled paper, hands it in and reads the result;
//! answers are marked exactly and kept; the time limit, the attempts and the settings'
//! ranges are enforced; nobody reaches another trainee's paper.

use taxlab::evaluation::PaperItem;
use taxlab::labs::quiz::Answer;

use crate::browser::{Visitor, location};
use crate::classroom::{instructor, join_pin};
use crate::helpers::TestApp;

/// The trainee's latest attempt (by seat) at the class's test of a phase, and its paper.
pub(crate) fn paper_for(
    app: &TestApp,
    class: i64,
    phase: &str,
    seat: u32,
) -> (i64, Vec<PaperItem>) {
    app.db
        .read(|s| {
            let st = s
                .seats(class)?
                .into_iter()
                .find(|x| x.seat_no == seat)
                .unwrap();
            let test = s
                .test_of(taxlab::store::TestOwner::Class(class), phase)?
                .unwrap();
            let a = s.test_attempts_of(test.id, st.trainee_id)?.pop().unwrap();
            Ok((a.id, serde_json::from_str(&a.paper).unwrap()))
        })
        .unwrap()
}

/// The trainee's attempt at the pre-test (by seat) and its paper.
pub(crate) fn paper_of(app: &TestApp, class: i64, seat: u32) -> (i64, Vec<PaperItem>) {
    paper_for(app, class, "pre", seat)
}

/// The instructor opens the class's test of a phase: the form, 20 minutes, one attempt.
pub(crate) async fn open_test(teacher: &mut Visitor<'_>, class: i64, phase: &str, form: &str) {
    teacher
        .post(
            &format!("/console/classes/{class}/test-open"),
            &[
                ("kind", phase),
                ("form", form),
                ("minutes", "20"),
                ("attempts", "1"),
            ],
        )
        .await;
}

/// Borrowed pairs, as the visitor posts them.
pub(crate) fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, x)| (k.as_str(), x.as_str())).collect()
}

/// The form's answers: the right ones for the first `right` questions, a wrong one after.
pub(crate) fn answers(paper: &[PaperItem], right: usize) -> Vec<(String, String)> {
    let bank = taxlab::labs::Library::embedded().unwrap();
    let bank = bank.bank("etax-basics").unwrap().clone();
    let mut pairs = Vec::new();
    for (n, item) in paper.iter().enumerate() {
        let q = bank.question(&item.question).unwrap();
        let name = format!("q_{}", q.id);
        let shown = |i: usize| item.order.iter().position(|&x| x == i).unwrap().to_string();
        let good = n < right;
        match &q.answer {
            Answer::One(i) => pairs.push((
                name,
                shown(if good { *i } else { (*i + 1) % q.choices.len() }),
            )),
            Answer::Many(all) if good => {
                pairs.extend(all.iter().map(|i| (name.clone(), shown(*i))))
            }
            Answer::Many(_) => pairs.push((name, "0".into())),
            Answer::TrueFalse(t) => pairs.push((name, (if good { *t } else { !*t }).to_string())),
            Answer::Figure(f) => {
                pairs.push((name, if good { f.to_string() } else { "1.00".into() }))
            }
        }
    }
    pairs
}

pub(crate) async fn class_with_two(app: &TestApp) -> (Visitor<'_>, i64, Visitor<'_>, Visitor<'_>) {
    let mut teacher = instructor(app, "zhao").await;
    let res = teacher
        .post(
            "/console/classes",
            &[
                ("name", "测试班"),
                ("pack", "etax-basics"),
                ("seats", "2"),
                ("roster", ""),
                ("seed", "11"),
            ],
        )
        .await;
    let class: i64 = location(&res).rsplit('/').next().unwrap().parse().unwrap();
    let code = app.db.read(|s| s.class(class)).unwrap().join_code;
    let (a, _) = join_pin(app, &code, "张三").await;
    let (b, _) = join_pin(app, &code, "李四").await;
    (teacher, class, a, b)
}

#[tokio::test]
async fn a_class_takes_the_pre_test_marked_exactly() {
    let app = TestApp::spawn().await;
    let (mut teacher, class, mut a, mut b) = class_with_two(&app).await;
    // no test yet
    assert!(a.get_text("/tests").await.contains("还没有开放测试"));
    // settings out of range are refused at their field
    let res = teacher
        .post(
            &format!("/console/classes/{class}/test-open"),
            &[
                ("kind", "pre"),
                ("form", "a"),
                ("minutes", "0"),
                ("attempts", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("限时为 1 到 180 分钟"));
    let res = teacher
        .post(
            &format!("/console/classes/{class}/test-open"),
            &[
                ("kind", "pre"),
                ("form", "a"),
                ("minutes", "20"),
                ("attempts", "1"),
            ],
        )
        .await;
    assert_eq!(
        location(&res),
        format!("/console/classes/{class}?done=test_open")
    );
    let page = teacher.get_text(&format!("/console/classes/{class}")).await;
    assert!(
        page.contains("id=\"test-state-pre\"") && page.contains("开放中"),
        "{page}"
    );

    // 张三: from the materials page to a paper of form A, shuffled for him
    assert!(a.get_text("/").await.contains("/tests/pre"));
    let res = a.post("/tests/pre/start", &[]).await;
    assert_eq!(location(&res), "/tests/pre");
    let paper_page = a.get_text("/tests/pre").await;
    let bank_a = taxlab::labs::Library::embedded()
        .unwrap()
        .bank("etax-basics")
        .unwrap()
        .form("a")
        .len();
    assert_eq!(paper_page.matches("class=\"question\"").count(), bank_a);
    let (attempt, paper) = paper_of(&app, class, 1);
    assert_eq!(paper.len(), bank_a);
    // 李四 starts too: another order
    b.post("/tests/pre/start", &[]).await;
    let (_, other) = paper_of(&app, class, 2);
    assert_ne!(paper, other, "each trainee's paper is shuffled on its own");

    // 张三 answers 20 right and the rest wrong
    let res = a
        .post("/tests/pre/submit", &pairs(&answers(&paper, 20)))
        .await;
    assert_eq!(location(&res), "/tests/pre?notice=handed_in");
    let result = a.get_text("/tests/pre?notice=handed_in").await;
    assert!(result.contains(&format!("20 / {bank_a}")), "{result}");
    assert!(result.contains("正确答案") && result.contains("id=\"result\""));
    let (score, marks) = app
        .db
        .read(|s| {
            let marks = s.test_answers(attempt)?;
            let t = s
                .test_of(taxlab::store::TestOwner::Class(class), "pre")?
                .unwrap();
            let a = s
                .test_attempts(t.id)?
                .into_iter()
                .find(|x| x.id == attempt)
                .unwrap();
            Ok((a.score, marks))
        })
        .unwrap();
    assert_eq!(score, Some(20));
    assert_eq!(marks.len(), bank_a);
    assert_eq!(marks.iter().filter(|m| m.correct).count(), 20);
    // one attempt only
    let res = a.post("/tests/pre/start", &[]).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("作答次数已用完"));
    // handing in twice changes nothing
    let res = a
        .post("/tests/pre/submit", &pairs(&answers(&paper, bank_a)))
        .await;
    assert_eq!(res.status(), 409);

    // 李四 runs out of time: answers after the limit do not count
    app.clock.advance(chrono::Duration::minutes(25));
    let res = b
        .post("/tests/pre/submit", &pairs(&answers(&other, bank_a)))
        .await;
    assert_eq!(location(&res), "/tests/pre?notice=time_up");
    assert!(
        b.get_text("/tests/pre?notice=time_up")
            .await
            .contains("超时提交的答案不计分")
    );
    // the dashboard sums it up: two handed in, mean of 20 and 0 out of 24 each
    let page = teacher.get_text(&format!("/console/classes/{class}")).await;
    let mean = (20 * 200 + 2 * bank_a as i64) / (2 * 2 * bank_a as i64);
    assert!(
        page.contains("已交卷 2 人") && page.contains(&format!("平均得分率 {mean}%")),
        "{page}"
    );

    // closed: nobody starts any more
    teacher
        .post(
            &format!("/console/classes/{class}/test-close"),
            &[("kind", "pre")],
        )
        .await;
    let api = crate::api_client::Api::new(&app);
    let (s, _) = api
        .post("/api/v1/tests/pre/start", serde_json::json!({}))
        .await;
    assert_eq!(s, 404, "the demo trainee is in no class");
}

#[tokio::test]
async fn the_api_takes_a_test_and_refuses_what_it_should() {
    let app = TestApp::spawn().await;
    let (mut teacher, class, a, _b) = class_with_two(&app).await;
    teacher
        .post(
            &format!("/console/classes/{class}/test-open"),
            &[
                ("kind", "post"),
                ("form", "b"),
                ("minutes", "10"),
                ("attempts", "2"),
            ],
        )
        .await;
    let sandbox = a
        .cookie("taxlab_sandbox")
        .expect("a class trainee has a sandbox token");
    let api = crate::api_client::Api::with_sandbox(&app, &sandbox);
    let (s, list) = api.get("/api/v1/tests").await;
    assert_eq!(s, 200, "{list}");
    assert_eq!(list[0]["phase"], "post");
    assert_eq!(list[0]["can_start"], true);
    let (s, t) = api
        .post("/api/v1/tests/post/start", serde_json::json!({}))
        .await;
    assert_eq!(s, 200, "{t}");
    let paper = t["paper"].as_array().unwrap();
    // answer through positions as shown: the right one for a true/false, blank elsewhere
    let bank = taxlab::labs::Library::embedded().unwrap();
    let bank = bank.bank("etax-basics").unwrap().clone();
    let mut answers = serde_json::Map::new();
    let mut right = 0;
    for q in paper {
        let id = q["id"].as_str().unwrap();
        if let Answer::TrueFalse(v) = bank.question(id).unwrap().answer {
            answers.insert(id.to_owned(), serde_json::json!(v));
            right += 1;
        }
    }
    let (s, done) = api
        .post(
            "/api/v1/tests/post/submit",
            serde_json::json!({ "answers": answers }),
        )
        .await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["attempts"][0]["score"], right);
    assert_eq!(done["result"].as_array().unwrap().len(), paper.len());
    assert_eq!(done["can_start"], true, "a second attempt is allowed");
    let (s, e) = api
        .post("/api/v1/tests/post/submit", serde_json::json!({}))
        .await;
    assert_eq!((s, e["code"].as_str()), (409, Some("not_started")));
    let (s, _) = api
        .post("/api/v1/tests/mid/start", serde_json::json!({}))
        .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn an_anonymous_survey_is_answered_once_and_summed_up() {
    let app = TestApp::spawn().await;
    let (mut teacher, class, mut a, b) = class_with_two(&app).await;
    assert!(
        a.get_text("/survey")
            .await
            .contains("目前没有需要填写的满意度调查")
    );
    let res = teacher
        .post(
            &format!("/console/classes/{class}/survey-open"),
            &[("kind", "anonymous")],
        )
        .await;
    assert_eq!(
        location(&res),
        format!("/console/classes/{class}?done=survey_open")
    );
    assert!(a.get_text("/").await.contains("id=\"survey-link\""));
    let page = a.get_text("/survey").await;
    assert!(page.contains("id=\"survey-anonymous\"") && page.contains("id=\"survey-form\""));
    // an item out of range comes back at its row, with what was typed kept
    let mut answer = vec![
        ("content", "5"),
        ("instructor", "4"),
        ("environment", "6"),
        ("usefulness", "5"),
        ("pace", "3"),
        ("recommend", "10"),
        ("comment", "=SUM(A1) 很实用，\"谢谢\""),
    ];
    let res = a.post("/survey", &answer).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("请为每一项选择 1 到 5 分") && page.contains("=SUM(A1)"),
        "{page}"
    );
    answer[2] = ("environment", "4");
    let res = a.post("/survey", &answer).await;
    assert_eq!(location(&res), "/survey");
    assert!(a.get_text("/survey").await.contains("id=\"survey-thanks\""));
    // once only, through the API too
    let api_a = crate::api_client::Api::with_sandbox(&app, &a.cookie("taxlab_sandbox").unwrap());
    let (s, e) = api_a
        .post(
            "/api/v1/survey",
            serde_json::json!({"content": 1, "instructor": 1, "environment": 1, "usefulness": 1, "pace": 1, "recommend": 0}),
        )
        .await;
    assert_eq!((s, e["code"].as_str()), (409, Some("answered")));
    // closed, nobody answers; reopened, 李四 answers through the API
    teacher
        .post(&format!("/console/classes/{class}/survey-close"), &[])
        .await;
    let api_b = crate::api_client::Api::with_sandbox(&app, &b.cookie("taxlab_sandbox").unwrap());
    let body = serde_json::json!({"content": 3, "instructor": 4, "environment": 2, "usefulness": 3, "pace": 2, "recommend": 6, "comment": ""});
    let (s, e) = api_b.post("/api/v1/survey", body.clone()).await;
    assert_eq!((s, e["code"].as_str()), (409, Some("closed")));
    teacher
        .post(
            &format!("/console/classes/{class}/survey-open"),
            &[("kind", "named")],
        )
        .await;
    let (s, st) = api_b.post("/api/v1/survey", body).await;
    assert_eq!((s, st.as_str()), (200, Some("answered")), "{st}");
    // anonymous it stays (someone had answered): no trainee, only the day
    let rows = app
        .db
        .read(|s| {
            let sv = s
                .survey_of(taxlab::store::TestOwner::Class(class))?
                .unwrap();
            assert!(sv.anonymous);
            s.survey_responses(sv.id)
        })
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|(who, _)| who.is_none()));
    // the instructor's summary: means to a tenth, the recommendation score, the comments
    let page = teacher.get_text(&format!("/console/classes/{class}")).await;
    assert!(page.contains("已收到 2 份"), "{page}");
    // content (5 + 3) / 2 = 4.0; environment (4 + 2) / 2 = 3.0; one promoter, one detractor: 0
    assert!(
        page.contains("<td class=\"num\">4.0</td>") && page.contains("<td class=\"num\">3.0</td>")
    );
    assert!(page.contains("推荐度（推荐者比例 − 贬损者比例）：0"));
    assert!(
        page.contains("=SUM(A1) 很实用"),
        "the comment, escaped as text"
    );
}

#[tokio::test]
async fn a_follow_up_opens_when_due_with_its_self_report_and_retention_lab() {
    let app = TestApp::spawn().await;
    let (mut teacher, class, mut a, _b) = class_with_two(&app).await;
    // bad days at their field
    let res = teacher
        .post(
            &format!("/console/classes/{class}/follow-up"),
            &[("minutes", "0"), ("kind", "filing-practice")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("天数为 1 到 365"));
    let res = teacher
        .post(
            &format!("/console/classes/{class}/follow-up"),
            &[("minutes", "30"), ("kind", "filing-practice")],
        )
        .await;
    assert_eq!(
        location(&res),
        format!("/console/classes/{class}?done=follow_up_open")
    );
    // not due yet: nothing to see, nothing to answer
    assert!(
        a.get_text("/follow-up")
            .await
            .contains("目前没有到期的跟踪回访")
    );
    assert!(!a.get_text("/").await.contains("id=\"follow-up-link\""));
    // thirty days on, the trainee comes back
    app.clock.advance(chrono::Duration::days(31));
    assert!(a.get_text("/").await.contains("id=\"follow-up-link\""));
    let page = a.get_text("/follow-up").await;
    assert!(page.contains("id=\"follow-up-form\"") && page.contains("/labs/filing-practice/start"));
    let mut report: Vec<(String, String)> = vec![("usage".into(), "weekly".into())];
    for t in taxlab::evaluation::follow_up::TASKS {
        report.push((format!("before_{t}"), "2".into()));
        report.push((format!("now_{t}"), "4".into()));
    }
    let mut missing = report.clone();
    missing.retain(|(k, _)| k != "now_proofs");
    let res = a.post("/follow-up", &pairs(&missing)).await;
    let status = res.status();
    let body = res.text().await.unwrap();
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("培训前和现在各选择 1 到 5 分"));
    let res = a.post("/follow-up", &pairs(&report)).await;
    assert_eq!(location(&res), "/follow-up");
    assert!(
        a.get_text("/follow-up")
            .await
            .contains("id=\"follow-up-thanks\"")
    );
    let api = crate::api_client::Api::with_sandbox(&app, &a.cookie("taxlab_sandbox").unwrap());
    let (s, e) = api
        .post(
            "/api/v1/follow-up",
            serde_json::json!({"usage": "daily", "confidence": {}}),
        )
        .await;
    assert_eq!(s, 422, "{e}");
    let (s, st) = api.get("/api/v1/follow-up").await;
    assert_eq!(s, 200);
    assert_eq!(st["due"]["reported"], true);
    // the instructor's summary: the usage and the confidence before and now (the console
    // session has long expired: a month went by)
    let sum = app
        .db
        .read(|s| taxlab::evaluation::follow_up::summary(s, taxlab::store::TestOwner::Class(class)))
        .unwrap()
        .unwrap();
    assert_eq!((sum.reports, sum.usage), (1, [0, 0, 1, 0]));
    assert!(
        sum.confidence
            .iter()
            .all(|c| (c.before_tenths, c.now_tenths) == (20, 40))
    );
    let mut again = crate::browser::Visitor::outsider(&app);
    again.get("/console/login").await;
    again
        .post(
            "/console/login",
            &[("username", "zhao"), ("password", "Teach#2026ok")],
        )
        .await;
    let page = again.get_text(&format!("/console/classes/{class}")).await;
    assert!(
        page.contains("已收到回访问卷 1 份") && page.contains("每周 1"),
        "{page}"
    );
    assert!(page.contains("<td class=\"num\">2.0</td><td class=\"num\">4.0</td>"));
    let _ = &mut teacher;
}

#[tokio::test]
async fn the_report_agrees_with_the_store_in_every_format() {
    let app = TestApp::spawn().await;
    let mut teacher = instructor(&app, "qian").await;
    let res = teacher
        .post(
            "/console/classes",
            &[
                ("name", "报告班"),
                ("pack", "etax-basics"),
                ("seats", "2"),
                ("roster", ""),
                ("seed", "13"),
            ],
        )
        .await;
    let class: i64 = location(&res).rsplit('/').next().unwrap().parse().unwrap();
    let code = app.db.read(|s| s.class(class)).unwrap().join_code;
    // an empty class: the report says what is missing rather than breaking
    let page = teacher
        .get_text(&format!("/console/classes/{class}/report"))
        .await;
    assert!(
        page.contains("id=\"report-missing\"") && page.contains("还没有学员加入"),
        "{page}"
    );
    let (mut a, _) = join_pin(&app, &code, "=SUM(1),\"张\"").await;
    let (mut b, _) = join_pin(&app, &code, "李四").await;
    for (phase, form) in [("pre", "a"), ("post", "b")] {
        open_test(&mut teacher, class, phase, form).await;
    }
    // pre: 12 and 6 right of 24; post: 24 and 12
    let take = |app: &TestApp, phase: &str, seat: u32| paper_for(app, class, phase, seat).1;
    for (phase, ra, rb) in [("pre", 12, 6), ("post", 24, 12)] {
        a.post(&format!("/tests/{phase}/start"), &[]).await;
        b.post(&format!("/tests/{phase}/start"), &[]).await;
        let pa = take(&app, phase, 1);
        let pb = take(&app, phase, 2);
        a.post(&format!("/tests/{phase}/submit"), &pairs(&answers(&pa, ra)))
            .await;
        b.post(&format!("/tests/{phase}/submit"), &pairs(&answers(&pb, rb)))
            .await;
    }
    let res = teacher
        .get(&format!("/console/classes/{class}/report?format=json"))
        .await;
    assert_eq!(res.status(), 200);
    let r: serde_json::Value = res.json().await.unwrap();
    assert_eq!(r["trainees"], 2);
    assert_eq!(
        r["learning"]["pre"]["mean_percent"], 38,
        "(12 + 6) / 48 = 37.5% → 38"
    );
    assert_eq!(r["learning"]["post"]["mean_percent"], 75, "(24 + 12) / 48");
    // ⟨g⟩ on the paired sums: pre 50% + 25% = 75, post 100% + 50% = 150; (150 − 75) / (200 − 75) = 0.60
    assert_eq!(r["learning"]["gain"], "0.60");
    assert_eq!(r["learning"]["paired"], 2);
    let people = r["people"].as_array().unwrap();
    assert_eq!(people[0]["pre_percent"], 50);
    assert_eq!(people[1]["post_percent"], 50);
    let missing: Vec<&str> = r["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(missing, ["follow_up", "survey"]);
    // the page shows the same numbers
    let page = teacher
        .get_text(&format!("/console/classes/{class}/report"))
        .await;
    assert!(
        page.contains("标准化增益 ⟨g⟩ = 0.60") && page.contains(">38%<") && page.contains(">75%<"),
        "{page}"
    );
    assert!(page.contains("<svg class=\"chart\""));
    // the CSV parses back, BOM first, the awkward name neutralised and whole
    let res = teacher
        .get(&format!(
            "/console/classes/{class}/report?format=csv&section=people"
        ))
        .await;
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with("\u{feff}".as_bytes()));
    let mut rdr = csv::Reader::from_reader(&bytes[3..]);
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][1], "'=SUM(1),\"张\"");
    assert_eq!((&rows[0][2], &rows[0][3]), ("50", "100"));
    for section in taxlab::evaluation::export::SECTIONS {
        let res = teacher
            .get(&format!(
                "/console/classes/{class}/report?format=csv&section={section}"
            ))
            .await;
        assert_eq!(res.status(), 200, "{section}");
    }
    // the gradebook in the layout Moodle's grade import takes: an identifier, then a column
    // per graded item, numbers only
    let res = teacher
        .get(&format!(
            "/console/classes/{class}/report?format=csv&section=gradebook"
        ))
        .await;
    let bytes = res.bytes().await.unwrap();
    let mut rdr = csv::Reader::from_reader(&bytes[3..]);
    let header = rdr.headers().unwrap().clone();
    assert_eq!(&header[0], "ID number");
    assert_eq!((&header[1], &header[2]), ("课前测试", "课后测试"));
    assert_eq!(
        header.len(),
        3 + taxlab::labs::Library::embedded().unwrap().packs()[0]
            .labs
            .len()
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(
        (&rows[1][0], &rows[1][1], &rows[1][2]),
        ("李四", "25", "50")
    );
    assert!(rows.iter().all(|r| {
        r.iter()
            .skip(1)
            .all(|c| c.is_empty() || c.parse::<i64>().is_ok())
    }));
    // the learning records as xAPI statements: well formed, one per event, ids stable
    let url = format!("/console/classes/{class}/report?format=xapi");
    let statements: serde_json::Value = teacher.get(&url).await.json().await.unwrap();
    let list = statements.as_array().unwrap();
    // two trainees × (pre + post) × (1 completed + 24 answered), and each trainee's lab
    // attempt started when joining
    let answered = list
        .iter()
        .filter(|s| s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/answered")
        .count();
    assert_eq!(answered, 2 * 2 * 24);
    for s in list {
        let id = s["id"].as_str().unwrap();
        assert_eq!((id.len(), &id[14..15]), (36, "8"), "{s}");
        assert!(
            s["actor"]["account"]["name"]
                .as_str()
                .unwrap()
                .starts_with("trainee-")
        );
        assert!(
            s["verb"]["id"]
                .as_str()
                .unwrap()
                .starts_with("http://adlnet.gov/expapi/verbs/")
        );
        assert!(s["object"]["id"].as_str().unwrap().starts_with("http"));
        assert!(s["timestamp"].as_str().unwrap().ends_with('Z'));
        assert_eq!(s["context"]["platform"], "taxlab");
    }
    let completed: Vec<&serde_json::Value> = list
        .iter()
        .filter(|s| {
            s["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
                && s["object"]["id"].as_str().unwrap().contains("/tests/")
        })
        .collect();
    assert_eq!(completed.len(), 4);
    assert!(completed.iter().any(|s| {
        s["result"]["score"]["raw"] == 12
            && s["result"]["score"]["scaled"]
                .as_number()
                .map(|n| n.as_str())
                == Some("0.5000")
    }));
    let again: serde_json::Value = teacher.get(&url).await.json().await.unwrap();
    assert_eq!(again, statements, "the same records, the same statements");
    // another instructor sees nothing of it
    let mut other = instructor(&app, "sun").await;
    let res = other.get(&format!("/console/classes/{class}/report")).await;
    assert_eq!(res.status(), 404);
}
