//! 证明开具 and 证明查验: a 完税证明 lists what the company paid, to the fen, in a real PDF
//! (read back with poppler's pdftotext); a 无欠税证明 is refused while anything is overdue;
//! verification accepts the issued file and its number and code, and refuses an altered
//! byte, a wrong code and an unknown number; nobody reaches another company's certificates.

use serde_json::{Value, json};
use taxlab::domain::money::Fen;

use crate::api_client::Api;
use crate::helpers::TestApp;
use crate::returns::{company, filer};

/// The text of a PDF, as pdftotext reads it (a missing pdftotext fails the test).
fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("proof.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is installed by .ci/run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub(crate) async fn pdf_of(app: &TestApp, api: &Api<'_>, number: &str) -> (u16, Vec<u8>) {
    let res = app
        .client
        .get(app.url(&format!("/api/v1/proofs/{number}/pdf")))
        .header("x-sandbox-token", &api.sandbox)
        .bearer_auth(api.token.as_deref().unwrap_or_default())
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.bytes().await.unwrap().to_vec())
}

async fn verify_file(app: &TestApp, api: &Api<'_>, bytes: Vec<u8>) -> Value {
    let res = app
        .client
        .post(app.url("/api/v1/proofs/verify-file"))
        .header("x-sandbox-token", &api.sandbox)
        .header("content-type", "application/pdf")
        .body(bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_payment_certificate_lists_what_was_paid_and_verifies() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let own = company(&app, 0);
    // what the store says was paid this year
    let (paid, name, uscc) = app
        .db
        .read(|s| {
            let scope = s.tenant(app.demo);
            let from = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
            let paid: Fen = scope
                .payments_of(own)?
                .iter()
                .filter(|p| {
                    p.payment.paid_on.is_some_and(|d| d >= from) && p.payment.amount > Fen::ZERO
                })
                .map(|p| p.payment.amount)
                .sum();
            let co = scope.company(own)?.value;
            Ok((paid, co.name, co.uscc.to_string()))
        })
        .unwrap();
    assert!(paid > Fen::ZERO, "the history paid something this year");
    let (status, p) = api
        .post(
            "/api/v1/proofs",
            json!({ "kind": "payment_table", "date_from": "2026-01-01", "date_to": "2026-10-12" }),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["total"], paid.to_string());
    let (number, code) = (
        p["number"].as_str().unwrap().to_owned(),
        p["code"].as_str().unwrap().to_owned(),
    );
    assert_eq!((number.len(), code.len()), (18, 9));

    // the PDF: Chinese fields and the amounts equal to the store's
    let (status, file) = pdf_of(&app, &api, &number).await;
    assert_eq!(status, 200);
    assert!(file.starts_with(b"%PDF"));
    // to look at it: TAXLAB_KEEP_PDF=/tmp/proof.pdf cargo test --test app a_payment_certificate
    if let Ok(path) = std::env::var("TAXLAB_KEEP_PDF") {
        std::fs::write(path, &file).unwrap();
    }
    let text = pdf_text(&file);
    let flat: String = text.split_whitespace().collect();
    for want in [
        "税收完税证明",
        "纳税人识别号",
        "纳税人名称",
        "原凭证号",
        "品目名称",
        "实缴（退）金额",
        "金额合计（大写）",
        "实训沙箱",
        "模拟",
        "国家税务总局",
    ] {
        assert!(flat.contains(want), "{want} not in the PDF:\n{text}");
    }
    assert!(flat.contains(&name), "company name");
    assert!(flat.contains(&uscc));
    assert!(flat.contains(&number) && flat.contains(&code));
    assert!(flat.contains(&format!("¥{paid}")), "total in figures");
    assert!(flat.contains(&paid.capitals()), "total in capitals");

    // listed in 开具记录; verified by number and code, and by the file
    let (_, list) = api.get("/api/v1/proofs").await;
    assert_eq!(list[0]["number"], number.as_str());
    let anon = Api::new(&app);
    let (_, v) = anon
        .post(
            "/api/v1/proofs/verify",
            json!({ "number": number, "code": code }),
        )
        .await;
    assert_eq!(v["verdict"], "genuine");
    assert_eq!(v["content"]["total"], paid.to_string());
    let (_, v) = anon
        .post(
            "/api/v1/proofs/verify",
            json!({ "number": number, "code": "000000000" }),
        )
        .await;
    assert_eq!(v["verdict"], "wrong_code");
    let (_, v) = anon
        .post(
            "/api/v1/proofs/verify",
            json!({ "number": "123456789012345678", "code": code }),
        )
        .await;
    assert_eq!(v["verdict"], "unknown");
    assert_eq!(
        verify_file(&app, &api, file.clone()).await["verdict"],
        "genuine"
    );
    let mut altered = file.clone();
    let at = altered.len() / 2;
    altered[at] ^= 0x20;
    assert_eq!(verify_file(&app, &api, altered).await["verdict"], "altered");
    assert_eq!(
        verify_file(&app, &api, b"%PDF-1.7 not a certificate".to_vec()).await["verdict"],
        "unknown"
    );
    // the same content twice draws the same file (only number and code differ by issue)
    let c: taxlab::bureau::proofs::Content =
        serde_json::from_value(v_content(&app, &number)).unwrap();
    assert_eq!(
        taxlab::bureau::proofs::pdf::render(&c, &number, &code),
        file,
        "rendering is deterministic"
    );

    // the trace has the issue and the verifications (a lab grades from it)
    let actions = app
        .db
        .read(|s| {
            Ok(s.tenant(app.demo)
                .trace_events()?
                .into_iter()
                .filter(|e| e.action.starts_with("proof."))
                .map(|e| format!("{} {}", e.action, e.result))
                .collect::<Vec<_>>())
        })
        .unwrap();
    for want in [
        "proof.issue ok",
        "proof.download ok",
        "proof.verify genuine",
        "proof.verify wrong_code",
        "proof.verify altered",
    ] {
        assert!(actions.iter().any(|a| a == want), "{want}: {actions:?}");
    }
}

#[tokio::test]
async fn the_document_certificate_nets_by_period_and_the_tax_record_prints_its_purpose() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    let own = company(&app, 0);
    let (from, to) = (
        chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        chrono::NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
    );
    // what the store says was paid for the periods of 2026's first three quarters, by tax
    let by_item = app
        .db
        .read(|s| {
            let mut sums = std::collections::BTreeMap::<String, Fen>::new();
            for p in s.tenant(app.demo).payments_of(own)? {
                if p.payment.paid_on.is_some()
                    && p.payment.amount > Fen::ZERO
                    && p.period.first_day() >= from
                    && p.period.last_day() <= to
                {
                    *sums.entry(p.payment.item.as_str().to_owned()).or_default() +=
                        p.payment.amount;
                }
            }
            Ok(sums)
        })
        .unwrap();
    let paid: Fen = by_item.values().copied().sum();
    assert!(paid > Fen::ZERO);
    let by_period = json!({ "kind": "payment_table", "range_of": "period",
        "date_from": "2026-01-01", "date_to": "2026-09-30" });
    let (status, table) = api.post("/api/v1/proofs", by_period).await;
    assert_eq!(status, 200, "{table}");
    assert_eq!(table["total"], paid.to_string());

    // 文书式: one row per tax, netted, the sentence and the total in capitals
    let (status, doc) = api
        .post(
            "/api/v1/proofs",
            json!({ "kind": "payment_voucher", "date_from": "2026-01-01", "date_to": "2026-09-30" }),
        )
        .await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["kind"], "payment_voucher");
    assert_eq!(doc["total"], paid.to_string());
    let number = doc["number"].as_str().unwrap();
    let content = v_content(&app, number);
    let rows: Vec<(String, String)> = content["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["item"].as_str().unwrap().into(),
                l["amount"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = by_item
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    let mut sorted = rows.clone();
    sorted.sort();
    assert_eq!(sorted, want, "one netted row per tax");
    let file = pdf_of(&app, &api, number).await.1;
    if let Ok(path) = std::env::var("TAXLAB_KEEP_PDF") {
        std::fs::write(format!("{path}.voucher.pdf"), &file).unwrap();
    }
    let text = pdf_text(&file);
    let flat: String = text.split_whitespace().collect();
    for want in [
        "税收完税证明",
        "兹证明",
        "2026-01-01至2026-09-30",
        "特此证明",
        "文书式",
    ] {
        assert!(flat.contains(want), "{want} not in the PDF:\n{text}");
    }
    assert!(flat.contains(&paid.capitals()), "total in capitals");

    // 纳税记录: the purpose is asked for, at its field, and printed
    let record = |purpose: &str| {
        json!({ "kind": "tax_record", "items": ["vat"], "purpose": purpose,
            "date_from": "2026-01-01", "date_to": "2026-10-12" })
    };
    let (status, e) = api.post("/api/v1/proofs", record("  ")).await;
    assert_eq!(
        (status, &e["code"], &e["field"]),
        (422, &json!("purpose_missing"), &json!("purpose"))
    );
    let (status, e) = api.post("/api/v1/proofs", record(&"贷".repeat(41))).await;
    assert_eq!((status, &e["code"]), (422, &json!("purpose_too_long")));
    let (status, rec) = api.post("/api/v1/proofs", record("银行贷款")).await;
    assert_eq!(status, 200, "{rec}");
    let file = pdf_of(&app, &api, rec["number"].as_str().unwrap()).await.1;
    if let Ok(path) = std::env::var("TAXLAB_KEEP_PDF") {
        std::fs::write(format!("{path}.record.pdf"), &file).unwrap();
    }
    let text = pdf_text(&file);
    let flat: String = text.split_whitespace().collect();
    for want in ["纳税记录", "开具用途：银行贷款", "增值税", "原凭证号"] {
        assert!(flat.contains(want), "{want} not in the PDF:\n{text}");
    }
    assert!(!flat.contains("城市维护建设税"), "only the taxes asked for");
    // every kind verifies
    let anon = Api::new(&app);
    for p in [&table, &doc, &rec] {
        let (_, v) = anon
            .post(
                "/api/v1/proofs/verify",
                json!({ "number": p["number"], "code": p["code"] }),
            )
            .await;
        assert_eq!(v["verdict"], "genuine", "{p}");
    }
}

/// The stored content of a certificate.
fn v_content(app: &TestApp, number: &str) -> Value {
    app.db
        .read(|s| {
            let p = s.tenant(app.demo).proof_by_number(number)?.unwrap();
            Ok(serde_json::from_str(&p.content).unwrap())
        })
        .unwrap()
}

#[tokio::test]
async fn refusals_are_clear_and_nobody_reaches_another_company_s_certificates() {
    let app = TestApp::spawn().await;
    let api = filer(&app, false).await;
    for (body, status, code, field) in [
        (
            json!({"kind": "payment_table", "date_from": "2026-01-01", "date_to": "2027-01-01"}),
            422,
            "future",
            "date_to",
        ),
        (
            json!({"kind": "payment_table", "date_from": "2025-01-01", "date_to": "2026-01-01"}),
            422,
            "range_too_long",
            "date_to",
        ),
        (
            json!({"kind": "payment_table", "date_from": "2026-02-30", "date_to": "2026-03-01"}),
            422,
            "bad_date",
            "date_from",
        ),
        (
            json!({"kind": "payment_table", "items": ["stamp"], "date_from": "2026-01-01", "date_to": "2026-03-01"}),
            422,
            "bad_item",
            "items",
        ),
        (
            json!({"kind": "payment_table", "date_from": "2020-01-01", "date_to": "2020-06-30"}),
            409,
            "nothing_paid",
            Value::Null.as_str().unwrap_or(""),
        ),
    ] {
        let (s, b) = api.post("/api/v1/proofs", body.clone()).await;
        assert_eq!(s, status, "{body}: {b}");
        assert_eq!(b["code"], code);
        if !field.is_empty() {
            assert_eq!(b["field"], field);
        }
        assert!(
            b["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        );
    }
    // 无欠税证明: refused with the arrears listed exactly while the arrears query shows any
    let (_, arrears) = api.get("/api/v1/queries/arrears").await;
    let (s, b) = api
        .post("/api/v1/proofs", json!({ "kind": "no_arrears" }))
        .await;
    if arrears["total"].as_u64().unwrap() > 0 {
        assert_eq!((s, b["code"].as_str()), (409, Some("arrears")), "{b}");
        assert_eq!(
            b["arrears"].as_array().unwrap().len() as u64,
            arrears["total"].as_u64().unwrap()
        );
    } else {
        assert_eq!(s, 200, "{b}");
    }
    // a certificate of the second company is not the first's to download
    let second = filer(&app, true).await;
    let (s, p) = second
        .post(
            "/api/v1/proofs",
            json!({ "kind": "payment_table", "date_from": "2026-01-01", "date_to": "2026-10-12" }),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    let theirs = p["number"].as_str().unwrap();
    assert_eq!(pdf_of(&app, &api, theirs).await.0, 404);
    // and another tenant's world does not know it
    let (_, other_sandbox) = app.other_tenant();
    let stranger = Api::with_sandbox(&app, &other_sandbox);
    let (_, v) = stranger
        .post(
            "/api/v1/proofs/verify",
            json!({ "number": theirs, "code": p["code"] }),
        )
        .await;
    assert_eq!(v["verdict"], "unknown");
    // without a bureau login nothing is issued
    let (s, _) = Api::new(&app)
        .post("/api/v1/proofs", json!({ "kind": "no_arrears" }))
        .await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn the_certificate_pages_preview_issue_download_and_verify() {
    let app = TestApp::spawn().await;
    let (clerk, _) = crate::portal::accounts(&app.db, app.demo);
    let mut v = crate::portal::logged_in(&app, &clerk).await;
    let page = v.get_text("/portal/proofs").await;
    assert!(page.contains("开具税收完税证明（表格式）") && page.contains("证明开具记录"));
    let preview = v
        .get_text(
            "/portal/proofs?tab=table&preview=1&item_vat=1&date_from=2026-01-01&date_to=2026-10-12",
        )
        .await;
    assert!(preview.contains("id=\"preview-table\""), "{preview}");
    assert!(preview.contains("增值税"));
    let res = v
        .post(
            "/portal/proofs/issue",
            &[
                ("kind", "payment_table"),
                ("items", "vat"),
                ("date_from", "2026-01-01"),
                ("date_to", "2026-10-12"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    let done = v.get_text(&to).await;
    assert!(done.contains("证明已开具"), "{done}");
    let number = to.split("issued=").nth(1).unwrap().to_owned();
    let res = v.get(&format!("/portal/proofs/{number}/pdf")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    // a range too long comes back at its field
    let res = v
        .post(
            "/portal/proofs/issue",
            &[
                ("kind", "payment_table"),
                ("date_from", "2025-01-01"),
                ("date_to", "2026-10-12"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("不能超过一年"));
    // 文书式: by 税款所属期, no 原凭证号 column (the rows are netted)
    let doc = v
        .get_text("/portal/proofs?tab=voucher&preview=1&date_from=2026-01-01&date_to=2026-09-30")
        .await;
    assert!(
        doc.contains("税款所属期起") && doc.contains("id=\"preview-table\""),
        "{doc}"
    );
    assert!(!doc.contains("<th>原凭证号</th>"));
    // 纳税记录: the missing purpose comes back at its field, what was typed kept
    let res = v
        .post(
            "/portal/proofs/issue",
            &[
                ("kind", "tax_record"),
                ("items", "vat"),
                ("date_from", "2026-01-01"),
                ("date_to", "2026-10-12"),
                ("purpose", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("请填写开具用途") && page.contains("value=\"2026-01-01\""),
        "{page}"
    );
    assert!(
        page.contains("id=\"record-unverified\""),
        "the unconfirmed layout is said"
    );
    // 证明查验 without a login
    let mut anon = crate::browser::Visitor::new(&app);
    let code = app
        .db
        .read(|s| Ok(s.tenant(app.demo).proof_by_number(&number)?.unwrap().code))
        .unwrap();
    let checked = anon
        .get_text(&format!(
            "/portal/public/verify?number={number}&code={code}"
        ))
        .await;
    assert!(checked.contains("查验通过"), "{checked}");
    let res = anon
        .get(&format!("/portal/public/verify?number={number}&code=1"))
        .await;
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn the_print_failure_page_sends_the_trainee_to_the_resource_centre() {
    let app = TestApp::spawn().await;
    let (clerk, _) = crate::portal::accounts(&app.db, app.demo);
    let mut v = crate::portal::logged_in(&app, &clerk).await;
    let res = v
        .post(
            "/portal/proofs/issue",
            &[
                ("kind", "payment_table"),
                ("date_from", "2026-01-01"),
                ("date_to", "2026-10-12"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    let number = to.split("issued=").nth(1).unwrap().to_owned();
    // an instructor injects the fault
    app.db
        .write(|s| {
            let long_ago = chrono::DateTime::UNIX_EPOCH;
            taxlab::labs::setup::Fault::PrintFailure {}.add_to(&s.tenant(app.demo), long_ago)
        })
        .unwrap();
    let res = v.get(&format!("/portal/proofs/{number}/pdf")).await;
    assert_eq!(res.status(), 424);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("打印证明失败") && page.contains("/portal/public/tools"),
        "{page}"
    );
    let tools = v.get_text("/portal/public/tools").await;
    assert!(tools.contains("打印控件") && tools.contains("PDF阅读器"));
    let res = v
        .post("/portal/public/tools/install", &[("tool", "pdf_reader")])
        .await;
    assert_eq!(res.status(), 303);
    let done = v
        .get_text(res.headers()["location"].to_str().unwrap())
        .await;
    assert!(
        done.contains("PDF阅读器已更新") && done.contains("打印问题已解决"),
        "{done}"
    );
    let res = v.get(&format!("/portal/proofs/{number}/pdf")).await;
    assert_eq!(res.status(), 200);
    // an unknown tool is not installed
    let res = v
        .post("/portal/public/tools/install", &[("tool", "x")])
        .await;
    assert_eq!(res.status(), 404);
}
