//! CSV and TSV: the encoding is detected (UTF-8 with or without BOM, UTF-16 with BOM, CP932), the
//! delimiter guessed from the first lines, and ragged rows accepted.

use encoding_rs::{Encoding, SHIFT_JIS, UTF_8, UTF_16BE, UTF_16LE};
use mamori_core::{Code, Figure};

use crate::DiagnosticSeed;
use crate::grid::{BufferedRows, Cell, Row};
use crate::layout::{self, FileContext, SheetMeta};

/// Reads delimited text as one sheet without a name.
pub fn read(
    bytes: &[u8],
    context: &FileContext<'_>,
) -> Result<(Vec<Figure>, Vec<DiagnosticSeed>), DiagnosticSeed> {
    let text = decode(bytes)?;
    let delimiter = guess_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    // Rows are numbered as a spreadsheet shows the file: a blank line is a row (the csv reader
    // skips it), and a quoted line break stays inside its cell.
    let record_rows = record_rows(&text, delimiter);
    for (number, record) in reader.records().enumerate() {
        let index = record_rows
            .get(number)
            .copied()
            .unwrap_or(u32::try_from(number).unwrap_or(u32::MAX));
        let record = record.map_err(|error| {
            DiagnosticSeed::file(
                Code::CorruptFile,
                format!("{}行目を区切れません（{error}）", u64::from(index) + 1),
            )
        })?;
        if record.len() as u32 > context.options.limits.max_columns {
            return Err(DiagnosticSeed::file(
                Code::SheetTooLarge,
                format!(
                    "{}行目の列数（{}）が上限（{}）を超えます",
                    index + 1,
                    record.len(),
                    context.options.limits.max_columns
                ),
            ));
        }
        let cells: Vec<(u32, Cell)> = record
            .iter()
            .enumerate()
            .filter(|(_, field)| !field.trim().is_empty())
            .map(|(column, field)| (column as u32, Cell::Text(field.to_owned())))
            .collect();
        if !cells.is_empty() {
            rows.push(Row { index, cells });
        }
    }
    let meta = SheetMeta {
        name: None,
        merges: Vec::new(),
        titles: Vec::new(),
    };
    let outcome = layout::read_sheet(context, &meta, &mut BufferedRows::new(rows))?;
    Ok((outcome.figures, outcome.seeds))
}

/// The 0-based spreadsheet row of each record the csv reader yields: every line that is not
/// empty starts a record, and a line break inside a quoted field does not start a line.
fn record_rows(text: &str, delimiter: u8) -> Vec<u32> {
    let delimiter = char::from(delimiter);
    let mut rows = Vec::new();
    let mut row: u32 = 0;
    let mut line_empty = true;
    let mut in_quotes = false;
    let mut at_field_start = true;
    let mut characters = text.chars().peekable();
    while let Some(character) = characters.next() {
        if in_quotes {
            if character == '"' {
                if characters.peek() == Some(&'"') {
                    characters.next();
                } else {
                    in_quotes = false;
                }
            }
            continue;
        }
        match character {
            '\r' if characters.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                row = row.saturating_add(1);
                line_empty = true;
                at_field_start = true;
            }
            _ => {
                if line_empty {
                    rows.push(row);
                    line_empty = false;
                }
                if character == '"' && at_field_start {
                    in_quotes = true;
                }
                at_field_start = character == delimiter;
            }
        }
    }
    rows
}

