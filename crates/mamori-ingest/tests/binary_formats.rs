//! Binary formats that no Rust crate here can write: an Excel 97-2003 workbook and an OpenDocument
//! spreadsheet saved by LibreOffice Calc, and a password-protected xlsx. The files live in
//! `tests/fixtures/` with `make_binary_fixtures.py`, the script that made them; these tests read
//! only the committed files.

mod support;

use mamori_core::{Code, Severity};
use mamori_ingest::Format;

use crate::support::{CellRow, cell_row, codes, figures_with_cells, fixture, read};

/// The one 実施機関 of the fixture table, named in its title.
const AGENCY: &str = "教育委員会";

/// The category key and column letter of each value column, left to right (B..K).
const COLUMNS: [(&str, &str); 10] = [
    ("disclosure_requests", "B"),
    ("disclosed", "C"),
    ("partially_disclosed", "D"),
    ("not_disclosed", "E"),
    ("nonexistent", "F"),
    ("withdrawn", "G"),
    ("correction_requests", "H"),
    ("suspension_requests", "I"),
    ("complaints", "J"),
    ("appeals", "K"),
];

/// The rows the script writes, as `(fiscal year start, sheet row, counts)`; keep in step with
/// `ROWS` in `make_binary_fixtures.py`.
const ROWS: [(i32, u32, [u64; 10]); 3] = [
    (2020, 4, [5, 2, 1, 1, 0, 1, 0, 1, 3, 0]),
    (2021, 5, [8, 3, 2, 0, 2, 1, 1, 0, 2, 1]),
    (2022, 6, [12, 6, 3, 1, 1, 1, 2, 1, 4, 1]),
];

/// Every figure of the fixture table: 3 years × 10 columns, zeros included.
fn expected() -> Vec<CellRow> {
    let mut rows = Vec::new();
    for (year, sheet_row, counts) in ROWS {
        for ((key, column), count) in COLUMNS.iter().zip(counts) {
            rows.push(cell_row(
                year,
                AGENCY,
                key,
                count,
                &format!("{column}{sheet_row}"),
            ));
        }
    }
    rows.sort();
    rows
}

/// The checks both LibreOffice files must pass.
fn assert_reads_the_whole_table(name: &str, format: Format) {
    let reading = read(name, &fixture(name));
    assert_eq!(reading.format, format);
    assert!(!reading.has_errors(), "{:#?}", reading.diagnostics);
    assert!(
        reading
            .diagnostics
            .iter()
            .all(|d| d.severity() != Severity::Error),
        "{:#?}",
        reading.diagnostics
    );
    let got = figures_with_cells(&reading);
    assert_eq!(got.len(), 30, "{got:#?}");
    // A sample by hand, so a slip in `expected()` cannot hide a wrong cell.
    for sample in [
        cell_row(2020, AGENCY, "disclosure_requests", 5, "B4"),
        cell_row(2020, AGENCY, "partially_disclosed", 1, "D4"),
        cell_row(2020, AGENCY, "nonexistent", 0, "F4"),
        cell_row(2021, AGENCY, "nonexistent", 2, "F5"),
        cell_row(2021, AGENCY, "correction_requests", 1, "H5"),
        cell_row(2022, AGENCY, "disclosure_requests", 12, "B6"),
        cell_row(2022, AGENCY, "withdrawn", 1, "G6"),
        cell_row(2022, AGENCY, "complaints", 4, "J6"),
        cell_row(2022, AGENCY, "appeals", 1, "K6"),
    ] {
        assert!(got.contains(&sample), "missing {sample:?} in {got:#?}");
    }
    assert_eq!(got, expected());
    for f in &reading.figures {
        assert_eq!(f.provenance.file, name);
        assert_eq!(f.provenance.sheet.as_deref(), Some("運用状況"));
    }
    assert_eq!(reading.agencies().len(), 1);
    assert_eq!(
        reading
            .fiscal_years()
            .iter()
            .map(|y| y.start_year())
            .collect::<Vec<_>>(),
        [2020, 2021, 2022]
    );
    // Every row's requests equal the sum of its decisions: nothing to warn about.
    assert!(
        reading
            .diagnostics
            .iter()
            .all(|d| d.severity() < Severity::Warning),
        "{:#?}",
        reading.diagnostics
    );
}

