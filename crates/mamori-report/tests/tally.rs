//! The tally's rules: not reported is not zero, departments add up into their 実施機関, a
//! whole-city table is a check on the 実施機関, and every doubt becomes a warning with its cell.

mod support;

use mamori_core::{Agency, CategorySchema, FiscalYear};
use mamori_report::{AnnualReport, ReportError, ReportRequest, Rollup, data};
use support::figure;

fn column(report: &AnnualReport, key: &str) -> usize {
    report
        .columns
        .iter()
        .position(|c| c.key == key)
        .unwrap_or_else(|| panic!("no column {key}"))
}

fn year_value(report: &AnnualReport, year: i32, key: &str) -> Option<u64> {
    let row = report
        .years
        .iter()
        .find(|row| row.fiscal_year == year)
        .expect("year row");
    row.values[column(report, key)]
}

#[test]
fn the_example_pages_r2_row_is_reproduced_and_unreported_years_stay_unreported() {
    let report = support::report();
    let r2: Vec<Option<u64>> = mamori_core::category::PUBLISHED_KEYS
        .iter()
        .map(|key| year_value(&report, 2020, key))
        .collect();
    let expected: Vec<Option<u64>> = [1, 0, 1, 0, 0, 0, 0, 0, 0, 0].map(Some).to_vec();
    assert_eq!(r2, expected);
    // Nobody reported appeals for R3: not reported, not 0.
    assert_eq!(year_value(&report, 2021, "appeals"), None);
    // A reported zero is a zero.
    assert_eq!(year_value(&report, 2022, "not_disclosed"), Some(0));
}

#[test]
fn an_unreported_category_is_null_in_json_and_a_dash_in_text_formats() {
    let report = support::report();
    let json: serde_json::Value = serde_json::from_str(&data::json(&report)).expect("json parses");
    let r3 = &json["rows"][1];
    assert_eq!(r3["fiscal_year"], 2021);
    assert_eq!(r3["label"], "令和3年度");
    assert!(r3["values"]["appeals"].is_null());
    assert_eq!(r3["values"]["disclosure_requests"], 1205);
    assert_eq!(json["fiscal_years"], serde_json::json!([2020, 2021, 2022]));
    assert_eq!(json["city"], "みほん市");
    assert_eq!(json["by_agency"]["fiscal_year"], 2022);
    let markdown =
        mamori_report::markdown(&report, &mamori_report::Templates::default()).expect("markdown");
    let r3_line = markdown
        .lines()
        .find(|line| line.starts_with("| 令和3年度"))
        .expect("R3 line");
    assert!(r3_line.ends_with("| 5 | － |"), "{r3_line}");
}

#[test]
fn departments_add_up_into_their_body_with_a_note() {
    let report = support::report();
    let mayor = report
        .by_agency
        .rows
        .iter()
        .find(|row| row.agency == "市長")
        .expect("市長 row");
    // 市民課 10 + 税務課 4.
    assert_eq!(
        mayor.values[column(&report, "disclosure_requests")],
        Some(14)
    );
    assert_eq!(
        report
            .by_agency
            .rows
            .iter()
            .map(|r| r.agency.as_str())
            .collect::<Vec<_>>(),
        ["市長", "教育委員会"]
    );
    assert!(
        report
            .notes
            .contains(&"市民課、税務課の数値は市長に含めています。".to_owned()),
        "{:?}",
        report.notes
    );
    // The total row is the sum of the rows, and equals the year's total.
    let requests = column(&report, "disclosure_requests");
    assert_eq!(report.by_agency.total[requests], Some(17));
    assert_eq!(year_value(&report, 2022, "disclosure_requests"), Some(17));
}

#[test]
fn a_department_can_be_assigned_to_another_body() {
    let schema = CategorySchema::default();
    let figures = vec![
        figure(2022, "水道課", "disclosure_requests", 2, "B5"),
        figure(2022, "市民課", "disclosure_requests", 3, "B5"),
    ];
    let mut rollup = Rollup::default();
    rollup.assign(
        Agency::new("水道課").expect("name"),
        Agency::new("公営企業管理者").expect("name"),
    );
    let request = ReportRequest {
        schema: &schema,
        city: support::city(),
        fiscal_year: FiscalYear::new(2022).expect("year"),
        years: 1,
        rollup,
    };
    let report = AnnualReport::tally(&request, &figures, Vec::new()).expect("report");
    let rows: Vec<(&str, Option<u64>)> = report
        .by_agency
        .rows
        .iter()
        .map(|row| (row.agency.as_str(), row.values[0]))
        .collect();
    assert_eq!(rows, [("市長", Some(3)), ("公営企業管理者", Some(2))]);
}

