//! Files an importer must refuse, each with its stable code, the place it is about, and an
//! error severity (so the caller stores nothing of the file). Hostile files are built here by
//! real writers and then damaged, never shipped as opaque fixtures.

mod support;

use std::io::{Cursor, Read, Write};

use mamori_core::Code;
use mamori_ingest::{FileReading, Format, Limits};
use mamori_test_support::{Header, TableSpec, Value};
use rust_xlsxwriter::{Formula, Workbook};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::support::{cell_row, codes, figures_with_cells, read, read_with};

/// `(sheet, cell)` of every diagnostic with this code.
fn places(reading: &FileReading, code: Code) -> Vec<(Option<String>, Option<String>)> {
    reading
        .diagnostics
        .iter()
        .filter(|d| d.code() == code)
        .map(|d| {
            (
                d.location().sheet.clone(),
                d.location().cell.map(|c| c.to_string()),
            )
        })
        .collect()
}

/// Asserts the file is refused with exactly this one diagnostic, about the file as a whole.
fn assert_refused(reading: &FileReading, code: Code) {
    assert_eq!(codes(reading), vec![code], "{:#?}", reading.diagnostics);
    assert!(reading.has_errors());
    assert!(reading.figures.is_empty());
}

fn small_table() -> TableSpec {
    TableSpec::new(
        "年度",
        vec![
            Header::leaf("開示請求"),
            Header::leaf("開示"),
            Header::leaf("一部開示"),
            Header::leaf("不開示"),
        ],
    )
    .row("令和4年度", [5, 3, 1, 1].map(Value::Count).to_vec())
    .row("令和5年度", [4, 2, 2, 0].map(Value::Count).to_vec())
}

/// Rebuilds a zip with one entry's content replaced.
fn rezip(bytes: &[u8], entry: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
    let mut archive = ZipArchive::new(Cursor::new(bytes)).expect("a writer's zip reads");
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).expect("entry reads");
        let name = file.name().expect("entry names are UTF-8").into_owned();
        let mut content = Vec::new();
        file.read_to_end(&mut content).expect("entry inflates");
        if name == entry {
            content = edit(String::from_utf8(content).expect("sheet XML is UTF-8")).into_bytes();
        }
        writer.start_file(name, options).expect("entry starts");
        writer.write_all(&content).expect("entry writes");
    }
    writer.finish().expect("zip finishes").into_inner()
}

/// An archive that looks like an xlsx, with a sheet entry of `sheet_bytes` zeros.
fn zip_bomb(sheet_bytes: usize) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(true);
    writer
        .start_file("[Content_Types].xml", options)
        .expect("entry starts");
    writer
        .write_all(b"<?xml version=\"1.0\"?><Types/>")
        .expect("entry writes");
    writer
        .start_file("xl/workbook.xml", options)
        .expect("entry starts");
    writer
        .write_all(b"<?xml version=\"1.0\"?><workbook/>")
        .expect("entry writes");
    writer
        .start_file("xl/worksheets/sheet1.xml", options)
        .expect("entry starts");
    let chunk = vec![b'0'; 1 << 20];
    let mut left = sheet_bytes;
    while left > 0 {
        let take = left.min(chunk.len());
        writer.write_all(&chunk[..take]).expect("entry writes");
        left -= take;
    }
    writer.finish().expect("zip finishes").into_inner()
}

#[test]
fn a_zero_byte_file_is_empty() {
    let reading = read("市民課.xlsx", b"");
    assert_refused(&reading, Code::EmptyFile);
    assert_eq!(places(&reading, Code::EmptyFile), vec![(None, None)]);
    assert_eq!(reading.diagnostics[0].location().file, "市民課.xlsx");
}

#[test]
fn a_csv_named_xlsx_is_read_as_csv() {
    let reading = read(
        "教育委員会.xlsx",
        small_table().to_delimited(',').as_bytes(),
    );
    assert_eq!(reading.format, Format::Delimited);
    assert!(!reading.has_errors(), "{:#?}", reading.diagnostics);
    assert_eq!(
        figures_with_cells(&reading),
        vec![
            cell_row(2022, "教育委員会", "disclosed", 3, "C2"),
            cell_row(2022, "教育委員会", "disclosure_requests", 5, "B2"),
            cell_row(2022, "教育委員会", "not_disclosed", 1, "E2"),
            cell_row(2022, "教育委員会", "partially_disclosed", 1, "D2"),
            cell_row(2023, "教育委員会", "disclosed", 2, "C3"),
            cell_row(2023, "教育委員会", "disclosure_requests", 4, "B3"),
            cell_row(2023, "教育委員会", "not_disclosed", 0, "E3"),
            cell_row(2023, "教育委員会", "partially_disclosed", 2, "D3"),
        ]
    );
}