#[test]
fn xls_from_libreoffice_keeps_its_merged_two_level_header() {
    assert_reads_the_whole_table("unyo_r4.xls", Format::Xls);
}

#[test]
fn ods_from_libreoffice_reads_group_labels_without_merge_information() {
    assert_reads_the_whole_table("unyo_r4.ods", Format::Ods);
}

#[test]
fn xls_and_ods_give_the_same_figures() {
    let xls = figures_with_cells(&read("unyo_r4.xls", &fixture("unyo_r4.xls")));
    let ods = figures_with_cells(&read("unyo_r4.ods", &fixture("unyo_r4.ods")));
    assert_eq!(xls, ods);
}

/// The fixtures are what they claim to be: the xls holds merged regions (MERGEDCELLS) that
/// calamine reports, and the ods spans its header cells.
#[test]
fn the_fixtures_carry_their_merged_cells() {
    use calamine::Reader as _;
    let bytes = fixture("unyo_r4.xls");
    let mut workbook =
        calamine::Xls::new(std::io::Cursor::new(bytes.as_slice())).expect("the xls fixture opens");
    assert_eq!(workbook.sheet_names(), ["運用状況"]);
    let mut merges: Vec<_> = workbook
        .merge_cells_by_sheet_name("運用状況")
        .expect("the xls fixture has merge records")
        .iter()
        .map(|d| (d.start, d.end))
        .collect();
    merges.sort();
    // 0-based (row, column): 年度 A2:A3, 開示請求 B2:B3, 処理の状況 C2:G2, then H..K down two rows.
    assert_eq!(
        merges,
        [
            ((1, 0), (2, 0)),
            ((1, 1), (2, 1)),
            ((1, 2), (1, 6)),
            ((1, 7), (2, 7)),
            ((1, 8), (2, 8)),
            ((1, 9), (2, 9)),
            ((1, 10), (2, 10)),
        ]
    );
    let title = workbook
        .worksheet_range("運用状況")
        .expect("the xls sheet reads")
        .get_value((0, 0))
        .cloned();
    assert_eq!(
        title,
        Some(calamine::Data::String(
            "教育委員会 個人情報開示請求等の運用状況".to_owned()
        ))
    );

    let ods = fixture("unyo_r4.ods");
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(ods.as_slice())).expect("the ods is a zip");
    let mut content = String::new();
    std::io::Read::read_to_string(
        &mut archive
            .by_name("content.xml")
            .expect("the ods has content.xml"),
        &mut content,
    )
    .expect("content.xml is UTF-8");
    assert_eq!(
        content
            .matches("table:number-columns-spanned=\"5\"")
            .count(),
        1
    );
    assert_eq!(
        content.matches("table:number-rows-spanned=\"2\"").count(),
        6
    );
}

#[test]
fn encrypted_xlsx_is_refused_with_a_password_message() {
    let reading = read("encrypted.xlsx", &fixture("encrypted.xlsx"));
    assert_eq!(reading.format, Format::EncryptedOoxml);
    assert!(reading.has_errors());
    assert!(reading.figures.is_empty(), "{:#?}", reading.figures);
    assert_eq!(
        codes(&reading),
        [Code::PasswordProtected],
        "{:#?}",
        reading.diagnostics
    );
    let diagnostic = &reading.diagnostics[0];
    assert_eq!(diagnostic.code().as_str(), "E-IMPORT-004");
    assert_eq!(diagnostic.severity(), Severity::Error);
    assert_eq!(diagnostic.location().file, "encrypted.xlsx");
    let message = diagnostic.message();
    assert!(message.contains("パスワード"), "{message}");
    assert!(message.contains("解除"), "{message}");
}

/// Named by its extension alone, an encrypted workbook is still recognised by its content.
#[test]
fn encrypted_xlsx_is_recognised_whatever_its_name() {
    let reading = read("運用状況.csv", &fixture("encrypted.xlsx"));
    assert_eq!(codes(&reading), [Code::PasswordProtected]);
}
