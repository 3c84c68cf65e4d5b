//! 税费申报及缴纳 over HTTP: each form filed for a seeded company with the tax checked
//! against the engine to the fen, validation at the fields, one filing however often it is
//! submitted, corrections inside and after the period, late filing, payment.

use chrono::NaiveDate;
use serde_json::{Value, json};
use taxlab::domain::entities::{InvoiceDirection, InvoiceKind};
use taxlab::domain::money::Fen;
use taxlab::domain::period::TaxPeriod;
use taxlab::domain::tax::cit::{self, CitInput, QuarterSize, SmallLowProfit};
use taxlab::domain::tax::vat_small::{self, VatSmallInput};
use taxlab::domain::tax::{Policy, late_fee};
use taxlab::store::CompanyId;

use crate::api_client::Api;
use crate::helpers::TestApp;
use crate::staff::cast;

pub(crate) const Q3: &str = "2026Q3";

/// The demo trainee logged in to the first company (small-scale trading) as its tax clerk,
/// or to the second (general manufacturing) as its legal representative.
pub(crate) async fn filer(app: &TestApp, second: bool) -> Api<'_> {
    let (uscc_a, uscc_b, _, _, clerk, boss_b) = cast(app);
    let mut api = Api::new(app);
    if second {
        api.first_login(&uscc_b, &boss_b.mobile).await;
    } else {
        api.first_login(&uscc_a, &clerk.mobile).await;
    }
    api
}

/// The demo's general manufacturer (VAT monthly), logged in as its legal representative.
pub(crate) async fn manufacturer(app: &TestApp) -> (CompanyId, Api<'_>) {
    let (c, uscc, mobile) = app
        .db
        .read(|s| {
            let scope = s.tenant(app.demo);
            let co = scope
                .companies()?
                .into_iter()
                .find(|c| c.value.preset == "general-manufacturing")
                .unwrap();
            let boss = scope
                .staff(CompanyId(co.id))?
                .into_iter()
                .find(|st| st.role.as_str() == "legal_representative")
                .unwrap();
            Ok((
                CompanyId(co.id),
                co.value.uscc.to_string(),
                boss.person.value.mobile.to_string(),
            ))
        })
        .unwrap();
    let mut api = Api::new(app);
    api.first_login(&uscc, &mobile).await;
    (c, api)
}

pub(crate) fn company(app: &TestApp, n: usize) -> CompanyId {
    app.db
        .read(|s| Ok(CompanyId(s.tenant(app.demo).companies()?[n].id)))
        .unwrap()
}

