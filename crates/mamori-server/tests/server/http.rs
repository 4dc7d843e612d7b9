//! The service through `router(state)`: pages, the JSON API, and what guards them.

use crate::support::{self, Harness, Multipart};
use axum::http::StatusCode;
use mamori_test_support::{Contract, DocxNumbering, STYLES, Wording};

#[tokio::test]
async fn the_home_page_is_japanese_with_security_headers_and_a_csrf_cookie() {
    let harness = Harness::new().await;
    let page = harness.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("<html lang=\"ja\">"), "{html}");
    for link in ["/audit", "/import", "/report", "/jobs"] {
        assert!(html.contains(&format!("href=\"{link}\"")), "{link}");
    }
    let csp = page.header("content-security-policy").expect("CSP");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    let token = page.cookie("mamori_csrf").expect("csrf cookie");
    assert_eq!(token.len(), 64);
}

#[tokio::test]
async fn a_docx_contract_is_audited_through_the_api_and_recorded() {
    let harness = Harness::new().await;
    let contract = Contract::compliant(STYLES[0], Wording::Standard);
    let form = Multipart::default()
        .file(
            "contracts",
            "委託契約書.docx",
            &contract.to_docx(DocxNumbering::Typed),
        )
        .file(
            "contracts",
            "委託契約書_第3項なし.docx",
            &contract.without_clause(3).to_docx(DocxNumbering::Typed),
        );
    let reply = harness.post_multipart("/api/audit", None, &form).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let items = reply.json();
    let items = items.as_array().expect("an array");
    assert_eq!(items.len(), 2);
    let statuses = |item: &serde_json::Value| -> Vec<String> {
        item["clauses"]
            .as_array()
            .expect("clauses")
            .iter()
            .map(|clause| clause["status"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(statuses(&items[0]), vec!["present"; 8]);
    assert_eq!(items[0]["verdict"], "pass");
    assert_eq!(items[0]["path"], "委託契約書.docx");
    assert_ne!(statuses(&items[1])[2], "present");
    assert_eq!(items[1]["verdict"], "fail");
    let id = items[0]["audit_id"].as_i64().expect("audit id");

    let listed = harness.get("/api/audits").await.json();
    assert_eq!(listed["audits"].as_array().map(Vec::len), Some(2));
    let shown = harness.get(&format!("/api/audits/{id}")).await.json();
    assert_eq!(shown["sha256"], items[0]["sha256"]);
    assert_eq!(statuses(&shown), vec!["present"; 8]);
    assert!(support::uploads_left(&harness).is_empty());
}

fn mayor_r4(requests: u64) -> Vec<u8> {
    use mamori_test_support::{Header, TableSpec, Value};
    let decided = |leaf| Header::grouped("処理の状況", leaf);
    TableSpec::new(
        "年度",
        vec![
            Header::leaf("開示請求"),
            decided("開示"),
            decided("一部開示"),
        ],
    )
    .title("市長部局 運用状況")
    .row(
        "令和4年度",
        vec![
            Value::Count(requests),
            Value::Count(requests - 1),
            Value::Count(1),
        ],
    )
    .to_xlsx("運用状況")
}

/// The value of `<input ... name="NAME" value="...">` in a page.
fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    html.split(&marker)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no field {name} in {html}"))
        .to_owned()
}

/// The preview's confirm address: `/import/ID/confirm`.
fn confirm_action(html: &str) -> String {
    html.split("action=\"/import/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|rest| format!("/import/{rest}"))
        .unwrap_or_else(|| panic!("no confirm form in {html}"))
}

#[tokio::test]
async fn an_upload_is_previewed_with_its_cells_stored_only_on_confirmation_and_reported() {
    let harness = Harness::new().await;
    let page = harness.get("/import").await;
    let token = hidden_value(&page.text(), "csrf");
    assert_eq!(Some(token.clone()), page.cookie("mamori_csrf"));
    let form = Multipart::default().file("files", "市長部局_令和4年度.xlsx", &mayor_r4(12));
    let preview = harness.post_multipart("/import", Some(&token), &form).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
    let html = preview.text();
    // The recognised table, each value with the cell it came from.
    assert!(
        html.contains("<caption>市長部局_令和4年度.xlsx から読み取った表"),
        "{html}"
    );
    assert!(html.contains("12<span class=\"source\">"), "{html}");
    assert!(html.contains("セルB"), "{html}");
    assert!(html.contains("取り込めます"), "{html}");
    // Nothing is stored before the confirmation.
    let figures = harness.get("/api/figures").await.json();
    assert_eq!(figures["figures"].as_array().map(Vec::len), Some(0));

    let confirm = confirm_action(&html);
    let refused = harness.post_form(&confirm, &token, &[("csrf", "")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.error_code(), "E-SERVE-003");
    let done = harness
        .post_form(&confirm, &token, &[("csrf", &token)])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    assert!(done.text().contains("取り込みました"), "{}", done.text());
    assert!(done.text().contains("/report?year=2022"));
    // A preview is confirmed once.
    let again = harness
        .post_form(&confirm, &token, &[("csrf", &token)])
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);

    let figures = harness.get("/api/figures?year=2022").await.json();
    let counts: Vec<(String, i64, String)> = figures["figures"]
        .as_array()
        .expect("figures")
        .iter()
        .map(|f| {
            (
                f["category"].as_str().unwrap_or_default().to_owned(),
                f["count"].as_i64().unwrap_or(-1),
                f["file"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        vec![
            (
                "disclosure_requests".to_owned(),
                12,
                "市長部局_令和4年度.xlsx".to_owned()
            ),
            (
                "disclosed".to_owned(),
                11,
                "市長部局_令和4年度.xlsx".to_owned()
            ),
            (
                "partially_disclosed".to_owned(),
                1,
                "市長部局_令和4年度.xlsx".to_owned()
            ),
        ]
    );

    let report = harness.get("/report?year=2022").await;
    assert_eq!(report.status, StatusCode::OK);
    let html = report.text();
    assert!(html.contains("<th scope=\"col\""), "{html}");
    assert!(html.contains("<caption>"), "{html}");
    assert!(
        html.contains("<td class=\"mamori-count\">12</td>"),
        "{html}"
    );
    let xlsx = harness.get("/report/download?year=2022&format=xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.body.starts_with(b"PK\x03\x04"));
    assert!(
        xlsx.header("content-disposition")
            .is_some_and(|value| value.contains("filename*=UTF-8''")),
    );
    let csv = harness.get("/report/download?year=2022&format=csv").await;
    assert!(
        csv.body.starts_with(b"\xEF\xBB\xBF"),
        "CSV opens in Excel with a BOM"
    );
    assert!(csv.text().contains("12"));
    let json = harness.get("/api/report/annual?year=R4").await;
    assert_eq!(json.status, StatusCode::OK, "{}", json.text());
    assert!(
        json.text().contains("disclosure_requests"),
        "{}",
        json.text()
    );
    assert!(support::uploads_left(&harness).is_empty());
}

#[tokio::test]
async fn the_import_api_answers_like_the_cli_and_identical_bytes_are_unchanged() {
    let harness = Harness::new().await;
    let form = Multipart::default().file("files", "市長部局.xlsx", &mayor_r4(7));
    let dry = harness
        .post_multipart("/api/import?dry_run=true", None, &form)
        .await
        .json();
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["files"][0]["status"], "imported");
    assert_eq!(dry["files"][0]["agency"], "市長");
    assert_eq!(dry["files"][0]["fiscal_years"], serde_json::json!([2022]));
    assert_eq!(dry["files"][0]["figures"], 3);
    assert_eq!(
        harness.get("/api/figures").await.json()["figures"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let real = harness
        .post_multipart("/api/import", None, &form)
        .await
        .json();
    assert_eq!(real["files"][0]["status"], "imported");
    assert!(real["files"][0]["import_id"].as_i64().is_some());
    let again = harness
        .post_multipart("/api/import", None, &form)
        .await
        .json();
    assert_eq!(again["files"][0]["status"], "unchanged");
    let corrected = Multipart::default().file("files", "市長部局_訂正.xlsx", &mayor_r4(9));
    let superseded = harness
        .post_multipart("/api/import", None, &corrected)
        .await
        .json();
    assert_eq!(superseded["files"][0]["status"], "superseded");
    let figures = harness.get("/api/figures").await.json();
    assert_eq!(figures["figures"][0]["count"], 9);
}

#[tokio::test]
async fn the_audit_page_shows_eight_rows_and_its_record_downloads() {
    let harness = Harness::new().await;
    let token = harness.csrf_token().await;
    let contract = Contract::compliant(STYLES[1], Wording::Standard).without_clause(5);
    let form = Multipart::default().file(
        "contracts",
        "保守委託契約書.docx",
        &contract.to_docx(DocxNumbering::Typed),
    );
    let page = harness.post_multipart("/audit", Some(&token), &form).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert_eq!(html.matches("<tr class=\"status-").count(), 8, "{html}");
    assert!(
        html.contains("<h2 id=\"contract-1\">保守委託契約書.docx：要確認</h2>"),
        "{html}"
    );
    assert_eq!(html.matches("badge-present").count(), 7, "{html}");
    assert!(html.contains("class=\"suggestion\""), "{html}");
    let listed = harness.get("/api/audits").await.json();
    let id = listed["audits"][0]["id"].as_i64().expect("recorded");
    assert_eq!(listed["audits"][0]["verdict"], "fail");
    assert!(html.contains(&format!("/audits/{id}/download?format=xlsx")));

    let again = harness.get(&format!("/audits/{id}")).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.text().matches("<tr class=\"status-").count(), 8);
    let xlsx = harness
        .get(&format!("/audits/{id}/download?format=xlsx"))
        .await;
    assert!(xlsx.body.starts_with(b"PK\x03\x04"));
    let markdown = harness
        .get(&format!("/audits/{id}/download?format=md"))
        .await;
    assert!(
        markdown.text().contains("保守委託契約書.docx"),
        "{}",
        markdown.text()
    );
    let json = harness
        .get(&format!("/audits/{id}/download?format=json"))
        .await
        .json();
    assert_eq!(json["clauses"].as_array().map(Vec::len), Some(8));
    let list_page = harness.get("/audit").await.text();
    assert!(list_page.contains("保守委託契約書.docx"), "{list_page}");
    assert!(list_page.contains(&listed["audits"][0]["sha256"].as_str().expect("hash")[..16]));
    let missing = harness.get("/audits/999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.error_code(), "E-SERVE-008");
}

#[tokio::test]
async fn forms_without_the_token_or_from_another_site_are_refused() {
    let harness = Harness::new().await;
    let token = harness.csrf_token().await;
    let form = Multipart::default().file("contracts", "契約書.txt", "第1条 秘密の保持".as_bytes());
    // No token at all (the cookie alone does not do).
    let request = support::with_host(axum::http::Request::post("/audit"))
        .header("content-type", form.content_type())
        .header("cookie", format!("mamori_csrf={token}"))
        .body(axum::body::Body::from(form.finish()))
        .expect("request");
    let reply = harness.send(request).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.error_code(), "E-SERVE-003");
    assert!(reply.text().contains("<html lang=\"ja\">"), "an error page");
    // A token that is not this browser's.
    let other = "0".repeat(64);
    let request = support::with_host(axum::http::Request::post("/audit"))
        .header("content-type", form.content_type())
        .header("cookie", format!("mamori_csrf={token}"))
        .body(axum::body::Body::from(
            Multipart::default()
                .text("csrf", &other)
                .file("contracts", "契約書.txt", "第1条 秘密の保持".as_bytes())
                .finish(),
        ))
        .expect("request");
    assert_eq!(harness.send(request).await.status, StatusCode::FORBIDDEN);
    // The right token from another site's page.
    let request = support::with_host(axum::http::Request::post("/api/import"))
        .header("origin", "http://evil.example")
        .header("content-type", form.content_type())
        .body(axum::body::Body::from(form.finish()))
        .expect("request");
    let reply = harness.send(request).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.error_code(), "E-SERVE-003");
    assert_eq!(
        harness.get("/api/audits").await.json()["audits"],
        serde_json::json!([])
    );
}

#[tokio::test]
async fn the_openapi_document_lists_every_api_route() {
    let harness = Harness::new().await;
    let reply = harness.get("/api/openapi.json").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let document = reply.json();
    assert_eq!(document["openapi"], "3.1.0");
    let documented: Vec<String> = document["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .cloned()
        .collect();
    let source = include_str!("../../src/lib.rs");
    let routed: Vec<&str> = source
        .split(".route(\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|path| path.starts_with("/api/") && !path.contains('*'))
        .collect();
    assert!(routed.len() >= 10, "{routed:?}");
    for path in &routed {
        assert!(
            documented.iter().any(|d| d == path),
            "{path} is not in openapi.json"
        );
    }
    for path in &documented {
        assert!(
            routed.contains(&path.as_str()),
            "{path} is documented but not routed"
        );
    }
    let unknown = harness.get("/api/nothing-here").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.error_code(), "E-SERVE-008");
    assert!(unknown.json()["error"]["message"].is_string());
}

#[tokio::test]
async fn a_contract_is_compared_with_the_citys_template_when_one_is_sent() {
    let harness = Harness::new().await;
    let template = Contract::compliant(STYLES[0], Wording::Standard);
    let contract = template.without_clause(2);
    let form = Multipart::default()
        .file("contracts", "委託契約書.txt", contract.to_text().as_bytes())
        .file(
            "template",
            "特記事項ひな形.txt",
            template.to_text().as_bytes(),
        );
    let items = harness
        .post_multipart("/api/audit", None, &form)
        .await
        .json();
    let comparison = &items[0]["template_comparison"];
    assert!(comparison.is_object(), "{items:#}");
    let token = harness.csrf_token().await;
    let page = harness
        .post_multipart("/audit", Some(&token), &form)
        .await
        .text();
    assert!(
        page.contains("ひな形（特記事項ひな形.txt）との比較"),
        "{page}"
    );
    assert!(page.contains("契約書にない"), "{page}");
}
