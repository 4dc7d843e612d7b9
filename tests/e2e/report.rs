//! `mamori report annual` on figures imported through `mamori import`.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use mamori_test_support::{Header, TableSpec, Value, example_headers};

use crate::support::Workspace;

/// The example page's table (domain.md §2) as a city would keep it: R2 reads one request, partly
/// disclosed; R3 and R4 are filled in as they should have been published.
fn example_page_workbook() -> Vec<u8> {
    let counts = |values: [u64; 10]| values.iter().map(|v| Value::Count(*v)).collect();
    TableSpec::new("年度", example_headers())
        .title("個人情報保護制度の運用状況")
        .row("令和2年度", counts([1, 0, 1, 0, 0, 0, 0, 0, 0, 0]))
        .row("令和3年度", counts([3, 1, 1, 0, 1, 0, 0, 0, 2, 0]))
        .row("令和4年度", counts([2, 2, 0, 0, 0, 0, 1, 0, 0, 1]))
        .to_xlsx("運用状況")
}

/// The example page's workbook, imported into `workspace`'s store.
fn import_example_page(workspace: &Workspace) {
    let file = workspace.file("運用状況.xlsx", &example_page_workbook());
    let imported = workspace.run(&["import", file.to_str().expect("path")]);
    assert_eq!(imported.status.code(), Some(0), "{imported:?}");
}

fn values(row: &serde_json::Value) -> Vec<Option<i64>> {
    mamori_core::category::PUBLISHED_KEYS
        .iter()
        .map(|key| row["values"][*key].as_i64())
        .collect()
}

#[test]
fn the_example_pages_r2_row_comes_back_from_an_imported_workbook() {
    let workspace = Workspace::new();
    import_example_page(&workspace);

    let (code, json) = workspace.json(&["report", "annual", "--year", "令和4年度", "--json"]);
    assert_eq!(code, 0);
    assert_eq!(json["fiscal_years"], serde_json::json!([2020, 2021, 2022]));
    let rows = json["rows"].as_array().expect("rows");
    assert_eq!(rows[0]["label"], "令和2年度");
    assert_eq!(
        values(&rows[0]),
        [1, 0, 1, 0, 0, 0, 0, 0, 0, 0].map(Some).to_vec()
    );
    assert_eq!(values(&rows[2])[0], Some(2));
    // Keys appear in the published order, each category once.
    let keys: Vec<&str> = json["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| c["key"].as_str().expect("key"))
        .collect();
    assert_eq!(keys.len(), 10);
    assert_eq!(keys[0], "disclosure_requests");
    assert_eq!(json["categories"][1]["group"], "処理の状況");

    // The same store gives the same bytes, whichever way FY is written.
    let again = workspace.run(&["report", "annual", "--year", "R4", "--format", "json"]);
    let first = workspace.run(&["report", "annual", "--year", "2022", "--format", "json"]);
    assert_eq!(again.stdout, first.stdout);
}

#[test]
fn every_format_writes_and_xlsx_without_output_goes_under_the_data_folder() {
    let workspace = Workspace::new();
    import_example_page(&workspace);

    let csv = workspace.run(&["report", "annual", "--year", "2022", "--format", "csv"]);
    assert_eq!(csv.status.code(), Some(0));
    assert!(
        csv.stdout
            .starts_with("\u{feff}年度(西暦),年度(和暦),実施機関,区分,件数\r\n".as_bytes())
    );

    let html = workspace.run(&["report", "annual", "--year", "2022", "--format", "html"]);
    let html = String::from_utf8(html.stdout).expect("utf-8");
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<html lang=\"ja\">"));

    let fragment = workspace.run(&[
        "report",
        "annual",
        "--year",
        "2022",
        "--format",
        "html-fragment",
    ]);
    let fragment = String::from_utf8(fragment.stdout).expect("utf-8");
    assert!(fragment.starts_with("<section"), "{fragment}");

    let markdown = workspace.run(&["report", "annual", "--year", "2022"]);
    let markdown = String::from_utf8(markdown.stdout).expect("utf-8");
    assert!(
        markdown.contains("| 令和2年度（2020年度） | 1 | 0 | 1 |"),
        "{markdown}"
    );

    let written = workspace.run(&[
        "report",
        "annual",
        "--year",
        "令和4年度",
        "--format",
        "xlsx",
        "-o",
        "report.xlsx",
    ]);
    assert_eq!(written.status.code(), Some(0), "{written:?}");
    assert!(
        written.stdout.is_empty(),
        "data file named by -o: nothing on stdout"
    );
    let bytes = std::fs::read(workspace.directory.path().join("report.xlsx")).expect("written");
    let mut workbook = Xlsx::new(Cursor::new(bytes)).expect("xlsx");
    let table = workbook.worksheet_range("運用状況").expect("sheet");
    assert_eq!(
        table.get_value((4, 0)),
        Some(&Data::String("令和2年度".to_owned()))
    );
    assert_eq!(table.get_value((4, 2)), Some(&Data::Float(1.0)));

    let default = workspace.run(&["report", "annual", "--year", "2022", "--format", "xlsx"]);
    assert_eq!(default.status.code(), Some(0));
    let printed = String::from_utf8(default.stdout).expect("utf-8");
    let path = std::path::PathBuf::from(printed.trim());
    assert!(
        path.ends_with("reports/運用状況_令和4年度.xlsx"),
        "{printed}"
    );
    assert!(workspace.directory.path().join(&path).is_file() || path.is_file());
}

