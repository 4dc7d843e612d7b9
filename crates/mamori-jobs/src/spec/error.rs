//! What is wrong with a job file: [`SpecError`] names the file, the key (`catch_up.window`,
//! `mail.to[1]`) and the line and column when known, and carries a [`SpecErrorKind`] with a
//! stable code (`E-JOBS-001` …) and a Japanese message, since `mamori jobs check` shows these to
//! staff.
//!
//! Codes never change meaning once published; add new ones at the end.

use std::fmt;
use std::path::{Path, PathBuf};

use mamori_core::FiscalYearError;

use crate::schedule::ScheduleError;

/// A job file that cannot be used, and where.
#[derive(Debug, thiserror::Error)]
#[error("{place}: {kind}", place = Place(self))]
pub struct SpecError {
    file: PathBuf,
    key: Option<KeyPath>,
    position: Option<Position>,
    /// Boxed: the kinds carry I/O and croner errors, and results stay small.
    kind: Box<SpecErrorKind>,
}

impl SpecError {
    pub(crate) fn new(file: &Path, key: Option<KeyPath>, kind: SpecErrorKind) -> SpecError {
        SpecError {
            file: file.to_path_buf(),
            key,
            position: None,
            kind: Box::new(kind),
        }
    }

    pub(crate) fn at(mut self, position: Option<Position>) -> SpecError {
        self.position = position;
        self
    }

    /// The job file (or the jobs folder, when it cannot be listed).
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The key the error is about, when known.
    pub fn key(&self) -> Option<&KeyPath> {
        self.key.as_ref()
    }

    /// Where in the file, when known.
    pub fn position(&self) -> Option<Position> {
        self.position
    }

    /// What is wrong.
    pub fn kind(&self) -> &SpecErrorKind {
        &self.kind
    }

    /// The stable code of the kind of error, `E-JOBS-001` ….
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

/// `jobs/a.toml:5:10: `catch_up.window``, the prefix of a [`SpecError`]'s message.
struct Place<'a>(&'a SpecError);

impl fmt::Display for Place<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let error = self.0;
        write!(formatter, "{}", error.file.display())?;
        if let Some(position) = error.position {
            write!(formatter, ":{position}")?;
        }
        if let Some(key) = &error.key {
            write!(formatter, ": `{key}`")?;
        }
        Ok(())
    }
}

/// A 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}:{}", self.line, self.column)
    }
}

/// A key in a job file, written as TOML would: `catch_up.window`, `mail.to[1]`,
/// `figures_reminder.contacts."市長"`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct KeyPath(Vec<KeySegment>);

/// One step of a [`KeyPath`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeySegment {
    Key(String),
    Index(usize),
}

impl KeyPath {
    /// The path of nested keys `keys`.
    pub fn of(keys: &[&str]) -> KeyPath {
        KeyPath(
            keys.iter()
                .map(|key| KeySegment::Key((*key).to_owned()))
                .collect(),
        )
    }

    /// This path, then `key`.
    pub fn key(&self, key: &str) -> KeyPath {
        let mut path = self.clone();
        path.0.push(KeySegment::Key(key.to_owned()));
        path
    }

    /// This path, then array index `index`.
    pub fn index(&self, index: usize) -> KeyPath {
        let mut path = self.clone();
        path.0.push(KeySegment::Index(index));
        path
    }

    pub fn segments(&self) -> &[KeySegment] {
        &self.0
    }

    pub(crate) fn push(&mut self, segment: KeySegment) {
        self.0.push(segment);
    }

