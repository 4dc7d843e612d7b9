//! Real 運用状況 tables from `corpus/unyo/tables.json`, rebuilt in their publishers' own layouts
//! (header wording and groups, row labels, zero style, totals) and written as real files: every
//! figure that maps to a default-schema category must come back exactly, with its cell, and every
//! column the schema does not know must be named in a warning.
//!
//! Only the figures and header words of the corpus are encoded here; rows the stored excerpts cut
//! off or flattened beyond recovery are left out (each test says which).

mod support;

use std::collections::BTreeSet;

use mamori_core::Code;
use mamori_test_support::{Header, TableSpec, Value};

use crate::support::{Row, cell_of, counts, figures, located, message_at, read};

/// The expected figures of one year and agency, `(key, count)` each.
fn year_of(year: i32, agency: &str, counts: &[(&str, u64)]) -> BTreeSet<Row> {
    counts
        .iter()
        .map(|(key, count)| (year, agency.to_owned(), (*key).to_owned(), *count))
        .collect()
}

/// The expected figures of one year for the whole city, `keys[i]` counting `values[i]`.
fn whole_city<const N: usize>(year: i32, keys: [&str; N], values: [u64; N]) -> BTreeSet<Row> {
    let pairs: Vec<(&str, u64)> = keys.into_iter().zip(values).collect();
    year_of(year, WHOLE, &pairs)
}

fn union(parts: &[BTreeSet<Row>]) -> BTreeSet<Row> {
    parts.iter().flatten().cloned().collect()
}

fn texts(values: &[&str]) -> Vec<Value> {
    values
        .iter()
        .map(|v| {
            if v.is_empty() {
                Value::Blank
            } else {
                Value::Text((*v).to_owned())
            }
        })
        .collect()
}

const WHOLE: &str = "全実施機関";

// ---------------------------------------------------------------------------------------------
// 東京都 令和4年度 (HTML, as the press release prints it): 総計, then each family's 計 column
// followed by its group of leaves; comma thousands; composite 不存在等 and 非訂正等.

/// The decisions of both 東京都 layouts that the schema knows, in column order (the composites
/// 不存在等 and 非訂正等 are named in warnings instead).
const TOKYO_DECIDED: [&str; 8] = [
    "disclosed",
    "partially_disclosed",
    "not_disclosed",
    "corrected",
    "partially_corrected",
    "suspended",
    "partially_suspended",
    "not_suspended",
];

fn tokyo_r4() -> TableSpec {
    let g = Header::grouped;
    TableSpec::new(
        "年度",
        vec![
            Header::leaf("総計"),
            Header::leaf("開示計"),
            g("開示", "開示"),
            g("開示", "一部開示"),
            g("開示", "非開示"),
            g("開示", "不存在等"),
            Header::leaf("訂正計"),
            g("訂正", "訂正"),
            g("訂正", "一部訂正"),
            g("訂正", "非訂正等"),
            Header::leaf("利用停止計"),
            g("利用停止", "利用停止"),
            g("利用停止", "利用一部停止"),
            g("利用停止", "利用非停止"),
        ],
    )
    .title("(単位:件)")
    .row(
        "令和4年度",
        texts(&[
            "3,555", "3,538", "837", "2,350", "62", "289", "9", "6", "0", "3", "8", "0", "0", "8",
        ]),
    )
    .row(
        "令和3年度",
        texts(&[
            "3,547", "3,515", "820", "2,361", "64", "270", "18", "2", "0", "16", "14", "0", "0",
            "14",
        ]),
    )
}

