//! Diagnostics: what an import (or later a report) says about its input, with a stable code, a
//! severity, a Japanese message for staff and the place it is about (file, sheet, A1 cell).
//!
//! Codes never change meaning once published: scripts and the web pages match on them. Add new
//! codes at the end of their block.

use std::fmt;

/// A cell address, 0-based inside, written A1-style outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellRef {
    pub row: u32,
    pub column: u32,
}

impl CellRef {
    pub fn new(row: u32, column: u32) -> CellRef {
        CellRef { row, column }
    }

    /// The column letters: 0 → `A`, 25 → `Z`, 26 → `AA`.
    pub fn column_letters(column: u32) -> String {
        let mut letters = Vec::new();
        let mut remaining = column as u64 + 1;
        while remaining > 0 {
            let digit = ((remaining - 1) % 26) as u8;
            letters.push(char::from(b'A' + digit));
            remaining = (remaining - 1) / 26;
        }
        letters.iter().rev().collect()
    }

    /// Parses `B12` (letters then a 1-based row).
    pub fn parse_a1(text: &str) -> Option<CellRef> {
        let split = text.find(|c: char| c.is_ascii_digit())?;
        let (letters, digits) = text.split_at(split);
        if letters.is_empty()
            || letters.len() > 3
            || !letters.chars().all(|c| c.is_ascii_uppercase())
        {
            return None;
        }
        let row: u32 = digits.parse().ok()?;
        let column = letters
            .bytes()
            .fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1))
            - 1;
        Some(CellRef {
            row: row.checked_sub(1)?,
            column,
        })
    }
}

impl fmt::Display for CellRef {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{}{}",
            CellRef::column_letters(self.column),
            self.row as u64 + 1
        )
    }
}

/// How serious a diagnostic is. An `Error` rejects the whole file; a `Warning` is stored with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

macro_rules! codes {
    ($( $variant:ident = $code:literal, $severity:ident, $summary:literal; )*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
            /// Every code, in code order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The published code, e.g. `E-IMPORT-004`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// The severity a diagnostic with this code has.
            pub fn severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            /// A one-line Japanese summary, for listings of codes.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }

            /// The code with this published text.
            pub fn parse(text: &str) -> Option<Code> {
                match text { $( $code => Some(Code::$variant), )* _ => None }
            }
        }
    };
}

codes! {
    EmptyFile = "E-IMPORT-001", Error, "ファイルが空です";
    UnsupportedFormat = "E-IMPORT-002", Error, "対応していない形式のファイルです";
    CorruptFile = "E-IMPORT-003", Error, "ファイルが壊れていて読めません";
    PasswordProtected = "E-IMPORT-004", Error, "パスワードで保護されたファイルです";
    ArchiveTooLarge = "E-IMPORT-005", Error, "展開後の大きさが上限を超えます";
    SheetTooLarge = "E-IMPORT-006", Error, "シートの使用範囲が上限を超えます";
    FileTooLarge = "E-IMPORT-007", Error, "ファイルが大きすぎます";
    UnknownEncoding = "E-IMPORT-008", Error, "文字コードを判別できません";
    NoTable = "E-IMPORT-009", Error, "表が見つかりません";
    NoHeader = "E-IMPORT-010", Error, "運用状況の見出しが見つかりません";
    NoFiscalYear = "E-IMPORT-011", Error, "年度を特定できません";
    NotANumber = "E-IMPORT-012", Error, "件数として読めない値です";
    NegativeNumber = "E-IMPORT-013", Error, "件数が負の数です";
    FractionalNumber = "E-IMPORT-014", Error, "件数が整数ではありません";
    ErrorCell = "E-IMPORT-015", Error, "セルがエラー値です";
    FormulaWithoutValue = "E-IMPORT-016", Error, "数式の計算結果が保存されていません";
    ConflictingDuplicate = "E-IMPORT-017", Error, "同じ実施機関・年度・区分の値が食い違っています";
    DownloadFailed = "E-IMPORT-018", Error, "URLから取得できません";
    ReadFailed = "E-IMPORT-019", Error, "ファイルを読めません";
    LedgerDate = "E-IMPORT-020", Error, "受付日を読めません";
    LedgerValue = "E-IMPORT-021", Error, "請求の種類または決定の内容を読めません";
    TooManyErrors = "E-IMPORT-022", Error, "誤りが多すぎるため以降の報告を省略しました";
    ReaderFailed = "E-IMPORT-023", Error, "ファイルの読み取り中に内部エラーが起きました";
    RepeatedColumn = "E-IMPORT-024", Error, "同じ区分の見出しが複数の列にあります";
    ValuesWithoutHeader = "E-IMPORT-025", Error, "見出しのない列に値があります";
    MissingCell = "E-IMPORT-026", Error, "行のセルが見出しより少なく、値の位置が分かりません";
    UnknownColumn = "W-IMPORT-101", Warning, "分類にない見出しの列は取り込みません";
    RequestsDecisionsMismatch = "W-IMPORT-102", Warning, "請求件数と処理件数の合計が一致しません";
    TotalMismatch = "W-IMPORT-103", Warning, "合計が内訳の和と一致しません";
    AgencyAssumed = "W-IMPORT-104", Warning, "実施機関を特定できないため全実施機関として取り込みました";
    EraAfterChange = "W-IMPORT-105", Warning, "改元後の日付が旧元号で書かれています";
    AmbiguousColumn = "W-IMPORT-106", Warning, "見出しが複数の分類に当てはまります";
    DerivedColumn = "I-IMPORT-107", Info, "率・備考などの列は取り込みません";
    RepeatedValue = "I-IMPORT-108", Info, "同じ値が重複して記載されています";
    UnknownRow = "W-IMPORT-109", Warning, "年度・実施機関として読めない行は取り込みません";
    SummedColumns = "W-IMPORT-110", Warning, "同じ区分に当たる複数の列を合計しました";
    HiddenSheet = "W-IMPORT-111", Warning, "非表示のシートは取り込みません";
    NotAWorksheet = "I-IMPORT-112", Info, "グラフなど表でないシートは読みません";
    NoLongerReported = "W-IMPORT-113", Warning, "置き換えで報告されなくなった区分があります";
    UnreadRow = "W-IMPORT-114", Warning, "表の外に数値の並んだ行があります";
    MergedValue = "W-IMPORT-115", Warning, "結合されたセルの値を最初の列にだけ数えました";
    WholeCityMismatch = "W-REPORT-201", Warning, "全実施機関の値と実施機関別の合計が異なります";
    BodyAndDepartments = "W-REPORT-202", Warning, "実施機関の値と、その部署の値の両方があります";
    UnknownCategory = "W-REPORT-203", Warning, "区分の定義にない区分の値があります";
}