    pub(crate) fn pop(&mut self) {
        self.0.pop();
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (position, segment) in self.0.iter().enumerate() {
            match segment {
                KeySegment::Index(index) => write!(formatter, "[{index}]")?,
                KeySegment::Key(key) => {
                    if position > 0 {
                        formatter.write_str(".")?;
                    }
                    let bare = !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if bare {
                        formatter.write_str(key)?;
                    } else {
                        write!(formatter, "{key:?}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// What is wrong with a job file. Each kind has a stable [`code`](SpecErrorKind::code).
///
/// The messages already include the underlying cause (croner's or the TOML parser's reason), so
/// the kind reports no `source`: a `{:#}` chain would print it twice.
#[derive(Debug, thiserror::Error)]
pub enum SpecErrorKind {
    /// E-JOBS-001: the file (or the jobs folder) cannot be read.
    #[error("読めません（{error}）")]
    Read { error: std::io::Error },
    /// E-JOBS-002: the file is not valid TOML.
    #[error("TOML として読めません（{message}）")]
    Syntax { message: String },
    /// E-JOBS-003: a key the format does not have (often a typo).
    #[error("不明なキー `{key}` です（使えるキー: {}）", list(allowed))]
    UnknownKey { key: String, allowed: Vec<String> },
    /// E-JOBS-004: a value that is not one of the allowed words.
    #[error("値 \"{value}\" は使えません（使える値: {}）", list(allowed))]
    UnknownValue { value: String, allowed: Vec<String> },
    /// E-JOBS-005: a value of the wrong type (a number for a string, …).
    #[error("値の型が違います（{message}）")]
    WrongType { message: String },
    /// E-JOBS-006: a required key is missing.
    #[error("必須のキーがありません")]
    MissingKey,
    /// E-JOBS-007: the job name has characters other than `a-z`, `0-9` and `-`.
    #[error("ジョブ名 \"{name}\" には英小文字・数字・\"-\" だけが使えます")]
    BadName { name: String },
    /// E-JOBS-008: the job name differs from the file name.
    #[error("ジョブ名 \"{name}\" がファイル名 \"{stem}.toml\" と一致しません")]
    NameMismatch { name: String, stem: String },
    /// E-JOBS-009: the cron pattern cannot be read or never fires.
    #[error("{}", schedule_message(error))]
    BadSchedule { error: ScheduleError },
    /// E-JOBS-010: an unknown time zone.
    #[error("タイムゾーン \"{zone}\" を知りません（例: \"Asia/Tokyo\"）")]
    UnknownTimeZone { zone: String },
    /// E-JOBS-011: a duration that is not an integer and a unit.
    #[error("期間 \"{text}\" を読めません（例: \"90m\", \"6h\", \"3d\"）")]
    BadDuration { text: String },
    /// E-JOBS-012: `catch_up.window` with policy `skip`.
    #[error("`window` は policy = \"once\" のときだけ書けます")]
    WindowWithoutOnce,
    /// E-JOBS-013: a mail address that does not look like one.
    #[error(
        "メールアドレス \"{address}\" を読めません（例: \"soumu@city.example.jp\", \"総務課 <soumu@city.example.jp>\"）"
    )]
    BadAddress { address: String },
    /// E-JOBS-014: no recipient where the kind needs one.
    #[error("宛先が一つもありません（`mail.to` に一つ以上書いてください）")]
    NoRecipients,
    /// E-JOBS-015: none of the kind tables.
    #[error(
        "ジョブの種類がありません（[annual_report]、[contract_review]、[figures_reminder] のどれか一つを書いてください）"
    )]
    NoKind,
    /// E-JOBS-016: more than one kind table.
    #[error("ジョブの種類は一つだけです（{} が書かれています）", list(kinds))]
    SeveralKinds { kinds: Vec<String> },
    /// E-JOBS-017: a fiscal year that cannot be read.
    #[error(
        "年度 \"{text}\" を読めません（\"previous\" または \"令和4年度\"、\"R4\"、\"2022\" のように書きます）"
    )]
    BadFiscalYear {
        text: String,
        error: FiscalYearError,
    },
    /// E-JOBS-018: `annual_report.years` outside 1..=20.
    #[error("{years} は使えません（1 から 20 まで）")]
    YearsOutOfRange { years: i64 },
    /// E-JOBS-019: `figures_reminder.agencies` is empty.
    #[error("実施機関が一つもありません")]
    NoAgencies,
    /// E-JOBS-020: the same 実施機関 twice.
    #[error("実施機関 \"{agency}\" が二度書かれています")]
    DuplicateAgency { agency: String },
    /// E-JOBS-021: an agency without a contact address.
    #[error("実施機関 \"{agency}\" の連絡先が `figures_reminder.contacts` にありません")]
    MissingContact { agency: String },
    /// E-JOBS-022: a contact for an agency not in `agencies` (often a typo).
    #[error("\"{agency}\" は `figures_reminder.agencies` にない実施機関です")]
    UnknownContact { agency: String },
    /// E-JOBS-023: an empty text where a name or folder is needed.
    #[error("空にはできません")]
    Empty,
    /// E-JOBS-024: `contract_review.done` is the inbox or inside it.
    #[error(
        "`done` が `inbox` と同じフォルダか、その中にあります（確認済みのファイルを毎回読み直してしまいます）"
    )]
    DoneIsInbox,
    /// E-JOBS-025: two job files with the same name.
    #[error("ジョブ名 \"{name}\" は {} でも使われています", first.display())]
    DuplicateName { name: String, first: PathBuf },
}

