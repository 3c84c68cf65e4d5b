//! The tax rules as the returns apply them: a general taxpayer's VAT to the fen, the CIT
//! size test over each quarter's own figures, rent of real estate in the small-scale
//! threshold, the 六税两费 halving of a general taxpayer's surcharges.

use serde_json::{Value, json};
use taxlab::domain::entities::{InvoiceDirection, InvoiceKind};
use taxlab::domain::money::Fen;
use taxlab::domain::period::TaxPeriod;
use taxlab::domain::tax::Policy;

use crate::api_client::Api;
use crate::helpers::TestApp;
use crate::returns::{Q3, fen, filer, form, line_of, manufacturer, values};

#[tokio::test]
async fn a_general_taxpayer_vat_return_matches_the_engine_to_the_fen() {
    use taxlab::domain::money::Rate;
    use taxlab::domain::tax::vat_general::{self, VatGeneralInput};
    let app = TestApp::spawn().await;
    let (c, api) = manufacturer(&app).await;
    // a general taxpayer files monthly: the month before the sandbox date's
    let period = TaxPeriod::parse("2026-09").unwrap();
    let expected = app
        .db
        .read(|s| {
            let scope = s.tenant(app.demo);
            let co = scope.company(c)?.value;
            let mut by_rate: Vec<(Rate, Fen)> = Vec::new();
            let mut input = Fen::ZERO;
            for inv in scope.invoices(c, period.first_day(), period.last_day())? {
                let inv = inv.value;
                match (inv.direction, inv.kind) {
                    (InvoiceDirection::Sales, _) => {
                        match by_rate.iter_mut().find(|(r, _)| *r == inv.rate) {
                            Some((_, t)) => *t += inv.amount,
                            None => by_rate.push((inv.rate, inv.amount)),
                        }
                    }
                    (InvoiceDirection::Purchase, InvoiceKind::Special) => input += inv.tax,
                    _ => {}
                }
            }
            // the credit the August return carried forward
            let carried = scope
                .returns_of(c)?
                .iter()
                .rfind(|r| {
                    r.kind.as_str() == "vat_general" && r.period.last_day() < period.first_day()
                })
                .map(|r| {
                    let v: Value = serde_json::from_str(&r.assessment_json).unwrap();
                    Fen::parse_yuan(v["totals"]["carry_forward_credit"].as_str().unwrap()).unwrap()
                })
                .unwrap_or_default();
            // the surcharges' 六税两费 halving follows the latest CIT return's finding
            let small_low_profit = scope
                .returns_of(c)?
                .iter()
                .rfind(|r| {
                    r.kind.as_str() == "cit_quarterly" && r.period.last_day() < period.first_day()
                })
                .map(|r| {
                    let v: Value = serde_json::from_str(&r.assessment_json).unwrap();
                    v["totals"]["small_low_profit"].as_bool().unwrap()
                })
                .unwrap_or(false);
            Ok(vat_general::assess(
                Policy::embedded(),
                &VatGeneralInput {
                    period,
                    sales: by_rate,
                    zero_rated_sales: Fen::ZERO,
                    exempt_sales: Fen::ZERO,
                    input_tax: input,
                    carried_credit: carried,
                    input_transferred_out: Fen::ZERO,
                    prepaid_tax: Fen::ZERO,
                    tier: Some(co.tier),
                    small_low_profit,
                },
            )
            .unwrap())
        })
        .unwrap();
    let (status, f) = api.get("/api/v1/returns/vat_general/2026-09").await;
    assert_eq!(status, 200, "{f}");
    // input tax above what was certified is refused at its field
    let mut bad = values(&f);
    bad["input_tax"] = json!((fen(&bad["input_tax"]) + Fen::new(1)).to_string());
    let (status, body) = api
        .post(
            "/api/v1/returns/vat_general/2026-09/submit",
            json!({ "values": bad }),
        )
        .await;
    assert_eq!((status, body["field"].as_str()), (422, Some("input_tax")));
    let (status, receipt) = api
        .post(
            "/api/v1/returns/vat_general/2026-09/submit",
            json!({ "values": values(&f) }),
        )
        .await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(fen(&receipt["total_due"]), expected.money("total_due"));
    let line34 = receipt["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["line"] == "34")
        .unwrap();
    assert_eq!(
        Fen::parse_yuan(line34["value"].as_str().unwrap()).unwrap(),
        expected.money("vat_due")
    );
}

#[tokio::test]
async fn the_cit_size_test_averages_each_quarters_own_figures() {
    // 公告2023年第6号: the year's average headcount and assets are the average of each
    // quarter's own (start + end) / 2, so earlier quarters keep the figures they were filed with.
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let calc = |values: Value| {
        let api = &api;
        async move {
            let (status, sheet) = api
                .post(
                    &format!("/api/v1/returns/cit_quarterly/{Q3}/calculate"),
                    json!({ "values": values }),
                )
                .await;
            assert_eq!(status, 200, "{sheet}");
            sheet
        }
    };
    let f = form(&api, "cit_quarterly").await;
    let relief = |sheet: &Value| line_of(sheet, "28");
    let before = calc(values(&f)).await;
    assert!(
        relief(&before) > Fen::ZERO,
        "a small low-profit enterprise: {before}"
    );
    // Q1 and Q2 corrected with 600 people all through: (1200 + 1200 + 30) / 6 = 405 > 300
    for q in ["2026Q1", "2026Q2"] {
        let (status, earlier) = api.get(&format!("/api/v1/returns/cit_quarterly/{q}")).await;
        assert_eq!(status, 200, "{earlier}");
        let mut v = values(&earlier);
        v["headcount_start"] = json!("600");
        v["headcount_end"] = json!("600");
        let (status, body) = api
            .post(
                &format!("/api/v1/returns/cit_quarterly/{q}/amend"),
                json!({ "values": v, "reason": "更正从业人数" }),
            )
            .await;
        assert_eq!(status, 200, "{q}: {body}");
    }
    // the third quarter's own figures are small, but the year's average is not
    let after = calc(values(&f)).await;
    assert_eq!(relief(&after), Fen::ZERO, "{after}");
}

#[tokio::test]
async fn a_shop_rented_out_is_prefilled_as_rent_counted_towards_the_threshold_and_exempt() {
    // The demo's small-scale service company rents out a shop (fixtures/presets): its rent
    // is invoiced at 5% and, under the threshold, exempt with its other sales.
    let app = TestApp::spawn().await;
    let (uscc, mobile) = app
        .db
        .read(|s| {
            let scope = s.tenant(app.demo);
            let co = scope
                .companies()?
                .into_iter()
                .find(|c| c.value.preset == "small-scale-services-below-threshold")
                .expect("the demo has the preset");
            let account = taxlab::bureau::overview::training_accounts(&scope)?
                .into_iter()
                .find(|a| a.uscc == co.value.uscc.to_string())
                .expect("someone logs in for it");
            Ok((account.uscc, account.mobile))
        })
        .unwrap();
    let mut api = Api::new(&app);
    api.first_login(&uscc, &mobile).await;
    let f = form(&api, "vat_small").await;
    let v = values(&f);
    let rent = fen(&v["lease_5pct_other"]);
    assert!(rent >= Fen::from_yuan(9_000), "three months of rent: {v}");
    let line = line_of;
    // under 300,000 with the rent: everything on line 11 (2026: 未达起征点), nothing to pay
    let sales = fen(&v["below_threshold_sales"]);
    assert!(sales + rent < Fen::from_yuan(300_000));
    assert_eq!(line(&f, "11"), sales + rent);
    assert_eq!(line(&f, "6"), Fen::ZERO);
    assert_eq!(fen(&f["total_due"]), Fen::ZERO);
    // the exemption counts the rent at 5%
    assert_eq!(
        line(&f, "19"),
        sales.times(taxlab::domain::money::Rate::percent(3))
            + rent.times(taxlab::domain::money::Rate::percent(5))
    );
}

#[tokio::test]
async fn a_monthly_general_taxpayers_surcharges_follow_its_latest_cit_finding() {
    // 财政部 税务总局公告2023年第12号 via the latest CIT return (a quarter) before the VAT
    // month: months and quarters are compared by their dates.
    let app = TestApp::spawn().await;
    let (_, api) = manufacturer(&app).await;
    let surcharges = |f: &Value| -> Fen { ["39", "40", "41"].iter().map(|n| line_of(f, n)).sum() };
    let (status, before) = api.get("/api/v1/returns/vat_general/2026-09").await;
    assert_eq!(status, 200, "{before}");
    // its latest CIT return (2026Q2) found it a small low-profit enterprise: halved
    let (status, q2) = api.get("/api/v1/returns/cit_quarterly/2026Q2").await;
    assert_eq!(status, 200, "{q2}");
    let relief = line_of(&q2, "28");
    assert!(relief > Fen::ZERO, "{q2}");
    // corrected to 900 people: no longer small, the surcharges are due in full
    let mut v = values(&q2);
    v["headcount_start"] = json!("900");
    v["headcount_end"] = json!("900");
    let (status, body) = api
        .post(
            "/api/v1/returns/cit_quarterly/2026Q2/amend",
            json!({ "values": v, "reason": "更正" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, after) = api.get("/api/v1/returns/vat_general/2026-09").await;
    let (b, a) = (surcharges(&before), surcharges(&after));
    assert!(b > Fen::ZERO, "{before}");
    assert!(
        a > b + b - Fen::new(3),
        "halved while small low-profit, in full after: {b} → {a}"
    );
}