#[test]
fn a_png_or_random_binary_named_xlsx_is_unsupported() {
    let mut png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
    png.extend((0..512u32).map(|i| (i * 7 % 256) as u8));
    let reading = read("運用状況.xlsx", &png);
    assert_refused(&reading, Code::UnsupportedFormat);
    assert_eq!(reading.format, Format::Unknown);

    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_refused(&read("運用状況.xlsx", &random), Code::UnsupportedFormat);
}

#[test]
fn a_docx_shaped_zip_is_unsupported() {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    writer
        .start_file("word/document.xml", SimpleFileOptions::default())
        .expect("entry starts");
    writer.write_all(b"<document/>").expect("entry writes");
    let docx = writer.finish().expect("zip finishes").into_inner();
    let reading = read("運用状況.xlsx", &docx);
    assert_refused(&reading, Code::UnsupportedFormat);
    assert_eq!(reading.format, Format::OtherZip);
}

#[test]
fn an_xlsx_cut_in_half_is_corrupt() {
    let whole = small_table().to_xlsx("運用状況");
    let reading = read("運用状況.xlsx", &whole[..whole.len() / 2]);
    assert_refused(&reading, Code::CorruptFile);
}

#[test]
fn a_zip_bomb_is_refused_by_its_compression_ratio() {
    // 20 MiB of one byte deflates to a few KiB: far above the standard ratio limit.
    let bomb = zip_bomb(20 << 20);
    assert!(bomb.len() < 200_000, "{}", bomb.len());
    let reading = read("運用状況.xlsx", &bomb);
    assert_refused(&reading, Code::ArchiveTooLarge);
    assert!(
        reading.diagnostics[0]
            .message()
            .contains("xl/worksheets/sheet1.xml"),
        "{}",
        reading.diagnostics[0].message()
    );
}

#[test]
fn an_entry_above_the_size_limit_is_refused_whatever_its_ratio() {
    let limits = Limits {
        max_uncompressed_entry_bytes: 1 << 20,
        ..Limits::standard()
    };
    let reading = read_with("運用状況.xlsx", &zip_bomb(2 << 20), &limits);
    assert_refused(&reading, Code::ArchiveTooLarge);
    let total = Limits {
        max_uncompressed_total_bytes: 1 << 20,
        ..Limits::standard()
    };
    assert_refused(
        &read_with("運用状況.xlsx", &zip_bomb(2 << 20), &total),
        Code::ArchiveTooLarge,
    );
}

#[test]
fn a_file_above_the_size_limit_is_refused_before_parsing() {
    let limits = Limits {
        max_file_bytes: 1024,
        ..Limits::standard()
    };
    let bytes = small_table().to_xlsx("運用状況");
    assert!(bytes.len() > 1024);
    assert_refused(
        &read_with("運用状況.xlsx", &bytes, &limits),
        Code::FileTooLarge,
    );
}

#[test]
fn a_sheet_claiming_the_whole_grid_is_refused_without_reading_it() {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name("巨大").expect("valid name");
    worksheet.write_string(0, 0, "年度").expect("A1");
    worksheet
        .write_number(1_048_575, 16_383, 1.0)
        .expect("XFD1048576 is the last cell");
    let bytes = workbook.save_to_buffer().expect("saves");
    let reading = read("運用状況.xlsx", &bytes);
    assert_refused(&reading, Code::SheetTooLarge);
    assert_eq!(
        places(&reading, Code::SheetTooLarge),
        vec![(Some("巨大".to_owned()), None)]
    );
    assert!(
        reading.diagnostics[0].message().contains("A1:XFD1048576"),
        "{}",
        reading.diagnostics[0].message()
    );
}

#[test]
fn an_ods_whose_repeats_claim_the_whole_grid_is_refused() {
    // One cell repeated across 16,384 columns and 1,048,576 rows: 1 KB on disk, 17 billion
    // cells if expanded.
    let content = concat!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content"#,
        r#" xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0""#,
        r#" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0""#,
        r#" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">"#,
        r#"<office:body><office:spreadsheet><table:table table:name="S">"#,
        r#"<table:table-row table:number-rows-repeated="1048576">"#,
        r#"<table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1">"#,
        r#"<text:p>1</text:p></table:table-cell></table:table-row></table:table>"#,
        r#"</office:spreadsheet></office:body></office:document-content>"#
    );
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    writer.start_file("mimetype", stored).expect("mimetype");
    writer
        .write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .expect("write mimetype");
    writer
        .start_file("content.xml", SimpleFileOptions::default())
        .expect("content");
    writer.write_all(content.as_bytes()).expect("write content");
    writer
        .start_file("META-INF/manifest.xml", SimpleFileOptions::default())
        .expect("manifest");
    writer
        .write_all(
            concat!(
                r#"<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">"#,
                r#"<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>"#,
                r#"</manifest:manifest>"#
            )
            .as_bytes(),
        )
        .expect("write manifest");
    let bytes = writer.finish().expect("zip").into_inner();
    let reading = read("運用状況.ods", &bytes);
    assert_eq!(reading.format, Format::Ods);
    assert_refused(&reading, Code::SheetTooLarge);
}