impl fmt::Display for Code {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Where a diagnostic points: a file, and inside it a sheet and a cell when known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: String,
    pub sheet: Option<String>,
    pub cell: Option<CellRef>,
}

impl Location {
    pub fn file(file: &str) -> Location {
        Location {
            file: file.to_owned(),
            sheet: None,
            cell: None,
        }
    }

    pub fn sheet(file: &str, sheet: &str) -> Location {
        Location {
            file: file.to_owned(),
            sheet: Some(sheet.to_owned()),
            cell: None,
        }
    }

    pub fn cell(file: &str, sheet: &str, cell: CellRef) -> Location {
        Location {
            file: file.to_owned(),
            sheet: Some(sheet.to_owned()),
            cell: Some(cell),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.file)?;
        if let Some(sheet) = &self.sheet {
            write!(formatter, " シート「{sheet}」")?;
        }
        if let Some(cell) = &self.cell {
            write!(formatter, " セル{cell}")?;
        }
        Ok(())
    }
}

/// One thing an import says about its input.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    code: Code,
    message: String,
    location: Location,
}

impl Diagnostic {
    /// A diagnostic; its severity follows from its code.
    pub fn new(code: Code, location: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            message: message.into(),
            location,
        }
    }

    pub fn code(&self) -> Code {
        self.code
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    /// The Japanese message for staff.
    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn location(&self) -> &Location {
        &self.location
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "[{}] {}: {}",
            self.code, self.location, self.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_addresses_round_trip() {
        for (row, column, text) in [
            (0, 0, "A1"),
            (11, 1, "B12"),
            (0, 25, "Z1"),
            (0, 26, "AA1"),
            (1_048_575, 16_383, "XFD1048576"),
        ] {
            let cell = CellRef::new(row, column);
            assert_eq!(cell.to_string(), text);
            assert_eq!(CellRef::parse_a1(text), Some(cell));
        }
        assert_eq!(CellRef::parse_a1("A0"), None);
        assert_eq!(CellRef::parse_a1("12"), None);
    }

    #[test]
    fn codes_are_unique_and_parse_back() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert_eq!(Code::parse(code.as_str()), Some(*code));
            let expected_prefix = match code.severity() {
                Severity::Error => "E-",
                Severity::Warning => "W-",
                Severity::Info => "I-",
            };
            assert!(code.as_str().starts_with(expected_prefix), "{code}");
        }
    }

    #[test]
    fn display_names_file_sheet_and_cell() {
        let diagnostic = Diagnostic::new(
            Code::NotANumber,
            Location::cell("市民課.xlsx", "令和4年度", CellRef::new(4, 2)),
            "「不明」は件数として読めません",
        );
        assert_eq!(
            diagnostic.to_string(),
            "[E-IMPORT-012] 市民課.xlsx シート「令和4年度」 セルC5: 「不明」は件数として読めません"
        );
        assert_eq!(diagnostic.severity(), Severity::Error);
    }
}
