//! 纳税信用: the grade and score computed each year from the company's own record, credit
//! repair of a late return on the sandbox clock, M-grade recognition, and another tenant's
//! failings out of reach.

use chrono::NaiveDate;
use serde_json::{Value, json};
use taxlab::domain::money::Fen;
use taxlab::domain::tax::Policy;
use taxlab::domain::tax::credit::{CreditProfileKind, Grade};

use crate::browser::location;
use crate::helpers::TestApp;
use crate::portal::{accounts, logged_in};
use crate::returns::{Q3, company, fen, filer, form, set_today, values};

fn period(text: &str) -> taxlab::domain::period::TaxPeriod {
    taxlab::domain::period::TaxPeriod::parse(text).unwrap()
}

fn year(standing: &Value, y: i64) -> &Value {
    standing["years"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["year"] == y)
        .unwrap_or_else(|| panic!("no year {y}: {standing}"))
}

#[tokio::test]
async fn each_year_scores_100_less_its_failings_and_grades_by_the_profile() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let (status, s) = api.get("/api/v1/credit").await;
    assert_eq!(status, 200, "{s}");
    let c = company(&app, 0);
    let (events, registered, profile) = app
        .db
        .read(|st| {
            let scope = st.tenant(app.demo);
            Ok((
                scope.credit_events(c)?,
                scope.company(c)?.value.registered_on,
                scope.record()?.credit_profile,
            ))
        })
        .unwrap();
    assert_eq!(s["profile"], profile.as_str());
    let evaluated = s["evaluated_year"].as_i64().unwrap();
    assert_eq!(evaluated, 2025, "the year before the sandbox date's");
    let deducted: u32 = events
        .iter()
        .filter(|e| i64::from(chrono::Datelike::year(&e.value.on)) == evaluated)
        .map(|e| e.value.points)
        .sum();
    let y = year(&s, evaluated);
    assert_eq!(y["deducted"], deducted);
    assert_eq!(y["score"], 100 - deducted);
    assert_eq!(s["score"], 100 - deducted);
    let p = Policy::embedded().credit_profile(profile);
    let held_m = app
        .db
        .read(|st| Ok(st.tenant(app.demo).company(c)?.value.credit_grade == Grade::M))
        .unwrap();
    let flags = taxlab::domain::tax::credit::YearStanding {
        new_or_no_revenue: chrono::Datelike::year(&registered) == evaluated as i32,
        barred_from_a: profile == CreditProfileKind::National
            && registered + chrono::Months::new(36)
                > NaiveDate::from_ymd_opt(evaluated as i32, 12, 31).unwrap(),
        recognised_m: held_m,
    };
    assert_eq!(s["grade"], p.grade_of(100 - deducted, flags).as_str());
    // the sandbox year is still being evaluated
    assert_eq!(year(&s, 2026)["in_progress"], true);
    // the query page and the workbench say the same grade
    let (_, q) = api.get("/api/v1/queries/credit").await;
    assert_eq!((&q["grade"], &q["score"]), (&s["grade"], &s["score"]));
}