/// A line's amount on a form, sheet or receipt (`lines: [{line, value}]`).
pub(crate) fn line_of(sheet: &Value, n: &str) -> Fen {
    sheet["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["line"] == n)
        .map(|l| fen(&l["value"]))
        .unwrap_or_else(|| panic!("line {n}: {sheet}"))
}

pub(crate) fn fen(v: &Value) -> Fen {
    Fen::parse_yuan(v.as_str().unwrap()).unwrap()
}

/// The engine's small-scale return for the first company, from its invoices.
fn expected_vat_small(app: &TestApp) -> taxlab::domain::tax::Assessment {
    let period = TaxPeriod::parse(Q3).unwrap();
    let c = company(app, 0);
    app.db
        .read(|s| {
            let scope = s.tenant(app.demo);
            let co = scope.company(c)?.value;
            let (mut special, mut other) = (Fen::ZERO, Fen::ZERO);
            for inv in scope.invoices(c, period.first_day(), period.last_day())? {
                if inv.value.direction == InvoiceDirection::Sales {
                    match inv.value.kind {
                        InvoiceKind::Special => special += inv.value.amount,
                        InvoiceKind::Ordinary => other += inv.value.amount,
                    }
                }
            }
            let mut input = VatSmallInput::empty(period);
            let column = if co.sells_goods() {
                &mut input.goods
            } else {
                &mut input.services
            };
            column.sales_3pct_special = special;
            column.sales_3pct_other = other;
            input.tier = Some(co.tier);
            Ok(vat_small::assess(Policy::embedded(), &input).unwrap())
        })
        .unwrap()
}

pub(crate) fn set_today(app: &TestApp, date: &str) {
    let date: NaiveDate = date.parse().unwrap();
    app.db
        .write(|s| s.tenant(app.demo).set_sandbox_date(date))
        .unwrap();
}

pub(crate) async fn form(api: &Api<'_>, kind: &str) -> Value {
    let (status, f) = api.get(&format!("/api/v1/returns/{kind}/{Q3}")).await;
    assert_eq!(status, 200, "{f}");
    f
}

/// The form's values as the API shows them.
pub(crate) fn values(f: &Value) -> Value {
    let mut v = serde_json::Map::new();
    for field in f["fields"].as_array().unwrap() {
        v.insert(
            field["name"].as_str().unwrap().to_owned(),
            field["value"].clone(),
        );
    }
    Value::Object(v)
}

pub(crate) fn filings(app: &TestApp, c: CompanyId, kind: &str) -> usize {
    app.db
        .read(|s| {
            Ok(s.tenant(app.demo)
                .returns_of(c)?
                .iter()
                .filter(|r| r.kind.as_str() == kind && r.period.to_string() == Q3)
                .count())
        })
        .unwrap()
}

#[tokio::test]
async fn a_small_scale_vat_return_is_prefilled_filed_and_paid_to_the_fen() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let (status, list) = api.get("/api/v1/returns").await;
    assert_eq!(status, 200, "{list}");
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "vat_small" && r["period"] == Q3)
        .expect("the quarter's VAT return is due");
    assert_eq!(row["status"], "not_filed");

    let expected = expected_vat_small(&app);
    let f = form(&api, "vat_small").await;
    assert_eq!(f["source"], "prefill");
    assert_eq!(fen(&f["total_due"]), expected.money("total_due"));
    let (status, receipt) = api
        .post(
            &format!("/api/v1/returns/vat_small/{Q3}/submit"),
            json!({ "values": values(&f) }),
        )
        .await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(fen(&receipt["total_due"]), expected.money("total_due"));
    let line = |n: &str| {
        receipt["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["line"] == n)
            .map(|l| Fen::parse_yuan(l["value"].as_str().unwrap()).unwrap())
            .unwrap()
    };
    assert_eq!(line("22"), expected.money("vat_due"), "line 22 to the fen");
    assert_eq!(receipt["duplicate"], false);
    // the trace says the prefill was accepted as it was
    let submitted = app
        .db
        .read(|s| {
            Ok(s.tenant(app.demo)
                .trace_events()?
                .into_iter()
                .rfind(|e| e.action == "return.submit")
                .unwrap())
        })
        .unwrap();
    let detail: Value = serde_json::from_str(&submitted.detail).unwrap();
    assert_eq!(detail["changed_from_prefill"], json!([]));
    let number = receipt["filing_no"].as_str().unwrap().to_owned();
    assert_eq!(number.len(), 20);

    let shown = |list: &Value| -> Vec<(String, String)> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| (r["kind"].to_string(), r["period"].to_string()))
            .collect()
    };
    let (_, after) = api.get("/api/v1/returns").await;
    // filing keeps every row that was there: the history does not scroll away
    for r in shown(&list) {
        assert!(shown(&after).contains(&r), "{r:?} vanished: {after}");
    }
    let list = after;
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "vat_small" && r["period"] == Q3)
        .unwrap();
    assert_eq!(row["status"], "filed");
    assert_eq!(fen(&row["unpaid"]), expected.money("total_due"));
    let (status, again) = api.get(&format!("/api/v1/returns/receipts/{number}")).await;
    assert_eq!(
        (status, again["filing_no"].as_str()),
        (200, Some(number.as_str()))
    );

    // payment on time: no surcharge; the balance goes down by exactly the total
    let c = company(&app, 0);
    let before = app
        .db
        .read(|s| Ok(s.tenant(app.demo).bank_account(c)?.value.balance))
        .unwrap();
    let due = expected.money("total_due");
    assert!(due > Fen::ZERO, "the preset sells above the threshold");
    {
        let (status, paid) = api
            .post(&format!("/api/v1/returns/vat_small/{Q3}/pay"), json!({}))
            .await;
        assert_eq!(status, 200, "{paid}");
        assert_eq!(fen(&paid["total"]), due);
        assert_eq!(fen(&paid["late_fee"]), Fen::ZERO);
        let after = app
            .db
            .read(|s| Ok(s.tenant(app.demo).bank_account(c)?.value.balance))
            .unwrap();
        assert_eq!(before - after, due);
        let (status, body) = api
            .post(&format!("/api/v1/returns/vat_small/{Q3}/pay"), json!({}))
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("nothing_to_pay"))
        );
    }
}