#[test]
fn a_formula_without_a_cached_value_names_its_sheet_and_cell() {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name("集計").expect("valid name");
    small_table().write_to(worksheet).expect("fits");
    // 令和5年度 › 開示 (C3) as a formula; the writer stores a result of 0, removed below as a
    // file saved by a program that never calculates would have it.
    worksheet
        .write_formula(2, 2, Formula::new("=B3-D3-E3"))
        .expect("C3");
    let bytes = workbook.save_to_buffer().expect("saves");
    let damaged = rezip(&bytes, "xl/worksheets/sheet1.xml", |xml| {
        assert!(xml.contains("<f>B3-D3-E3</f><v>0</v>"), "{xml}");
        xml.replace("<f>B3-D3-E3</f><v>0</v>", "<f>B3-D3-E3</f>")
    });
    let reading = read("運用状況.xlsx", &damaged);
    assert!(reading.has_errors());
    assert_eq!(
        places(&reading, Code::FormulaWithoutValue),
        vec![(Some("集計".to_owned()), Some("C3".to_owned()))]
    );
}

#[test]
fn a_csv_in_euc_jp_is_refused() {
    let text = small_table().to_delimited(',');
    let (euc, _, unmappable) = encoding_rs::EUC_JP.encode(&text);
    assert!(!unmappable);
    let reading = read("運用状況.csv", &euc);
    assert_refused(&reading, Code::UnknownEncoding);
    assert_eq!(reading.format, Format::Delimited);
}

#[test]
fn a_latin1_csv_is_not_taken_for_shift_jis() {
    let reading = read("report.csv", b"Ann\xe9e,Demandes,Accord\r\n2022,3,2\r\n");
    assert_refused(&reading, Code::UnknownEncoding);
}

#[test]
fn an_html_page_without_a_table_has_no_table() {
    let page = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>運用状況</title></head>\
                <body><h1>令和4年度 運用状況</h1><p><img src=\"table.png\" alt=\"\"></p></body></html>";
    assert_refused(&read("unyo.html", page.as_bytes()), Code::NoTable);
}

#[test]
fn bad_cells_in_a_recognised_table_are_named_one_by_one() {
    let table = TableSpec::new(
        "年度",
        vec![
            Header::leaf("開示請求"),
            Header::leaf("開示"),
            Header::leaf("一部開示"),
            Header::leaf("不開示"),
        ],
    )
    .row("令和2年度", [1, 1, 0, 0].map(Value::Count).to_vec())
    .row("令和3年度", [2, 2, 0, 0].map(Value::Count).to_vec())
    .row("令和4年度", [3, 3, 0, 0].map(Value::Count).to_vec())
    .row("令和5年度", [4, 4, 0, 0].map(Value::Count).to_vec());
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name("運用状況").expect("valid name");
    table.write_to(worksheet).expect("fits");
    worksheet.write_string(1, 1, "不明").expect("B2");
    worksheet.write_number(2, 2, -1.0).expect("C3");
    worksheet.write_number(3, 3, 2.5).expect("D4");
    worksheet
        .write_formula(4, 4, Formula::new("=Sheet9!A1").set_result("#REF!"))
        .expect("E5");
    let reading = read("運用状況.xlsx", &workbook.save_to_buffer().expect("saves"));
    assert!(reading.has_errors());
    let sheet = Some("運用状況".to_owned());
    for (code, cell) in [
        (Code::NotANumber, "B2"),
        (Code::NegativeNumber, "C3"),
        (Code::FractionalNumber, "D4"),
        (Code::ErrorCell, "E5"),
    ] {
        assert_eq!(
            places(&reading, code),
            vec![(sheet.clone(), Some(cell.to_owned()))],
            "{code}: {:#?}",
            reading.diagnostics
        );
    }
    // The good cells of the same rows still read, for the message to staff; nothing is stored.
    assert!(
        reading
            .figures
            .iter()
            .any(|f| f.provenance.cell_text() == "C2")
    );
}

#[test]
fn excel_error_text_in_a_csv_is_an_error_cell() {
    let table = small_table().row(
        "令和6年度",
        vec![
            Value::Text("#DIV/0!".to_owned()),
            Value::Count(1),
            Value::Text("△1".to_owned()),
            Value::Text("1.5".to_owned()),
        ],
    );
    let reading = read("運用状況.csv", table.to_delimited(',').as_bytes());
    assert!(reading.has_errors());
    for (code, cell) in [
        (Code::ErrorCell, "B4"),
        (Code::NegativeNumber, "D4"),
        (Code::FractionalNumber, "E4"),
    ] {
        assert_eq!(
            places(&reading, code),
            vec![(None, Some(cell.to_owned()))],
            "{code}"
        );
    }
}

