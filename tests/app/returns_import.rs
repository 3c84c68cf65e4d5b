//! 申报数据导入: the standard template, a file with problems reported by row and column (and
//! nothing changed), a good file becoming the draft; the page's upload; the import lab.

use serde_json::{Value, json};

use crate::api_client::Api;
use crate::browser::location;
use crate::helpers::TestApp;
use crate::portal::{accounts, logged_in};
use crate::returns::{Q3, filer, form, values};

/// Send a file to the import endpoint.
async fn import(app: &TestApp, api: &Api<'_>, body: Vec<u8>) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/returns/vat_small/{Q3}/import")))
        .header("x-sandbox-token", &api.sandbox)
        .bearer_auth(api.token.clone().unwrap())
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn template(app: &TestApp, api: &Api<'_>) -> String {
    let res = app
        .client
        .get(app.url(&format!("/api/v1/returns/vat_small/{Q3}/template")))
        .header("x-sandbox-token", &api.sandbox)
        .bearer_auth(api.token.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("vat_small-2026Q3.csv")
    );
    res.text().await.unwrap()
}

#[tokio::test]
async fn a_bad_file_is_reported_by_row_and_column_and_a_good_one_becomes_the_draft() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let prefill = values(&form(&api, "vat_small").await);
    let t = template(&app, &api).await;
    assert!(
        t.starts_with('\u{feff}'),
        "Excel reads the Chinese with the BOM"
    );
    assert!(t.contains("字段代码,项目,金额"));
    assert!(t.contains(&format!(
        "sales_3pct_special,开具增值税专用发票的销售额（3%征收率，不含税）,{}",
        prefill["sales_3pct_special"].as_str().unwrap()
    )));

    // a spreadsheet saved in another format
    let (status, body) = import(&app, &api, b"PK\x03\x04\x14\x00\x06\x00\xff\xfe".to_vec()).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("bad_file")));
    let message = body["problems"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("另存为") && message.contains("CSV"),
        "{message}"
    );
    assert_eq!(body["problems"][0]["code"], "workbook");
    // 959,005.35 unquoted splits at its comma: refused at its row, never kept as 959.00
    let split = t
        .lines()
        .map(|l| {
            if l.starts_with("sales_3pct_other,") {
                let cut = l.rfind(',').unwrap();
                format!("{},959,005.35", &l[..cut])
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let (status, body) = import(&app, &api, split.into_bytes()).await;
    assert_eq!(status, 422, "{body}");
    let message = body["problems"][0]["message"].as_str().unwrap();
    assert_eq!(body["problems"][0]["code"], "split_value");
    // the field is named as the form names it, not by its code
    assert!(
        message.contains("开具其他发票及未开票的销售额") && !message.contains("sales_3pct_other"),
        "{message}"
    );
    // a wrong column, a wrong code, a value that is not a number
    let (status, body) = import(&app, &api, t.replacen("金额", "数额", 1).into_bytes()).await;
    assert_eq!(status, 422);
    assert_eq!(
        (
            body["problems"][0]["row"].as_u64(),
            body["problems"][0]["column"].as_str()
        ),
        (Some(1), Some("金额"))
    );
    let set = |text: &str, code: &str, value: &str| -> String {
        text.lines()
            .map(|l| {
                if l.starts_with(&format!("{code},")) {
                    let cut = l.rfind(',').unwrap();
                    format!("{},{value}", &l[..cut])
                } else {
                    l.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let broken = set(&t, "prepaid_tax", "一百").replace("sales_5pct_other,", "sales_8pct,");
    let (status, body) = import(&app, &api, broken.into_bytes()).await;
    assert_eq!(status, 422, "{body}");
    let problems: Vec<(u64, &str, &str)> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_u64().unwrap(),
                p["column"].as_str().unwrap(),
                p["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [(14, "金额", "bad_value"), (19, "字段代码", "unknown_field")]
    );
    assert!(
        body["problems"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("第 14 行“金额”列")
    );
    // nothing was kept from the bad files
    assert_eq!(form(&api, "vat_small").await["source"], "prefill");

    let good = set(&t, "other_exempt_sales", "2500");
    let (status, sheet) = import(&app, &api, good.into_bytes()).await;
    assert_eq!(status, 200, "{sheet}");
    let f = form(&api, "vat_small").await;
    assert_eq!(f["source"], "draft");
    assert_eq!(values(&f)["other_exempt_sales"], "2500");
    let (status, r) = api
        .post(
            &format!("/api/v1/returns/vat_small/{Q3}/submit"),
            json!({ "values": values(&f) }),
        )
        .await;
    assert_eq!(status, 200, "{r}");
}

#[tokio::test]
async fn the_page_uploads_a_file_and_lists_its_problems() {
    let app = TestApp::spawn().await;
    let (clerk, _) = accounts(&app.db, app.demo);
    let mut v = logged_in(&app, &clerk).await;
    let path = format!("/portal/returns/vat_small/{Q3}");
    let t = v.get_text(&format!("{path}/template")).await;
    let res = v
        .post_file(
            &format!("{path}/import"),
            &[],
            "file",
            &t.replacen("字段代码", "代码", 1),
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("数据导入失败") && page.contains("第 1 行“字段代码”列"),
        "{page}"
    );
    let res = v
        .post_file(&format!("{path}/import"), &[], "file", &t)
        .await;
    assert_eq!(location(&res), format!("{path}?notice=imported"));
    let page = v.get_text(&format!("{path}?notice=imported")).await;
    assert!(page.contains("导入成功"));
}

#[tokio::test]
async fn filing_import_lab_golden_path_and_repeated_bad_imports() {
    let app = TestApp::spawn().await;
    for repeats in [1, 4] {
        let mut api = Api::new(&app);
        let (status, _) = api
            .post("/api/v1/labs/filing-import/start", json!({}))
            .await;
        assert_eq!(status, 200);
        let (m, file) = app
            .db
            .read(|s| {
                let t = s.sandbox_trainee(&app.sandbox)?.unwrap();
                let a = s.attempt_of(t.id, t.attempt.unwrap())?;
                let m = taxlab::labs::run::materials(&a)?;
                let file = m.files[0].text.clone();
                Ok((m.values, file))
            })
            .unwrap();
        let (status, body) = api
            .post(
                "/api/v1/login",
                json!({"company": m["uscc"], "account": m["me.mobile"], "password": "Clerk#2026ok"}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        api.token = Some(body["token"].as_str().unwrap().to_owned());
        let period = m["period"].clone();
        assert_eq!(period, Q3);
        for _ in 0..repeats {
            let (status, body) = import(&app, &api, file.clone().into_bytes()).await;
            assert_eq!(
                (status, body["problems"][0]["column"].as_str()),
                (422, Some("金额"))
            );
        }
        let fixed = file.replacen("数额", "金额", 1);
        let (status, _) = import(&app, &api, fixed.into_bytes()).await;
        assert_eq!(status, 200);
        let f = form(&api, "vat_small").await;
        let (status, r) = api
            .post(
                &format!("/api/v1/returns/vat_small/{period}/submit"),
                json!({ "values": values(&f) }),
            )
            .await;
        assert_eq!(status, 200, "{r}");
        let (status, done) = api.post("/api/v1/attempt/finish", json!({})).await;
        assert_eq!(status, 200);
        let id = done["attempt"].as_i64().unwrap();
        let (_, a) = api.get(&format!("/api/v1/attempts/{id}")).await;
        // two failed imports are free, each further one costs 5
        assert_eq!(
            a["feedback"]["score"],
            if repeats == 1 { 100 } else { 90 },
            "{a}"
        );
    }
}
