//! 文化事业建设费: an advertising company owes it; its return is listed with the VAT return,
//! prefilled from the invoices (with VAT), filed and paid to the fen the engine gives.

use serde_json::json;
use taxlab::domain::entities::InvoiceDirection;
use taxlab::domain::money::Fen;
use taxlab::domain::period::TaxPeriod;
use taxlab::domain::tax::Policy;
use taxlab::domain::tax::culture_fee::{self, CultureFeeInput};
use taxlab::store::{CompanyId, TraineeKind};

use crate::api_client::Api;
use crate::helpers::TestApp;

#[tokio::test]
async fn an_advertising_company_files_and_pays_the_culture_construction_fee() {
    let app = TestApp::spawn().await;
    // a tenant whose company sells advertising (a small-scale advertising preset)
    let (tenant, sandbox) = app
        .db
        .write(|s| {
            let t = taxlab::synth::Tables::embedded();
            let data = taxlab::synth::generate(&taxlab::synth::TenantSpec {
                class_seed: 31,
                seat: 1,
                sandbox_date: taxlab::seed::default_sandbox_date(),
                presets: vec![t.preset("small-scale-advertising").unwrap()],
            })
            .unwrap();
            let id = s.insert_tenant(&data)?;
            let trainee =
                s.create_trainee(id, "广告学员", TraineeKind::Class, chrono::Utc::now())?;
            Ok((id, s.open_sandbox_session(&trainee, chrono::Utc::now())?))
        })
        .unwrap();
    let (uscc, mobile, c) = app
        .db
        .read(|s| {
            let scope = s.tenant(tenant);
            let co = &scope.companies()?[0];
            let st = scope.staff(CompanyId(co.id))?;
            Ok((
                co.value.uscc.to_string(),
                st[0].person.value.mobile.to_string(),
                CompanyId(co.id),
            ))
        })
        .unwrap();
    let mut api = Api::with_sandbox(&app, &sandbox);
    api.first_login(&uscc, &mobile).await;

    let (_, list) = api.get("/api/v1/returns").await;
    let kinds: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["period"] == "2026Q3")
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"culture_fee") && kinds.contains(&"vat_small"),
        "{kinds:?}"
    );

    // the engine over the quarter's invoices, VAT included
    let period = TaxPeriod::parse("2026Q3").unwrap();
    let (gross, net) = app
        .db
        .read(|s| {
            let (mut gross, mut net) = (Fen::ZERO, Fen::ZERO);
            for inv in s
                .tenant(tenant)
                .invoices(c, period.first_day(), period.last_day())?
            {
                if inv.value.direction == InvoiceDirection::Sales {
                    gross += inv.value.amount + inv.value.tax;
                    net += inv.value.amount;
                }
            }
            Ok((gross, net))
        })
        .unwrap();
    let expected = culture_fee::assess(
        Policy::embedded(),
        &CultureFeeInput {
            period,
            income: gross,
            exempt_income: Fen::ZERO,
            deduction_opening: Fen::ZERO,
            deduction: Fen::ZERO,
            small_scale_sales: Some(net),
            prepaid: Fen::ZERO,
            central: false,
            local_cut: taxlab::domain::money::Rate::percent(50),
        },
    )
    .unwrap();
    assert!(expected.money("fee_due") > Fen::ZERO);

    let (status, f) = api.get("/api/v1/returns/culture_fee/2026Q3").await;
    assert_eq!(status, 200, "{f}");
    let v = crate::returns::values(&f);
    assert_eq!(crate::returns::fen(&v["fee_income"]), gross);
    // the form says which cut applies and where it comes from
    assert!(
        f["notes"].to_string().contains("财税〔2025〕7号")
            && f["notes"].to_string().contains("默认 50%"),
        "{f}"
    );
    // the official lines: a deduction larger than the income is carried forward on line 7
    let mut more = v.clone();
    more["fee_deduction"] = json!((gross + Fen::from_yuan(100)).to_string());
    let (status, sheet) = api
        .post(
            "/api/v1/returns/culture_fee/2026Q3/calculate",
            json!({ "values": more }),
        )
        .await;
    assert_eq!(status, 200, "{sheet}");
    let line = |n: &str| crate::returns::line_of(&sheet, n);
    assert_eq!(
        (line("7"), line("8"), line("18")),
        (Fen::from_yuan(100), Fen::ZERO, Fen::ZERO)
    );

    let (status, receipt) = api
        .post(
            "/api/v1/returns/culture_fee/2026Q3/submit",
            json!({ "values": v }),
        )
        .await;
    assert_eq!(status, 200, "{receipt}");
    assert_eq!(
        Fen::parse_yuan(receipt["total_due"].as_str().unwrap()).unwrap(),
        expected.money("fee_due")
    );
    let (status, paid) = api
        .post("/api/v1/returns/culture_fee/2026Q3/pay", json!({}))
        .await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["items"][0]["item"], "culture_fee");
    // a trading company owes no such fee: it has no such return
    let trader = crate::returns::filer(&app, false).await;
    let (status, body) = trader.get("/api/v1/returns/culture_fee/2026Q3").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("unknown_return"))
    );
    let (_, list) = trader.get("/api/v1/returns").await;
    assert!(!list.to_string().contains("culture_fee"));
}
