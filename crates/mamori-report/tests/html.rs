//! The HTML parsed back: accessible tables (caption, scoped headers, no empty data cell) and a
//! chart a screen reader can announce.

mod support;

use mamori_report::{Templates, html_fragment, html_page};
use scraper::{Html, Selector};

fn selector(text: &str) -> Selector {
    Selector::parse(text).expect("selector")
}

fn check_tables(document: &Html) -> usize {
    let tables: Vec<_> = document.select(&selector("table")).collect();
    for table in &tables {
        let caption = table
            .select(&selector("caption"))
            .next()
            .expect("every table has a caption");
        assert!(!caption.text().collect::<String>().trim().is_empty());
        for header in table.select(&selector("th")) {
            let scope = header.value().attr("scope").unwrap_or("");
            assert!(
                ["col", "colgroup", "row"].contains(&scope),
                "header without scope: {}",
                header.html()
            );
        }
        for cell in table.select(&selector("td")) {
            assert!(
                !cell.text().collect::<String>().trim().is_empty(),
                "empty data cell"
            );
        }
        // Every row has as many cells as the table has columns, so nothing is shifted.
        let columns: usize = table
            .select(&selector("colgroup"))
            .map(|group| {
                group
                    .value()
                    .attr("span")
                    .and_then(|span| span.parse::<usize>().ok())
                    .unwrap_or(1)
            })
            .sum();
        for row in table.select(&selector("tbody tr, tfoot tr")) {
            assert_eq!(row.select(&selector("th, td")).count(), columns);
        }
    }
    tables.len()
}

#[test]
fn the_fragment_is_two_accessible_tables_without_script_or_style() {
    let html = html_fragment(&support::report(), &Templates::default()).expect("fragment");
    let document = Html::parse_fragment(&html);
    assert_eq!(check_tables(&document), 2);
    assert!(
        document
            .select(&selector("script, style, link"))
            .next()
            .is_none()
    );
    let section = document
        .select(&selector("section"))
        .next()
        .expect("section");
    assert_eq!(section.value().attr("lang"), Some("ja"));
    let group = document
        .select(&selector("th[scope=colgroup]"))
        .next()
        .expect("group header");
    assert_eq!(group.value().attr("colspan"), Some("6"));
    assert_eq!(group.text().collect::<String>(), "処理の状況");
}

#[test]
fn the_page_declares_japanese_and_describes_its_chart() {
    let html = html_page(&support::report(), &Templates::default()).expect("page");
    let document = Html::parse_document(&html);
    assert_eq!(
        document
            .select(&selector("html"))
            .next()
            .and_then(|h| h.value().attr("lang")),
        Some("ja")
    );
    assert_eq!(check_tables(&document), 2);
    assert!(document.select(&selector("script")).next().is_none());
    let svg = document.select(&selector("svg")).next().expect("chart");
    assert_eq!(svg.value().attr("role"), Some("img"));
    let labelled_by = svg.value().attr("aria-labelledby").expect("labelled");
    for id in labelled_by.split_whitespace() {
        let target = document
            .select(&selector(&format!("#{id}")))
            .next()
            .unwrap_or_else(|| panic!("no element #{id}"));
        assert!(!target.text().collect::<String>().trim().is_empty());
    }
    let description: String = document
        .select(&selector("desc"))
        .next()
        .expect("desc")
        .text()
        .collect();
    assert!(
        description.contains("令和3年度: 開示請求1,205件"),
        "{description}"
    );
    assert!(description.contains("処理中は報告なし"), "{description}");
    // One bar per reported value: 3 years × 6 decisions + requests, minus 2 unreported 処理中.
    assert_eq!(
        document.select(&selector("svg rect title")).count(),
        3 * 7 - 2
    );
}

#[test]
fn names_from_files_are_escaped() {
    let schema = mamori_core::CategorySchema::default();
    let figures = vec![support::figure(
        2022,
        "<script>課",
        "disclosure_requests",
        1,
        "B5",
    )];
    let mut rollup = mamori_report::Rollup::default();
    rollup.assign(
        mamori_core::Agency::new("<script>課").expect("name"),
        mamori_core::Agency::new("<b>委員会").expect("name"),
    );
    let request = mamori_report::ReportRequest {
        schema: &schema,
        city: support::city(),
        fiscal_year: mamori_core::FiscalYear::new(2022).expect("year"),
        years: 1,
        rollup,
    };
    let report =
        mamori_report::AnnualReport::tally(&request, &figures, Vec::new()).expect("report");
    let html = html_fragment(&report, &Templates::default()).expect("fragment");
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;b&gt;委員会"), "{html}");
}