#[tokio::test]
async fn a_cit_prepayment_is_computed_from_the_ledger_to_the_fen() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let period = TaxPeriod::parse(Q3).unwrap();
    let c = company(&app, 0);
    let expected = app
        .db
        .read(|s| {
            let scope = s.tenant(app.demo);
            let co = scope.company(c)?.value;
            let (mut revenue, mut cost, mut profit) = (Fen::ZERO, Fen::ZERO, Fen::ZERO);
            for m in scope.ledger(c)? {
                if m.month.year == 2026 && m.month <= period.last_month() {
                    revenue += m.revenue;
                    cost += m.cost;
                    profit += m.profit;
                }
            }
            let prepaid: Fen = scope
                .returns_of(c)?
                .iter()
                .filter(|r| r.kind.as_str() == "cit_quarterly" && r.period.year() == 2026)
                .map(|r| r.total_due.max(Fen::ZERO))
                .sum();
            let size = QuarterSize {
                headcount_start: co.headcount,
                headcount_end: co.headcount,
                assets_start: co.total_assets,
                assets_end: co.total_assets,
            };
            Ok(cit::assess(
                Policy::embedded(),
                &CitInput {
                    period,
                    revenue,
                    cost,
                    total_profit: profit,
                    specific_business_income: Fen::ZERO,
                    non_taxable_income: Fen::ZERO,
                    exempt_income: Fen::ZERO,
                    accelerated_depreciation: Fen::ZERO,
                    loss_offset: Fen::ZERO,
                    prepaid_tax: prepaid,
                    specific_prepaid_tax: Fen::ZERO,
                    restricted_industry: co.restricted_industry,
                    small_low_profit: SmallLowProfit::FromSize(vec![size; 3]),
                },
            )
            .unwrap())
        })
        .unwrap();
    let f = form(&api, "cit_quarterly").await;
    let (status, receipt) = api
        .post(
            &format!("/api/v1/returns/cit_quarterly/{Q3}/submit"),
            json!({ "values": values(&f) }),
        )
        .await;
    assert_eq!(status, 200, "{receipt}");
    // 本期应补（退）所得税额: line 32 of the 2025 A200000 (公告2025年第17号)
    let due = receipt["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["line"] == "32")
        .unwrap();
    assert_eq!(
        Fen::parse_yuan(due["value"].as_str().unwrap()).unwrap(),
        expected.money("tax_due")
    );
    assert_eq!(
        fen(&receipt["total_due"]),
        expected.money("tax_due").max(Fen::ZERO)
    );
}