#[test]
fn tokyo_r4_group_total_columns_and_composites_as_html() {
    let reading = read("東京都_運用状況.html", tokyo_r4().to_html().as_bytes());
    assert_eq!(
        figures(&reading),
        union(&[
            whole_city(2022, TOKYO_DECIDED, [837, 2350, 62, 6, 0, 0, 0, 8]),
            whole_city(2021, TOKYO_DECIDED, [820, 2361, 64, 2, 0, 0, 0, 14]),
        ])
    );
    // The title is outside the <table>: the header is rows 1-2, 令和4年度 is row 3.
    assert_eq!(cell_of(&reading, 2022, WHOLE, "disclosed"), "D3");
    assert_eq!(cell_of(&reading, 2021, WHOLE, "not_suspended"), "O4");
    // Every total column (総計, 開示計, 訂正計, 利用停止計) checks out, composites included.
    assert_eq!(
        located(&reading),
        vec![
            (Code::UnknownColumn, "G2".to_owned()),
            (Code::UnknownColumn, "K2".to_owned()),
            (Code::AgencyAssumed, "A1".to_owned()),
        ]
    );
    assert!(message_at(&reading, Code::UnknownColumn, "G2").contains("開示 › 不存在等"));
    assert!(message_at(&reading, Code::UnknownColumn, "K2").contains("訂正 › 非訂正等"));
    assert!(!reading.has_errors());
}

// ---------------------------------------------------------------------------------------------
// 東京都 平成29年度 (xlsx): the group label 開示 is also its first leaf, each group opens with
// its own 計, and leaf labels are broken across lines.

fn tokyo_h29() -> TableSpec {
    let g = Header::grouped;
    TableSpec::new(
        "年度",
        vec![
            Header::leaf("総計"),
            g("開示", "計"),
            g("開示", "開示"),
            g("開示", "一部\n開示"),
            g("開示", "非開示"),
            g("開示", "不存在等"),
            g("訂正", "計"),
            g("訂正", "訂正"),
            g("訂正", "一部\n訂正"),
            g("訂正", "非訂正等"),
            g("利用停止", "計"),
            g("利用停止", "利用\n停止"),
            g("利用停止", "利用一部\n停止"),
            g("利用停止", "利用\n非停止"),
        ],
    )
    .title("平成29年度")
    .row(
        "平成29年度",
        counts(&[2703, 2701, 884, 1538, 32, 247, 2, 0, 0, 2, 0, 0, 0, 0]),
    )
    .row(
        "平成28年度",
        counts(&[2464, 2463, 916, 1348, 9, 190, 1, 0, 0, 1, 0, 0, 0, 0]),
    )
}

#[test]
fn tokyo_h29_group_label_equal_to_its_leaf_in_xlsx() {
    let reading = read("東京都.xlsx", &tokyo_h29().to_xlsx("H29"));
    assert_eq!(
        figures(&reading),
        union(&[
            whole_city(2017, TOKYO_DECIDED, [884, 1538, 32, 0, 0, 0, 0, 0]),
            whole_city(2016, TOKYO_DECIDED, [916, 1348, 9, 0, 0, 0, 0, 0]),
        ])
    );
    // Title row 1, header rows 2-3, 平成29年度 on row 4: 開示 › 開示 is D4, not the 計 in C4.
    assert_eq!(cell_of(&reading, 2017, WHOLE, "disclosed"), "D4");
    assert_eq!(cell_of(&reading, 2016, WHOLE, "partially_disclosed"), "E5");
    assert_eq!(cell_of(&reading, 2017, WHOLE, "not_suspended"), "O4");
    assert_eq!(
        located(&reading),
        vec![
            (Code::UnknownColumn, "G3".to_owned()),
            (Code::UnknownColumn, "K3".to_owned()),
            (Code::AgencyAssumed, "A2".to_owned()),
        ]
    );
    assert!(message_at(&reading, Code::UnknownColumn, "G3").contains("不存在等"));
    assert!(message_at(&reading, Code::UnknownColumn, "K3").contains("非訂正等"));
}