#[test]
fn strict_refuses_while_warnings_stand_and_a_year_without_figures_is_refused() {
    let workspace = Workspace::new();
    // 3 requests, 1 + 1 decided: a warning at import, carried into the report.
    let decided = |leaf| Header::grouped("処理の状況", leaf);
    let bytes = TableSpec::new(
        "年度",
        vec![
            Header::leaf("開示請求"),
            decided("開示"),
            decided("一部開示"),
        ],
    )
    .title("教育委員会 運用状況")
    .row(
        "令和4年度",
        vec![Value::Count(3), Value::Count(1), Value::Count(1)],
    )
    .to_xlsx("運用状況");
    let file = workspace.file("教育委員会.xlsx", &bytes);
    assert_eq!(
        workspace
            .run(&["import", file.to_str().expect("path")])
            .status
            .code(),
        Some(0)
    );

    let (code, json) = workspace.json(&["report", "annual", "--year", "2022", "--json"]);
    assert_eq!(code, 0);
    let warning = &json["warnings"][0];
    assert_eq!(warning["code"], "W-IMPORT-102");
    assert_eq!(warning["file"], file.to_str().expect("path"));
    assert_eq!(warning["sheet"], "運用状況");
    assert_eq!(warning["cell"], "B4");
    // Not reported is null, not 0.
    assert!(json["rows"][2]["values"]["not_disclosed"].is_null());
    assert_eq!(json["rows"][2]["values"]["partially_disclosed"], 1);

    let strict = workspace.run(&[
        "report",
        "annual",
        "--year",
        "2022",
        "--format",
        "xlsx",
        "-o",
        "strict.xlsx",
        "--strict",
    ]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(!workspace.directory.path().join("strict.xlsx").exists());
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert!(stderr.contains("W-IMPORT-102"), "{stderr}");

    // Without --strict the workbook carries the warning on 確認事項, with its cell.
    let written = workspace.run(&[
        "report",
        "annual",
        "--year",
        "2022",
        "--format",
        "xlsx",
        "-o",
        "checked.xlsx",
    ]);
    assert_eq!(written.status.code(), Some(0));
    let bytes = std::fs::read(workspace.directory.path().join("checked.xlsx")).expect("written");
    let mut workbook = Xlsx::new(Cursor::new(bytes)).expect("xlsx");
    let checks = workbook.worksheet_range("確認事項").expect("sheet");
    assert_eq!(
        checks.get_value((1, 0)),
        Some(&Data::String("W-IMPORT-102".to_owned()))
    );
    assert_eq!(
        checks.get_value((1, 4)),
        Some(&Data::String("B4".to_owned()))
    );

    let usage = workspace.run(&["report", "annual", "--year", "2022", "--years", "0"]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("--years"));

    let empty = workspace.run(&["report", "annual", "--year", "2023"]);
    assert_eq!(empty.status.code(), Some(1));
    assert!(empty.stdout.is_empty());
    assert!(String::from_utf8_lossy(&empty.stderr).contains("令和5年度"));
}

#[test]
fn a_city_overrides_a_template_and_names_itself_in_mamori_toml() {
    let workspace = Workspace::new();
    import_example_page(&workspace);
    workspace.file(
        "mamori.toml",
        "[city]\nname = \"みほん市\"\ncontact = \"電話 0000-00-0000\"\n[report]\ntemplates = \"layouts\"\n"
            .as_bytes(),
    );
    workspace.file(
        "layouts/annual.md",
        "{{ report.city.name }}の{{ report.fiscal_year_label }}: {{ report.years[0].values[0] | count }}件\n"
            .as_bytes(),
    );
    let output = workspace.run(&["report", "annual", "--year", "2022"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "みほん市の令和4年度: 1件\n"
    );
    // The other templates are still the built-in ones, with the city's name.
    let fragment = workspace.run(&[
        "report",
        "annual",
        "--year",
        "2022",
        "--format",
        "html-fragment",
    ]);
    assert!(String::from_utf8_lossy(&fragment.stdout).contains("<caption>みほん市 "));

    // A template with a typo is an error naming it, and nothing reaches stdout.
    workspace.file("layouts/annual.md", b"{{ report.titel }}\n");
    let broken = workspace.run(&["report", "annual", "--year", "2022"]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(broken.stdout.is_empty());
    assert!(String::from_utf8_lossy(&broken.stderr).contains("annual.md"));
}
