use crate::helpers::TestApp;

#[tokio::test]
async fn calc_endpoint_reproduces_the_worked_example() {
    let app = TestApp::spawn().await;
    let input = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/examples/vat-small.json"
    ))
    .unwrap();
    let res = app.post_json("/api/v1/calc/vat-small", &input).await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["lines"]["15"], "12000.00");
    assert_eq!(body["lines"]["16"], "8000.00");
    assert_eq!(body["lines"]["22"], "4000.00");
}

#[tokio::test]
async fn calc_errors_name_the_field_in_the_users_language() {
    let app = TestApp::spawn().await;
    let res = app
        .post_json(
            "/api/v1/calc/vat-small",
            r#"{"period":"2025Q3","sales_3pct_other":"-1"}"#,
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["field"], "sales_3pct_other");
    assert_eq!(body["code"], "negative");
    assert!(body["message"].as_str().unwrap().contains("不能为负数"));

    let res = app
        .post_json("/api/v1/calc/vat-small?lang=en", r#"{"period":"2025-13"}"#)
        .await;
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["field"], "period");
    assert!(body["message"].as_str().unwrap().contains("tax period"));

    let res = app.post_json("/api/v1/calc/vat-huge", "{}").await;
    assert_eq!(res.status(), 404);
    let res = app.post_json("/api/v1/calc/vat-small", "not json").await;
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "bad_json");
}