#[test]
fn tokyo_h27_shift_jis_page_with_the_older_non_correction_leaf() {
    // The 平成27年度 edition: same layout as 平成29年度, but the leaf reads 非訂正 (a category
    // the schema knows) instead of the composite 非訂正等. The page is Shift_JIS, as declared.
    let mut table = tokyo_h29();
    table.titles.clear();
    table.headers[9] = Header::grouped("訂正", "非訂正");
    table.rows = vec![
        (
            "平成27年度".to_owned(),
            counts(&[2094, 2093, 844, 1051, 5, 193, 1, 1, 0, 0, 0, 0, 0, 0]),
        ),
        (
            "平成26年度".to_owned(),
            counts(&[1898, 1892, 741, 921, 53, 177, 6, 5, 0, 1, 0, 0, 0, 0]),
        ),
    ];
    let html = table
        .to_html()
        .replace("<meta charset=\"utf-8\">", "<meta charset=\"Shift_JIS\">");
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&html);
    assert!(!unmappable);
    let reading = read("60q7t100.htm", &bytes);
    let keys = [
        "disclosed",
        "partially_disclosed",
        "not_disclosed",
        "corrected",
        "partially_corrected",
        "not_corrected",
        "suspended",
        "partially_suspended",
        "not_suspended",
    ];
    assert_eq!(
        figures(&reading),
        union(&[
            whole_city(2015, keys, [844, 1051, 5, 1, 0, 0, 0, 0, 0]),
            whole_city(2014, keys, [741, 921, 53, 5, 0, 1, 0, 0, 0]),
        ])
    );
    assert_eq!(cell_of(&reading, 2014, WHOLE, "not_corrected"), "K4");
    assert_eq!(
        located(&reading),
        vec![
            (Code::UnknownColumn, "G2".to_owned()),
            (Code::AgencyAssumed, "A1".to_owned()),
        ]
    );
}

#[test]
fn a_wrong_group_total_is_reported_at_its_cell() {
    // The same table with 開示 › 計 of 平成28年度 off by one: the check includes the composite.
    let mut table = tokyo_h29();
    table.rows[1].1[1] = Value::Count(2462);
    let reading = read("東京都.xlsx", &table.to_xlsx("H29"));
    assert!(located(&reading).contains(&(Code::TotalMismatch, "C5".to_owned())));
    let message = message_at(&reading, Code::TotalMismatch, "C5");
    assert!(
        message.contains("2462") && message.contains("2463"),
        "{message}"
    );
    // 総計 B5 (2,464) no longer equals the leaves either? It does: the leaves are unchanged.
    assert!(!located(&reading).contains(&(Code::TotalMismatch, "B5".to_owned())));
    assert_eq!(figures(&reading).len(), 16);
}

// ---------------------------------------------------------------------------------------------
// 札幌市 (xlsx): 請求件数 and 処理件数 side by side, eight outcomes under 処理内容, 開示率 with %.

fn sapporo() -> TableSpec {
    let g = |leaf| Header::grouped("処理内容", leaf);
    TableSpec::new(
        "年度",
        vec![
            Header::leaf("請求\n件数"),
            Header::leaf("処理\n件数"),
            g("開示"),
            g("一部開示"),
            g("不開示\n(又は非開示)"),
            g("不存在"),
            g("存否\n応答\n拒否"),
            g("取下げ"),
            g("却下"),
            g("処理中"),
            Header::leaf("開示率"),
        ],
    )
    .row(
        "令和5年度",
        [64, 89, 39, 34, 0, 3, 0, 10, 0, 3]
            .map(Value::Count)
            .into_iter()
            .chain([Value::Text("100%".to_owned())])
            .collect(),
    )
    .row(
        "令和4年度(参考)",
        [82, 97, 39, 33, 0, 10, 0, 8, 0, 7]
            .map(Value::Count)
            .into_iter()
            .chain([Value::Text("100%".to_owned())])
            .collect(),
    )
}