#[test]
fn the_same_figure_twice_with_different_values_conflicts() {
    let first = small_table();
    let mut second = small_table();
    second.rows[0].1[1] = Value::Count(4);
    let bytes = mamori_test_support::xlsx_with_sheets(&[("4月集計", &first), ("再集計", &second)]);
    let reading = read("市長部局.xlsx", &bytes);
    assert!(reading.has_errors());
    assert_eq!(
        places(&reading, Code::ConflictingDuplicate),
        vec![(Some("再集計".to_owned()), Some("C2".to_owned()))]
    );
    let message = reading
        .diagnostics
        .iter()
        .find(|d| d.code() == Code::ConflictingDuplicate)
        .map(|d| d.message().to_owned())
        .unwrap_or_default();
    assert!(
        message.contains("（3）") && message.contains("（4）"),
        "{message}"
    );
    // The same value twice is only noted.
    assert_eq!(
        places(&reading, Code::RepeatedValue).len(),
        7,
        "{:#?}",
        reading.diagnostics
    );
}

#[test]
fn an_ole_file_with_an_encrypted_package_is_password_protected() {
    // The directory of a password-protected xlsx names its stream `EncryptedPackage` (UTF-16).
    let mut cfb = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    cfb.resize(512, 0);
    cfb.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    cfb.resize(1536, 0);
    let reading = read("運用状況.xlsx", &cfb);
    assert_refused(&reading, Code::PasswordProtected);
    assert_eq!(reading.format, Format::EncryptedOoxml);
}

#[test]
fn html_spans_claiming_millions_of_cells_are_refused() {
    let cell = r#"<td colspan="1000" rowspan="1000">開示請求</td>"#;
    let html = format!(
        "<html><body><table><tr>{cell}</tr><tr>{cell}</tr><tr>{cell}</tr><tr>{cell}</tr></table></body></html>"
    );
    let reading = read("page.html", html.as_bytes());
    assert_refused(&reading, Code::SheetTooLarge);
}

/// Limits that make every xlsx stream from its compressed parts instead of being repacked.
fn streamed() -> Limits {
    Limits {
        max_repacked_bytes: 0,
        ..Limits::standard()
    }
}

/// The same bytes with the recorded checksum of one entry changed, in its local header and in
/// the central directory: the content inflates, but no longer matches its checksum.
fn with_wrong_checksum(bytes: &[u8], entry: &str) -> Vec<u8> {
    let mut damaged = bytes.to_vec();
    let name = entry.as_bytes();
    let mut changed = 0;
    for (signature, name_offset, crc_offset) in [
        (b"PK\x03\x04", 30, 14), // local file header
        (b"PK\x01\x02", 46, 16), // central directory header
    ] {
        let mut at = 0;
        while let Some(found) = damaged[at..]
            .windows(4)
            .position(|window| window == signature)
        {
            let start = at + found;
            at = start + 4;
            if damaged.get(start + name_offset..start + name_offset + name.len()) == Some(name) {
                damaged[start + crc_offset] ^= 0x5a;
                changed += 1;
            }
        }
    }
    assert_eq!(changed, 2, "both headers of {entry} found");
    damaged
}

#[test]
fn a_sheet_that_fails_its_checksum_is_corrupt_whether_repacked_or_streamed() {
    let whole = small_table().to_xlsx("運用状況");
    let damaged = with_wrong_checksum(&whole, "xl/worksheets/sheet1.xml");
    assert_refused(&read("運用状況.xlsx", &damaged), Code::CorruptFile);
    assert_refused(
        &read_with("運用状況.xlsx", &damaged, &streamed()),
        Code::CorruptFile,
    );
    // The undamaged file reads the same both ways, merged group headers included.
    let grouped = TableSpec::new(
        "年度",
        vec![
            Header::leaf("開示請求"),
            Header::grouped("処理の状況", "開示"),
            Header::grouped("処理の状況", "一部開示"),
            Header::grouped("処理の状況", "不開示"),
        ],
    )
    .title("令和5年度 市長 個人情報の開示請求等の運用状況")
    .row("令和4年度", [5, 3, 1, 1].map(Value::Count).to_vec())
    .row("令和5年度", [4, 2, 2, 0].map(Value::Count).to_vec())
    .to_xlsx("運用状況");
    let repacked = read("運用状況.xlsx", &grouped);
    let streamed = read_with("運用状況.xlsx", &grouped, &streamed());
    assert_eq!(figures_with_cells(&repacked).len(), 8);
    assert_eq!(figures_with_cells(&repacked), figures_with_cells(&streamed));
    assert_eq!(repacked.diagnostics, streamed.diagnostics);
}