#[tokio::test]
async fn mistakes_are_shown_at_their_fields_and_a_draft_survives_them() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let f = form(&api, "vat_small").await;
    let mut v = values(&f);
    v["prepaid_tax"] = json!("12.5");
    let (status, _) = api
        .put(
            &format!("/api/v1/returns/vat_small/{Q3}/draft"),
            json!({ "values": v }),
        )
        .await;
    assert_eq!(status, 200);
    // the demo's first company trades goods: its sales are in the goods column
    for (field, typed, code) in [
        ("goods_sales_3pct_other", "abc", "number"),
        ("goods_sales_3pct_other", "-5", "negative"),
        ("goods_sales_3pct_other", "1.234", "decimals"),
        ("goods_sales_3pct_special", "0", "special_below_invoiced"),
    ] {
        let mut bad = v.clone();
        bad[field] = json!(typed);
        let (status, body) = api
            .post(
                &format!("/api/v1/returns/vat_small/{Q3}/submit"),
                json!({ "values": bad }),
            )
            .await;
        assert_eq!(status, 422, "{typed}: {body}");
        assert_eq!(body["field"], field, "{body}");
        assert_eq!(body["errors"][0]["code"], code);
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)),
            "Chinese by default"
        );
    }
    assert_eq!(filings(&app, company(&app, 0), "vat_small"), 0);
    // the draft is what the form opens with, as typed
    let f = form(&api, "vat_small").await;
    assert_eq!(f["source"], "draft");
    assert_eq!(values(&f)["prepaid_tax"], "12.5");
    // declaring less than invoiced is a warning to confirm (428), then accepted
    let mut low = values(&f);
    low["prepaid_tax"] = json!("0");
    assert!(
        fen(&low["goods_sales_3pct_special"]) > Fen::ZERO,
        "the seeded quarter has both kinds"
    );
    {
        low["goods_sales_3pct_other"] = json!("0");
        let (status, body) = api
            .post(
                &format!("/api/v1/returns/vat_small/{Q3}/submit"),
                json!({ "values": low }),
            )
            .await;
        assert_eq!((status, body["code"].as_str()), (428, Some("unconfirmed")));
        assert_eq!(body["warnings"][0]["field"], "goods_sales_3pct_other");
        let (status, _) = api
            .post(
                &format!("/api/v1/returns/vat_small/{Q3}/submit"),
                json!({ "values": low, "confirm": true }),
            )
            .await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn twenty_identical_submits_at_once_make_one_filing() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let f = form(&api, "vat_small").await;
    let body = json!({ "values": values(&f) });
    let path = format!("/api/v1/returns/vat_small/{Q3}/submit");
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let client = app.client.clone();
        let (url, body) = (app.url(&path), body.clone());
        let (sandbox, token) = (api.sandbox.clone(), api.token.clone().unwrap());
        sends.spawn(async move {
            let res = client
                .post(url)
                .header("x-sandbox-token", sandbox)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap())
        });
    }
    let answers = sends.join_all().await;
    let numbers: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|(status, r)| {
            assert_eq!(*status, 200, "{r}");
            r["filing_no"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(numbers.len(), 1, "every answer is the one receipt");
    assert_eq!(
        answers
            .iter()
            .filter(|(_, r)| r["duplicate"] == false)
            .count(),
        1
    );
    assert_eq!(filings(&app, company(&app, 0), "vat_small"), 1);
    // different figures for the filed period are refused towards a correction
    let mut other = values(&f);
    other["other_exempt_sales"] = json!("100");
    let (status, r) = api.post(&path, json!({ "values": other })).await;
    assert_eq!((status, r["code"].as_str()), (409, Some("already_filed")));
    assert!(r["message"].as_str().unwrap().contains("更正申报"));
    assert_eq!(filings(&app, company(&app, 0), "vat_small"), 1);
}

#[tokio::test]
async fn corrections_inside_and_after_the_period_and_the_surcharge_from_the_deadline() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let f = form(&api, "vat_small").await;
    let original = values(&f);
    api.post(
        &format!("/api/v1/returns/vat_small/{Q3}/submit"),
        json!({ "values": original }),
    )
    .await;
    // inside the period: corrected directly, no reason needed
    let mut more = original.clone();
    more["sales_3pct_other"] =
        json!((fen(&original["sales_3pct_other"]) + Fen::from_yuan(400_000)).to_string());
    let (status, v2) = api
        .post(
            &format!("/api/v1/returns/vat_small/{Q3}/amend"),
            json!({ "values": more }),
        )
        .await;
    assert_eq!(status, 200, "{v2}");
    assert_eq!(v2["version"], 2);
    let (status, r) = api
        .post(
            &format!("/api/v1/returns/vat_small/{Q3}/amend"),
            json!({ "values": more }),
        )
        .await;
    assert_eq!((status, r["code"].as_str()), (409, Some("unchanged")));
    let v2_total = fen(&v2["total_due"]);
    let (_, paid) = api
        .post(&format!("/api/v1/returns/vat_small/{Q3}/pay"), json!({}))
        .await;
    assert_eq!(
        fen(&paid["total"]),
        v2_total,
        "only the latest version is owed"
    );

    // after the deadline: a reason is required; extra tax is late from the deadline
    let deadline: NaiveDate = f["deadline"].as_str().unwrap().parse().unwrap();
    let today = deadline + chrono::Duration::days(10);
    set_today(&app, &today.to_string());
    let mut most = more.clone();
    most["sales_3pct_other"] =
        json!((fen(&more["sales_3pct_other"]) + Fen::from_yuan(100_000)).to_string());
    let path = format!("/api/v1/returns/vat_small/{Q3}/amend");
    let (status, r) = api.post(&path, json!({ "values": most })).await;
    assert_eq!(
        (status, r["code"].as_str(), r["field"].as_str()),
        (422, Some("reason_required"), Some("reason"))
    );
    let (status, v3) = api
        .post(&path, json!({ "values": most, "reason": "漏报未开票收入" }))
        .await;
    assert_eq!(status, 200, "{v3}");
    assert_eq!(
        (v3["version"].as_u64(), v3["reason"].as_str()),
        (Some(3), Some("漏报未开票收入"))
    );
    let extra = fen(&v3["total_due"]) - v2_total;
    assert!(extra > Fen::ZERO);
    let (status, paid) = api
        .post(&format!("/api/v1/returns/vat_small/{Q3}/pay"), json!({}))
        .await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["days_late"], 10);
    assert_eq!(fen(&paid["tax"]), extra);
    // each item's surcharge rounds on its own line
    let fee: Fen = paid["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| late_fee::fee(Policy::embedded(), fen(&i["amount"]), deadline, today).unwrap())
        .sum();
    assert_eq!(fen(&paid["late_fee"]), fee);
    let (_, list) = api.get("/api/v1/returns").await;
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "vat_small" && r["period"] == Q3)
        .unwrap();
    assert_eq!(
        (row["version"].as_u64(), row["late"].as_bool()),
        (Some(3), Some(false))
    );
}