#[test]
fn sapporo_requests_and_processed_side_by_side() {
    let reading = read("札幌市.xlsx", &sapporo().to_xlsx("個人情報"));
    let keys = [
        "disclosure_requests",
        "disclosed",
        "partially_disclosed",
        "not_disclosed",
        "nonexistent",
        "refused_to_confirm",
        "withdrawn",
        "dismissed",
        "pending",
    ];
    assert_eq!(
        figures(&reading),
        union(&[
            whole_city(2023, keys, [64, 39, 34, 0, 3, 0, 10, 0, 3]),
            whole_city(2022, keys, [82, 39, 33, 0, 10, 0, 8, 0, 7]),
        ])
    );
    assert_eq!(cell_of(&reading, 2023, WHOLE, "disclosure_requests"), "B3");
    assert_eq!(cell_of(&reading, 2022, WHOLE, "pending"), "K4");
    // 処理件数 equals its eight outcomes (89, 97); requests differ from decisions, which the
    // page explains (one request, several sections' decisions): a warning, values kept.
    assert_eq!(
        located(&reading),
        vec![
            (Code::RequestsDecisionsMismatch, "B3".to_owned()),
            (Code::RequestsDecisionsMismatch, "B4".to_owned()),
            (Code::AgencyAssumed, "A1".to_owned()),
            (Code::DerivedColumn, "L1".to_owned()),
        ]
    );
    let mismatch = message_at(&reading, Code::RequestsDecisionsMismatch, "B3");
    assert!(
        mismatch.contains("64件") && mismatch.contains("89件"),
        "{mismatch}"
    );
}

#[test]
fn sapporo_trend_of_requests_and_processed_as_cp932_csv() {
    let rows: [(&str, u64, u64); 13] = [
        ("平成18年度", 160, 194),
        ("平成19年度", 142, 179),
        ("平成20年度", 124, 163),
        ("平成21年度", 141, 166),
        ("平成22年度", 118, 163),
        ("平成23年度", 141, 213),
        ("平成24年度", 114, 152),
        ("平成25年度", 99, 123),
        ("平成26年度", 105, 134),
        ("平成27年度", 82, 118),
        ("平成28年度", 95, 138),
        ("平成29年度", 86, 146),
        ("平成30年度", 74, 133),
    ];
    let mut table = TableSpec::new(
        "年度",
        vec![Header::leaf("請求件数"), Header::leaf("処理件数")],
    );
    for (label, requests, processed) in rows {
        table = table.row(label, counts(&[requests, processed]));
    }
    let reading = read("札幌市_推移.csv", &table.to_cp932_csv());
    let expected: BTreeSet<Row> = rows
        .iter()
        .enumerate()
        .map(|(offset, (_, requests, _))| {
            (
                2006 + offset as i32,
                WHOLE.to_owned(),
                "disclosure_requests".to_owned(),
                *requests,
            )
        })
        .collect();
    assert_eq!(figures(&reading), expected);
    assert_eq!(cell_of(&reading, 2018, WHOLE, "disclosure_requests"), "B14");
    // 処理件数 has no outcome columns to be checked against, and is never stored.
    assert_eq!(
        located(&reading),
        vec![(Code::AgencyAssumed, "A1".to_owned())]
    );
}

// ---------------------------------------------------------------------------------------------
// 富里市 (HTML): 件 on every cell, and 不開示 carrying its 文書不存在 subset in brackets, 3(3)件.
// The excerpt ends after the first four cells of 令和6年度; 訂正 and 利用停止 are left out and
// 決定の合計 is the sum the corpus notes give (16 + 1 + 3).