/// Decodes text in the encodings departments' spreadsheets save.
pub fn decode(bytes: &[u8]) -> Result<String, DiagnosticSeed> {
    if let Some((encoding, bom_length)) = Encoding::for_bom(bytes) {
        let body = &bytes[bom_length..];
        let decoded = if encoding == UTF_8 {
            UTF_8.decode_without_bom_handling_and_without_replacement(body)
        } else if encoding == UTF_16LE || encoding == UTF_16BE {
            encoding.decode_without_bom_handling_and_without_replacement(body)
        } else {
            None
        };
        return decoded
            .map(|text| text.into_owned())
            .ok_or_else(|| unknown_encoding("BOM と内容が合いません"));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(
        &bytes[..bytes.len().min(64 * 1024)],
        bytes.len() <= 64 * 1024,
    );
    let guess = detector.guess(Some(b"jp"), chardetng::Utf8Detection::Allow);
    if guess != SHIFT_JIS {
        return Err(unknown_encoding(&format!(
            "{} と推定されました",
            guess.name()
        )));
    }
    let text = SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| text.into_owned())
        .ok_or_else(|| unknown_encoding("Shift_JIS (CP932) として読めないバイトがあります"))?;
    if !plausibly_japanese(&text) {
        return Err(unknown_encoding(
            "Shift_JIS (CP932) として読むと、かな・常用の漢字がほとんどない文字列になります",
        ));
    }
    Ok(text)
}

/// Whether text decoded as CP932 reads as Japanese: most of its non-ASCII characters are kana,
/// full-width forms, punctuation or JIS level-1 kanji. A short Latin-1 or EUC-JP file also
/// decodes as CP932, but into half-width katakana and rare level-2 kanji (`Année` → `Ann馥e`).
fn plausibly_japanese(text: &str) -> bool {
    let mut common = 0usize;
    let mut other = 0usize;
    let mut buffer = [0u8; 4];
    for character in text.chars().filter(|c| !c.is_ascii()) {
        let (bytes, _, unmappable) = SHIFT_JIS.encode(character.encode_utf8(&mut buffer));
        match bytes.first() {
            // Symbols and punctuation (0x81), full-width digits, letters and kana (0x82-0x84),
            // JIS level-1 kanji (0x88-0x98) and the NEC row 13 symbols (0x87).
            Some(0x81..=0x84 | 0x87..=0x98) if !unmappable => common += 1,
            _ => other += 1,
        }
    }
    common > 0 && common >= other
}

fn unknown_encoding(detail: &str) -> DiagnosticSeed {
    DiagnosticSeed::file(
        Code::UnknownEncoding,
        format!(
            "文字コードが UTF-8 でも Shift_JIS (CP932) でもありません（{detail}）。Excel の「名前を付けて保存」で「CSV UTF-8（コンマ区切り）」を選んで保存し直してください"
        ),
    )
}

fn guess_delimiter(text: &str) -> u8 {
    let head: Vec<&str> = text.lines().take(20).collect();
    let tabs: usize = head.iter().map(|line| line.matches('\t').count()).sum();
    let commas: usize = head.iter().map(|line| line.matches(',').count()).sum();
    if tabs > commas { b'\t' } else { b',' }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf8_with_and_without_bom_and_cp932() {
        let text = "年度,開示請求\n令和4年度,3\n";
        assert_eq!(decode(text.as_bytes()).as_deref(), Ok(text));
        let with_bom = [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat();
        assert_eq!(decode(&with_bom).as_deref(), Ok(text));
        let (cp932, _, unmappable) = SHIFT_JIS.encode(text);
        assert!(!unmappable);
        assert_eq!(decode(&cp932).as_deref(), Ok(text));
    }

    #[test]
    fn records_are_numbered_like_spreadsheet_rows() {
        let text = "年度,開示請求,\"一部\r\n開示\"\r\n\r\n令和5年度,3,\"2\"\"\"\r\n\n令和6年度,4,1";
        assert_eq!(record_rows(text, b','), vec![0, 2, 4]);
        assert_eq!(record_rows("a\tb\n\nc\td\n", b'\t'), vec![0, 2]);
    }

    #[test]
    fn refuses_other_encodings() {
        let (euc, _, _) = encoding_rs::EUC_JP.encode(
            "年度,開示請求,一部開示,不開示,取下げ\n令和4年度,3,1,0,0\n平成30年度,5,2,1,0\n",
        );
        assert_eq!(
            decode(&euc).map_err(|seed| seed.code),
            Err(Code::UnknownEncoding)
        );
        let latin1 = b"Ann\xe9e,Demandes\n2022,3\n";
        assert_eq!(
            decode(latin1).map_err(|seed| seed.code),
            Err(Code::UnknownEncoding)
        );
    }
}
