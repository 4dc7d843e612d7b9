//! Broken, hostile and unsupported inputs give an error with a stable code and the file name,
//! never a panic or a hang.

use mamori_audit::AuditError;
use mamori_audit::eval::parse_labels;
use mamori_audit::ruleset::Ruleset;
use mamori_audit::source::SourceText;
use mamori_test_support::document::{NumberFormat, pdf_without_text, pdftotext, zip_parts};

use crate::docx::annex_docx;

fn code_of(result: Result<SourceText, AuditError>) -> String {
    match result {
        Ok(source) => panic!("expected an error, read {} characters", source.text().len()),
        Err(error) => {
            assert!(
                error.to_string().contains("入力")
                    || error.code() == "E-AUDIT-014"
                    || error.code() == "E-AUDIT-015",
                "the message names the file: {error}"
            );
            error.code().to_owned()
        }
    }
}

fn read(bytes: &[u8]) -> Result<SourceText, AuditError> {
    SourceText::from_bytes("入力.docx", bytes)
}

/// A CFB header followed by a directory entry name in UTF-16LE.
fn cfb_with_stream(name: &str) -> Vec<u8> {
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.resize(512, 0);
    bytes.extend(name.encode_utf16().flat_map(u16::to_le_bytes));
    bytes.resize(2048, 0);
    bytes
}

#[test]
fn empty_files_are_empty() {
    assert_eq!(code_of(read(b"")), "E-AUDIT-001");
    assert_eq!(code_of(read(b" \r\n\t ")), "E-AUDIT-001");
}

#[test]
fn legacy_word_files_ask_to_save_as_docx() {
    let error = read(&cfb_with_stream("WordDocument")).expect_err("a .doc");
    assert_eq!(error.code(), "E-AUDIT-002");
    assert!(error.to_string().contains(".docx"), "{error}");
}

#[test]
fn encrypted_office_files_are_password_protected() {
    assert_eq!(
        code_of(read(&cfb_with_stream("EncryptedPackage"))),
        "E-AUDIT-003"
    );
}

#[test]
fn truncated_zip_is_corrupt() {
    let bytes = annex_docx(NumberFormat::Decimal);
    assert_eq!(code_of(read(&bytes[..bytes.len() / 2])), "E-AUDIT-004");
    assert_eq!(code_of(read(&bytes[..10])), "E-AUDIT-004");
}

#[test]
fn zip_bomb_is_refused_before_decompression() {
    // 16 MiB of one byte deflates to a few KiB: a ratio no contract has.
    let bytes = zip_parts(&[("word/document.xml", vec![b'a'; 16 << 20].as_slice())]);
    assert!(bytes.len() < 200_000, "the bomb is small: {}", bytes.len());
    assert_eq!(code_of(read(&bytes)), "E-AUDIT-005");
}

#[test]
fn a_zip_without_a_word_body_is_not_a_word_document() {
    let bytes = zip_parts(&[("xl/workbook.xml", b"<workbook/>".as_slice())]);
    assert_eq!(code_of(read(&bytes)), "E-AUDIT-006");
}

#[test]
fn malformed_document_xml_is_reported_with_the_part() {
    let bytes = zip_parts(&[(
        "word/document.xml",
        b"<w:document xmlns:w=\"w\"><w:body><w:p><w:r></w:p></w:body>".as_slice(),
    )]);
    let error = read(&bytes).expect_err("malformed");
    assert_eq!(error.code(), "E-AUDIT-007");
    assert!(error.to_string().contains("word/document.xml"), "{error}");
}

#[test]
fn pdf_bytes_need_their_text_extracted_by_the_caller() {
    assert_eq!(
        code_of(read(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj")),
        "E-AUDIT-008"
    );
}

#[test]
fn binary_junk_is_an_unsupported_format() {
    assert_eq!(
        code_of(read(&[0x00, 0x01, 0x02, 0x03, 0xFF, 0x00, 0x10])),
        "E-AUDIT-009"
    );
}

#[test]
fn text_in_an_unknown_encoding_is_undecodable() {
    assert_eq!(
        code_of(read(&[0x82, 0xFF, 0xFF, 0x82, 0xA0, 0xFD])),
        "E-AUDIT-010"
    );
}

#[test]
fn a_text_layer_with_almost_nothing_looks_scanned() {
    let error = SourceText::from_pdf_text("入力.pdf", " \n\u{c}\n 1 \n").expect_err("scanned");
    assert_eq!(error.code(), "E-AUDIT-011");
    assert!(error.to_string().contains("入力.pdf"));
}

#[test]
fn a_scanned_pdf_through_pdftotext_looks_scanned() {
    let text = pdftotext(&pdf_without_text());
    let error = SourceText::from_pdf_text("入力.pdf", &text).expect_err("no text layer");
    assert_eq!(error.code(), "E-AUDIT-011");
}

#[test]
fn a_text_layer_of_unmapped_glyphs_is_poor() {
    let garbage: String = "乙は\u{E000}\u{E001}\u{FFFD}⺠".repeat(20);
    let error = SourceText::from_pdf_text("入力.pdf", &garbage).expect_err("garbage");
    assert_eq!(error.code(), "E-AUDIT-012");
}

#[test]
fn broken_rulesets_and_labels_have_their_own_codes() {
    let error = Ruleset::from_toml("name = \"x\"\nversion = \"1\"").expect_err("incomplete");
    assert_eq!(error.code(), "E-AUDIT-014");
    let bad_pattern =
        Ruleset::standard_source().replace("'(?:秘密|機密)[^。]{0,30}努め',", "'(?:秘密',");
    let error = Ruleset::from_toml(&bad_pattern).expect_err("bad regex");
    assert_eq!(error.code(), "E-AUDIT-014");
    assert!(
        error.to_string().contains("A6-01-1"),
        "names the rule: {error}"
    );
    let unknown_term = Ruleset::standard_source().replace("{禁}", "{禁止語}");
    assert_eq!(
        Ruleset::from_toml(&unknown_term)
            .expect_err("unknown term")
            .code(),
        "E-AUDIT-014"
    );
    assert_eq!(
        parse_labels("{").expect_err("not json").code(),
        "E-AUDIT-015"
    );
}