impl SpecErrorKind {
    /// The stable code: `E-JOBS-001` ….
    pub fn code(&self) -> &'static str {
        match self {
            SpecErrorKind::Read { .. } => "E-JOBS-001",
            SpecErrorKind::Syntax { .. } => "E-JOBS-002",
            SpecErrorKind::UnknownKey { .. } => "E-JOBS-003",
            SpecErrorKind::UnknownValue { .. } => "E-JOBS-004",
            SpecErrorKind::WrongType { .. } => "E-JOBS-005",
            SpecErrorKind::MissingKey => "E-JOBS-006",
            SpecErrorKind::BadName { .. } => "E-JOBS-007",
            SpecErrorKind::NameMismatch { .. } => "E-JOBS-008",
            SpecErrorKind::BadSchedule { .. } => "E-JOBS-009",
            SpecErrorKind::UnknownTimeZone { .. } => "E-JOBS-010",
            SpecErrorKind::BadDuration { .. } => "E-JOBS-011",
            SpecErrorKind::WindowWithoutOnce => "E-JOBS-012",
            SpecErrorKind::BadAddress { .. } => "E-JOBS-013",
            SpecErrorKind::NoRecipients => "E-JOBS-014",
            SpecErrorKind::NoKind => "E-JOBS-015",
            SpecErrorKind::SeveralKinds { .. } => "E-JOBS-016",
            SpecErrorKind::BadFiscalYear { .. } => "E-JOBS-017",
            SpecErrorKind::YearsOutOfRange { .. } => "E-JOBS-018",
            SpecErrorKind::NoAgencies => "E-JOBS-019",
            SpecErrorKind::DuplicateAgency { .. } => "E-JOBS-020",
            SpecErrorKind::MissingContact { .. } => "E-JOBS-021",
            SpecErrorKind::UnknownContact { .. } => "E-JOBS-022",
            SpecErrorKind::Empty => "E-JOBS-023",
            SpecErrorKind::DoneIsInbox => "E-JOBS-024",
            SpecErrorKind::DuplicateName { .. } => "E-JOBS-025",
        }
    }
}

/// `` `a`, `b`, `c` ``.
fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn schedule_message(error: &ScheduleError) -> String {
    match error {
        ScheduleError::Invalid { pattern, source } => {
            let reason = source.to_string();
            let reason = reason.trim_end_matches('.');
            format!("cron の書式 \"{pattern}\" を読めません（{reason}）")
        }
        ScheduleError::NeverFires { pattern } => {
            format!("cron の書式 \"{pattern}\" に当てはまる日時がありません")
        }
    }
}