#[test]
fn tomisato_ken_suffix_and_bracketed_subset() {
    let table = TableSpec::new(
        "年度",
        vec![
            Header::leaf("請求数"),
            Header::leaf("全部開示決定"),
            Header::leaf("部分開示決定"),
            Header::leaf("不開示決定(うち文書不存在)"),
            Header::leaf("決定の合計"),
        ],
    )
    .row(
        "令和6年度",
        texts(&["18件", "16件", "1件", "3(3)件", "20件"]),
    );
    let reading = read("富里市.html", table.to_html().as_bytes());
    assert_eq!(
        figures(&reading),
        year_of(
            2024,
            WHOLE,
            &[
                ("disclosure_requests", 18),
                ("disclosed", 16),
                ("partially_disclosed", 1),
                ("not_disclosed", 3),
            ]
        )
    );
    assert_eq!(cell_of(&reading, 2024, WHOLE, "not_disclosed"), "E2");
    // The bracketed 3 is a subset the schema has no place for: named, not stored, not an error.
    // Decisions (20) exceed requests (18), as the page explains.
    assert_eq!(
        located(&reading),
        vec![
            (Code::UnknownColumn, "E2".to_owned()),
            (Code::RequestsDecisionsMismatch, "B2".to_owned()),
            (Code::AgencyAssumed, "A1".to_owned()),
        ]
    );
    let subset = message_at(&reading, Code::UnknownColumn, "E2");
    assert!(
        subset.contains("うち文書不存在") && subset.contains("(3)"),
        "{subset}"
    );
    assert!(!reading.has_errors());
}

// ---------------------------------------------------------------------------------------------
// 尾道市 (xlsx): periods as row labels, and 請求 › 開示/訂正/利用停止 meaning request kinds.
// The 令和6年度 row is cut off in the excerpt.

#[test]
fn onomichi_periods_and_request_kinds_under_a_request_group() {
    let g = |leaf| Header::grouped("請求", leaf);
    let table = TableSpec::new(
        "期間",
        vec![
            g("開示"),
            g("訂正"),
            g("利用停止"),
            Header::leaf("苦情申出"),
            Header::leaf("不服申立"),
        ],
    )
    .title("(単位:件)")
    .row("令和4年4月1日~令和5年3月31日", counts(&[68, 0, 0, 0, 0]))
    .row("令和5年4月1日~令和6年3月31日", counts(&[72, 0, 0, 0, 0]));
    let reading = read("尾道市.xlsx", &table.to_xlsx("個人情報"));
    let year = |year, requests| {
        year_of(
            year,
            WHOLE,
            &[
                ("disclosure_requests", requests),
                ("correction_requests", 0),
                ("suspension_requests", 0),
                ("complaints", 0),
                ("appeals", 0),
            ],
        )
    };
    assert_eq!(figures(&reading), union(&[year(2022, 68), year(2023, 72)]));
    assert_eq!(cell_of(&reading, 2023, WHOLE, "disclosure_requests"), "B5");
    assert_eq!(cell_of(&reading, 2022, WHOLE, "suspension_requests"), "D4");
    assert_eq!(
        located(&reading),
        vec![(Code::AgencyAssumed, "A2".to_owned())]
    );
}

// ---------------------------------------------------------------------------------------------
// 尾道市 広報 (HTML): the newsletter's key:value list, i.e. one year across the top and the
// categories down the side, every value with 件.

#[test]
fn onomichi_newsletter_list_transposed_with_ken() {
    let table = TableSpec::new(
        "区分",
        vec![
            Header::leaf("請求件数"),
            Header::leaf("全部開示"),
            Header::leaf("一部開示"),
            Header::leaf("不存在"),
            Header::leaf("取下げ"),
            Header::leaf("却下"),
        ],
    )
    .row(
        "令和4年度",
        texts(&["68件", "59件", "4件", "5件", "0件", "0件"]),
    )
    .transposed();
    let reading = read("広報おのみち.html", table.to_html().as_bytes());
    assert_eq!(
        figures(&reading),
        year_of(
            2022,
            WHOLE,
            &[
                ("disclosure_requests", 68),
                ("disclosed", 59),
                ("partially_disclosed", 4),
                ("nonexistent", 5),
                ("withdrawn", 0),
                ("dismissed", 0),
            ]
        )
    );
    assert_eq!(cell_of(&reading, 2022, WHOLE, "disclosure_requests"), "B2");
    assert_eq!(cell_of(&reading, 2022, WHOLE, "dismissed"), "B7");
    // 68 = 59 + 4 + 5 + 0 + 0: nothing to warn about but the missing 実施機関.
    assert_eq!(
        located(&reading),
        vec![(Code::AgencyAssumed, "A1".to_owned())]
    );
}