#[test]
fn a_whole_city_figure_that_differs_from_the_bodies_is_a_warning_with_its_cell() {
    let schema = CategorySchema::default();
    let figures = vec![
        figure(2022, "市長", "disclosure_requests", 5, "B5"),
        figure(2022, "議会", "disclosure_requests", 1, "B6"),
        figure(2022, "全実施機関", "disclosure_requests", 7, "B9"),
        figure(2022, "全実施機関", "disclosed", 2, "C9"),
    ];
    let report = support::report_with(&schema, &figures, Vec::new());
    assert_eq!(year_value(&report, 2022, "disclosure_requests"), Some(6));
    // Only the whole-city table reported 開示: its figure stands.
    assert_eq!(year_value(&report, 2022, "disclosed"), Some(2));
    let warning = report
        .warnings
        .iter()
        .find(|w| w.code == "W-REPORT-201")
        .expect("mismatch warning");
    assert_eq!(warning.source.cell.as_deref(), Some("B9"));
    assert_eq!(warning.source.file, "全実施機関_2022.xlsx");
    assert!(warning.message.contains("7件"), "{}", warning.message);
    assert!(warning.message.contains("6件"), "{}", warning.message);
}

#[test]
fn a_body_reported_both_itself_and_through_departments_is_a_warning() {
    let schema = CategorySchema::default();
    let figures = vec![
        figure(2022, "市長", "disclosure_requests", 5, "B5"),
        figure(2022, "市民課", "disclosure_requests", 5, "B5"),
    ];
    let report = support::report_with(&schema, &figures, Vec::new());
    let warning = report
        .warnings
        .iter()
        .find(|w| w.code == "W-REPORT-202")
        .expect("double-count warning");
    assert!(warning.message.contains("市民課"), "{}", warning.message);
    assert_eq!(year_value(&report, 2022, "disclosure_requests"), Some(10));
}

#[test]
fn a_category_the_schema_no_longer_knows_is_a_warning_not_a_silent_drop() {
    let schema = CategorySchema::default();
    let figures = vec![
        figure(2022, "市長", "disclosure_requests", 5, "B5"),
        figure(2022, "市長", "transferred", 1, "H5"),
    ];
    let report = support::report_with(&schema, &figures, Vec::new());
    let warning = report
        .warnings
        .iter()
        .find(|w| w.code == "W-REPORT-203")
        .expect("unknown category warning");
    assert!(warning.message.contains("transferred"));
    assert_eq!(warning.source.cell.as_deref(), Some("H5"));
}

#[test]
fn extension_columns_appear_only_when_reported() {
    let report = support::report();
    let keys: Vec<&str> = report.columns.iter().map(|c| c.key.as_str()).collect();
    assert!(keys.contains(&"pending"));
    assert!(!keys.contains(&"refused_to_confirm"));
    assert!(!keys.contains(&"corrected"));
    // 処理中 sits inside 処理の状況, after 取下げ.
    let position = |key: &str| keys.iter().position(|k| *k == key).expect("key");
    assert_eq!(position("pending"), position("withdrawn") + 1);
    let group = report
        .header
        .iter()
        .find(|cell| cell.is_group)
        .expect("group");
    assert_eq!(group.label, "処理の状況");
    assert_eq!(group.span, 6);
}

#[test]
fn figures_outside_the_period_are_left_out() {
    let schema = CategorySchema::default();
    let figures = vec![
        figure(2018, "市長", "disclosure_requests", 9, "B5"),
        figure(2023, "市長", "disclosure_requests", 9, "B5"),
        figure(2022, "市長", "disclosure_requests", 4, "B5"),
    ];
    let report = support::report_with(&schema, &figures, Vec::new());
    assert_eq!(
        report
            .years
            .iter()
            .map(|r| r.fiscal_year)
            .collect::<Vec<_>>(),
        [2020, 2021, 2022]
    );
    assert_eq!(year_value(&report, 2020, "disclosure_requests"), None);
    assert_eq!(year_value(&report, 2022, "disclosure_requests"), Some(4));
    assert_eq!(report.records.len(), 1);
}

#[test]
fn the_year_count_is_bounded() {
    let schema = CategorySchema::default();
    for years in [0, 21] {
        let request = ReportRequest {
            schema: &schema,
            city: support::city(),
            fiscal_year: FiscalYear::new(2022).expect("year"),
            years,
            rollup: Rollup::default(),
        };
        assert_eq!(
            AnnualReport::tally(&request, &[], Vec::new()),
            Err(ReportError::YearCount(years))
        );
    }
}

#[test]
fn the_same_figures_give_the_same_bytes() {
    let templates = mamori_report::Templates::default();
    for format in [
        mamori_report::Format::Json,
        mamori_report::Format::Csv,
        mamori_report::Format::Markdown,
        mamori_report::Format::Html,
        mamori_report::Format::HtmlFragment,
        mamori_report::Format::Xlsx,
    ] {
        let mut reversed = support::figures();
        reversed.reverse();
        let first = mamori_report::render(
            &support::report_with(
                &CategorySchema::default(),
                &support::figures(),
                support::warnings(),
            ),
            format,
            &templates,
        )
        .expect("render");
        let second = mamori_report::render(
            &support::report_with(&CategorySchema::default(), &reversed, support::warnings()),
            format,
            &templates,
        )
        .expect("render");
        assert!(first == second, "{format:?} differs between runs");
    }
}