#[tokio::test]
async fn a_late_return_is_marked_overdue_filed_late_with_a_credit_event_and_surcharge() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let f = form(&api, "vat_small").await;
    let deadline: NaiveDate = f["deadline"].as_str().unwrap().parse().unwrap();
    let today = deadline + chrono::Duration::days(7);
    set_today(&app, &today.to_string());
    let (_, list) = api.get("/api/v1/returns").await;
    let row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "vat_small" && r["period"] == Q3)
        .unwrap();
    assert_eq!(row["status"], "overdue");
    let (status, receipt) = api
        .post(
            &format!("/api/v1/returns/vat_small/{Q3}/submit"),
            json!({ "values": values(&f) }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(receipt["late"], true);
    let c = company(&app, 0);
    let events = app
        .db
        .read(|s| s.tenant(app.demo).credit_events(c))
        .unwrap();
    assert!(events.iter().any(|e| e.value.kind.as_str() == "late_filing"
        && e.value.period.to_string() == Q3
        && e.value.on == today));
    let total = fen(&receipt["total_due"]);
    assert!(total > Fen::ZERO);
    {
        let (_, paid) = api
            .post(&format!("/api/v1/returns/vat_small/{Q3}/pay"), json!({}))
            .await;
        assert_eq!(paid["days_late"], 7);
        let fee: Fen = paid["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| fen(&i["amount"]).mul_ratio(5 * 7, 10_000))
            .sum();
        assert_eq!(
            fen(&paid["late_fee"]),
            fee,
            "0.05% of each item per day, 7 days"
        );
    }
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_to_the_same_receipts() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let f = form(&api, "vat_small").await;
    let (status, receipt) = api
        .post(
            &format!("/api/v1/returns/vat_small/{Q3}/submit"),
            json!({ "values": values(&f) }),
        )
        .await;
    assert_eq!(status, 200, "{receipt}");
    let number = receipt["filing_no"].as_str().unwrap().to_owned();
    // the real binary, while the server runs and a trainee keeps working
    let out = tempfile::tempdir().unwrap();
    let copy = out.path().join("taxlab-backup.db");
    let working = async {
        for _ in 0..20 {
            api.get("/api/v1/returns").await;
        }
    };
    let taken = tokio::task::spawn_blocking({
        let (db, copy) = (app.db_path(), copy.clone());
        move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_taxlab"))
                .args(["--db", db.to_str().unwrap(), "backup", "--out"])
                .arg(&copy)
                .output()
                .unwrap()
        }
    });
    let (_, taken) = tokio::join!(working, taken);
    let taken = taken.unwrap();
    let said = String::from_utf8_lossy(&taken.stdout);
    assert!(
        taken.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&taken.stderr)
    );
    assert!(said.contains("副本检查通过"), "{said}");
    // a second backup to the same file is refused, the first left alone
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_taxlab"))
        .args(["--db", app.db_path().to_str().unwrap(), "backup", "--out"])
        .arg(&copy)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("已存在"));

    // restored: the same receipt, byte for byte, for the same trainee and login
    let restored = TestApp::spawn_restored(&copy).await;
    let mut there = crate::api_client::Api::with_sandbox(&restored, &api.sandbox);
    there.token = api.token.clone();
    let path = format!("/api/v1/returns/receipts/{number}");
    let (status, theirs) = there.get(&path).await;
    assert_eq!(status, 200, "{theirs}");
    assert_eq!(theirs, api.get(&path).await.1);
}