// ---------------------------------------------------------------------------------------------
// 倉敷市 (xlsx): years as bare Heisei numbers and blank cells for zero. Rows 12-14 lost their
// empty cells in the excerpt and cannot be placed; 15 is rebuilt from the corpus figures.

fn kurashiki(label: &str) -> TableSpec {
    let g = |leaf| Header::grouped("決定等の状況", leaf);
    TableSpec::new(
        "年度",
        vec![
            Header::leaf("開示等請求"),
            g("開示"),
            g("部分開示"),
            g("不開示"),
            g("中止拒否"),
            g("却下"),
            g("取下げ"),
        ],
    )
    .row(
        label,
        vec![
            Value::Count(42),
            Value::Count(21),
            Value::Count(2),
            Value::Count(19),
            Value::Blank,
            Value::Blank,
            Value::Blank,
        ],
    )
}

#[test]
fn kurashiki_bare_heisei_numbers_are_not_guessed() {
    let reading = read("倉敷市.xlsx", &kurashiki("15").to_xlsx("運用状況"));
    // `15` names no era: refused at its cell, never read as a 実施機関 called 15.
    assert!(reading.has_errors());
    assert!(reading.figures.is_empty(), "{:#?}", reading.figures);
    assert!(located(&reading).contains(&(Code::NoFiscalYear, "A3".to_owned())));
    assert!(message_at(&reading, Code::NoFiscalYear, "A3").contains("15"));
}

#[test]
fn kurashiki_blank_cells_are_zero_once_the_year_is_written_out() {
    let reading = read("倉敷市.xlsx", &kurashiki("平成15年度").to_xlsx("運用状況"));
    assert_eq!(
        figures(&reading),
        year_of(
            2003,
            WHOLE,
            &[
                ("disclosure_requests", 42),
                ("disclosed", 21),
                ("partially_disclosed", 2),
                ("not_disclosed", 19),
                ("dismissed", 0),
                ("withdrawn", 0),
            ]
        )
    );
    assert_eq!(cell_of(&reading, 2003, WHOLE, "withdrawn"), "H3");
    assert_eq!(
        located(&reading),
        vec![
            (Code::UnknownColumn, "F2".to_owned()),
            (Code::AgencyAssumed, "A1".to_owned()),
        ]
    );
    assert!(message_at(&reading, Code::UnknownColumn, "F2").contains("決定等の状況 › 中止拒否"));
}

// ---------------------------------------------------------------------------------------------
// 西宮市 (HTML): a mixed-system table (公文書公開 and 個人情報) with an unlabelled total column.

#[test]
fn nishinomiya_mixed_systems_and_an_unlabelled_total() {
    let table = TableSpec::new(
        "年度",
        vec![
            Header::leaf("公文書公開請求数"),
            Header::leaf("個人情報開示等請求数"),
            Header::leaf(""),
        ],
    )
    .row("令和5年度", texts(&["812", "540", "1,352"]))
    .row("令和6年度", texts(&["782", "557", "1,339"]));
    let reading = read("西宮市.html", table.to_html().as_bytes());
    assert_eq!(
        figures(&reading),
        union(&[
            year_of(2023, WHOLE, &[("disclosure_requests", 540)]),
            year_of(2024, WHOLE, &[("disclosure_requests", 557)]),
        ])
    );
    assert_eq!(cell_of(&reading, 2024, WHOLE, "disclosure_requests"), "C3");
    // The information-disclosure column is named and skipped; the unlabelled column is the sum
    // of the two on every row, so it is a total, noted and not stored.
    assert_eq!(
        located(&reading),
        vec![
            (Code::UnknownColumn, "B1".to_owned()),
            (Code::AgencyAssumed, "A1".to_owned()),
            (Code::DerivedColumn, "D1".to_owned()),
        ]
    );
    assert!(message_at(&reading, Code::UnknownColumn, "B1").contains("公文書公開請求数"));
}

