//! A fixture "store": figures as `mamori import` would have stored them for three years.
#![allow(
    dead_code,
    reason = "each test binary uses a different part of the fixture"
)]

use mamori_core::{CategorySchema, FiscalYear};
use mamori_report::{AnnualReport, City, ReportRequest, Rollup, SourceCell, SourceFigure, Warning};

pub(crate) fn figure(
    year: i32,
    agency: &str,
    category: &str,
    count: u64,
    cell: &str,
) -> SourceFigure {
    SourceFigure {
        fiscal_year: FiscalYear::new(year).expect("year"),
        agency: agency.to_owned(),
        category: category.to_owned(),
        count,
        source: SourceCell {
            file: format!("{agency}_{year}.xlsx"),
            sheet: Some("運用状況".to_owned()),
            cell: Some(cell.to_owned()),
        },
    }
}

/// One figure per category key, in the order given, each from its own column of row 5.
fn row(year: i32, agency: &str, values: &[(&str, u64)]) -> Vec<SourceFigure> {
    values
        .iter()
        .enumerate()
        .map(|(index, (category, count))| {
            let column = char::from(b'B' + index as u8);
            figure(year, agency, category, *count, &format!("{column}5"))
        })
        .collect()
}

/// R2 known only from last year's published page (the example page's row: one request, partly
/// disclosed); R3 from 市長 and 議会, with no appeals column; R4 from two departments of 市長 and
/// from 教育委員会, with one consistency warning carried over from its import.
pub(crate) fn figures() -> Vec<SourceFigure> {
    let mut figures = Vec::new();
    figures.extend(row(
        2020,
        "全実施機関",
        &[
            ("disclosure_requests", 1),
            ("disclosed", 0),
            ("partially_disclosed", 1),
            ("not_disclosed", 0),
            ("nonexistent", 0),
            ("withdrawn", 0),
            ("correction_requests", 0),
            ("suspension_requests", 0),
            ("complaints", 0),
            ("appeals", 0),
        ],
    ));
    figures.extend(row(
        2021,
        "市長",
        &[
            ("disclosure_requests", 1204),
            ("disclosed", 800),
            ("partially_disclosed", 350),
            ("not_disclosed", 20),
            ("nonexistent", 30),
            ("withdrawn", 4),
            ("correction_requests", 2),
            ("suspension_requests", 1),
            ("complaints", 5),
        ],
    ));
    figures.extend(row(
        2021,
        "議会",
        &[("disclosure_requests", 1), ("disclosed", 1)],
    ));
    figures.extend(row(
        2022,
        "市民課",
        &[
            ("disclosure_requests", 10),
            ("disclosed", 6),
            ("partially_disclosed", 3),
            ("not_disclosed", 0),
            ("nonexistent", 1),
            ("withdrawn", 0),
            ("pending", 1),
            ("complaints", 2),
            ("appeals", 1),
        ],
    ));
    figures.extend(row(
        2022,
        "税務課",
        &[
            ("disclosure_requests", 4),
            ("disclosed", 4),
            ("correction_requests", 1),
        ],
    ));
    figures.extend(row(
        2022,
        "教育委員会",
        &[
            ("disclosure_requests", 3),
            ("disclosed", 1),
            ("partially_disclosed", 1),
        ],
    ));
    figures
}

pub(crate) fn warnings() -> Vec<Warning> {
    vec![Warning {
        code: "W-IMPORT-102".to_owned(),
        message: "令和4年度 教育委員会: 開示請求 3件（セルB5）に対し、処理の内訳の合計は2件（セルC5、D5）です".to_owned(),
        source: SourceCell {
            file: "教育委員会_2022.xlsx".to_owned(),
            sheet: Some("運用状況".to_owned()),
            cell: Some("B5".to_owned()),
        },
    }]
}

pub(crate) fn city() -> City {
    City {
        name: "みほん市".to_owned(),
        section: Some("総務部総務課".to_owned()),
        contact: Some("電話 0000-00-0000".to_owned()),
    }
}

pub(crate) fn report_with(
    schema: &CategorySchema,
    figures: &[SourceFigure],
    warnings: Vec<Warning>,
) -> AnnualReport {
    let request = ReportRequest {
        schema,
        city: city(),
        fiscal_year: FiscalYear::new(2022).expect("year"),
        years: 3,
        rollup: Rollup::default(),
    };
    AnnualReport::tally(&request, figures, warnings).expect("report")
}

pub(crate) fn report() -> AnnualReport {
    report_with(&CategorySchema::default(), &figures(), warnings())
}
