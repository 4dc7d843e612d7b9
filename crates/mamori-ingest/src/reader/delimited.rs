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
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|error| {
            DiagnosticSeed::file(
                Code::CorruptFile,
                format!("{}行目を区切れません（{error}）", index + 1),
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
            rows.push(Row {
                index: index as u32,
                cells,
            });
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
    SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| text.into_owned())
        .ok_or_else(|| unknown_encoding("Shift_JIS (CP932) として読めないバイトがあります"))
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
