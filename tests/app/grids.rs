//! The returns laid out as their official grids: every line of each form version is on the
//! page (and in the API's sheet) with its official name, in order; typed cells are fields,
//! computed ones are not; 本年累计 adds the year's filed returns.

use serde_json::Value;
use taxlab::bureau::returns::grid::{Row, grids};
use taxlab::domain::money::Fen;
use taxlab::i18n::{Catalog, Lang};
use taxlab::store::{CompanyId, TraineeKind};

use crate::api_client::Api;
use crate::helpers::TestApp;
use crate::portal::{accounts, logged_in};

/// Each official line of the version: (栏次, its name in Chinese).
fn official_lines(id: &str) -> Vec<(String, String)> {
    let g = grids().iter().find(|g| g.id == id).unwrap();
    g.rows
        .iter()
        .filter_map(|r| match r {
            Row::Line { line, label, .. } => Some((
                line.clone(),
                Catalog::embedded().text(Lang::Zh, label).to_owned(),
            )),
            Row::Section(_) => None,
        })
        .collect()
}

/// The page shows every line of the version, in order, with its name.
fn assert_page_has_grid(page: &str, id: &str) {
    let page = page.replace("&#x2f;", "/");
    assert!(
        page.contains(&format!("data-form=\"{id}\"")),
        "{id} not shown"
    );
    let mut at = 0;
    for (line, name) in official_lines(id) {
        let row = format!("<tr data-line=\"{line}\">");
        let found = page[at..]
            .find(&row)
            .unwrap_or_else(|| panic!("{id}: line {line} missing or out of order"));
        at += found + row.len();
        let end = page[at..].find("</tr>").unwrap() + at;
        assert!(page[at..end].contains(&name), "{id} line {line}: {name}");
    }
}

/// The sheet's grid has the version's lines in order, typed cells carry fields.
fn assert_sheet_has_grid(sheet: &Value, id: &str) {
    let grid = &sheet["grid"];
    assert_eq!(grid["id"], id);
    let lines: Vec<&str> = grid["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["section"].is_null())
        .map(|r| r["line"].as_str().unwrap())
        .collect();
    let want: Vec<String> = official_lines(id).into_iter().map(|(l, _)| l).collect();
    assert_eq!(lines, want, "{id}");
    for r in grid["rows"].as_array().unwrap() {
        for c in r["cells"].as_array().unwrap() {
            assert_eq!(c["kind"] == "input", !c["field"].is_null(), "{id}: {c}");
        }
    }
}

#[tokio::test]
async fn the_small_scale_return_and_both_a200000_versions_render_every_official_line() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = logged_in(&app, &clerk).await;
    let page = v
        .get_text("/portal/returns/vat_small/2026Q3")
        .await
        .replace("&#x2f;", "/");
    assert_page_has_grid(&page, "vat-small-2021");
    // two columns this period, two year to date; the surcharges span the period's two
    assert!(page.contains("货物及劳务") && page.contains("服务、不动产和无形资产"));
    assert!(
        page.contains("data-cell=\"23/0\" colspan=\"2\"")
            || page.contains("colspan=\"2\" data-cell=\"23/0\"")
    );
    // typed cells are the form's fields; computed cells have none
    assert!(
        page.contains("data-cell=\"2/0\">") && page.contains("id=\"f-goods_sales_3pct_special\"")
    );
    let line_15 = page.split("data-cell=\"15/0\"").nth(1).unwrap();
    assert!(!line_15[..line_15.find("</td>").unwrap()].contains("<input"));
    // 2025 Q2 is on the 2021 A200000; 2025 Q3 on the form of 公告2025年第17号
    let q2 = v.get_text("/portal/returns/cit_quarterly/2025Q2").await;
    assert_page_has_grid(&q2, "cit-2021");
    assert!(q2.contains("按季度填报信息") && q2.contains("核对说明"));
    let q3 = v.get_text("/portal/returns/cit_quarterly/2026Q3").await;
    assert_page_has_grid(&q3, "cit-2025");
    assert!(q3.contains("id=\"f-admin_expenses\"") && !q3.contains("id=\"f-total_profit\""));
}

#[tokio::test]
async fn the_general_return_and_the_culture_fee_render_every_official_line() {
    let app = TestApp::spawn().await;
    let t = taxlab::synth::Tables::embedded();
    let (tenant, sandbox) = app
        .db
        .write(|s| {
            let data = taxlab::synth::generate(&taxlab::synth::TenantSpec {
                class_seed: 41,
                seat: 1,
                sandbox_date: taxlab::seed::default_sandbox_date(),
                presets: vec![
                    t.preset("general-services").unwrap(),
                    t.preset("small-scale-advertising").unwrap(),
                ],
            })
            .unwrap();
            let id = s.insert_tenant(&data)?;
            let trainee =
                s.create_trainee(id, "表式学员", TraineeKind::Class, chrono::Utc::now())?;
            Ok((id, s.open_sandbox_session(&trainee, chrono::Utc::now())?))
        })
        .unwrap();
    let logins: Vec<(String, String)> = app
        .db
        .read(|s| {
            let scope = s.tenant(tenant);
            let mut out = Vec::new();
            for co in scope.companies()? {
                let st = scope.staff(CompanyId(co.id))?;
                out.push((
                    co.value.uscc.to_string(),
                    st[0].person.value.mobile.to_string(),
                ));
            }
            Ok(out)
        })
        .unwrap();
    let mut general = Api::with_sandbox(&app, &sandbox);
    general.first_login(&logins[0].0, &logins[0].1).await;
    let (status, sheet) = general.get("/api/v1/returns/vat_general/2026-09").await;
    assert_eq!(status, 200, "{sheet}");
    assert_sheet_has_grid(&sheet, "vat-general-2021");
    // 本年累计 is the year's filed months plus this one
    let ytd = |line: &str, col: usize| -> Fen {
        let row = sheet["grid"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["line"] == line)
            .unwrap();
        Fen::parse_yuan(row["cells"][col]["value"].as_str().unwrap()).unwrap()
    };
    assert!(
        ytd("11", 1) > ytd("11", 0),
        "earlier months add to the year"
    );

    let mut ads = Api::with_sandbox(&app, &sandbox);
    ads.first_login(&logins[1].0, &logins[1].1).await;
    let (_, list) = ads.get("/api/v1/returns").await;
    let fee = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "culture_fee")
        .unwrap()["period"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, sheet) = ads.get(&format!("/api/v1/returns/culture_fee/{fee}")).await;
    assert_eq!(status, 200, "{sheet}");
    assert_sheet_has_grid(&sheet, "culture-fee-2016");
}