// ---------------------------------------------------------------------------------------------
// 鈴鹿市 表5 (xlsx): 実施機関 › 部局 as rows (市長 only on the first), the year in the title,
// an extra refusal bucket and an unlabelled total column. Rows after 健康福祉部 are cut off.

#[test]
fn suzuka_agencies_as_rows_with_the_year_in_the_title() {
    let rows: [(&str, &str, [u64; 7]); 8] = [
        ("市長", "危機管理部", [0, 0, 0, 0, 0, 0, 0]),
        ("", "政策経営部", [0, 0, 0, 0, 0, 0, 0]),
        ("", "総務部", [2, 0, 0, 0, 1, 0, 3]),
        ("", "地域振興部", [2, 7, 0, 0, 4, 0, 13]),
        ("", "文化スポーツ部", [0, 0, 0, 0, 0, 0, 0]),
        ("", "環境部", [0, 0, 0, 0, 0, 0, 0]),
        ("", "子ども政策部", [0, 0, 0, 0, 0, 0, 0]),
        ("", "健康福祉部", [2, 0, 0, 0, 0, 0, 2]),
    ];
    let mut table = TableSpec::new(
        "実施機関",
        vec![
            Header::leaf("開示"),
            Header::leaf("部分開示"),
            Header::leaf("不開示"),
            Header::leaf("存否応答拒否"),
            Header::leaf("不存在"),
            Header::leaf("その他不開示"),
            Header::leaf(""),
        ],
    )
    .label_column("")
    .title("平成29年度 表5");
    for (body, department, values) in rows {
        table = table.row_labelled(&[body, department], counts(&values));
    }
    let reading = read("鈴鹿市.xlsx", &table.to_xlsx("表5"));
    let expected = union(
        &rows
            .iter()
            .map(|(_, department, v)| {
                year_of(
                    2017,
                    department,
                    &[
                        ("disclosed", v[0]),
                        ("partially_disclosed", v[1]),
                        ("not_disclosed", v[2]),
                        ("refused_to_confirm", v[3]),
                        ("nonexistent", v[4]),
                    ],
                )
            })
            .collect::<Vec<_>>(),
    );
    assert_eq!(figures(&reading), expected);
    assert_eq!(
        cell_of(&reading, 2017, "地域振興部", "partially_disclosed"),
        "D6"
    );
    assert_eq!(cell_of(&reading, 2017, "総務部", "nonexistent"), "G5");
    assert_eq!(
        located(&reading),
        vec![
            (Code::UnknownColumn, "H2".to_owned()),
            (Code::DerivedColumn, "I2".to_owned()),
        ]
    );
    assert!(message_at(&reading, Code::UnknownColumn, "H2").contains("その他不開示"));
}

// ---------------------------------------------------------------------------------------------
// 羽村市 平成17年度 (CP932 CSV): one agency row, the year in the title, 3 + 1 = 4.

#[test]
fn hamura_single_agency_row_in_cp932_csv() {
    let table = TableSpec::new(
        "実施機関",
        vec![
            Header::leaf("請求件数"),
            Header::leaf("開示"),
            Header::leaf("一部開示"),
            Header::leaf("不開示"),
            Header::leaf("不存在"),
            Header::leaf("取下げ"),
        ],
    )
    .title("平成17年度 個人情報保護制度運用状況")
    .row("市長", counts(&[4, 3, 0, 0, 0, 1]));
    let reading = read("hamura.csv", &table.to_cp932_csv());
    assert_eq!(
        figures(&reading),
        year_of(
            2005,
            "市長",
            &[
                ("disclosure_requests", 4),
                ("disclosed", 3),
                ("partially_disclosed", 0),
                ("not_disclosed", 0),
                ("nonexistent", 0),
                ("withdrawn", 1),
            ]
        )
    );
    assert_eq!(cell_of(&reading, 2005, "市長", "withdrawn"), "G3");
    assert!(reading.diagnostics.is_empty(), "{:#?}", reading.diagnostics);
}

