//! Reading a count from a cell: numbers, `3件`, `1,234`, full-width digits, and the zero markers
//! `－ ― - ー` and blank; everything else is an error that names the cell.

use mamori_core::Code;
use mamori_core::text::fold_label;

use crate::grid::Cell;

/// Why a cell is not a count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub code: Code,
    pub message: String,
}

/// Reads a count. `Cell::Empty` is 0: the caller only asks for cells inside a recognised row.
pub fn read_count(cell: &Cell) -> Result<u64, ValueError> {
    match cell {
        Cell::Empty => Ok(0),
        Cell::Number(number) => count_from_number(*number, &cell.label()),
        Cell::Text(text) => count_from_text(text),
        Cell::Date(date) => Err(ValueError {
            code: Code::NotANumber,
            message: format!("日付（{date}）は件数として読めません"),
        }),
        Cell::Bool(value) => Err(ValueError {
            code: Code::NotANumber,
            message: format!("真偽値（{value}）は件数として読めません"),
        }),
        Cell::Error(error) => Err(ValueError {
            code: Code::ErrorCell,
            message: format!("セルがエラー値「{error}」です。元の表で数式を直して保存し直してください"),
        }),
        Cell::Missing => Err(ValueError {
            code: Code::MissingCell,
            message: "この行はセルが表の幅より少なく（空のセルが消えている）、この位置の値が分かりません。元の表で空欄を 0 か － で埋めてください"
                .to_owned(),
        }),
        Cell::FormulaWithoutValue => Err(ValueError {
            code: Code::FormulaWithoutValue,
            message: "数式の計算結果がファイルに保存されていません。Excel で開いて再計算し、保存し直してください"
                .to_owned(),
        }),
    }
}

fn count_from_number(number: f64, shown: &str) -> Result<u64, ValueError> {
    if !number.is_finite() {
        return Err(ValueError {
            code: Code::NotANumber,
            message: format!("「{shown}」は件数として読めません"),
        });
    }
    if number < 0.0 {
        return Err(ValueError {
            code: Code::NegativeNumber,
            message: format!("件数が負の数（{shown}）です"),
        });
    }
    if number.fract() != 0.0 {
        return Err(ValueError {
            code: Code::FractionalNumber,
            message: format!("件数が整数ではありません（{shown}）"),
        });
    }
    if number > 1e15 {
        return Err(ValueError {
            code: Code::NotANumber,
            message: format!("「{shown}」は件数として大きすぎます"),
        });
    }
    Ok(number as u64)
}

/// The error values Excel shows, which a CSV export writes as text.
const EXCEL_ERRORS: &[&str] = &[
    "#REF!", "#DIV/0!", "#VALUE!", "#N/A", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
];

/// Reads `3(3)件` as the count before the bracket and the text inside it: a subset the header
/// announces (`不開示決定(うち文書不存在)`). `None` unless both parts read as counts.
pub fn read_count_with_subset(cell: &Cell) -> Option<(u64, String)> {
    let Cell::Text(text) = cell else {
        return None;
    };
    let folded = fold_label(text);
    let body = folded.strip_suffix('件').unwrap_or(&folded);
    let inner_with_close = body.strip_suffix(')')?;
    let open = inner_with_close.find('(')?;
    let (main, inner) = (&inner_with_close[..open], &inner_with_close[open + 1..]);
    if main.is_empty() {
        return None;
    }
    let count = count_from_text(main).ok()?;
    count_from_text(inner).ok()?;
    Some((count, inner.to_owned()))
}