#[tokio::test]
async fn a_late_return_put_right_is_repaired_when_the_answer_comes_on_the_sandbox_clock() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let f = form(&api, "vat_small").await;
    let deadline: NaiveDate = f["deadline"].as_str().unwrap().parse().unwrap();
    let today = deadline + chrono::Duration::days(3);
    set_today(&app, &today.to_string());
    // before filing, nothing of this quarter is on the record
    let (status, receipt) = api
        .post(
            &format!("/api/v1/returns/vat_small/{Q3}/submit"),
            json!({ "values": values(&f), "confirm": true }),
        )
        .await;
    assert_eq!(status, 200, "{receipt}");
    let tax = fen(&receipt["total_due"]);
    let (_, s) = api.get("/api/v1/credit").await;
    let failing = s["failings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "late_filing" && f["period"] == Q3)
        .unwrap_or_else(|| panic!("{s}"))
        .clone();
    // 国家税务总局公告2021年第31号 附件2: within 30 days, 5 under 1,000 yuan of tax, else 4
    let back = if tax < Fen::from_yuan(1000) { 5 } else { 4 };
    assert_eq!(failing["repair"]["state"], "open", "{failing}");
    assert_eq!(failing["repair"]["points"], back);
    assert_eq!(failing["repair"]["last_day"], "2027-12-31");
    let before = year(&s, 2026)["score"].as_u64().unwrap();

    let (status, a) = api
        .post("/api/v1/credit/repairs", json!({ "event": failing["id"] }))
        .await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(a["status"], "under_review");
    let answer: NaiveDate = a["answer_on"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        answer,
        Policy::embedded().calendar.working_days_after(today, 15)
    );
    // a second application for the same failing is refused
    let (status, e) = api
        .post("/api/v1/credit/repairs", json!({ "event": failing["id"] }))
        .await;
    assert_eq!((status, e["code"].as_str()), (409, Some("already_applied")));
    assert!(e["message"].as_str().unwrap().contains("已申请修复"), "{e}");
    // under review: the score waits for the answer
    let (_, s) = api.get("/api/v1/credit").await;
    assert_eq!(year(&s, 2026)["score"].as_u64().unwrap(), before);

    // the day before the answer nothing changes; on the day the points come back
    set_today(&app, &(answer - chrono::Duration::days(1)).to_string());
    let (_, s) = api.get("/api/v1/credit").await;
    assert_eq!(year(&s, 2026)["restored"], 0);
    set_today(&app, &answer.to_string());
    let (_, s) = api.get("/api/v1/credit").await;
    assert_eq!(year(&s, 2026)["restored"], back);
    assert_eq!(year(&s, 2026)["score"].as_u64().unwrap(), before + back);
    let repaired = s["failings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == failing["id"])
        .unwrap();
    assert_eq!(repaired["repair"]["state"], "repaired");
    assert_eq!(s["applications"][0]["status"], "approved");
}

#[tokio::test]
async fn a_failing_not_put_right_another_tenant_s_and_a_missing_one_are_refused() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let c = company(&app, 0);
    // tax left owing (arrears) is not put right until it is paid: a period with no return
    let owed = app
        .db
        .write(|s| {
            let scope = s.tenant(app.demo);
            scope.add_credit_event(
                c,
                NaiveDate::from_ymd_opt(2026, 8, 16).unwrap(),
                taxlab::domain::entities::CreditEventKind::Arrears,
                (
                    taxlab::domain::entities::ReturnKind::VatSmall,
                    period("2031Q1"),
                ),
                5,
            )?;
            Ok(scope.credit_events(c)?.last().unwrap().id)
        })
        .unwrap();
    let (_, s) = api.get("/api/v1/credit").await;
    let row = s["failings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == owed)
        .unwrap()
        .clone();
    assert_eq!(row["repair"]["state"], "not_corrected", "{row}");
    let (status, e) = api
        .post("/api/v1/credit/repairs", json!({ "event": owed }))
        .await;
    assert_eq!((status, e["code"].as_str()), (409, Some("not_corrected")));
    assert!(e["message"].as_str().unwrap().contains("缴清税款"), "{e}");
    // another tenant's failing, and one that does not exist: 404, nothing written
    let (other, _) = app.other_tenant();
    let theirs = app
        .db
        .write(|s| {
            let scope = s.tenant(other);
            let co = taxlab::store::CompanyId(scope.companies()?[0].id);
            scope.add_credit_event(
                co,
                NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
                taxlab::domain::entities::CreditEventKind::LateFiling,
                (
                    taxlab::domain::entities::ReturnKind::VatSmall,
                    period("2026Q2"),
                ),
                5,
            )?;
            Ok(scope.credit_events(co)?.last().unwrap().id)
        })
        .unwrap();
    for id in [json!(theirs), json!(i64::MAX), json!(-1)] {
        let (status, e) = api
            .post("/api/v1/credit/repairs", json!({ "event": id }))
            .await;
        assert_eq!(
            (status, e["code"].as_str()),
            (404, Some("unknown_event")),
            "{id}"
        );
    }
    let (status, _) = api
        .post("/api/v1/credit/repairs", json!({ "event": "x" }))
        .await;
    assert_eq!(status, 400, "a malformed body");
    let (_, s) = api.get("/api/v1/credit").await;
    assert!(s["applications"].as_array().unwrap().is_empty(), "{s}");
    // without a bureau login: 401
    let anon = crate::api_client::Api::new(&app);
    let (status, _) = anon.get("/api/v1/credit").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn m_grade_recognition_is_answered_in_five_working_days_with_its_reasons() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let (_, s) = api.get("/api/v1/credit").await;
    assert_eq!(s["profile"], "course");
    if s["m_grade"]["recognised"] == true {
        let (status, e) = api.post("/api/v1/credit/m-grade", json!({})).await;
        assert_eq!((status, e["code"].as_str()), (409, Some("already_m")));
        return;
    }
    // what the automatic check will find, read from the record as it stands
    let today = NaiveDate::from_ymd_opt(2026, 10, 12).unwrap();
    let c = company(&app, 0);
    let (registered, events, arrears) = app
        .db
        .read(|st| {
            let scope = st.tenant(app.demo);
            Ok((
                scope.company(c)?.value.registered_on,
                scope.credit_events(c)?,
                scope.arrears_count(c, today)?,
            ))
        })
        .unwrap();
    let mut expected = Vec::new();
    if registered + chrono::Months::new(36) > today {
        expected.push("years_in_business");
    }
    if events
        .iter()
        .any(|e| e.value.on > NaiveDate::from_ymd_opt(2023, 10, 12).unwrap())
    {
        expected.push("failings");
    }
    if arrears > 0 {
        expected.push("arrears");
    }
    if s["score"].as_u64().unwrap() < 95 {
        expected.push("score");
    }
    let (status, a) = api.post("/api/v1/credit/m-grade", json!({})).await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(a["status"], "under_review");
    assert!(
        a["reasons"].as_array().unwrap().is_empty(),
        "hidden until answered"
    );
    let answer = Policy::embedded().calendar.working_days_after(today, 5);
    assert_eq!(a["answer_on"], answer.to_string());
    let (status, e) = api.post("/api/v1/credit/m-grade", json!({})).await;
    assert_eq!((status, e["code"].as_str()), (409, Some("m_pending")));
    set_today(&app, &answer.to_string());
    let (_, s) = api.get("/api/v1/credit").await;
    let answered = &s["applications"][0];
    assert_eq!(answered["reasons"], json!(expected), "{answered}");
    let approved = expected.is_empty();
    assert_eq!(
        answered["status"],
        if approved { "approved" } else { "refused" }
    );
    assert_eq!(s["m_grade"]["recognised"], approved);
    // the national profile has no M application
    app.db
        .write(|st| {
            st.tenant(app.demo)
                .set_credit_profile(CreditProfileKind::National)
        })
        .unwrap();
    let (status, e) = api.post("/api/v1/credit/m-grade", json!({})).await;
    assert_eq!(
        (status, e["code"].as_str()),
        (409, Some("no_m_application"))
    );
    let (_, s) = api.get("/api/v1/credit").await;
    assert_eq!(s["profile"], "national");
    assert_eq!(s["ranking"], json!(["A", "B", "M", "C", "D"]));
    assert!(s["m_grade"].is_null());
}

#[tokio::test]
async fn the_credit_page_repairs_from_its_row_and_shows_refusals_there() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = logged_in(&app, &clerk).await;
    let menu = v.get_text("/portal/tax").await;
    assert!(menu.contains("href=\"/portal/credit\"") || menu.contains("/portal&#x2f;credit"));
    let page = v.get_text("/portal/credit").await;
    for text in [
        "纳税信用",
        "历年评价",
        "扣分记录与信用修复",
        "申请记录",
        "适用口径",
    ] {
        assert!(page.contains(text), "{text}");
    }
    assert!(
        page.contains("id=\"credit-zone"),
        "the zone or how to reach it"
    );
    // a refusal is shown at the row it concerns, with its status
    let c = company(&app, 0);
    let id = app
        .db
        .write(|s| {
            let scope = s.tenant(app.demo);
            scope.add_credit_event(
                c,
                NaiveDate::from_ymd_opt(2026, 9, 20).unwrap(),
                taxlab::domain::entities::CreditEventKind::Arrears,
                (
                    taxlab::domain::entities::ReturnKind::VatSmall,
                    period("2031Q1"),
                ),
                5,
            )?;
            Ok(scope.credit_events(c)?.last().unwrap().id)
        })
        .unwrap();
    let res = v
        .post("/portal/credit/repair", &[("event", &id.to_string())])
        .await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("id=\"failing-{id}\" class=\"has-error\"")),
        "at its row"
    );
    assert!(html.contains("尚未纠正"), "{html}");
    let res = v.post("/portal/credit/repair", &[("event", "abc")]).await;
    assert_eq!(res.status(), 404);
    // the M application from the page: a redirect to the page with its notice
    let res = v.post("/portal/credit/m-grade", &[]).await;
    if res.status() == 303 {
        let to = location(&res);
        assert_eq!(to, "/portal/credit?notice=m_grade#credit-applications");
        let page = v.get_text(&to).await;
        assert!(page.contains("M级认定申请已提交"), "{page}");
        assert!(page.contains("审核中"));
    } else {
        assert_eq!(res.status(), 409, "already M");
    }
}