// ---------------------------------------------------------------------------------------------
// Layouts whose rows are on an axis the importer does not read: refused row by row, never
// guessed into 実施機関 named after a request type or a month.

#[test]
fn hino_request_types_as_rows_are_refused_row_by_row() {
    // 日野市 表4: 開示 / 訂正 / 消去・廃棄 / 利用中止 down the side, 承諾 … 取下げ across.
    let table = TableSpec::new(
        "区分",
        vec![
            Header::leaf("承諾"),
            Header::leaf("一部承諾"),
            Header::leaf("不承諾"),
            Header::leaf("却下"),
            Header::leaf("取下げ"),
        ],
    )
    .title("令和6年度")
    .row("開示", counts(&[36, 16, 13, 0, 1]))
    .row("訂正", counts(&[1, 0, 0, 0, 0]))
    .row("消去・廃棄", counts(&[0, 0, 0, 0, 0]))
    .row("利用中止", counts(&[0, 0, 0, 0, 0]));
    let reading = read("日野市.xlsx", &table.to_xlsx("表4"));
    assert!(reading.figures.is_empty(), "{:#?}", reading.figures);
    assert!(reading.has_errors());
    assert_eq!(
        located(&reading),
        vec![
            (Code::NoHeader, String::new()),
            (Code::UnknownColumn, "B2".to_owned()),
            (Code::UnknownColumn, "C2".to_owned()),
            (Code::UnknownColumn, "D2".to_owned()),
            (Code::UnknownRow, "A3".to_owned()),
            (Code::UnknownRow, "A4".to_owned()),
            (Code::UnknownRow, "A5".to_owned()),
            (Code::UnknownRow, "A6".to_owned()),
        ]
    );
    assert!(message_at(&reading, Code::UnknownRow, "A5").contains("消去・廃棄"));
}

#[test]
fn suzuka_months_as_rows_are_refused_row_by_row() {
    // 鈴鹿市 表4: 4月 … 3月 in fiscal order, an unlabelled totals row, units in the headers.
    let months: [(&str, [u64; 4]); 12] = [
        ("4月", [2, 0, 2, 27]),
        ("5月", [1, 0, 1, 2]),
        ("6月", [1, 0, 1, 0]),
        ("7月", [3, 0, 3, 7]),
        ("8月", [2, 0, 2, 0]),
        ("9月", [3, 0, 3, 2]),
        ("10月", [4, 0, 4, 0]),
        ("11月", [3, 0, 3, 49]),
        ("12月", [0, 0, 0, 0]),
        ("1月", [2, 0, 3, 2]),
        ("2月", [2, 0, 2, 18]),
        ("3月", [0, 0, 0, 0]),
    ];
    let mut table = TableSpec::new(
        "月",
        vec![
            Header::leaf("請求(件)"),
            Header::leaf("取下げ(件)"),
            Header::leaf("決定(件)"),
            Header::leaf("写しの交付(面)"),
        ],
    )
    .title("平成29年度 表4");
    for (month, values) in months {
        table = table.row(month, counts(&values));
    }
    table = table.row("", counts(&[23, 0, 24, 107]));
    let reading = read("鈴鹿市.xlsx", &table.to_xlsx("表4"));
    assert!(reading.figures.is_empty(), "{:#?}", reading.figures);
    assert!(reading.has_errors());
    let mut refused: Vec<u32> = located(&reading)
        .into_iter()
        .filter(|(code, _)| *code == Code::UnknownRow)
        .map(|(_, cell)| cell[1..].parse().expect("a row number after column A"))
        .collect();
    refused.sort_unstable();
    // Twelve months (rows 3-14) and the totals row (15), which has no rows left to check.
    assert_eq!(refused, (3..=15).collect::<Vec<u32>>());
    assert!(message_at(&reading, Code::UnknownRow, "A3").contains("4月"));
    // 決定 beside a lone 取下げ is not checked as a total of decisions.
    assert!(
        !located(&reading)
            .iter()
            .any(|(code, _)| *code == Code::TotalMismatch)
    );
}