fn count_from_text(text: &str) -> Result<u64, ValueError> {
    let folded = fold_label(text);
    let not_a_number = || ValueError {
        code: Code::NotANumber,
        message: format!("「{}」は件数として読めません", text.trim()),
    };
    if folded.is_empty() || matches!(folded.as_str(), "-" | "--" | "‐" | "−") {
        return Ok(0);
    }
    if let Some(error) = EXCEL_ERRORS
        .iter()
        .find(|error| text.trim().eq_ignore_ascii_case(error))
    {
        return Err(ValueError {
            code: Code::ErrorCell,
            message: format!(
                "セルがエラー値「{error}」です（CSV に書き出された数式のエラー）。元の表で数式を直して保存し直してください"
            ),
        });
    }
    // Spaces inside a count join separate numbers (`3 5` from a cell with a line break); they
    // are never thousands separators in a Japanese table.
    let without_unit = text.trim().trim_end_matches('件').trim_end();
    if without_unit.contains(char::is_whitespace) {
        return Err(not_a_number());
    }
    let body = folded.strip_suffix('件').unwrap_or(&folded);
    let negative = body.starts_with(['△', '▲', '-']);
    let body = body.trim_start_matches(['△', '▲', '-']);
    if body.is_empty() {
        return Err(not_a_number());
    }
    // Thousands separators only between groups of three digits.
    let (integer, fraction) = match body.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (body, None),
    };
    let groups: Vec<&str> = integer.split(',').collect();
    let grouped_well = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    if !grouped_well || !groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit())) {
        return Err(not_a_number());
    }
    let digits: String = groups.concat();
    if digits.is_empty() || digits.len() > 15 {
        return Err(not_a_number());
    }
    if negative {
        return Err(ValueError {
            code: Code::NegativeNumber,
            message: format!("件数が負の数（{}）です", text.trim()),
        });
    }
    if let Some(fraction) = fraction {
        if !fraction.bytes().all(|b| b.is_ascii_digit()) || fraction.is_empty() {
            return Err(not_a_number());
        }
        // `5.0` is a whole number written by a tool; `1.000` may be 1,000 with a period, so it
        // is not read at all.
        if fraction.len() > 1 && fraction.bytes().all(|b| b == b'0') {
            return Err(ValueError {
                code: Code::NotANumber,
                message: format!(
                    "「{}」は件数として読めません（桁区切りはカンマで書いてください）",
                    text.trim()
                ),
            });
        }
        if fraction.bytes().any(|b| b != b'0') {
            return Err(ValueError {
                code: Code::FractionalNumber,
                message: format!("件数が整数ではありません（{}）", text.trim()),
            });
        }
    }
    digits.parse().map_err(|_| not_a_number())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> Result<u64, Code> {
        read_count(&Cell::Text(value.to_owned())).map_err(|error| error.code)
    }

    #[test]
    fn reads_the_written_forms_of_a_count() {
        assert_eq!(text("3"), Ok(3));
        assert_eq!(text("3件"), Ok(3));
        assert_eq!(text("１２"), Ok(12));
        assert_eq!(text("１２件"), Ok(12));
        assert_eq!(text("1,234"), Ok(1234));
        assert_eq!(text(" 7 "), Ok(7));
        assert_eq!(text("5.0"), Ok(5));
        assert_eq!(text("3 件"), Ok(3));
        for zero in ["－", "―", "-", "ー", "", "　", "‐"] {
            assert_eq!(text(zero), Ok(0), "{zero:?}");
        }
        assert_eq!(read_count(&Cell::Empty).map_err(|e| e.code), Ok(0));
        assert_eq!(read_count(&Cell::Number(41.0)).map_err(|e| e.code), Ok(41));
    }

    #[test]
    fn splits_a_bracketed_subset_only_when_both_parts_are_counts() {
        let subset = |value: &str| read_count_with_subset(&Cell::Text(value.to_owned()));
        assert_eq!(subset("3(3)件"), Some((3, "3".to_owned())));
        assert_eq!(subset("120 (3)"), Some((120, "3".to_owned())));
        assert_eq!(subset("１２（４）件"), Some((12, "4".to_owned())));
        assert_eq!(subset("3"), None);
        assert_eq!(subset("(3)"), None);
        assert_eq!(subset("3(79.5%)"), None);
        assert_eq!(subset("不明(3)"), None);
    }

    #[test]
    fn refuses_what_is_not_a_count() {
        assert_eq!(text("不明"), Err(Code::NotANumber));
        assert_eq!(text("1,23"), Err(Code::NotANumber));
        assert_eq!(text("△5"), Err(Code::NegativeNumber));
        assert_eq!(text("-3"), Err(Code::NegativeNumber));
        assert_eq!(text("2.5"), Err(Code::FractionalNumber));
        assert_eq!(text("3(3)"), Err(Code::NotANumber));
        assert_eq!(
            text("3 5"),
            Err(Code::NotANumber),
            "two numbers glued by a line break"
        );
        assert_eq!(text("3 5件"), Err(Code::NotANumber));
        assert_eq!(
            text("1.000"),
            Err(Code::NotANumber),
            "a period as a thousands separator"
        );
        assert_eq!(text("#REF!"), Err(Code::ErrorCell));
        assert_eq!(text("#DIV/0!"), Err(Code::ErrorCell));
        assert_eq!(
            read_count(&Cell::Number(-1.0)).map_err(|e| e.code),
            Err(Code::NegativeNumber)
        );
        assert_eq!(
            read_count(&Cell::Number(0.5)).map_err(|e| e.code),
            Err(Code::FractionalNumber)
        );
        assert_eq!(
            read_count(&Cell::Error("#REF!".to_owned())).map_err(|e| e.code),
            Err(Code::ErrorCell)
        );
        assert_eq!(
            read_count(&Cell::FormulaWithoutValue).map_err(|e| e.code),
            Err(Code::FormulaWithoutValue)
        );
    }
}
