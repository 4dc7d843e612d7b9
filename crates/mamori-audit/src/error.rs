//! The one error type of the crate: why a contract could not be read or a ruleset not loaded.
//!
//! A missing or weak clause is never an error (it is a [`crate::report::ClauseResult`]); an
//! error means the audit could not run at all. Every variant has a stable code (`E-AUDIT-0NN`)
//! that callers, logs and the CLI's exit status can rely on, and a Japanese message that names
//! the file.

/// Why a contract, its annex or a ruleset could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The file has no bytes, or only white space.
    #[error("`{file}` は空です。契約書の本文が入ったファイルを指定してください")]
    Empty {
        /// The file name given by the caller.
        file: String,
    },
    /// An old binary Word file (CFB container) that is not encrypted.
    #[error(
        "`{file}` は旧形式の Word 文書（.doc）です。Word で開き「名前を付けて保存」で .docx 形式にしてから指定してください"
    )]
    LegacyWord {
        /// The file name given by the caller.
        file: String,
    },
    /// A password-protected Office file (a CFB container holding `EncryptedPackage`, or a zip
    /// with encrypted entries).
    #[error(
        "`{file}` はパスワードで保護されているため読めません。Word で開いてパスワードを解除し、保存し直してから指定してください"
    )]
    PasswordProtected {
        /// The file name given by the caller.
        file: String,
    },
    /// The zip container of a .docx is truncated or damaged.
    #[error(
        "`{file}` の zip 構造が壊れています（{reason}）。ファイルが途中で切れている可能性があります。元の文書を保存し直してください"
    )]
    CorruptArchive {
        /// The file name given by the caller.
        file: String,
        /// What the zip reader reported.
        reason: String,
    },
    /// The archive declares sizes or ratios no real contract has (a zip bomb).
    #[error(
        "`{file}` の展開後の大きさが上限を超えます（{detail}）。通常の契約書ではありえない大きさのため読みません"
    )]
    ArchiveTooLarge {
        /// The file name given by the caller.
        file: String,
        /// Which limit was exceeded.
        detail: String,
    },
    /// A zip that is not a Word document (no `word/document.xml`).
    #[error("`{file}` は Word 文書（.docx）ではありません（word/document.xml がありません）")]
    NotWordDocument {
        /// The file name given by the caller.
        file: String,
    },
    /// A part of the .docx is not well-formed XML.
    #[error("`{file}` の `{part}` を読めません（{reason}）。Word で開いて保存し直してください")]
    MalformedXml {
        /// The file name given by the caller.
        file: String,
        /// The part inside the archive, such as `word/document.xml`.
        part: String,
        /// What the XML reader reported.
        reason: String,
    },
    /// PDF bytes were given where text was expected: the caller extracts PDF text.
    #[error("`{file}` は PDF です。PDF はテキストを抽出してから（pdftotext）監査に渡してください")]
    PdfNeedsText {
        /// The file name given by the caller.
        file: String,
    },
    /// Binary data of an unknown kind.
    #[error("`{file}` の形式を判別できません。.docx、.pdf、.txt、.md のいずれかを指定してください")]
    UnsupportedFormat {
        /// The file name given by the caller.
        file: String,
    },
    /// Text that is neither UTF-8 nor CP932 (Shift_JIS).
    #[error(
        "`{file}` の文字コードを判別できません。UTF-8 または Shift_JIS（CP932）で保存し直してください"
    )]
    UndecodableText {
        /// The file name given by the caller.
        file: String,
    },
    /// A PDF whose text layer is empty or nearly so.
    #[error(
        "`{file}` には文字情報がほとんどありません（{characters} 文字）。スキャンした画像の PDF と思われます。文字情報付きの PDF か Word 文書を指定するか、目視で確認してください"
    )]
    LooksScanned {
        /// The file name given by the caller.
        file: String,
        /// How many non-space characters the text layer had.
        characters: usize,
    },
    /// A PDF whose text layer is mostly garbage (replacement characters, private-use code
    /// points, radicals), so a missing clause could just be unreadable.
    #[error(
        "`{file}` の文字情報の {percent}% が読めない文字（置換文字・外字・部首）です。PDF の文字情報が壊れているため、目視で確認してください"
    )]
    PoorTextLayer {
        /// The file name given by the caller.
        file: String,
        /// Share of unreadable characters, in percent (rounded down).
        percent: u32,
    },
    /// The text is longer than any contract (a guard against runaway input).
    #[error("`{file}` の本文が長すぎます（{characters} 文字、上限 {limit} 文字）")]
    TooLong {
        /// The file name given by the caller.
        file: String,
        /// How many characters the text had.
        characters: usize,
        /// The limit.
        limit: usize,
    },
    /// A labels file for evaluation does not parse.
    #[error("ラベルファイルを読み込めません: {reason}")]
    InvalidLabels {
        /// What the JSON reader reported.
        reason: String,
    },
    /// A PDF was given but poppler's `pdftotext`, which reads its text layer, is not installed.
    #[error(
        "`{file}` は PDF ですが、PDF の文字を読む pdftotext がこのコンピューターにありません。poppler-utils パッケージ（Debian/Ubuntu: apt-get install poppler-utils）を入れてから実行してください"
    )]
    PdfToolMissing {
        /// The file name given by the caller.
        file: String,
    },
    /// `pdftotext` failed on the file or ran out of time.
    #[error(
        "`{file}` の PDF から文字を読み出せませんでした（{reason}）。PDF が壊れていないか確認してください"
    )]
    PdfToolFailed {
        /// The file name given by the caller.
        file: String,
        /// What went wrong (exit status and message, or the time limit).
        reason: String,
    },
    /// The file could not be read from disk.
    #[error("`{file}` を読めません（{reason}）")]
    Unreadable {
        /// The file name given by the caller.
        file: String,
        /// The operating system's message.
        reason: String,
    },
    /// A ruleset file does not parse or is inconsistent.
    #[error("条項ルール `{ruleset}` を読み込めません: {reason}")]
    InvalidRuleset {
        /// The ruleset name, or `(不明)` when even that could not be read.
        ruleset: String,
        /// What is wrong, naming the clause and rule code where known.
        reason: String,
    },
}

impl AuditError {
    /// The stable machine-readable code of the error, such as `E-AUDIT-002`.
    pub fn code(&self) -> &'static str {
        match self {
            AuditError::Empty { .. } => "E-AUDIT-001",
            AuditError::LegacyWord { .. } => "E-AUDIT-002",
            AuditError::PasswordProtected { .. } => "E-AUDIT-003",
            AuditError::CorruptArchive { .. } => "E-AUDIT-004",
            AuditError::ArchiveTooLarge { .. } => "E-AUDIT-005",
            AuditError::NotWordDocument { .. } => "E-AUDIT-006",
            AuditError::MalformedXml { .. } => "E-AUDIT-007",
            AuditError::PdfNeedsText { .. } => "E-AUDIT-008",
            AuditError::UnsupportedFormat { .. } => "E-AUDIT-009",
            AuditError::UndecodableText { .. } => "E-AUDIT-010",
            AuditError::LooksScanned { .. } => "E-AUDIT-011",
            AuditError::PoorTextLayer { .. } => "E-AUDIT-012",
            AuditError::TooLong { .. } => "E-AUDIT-013",
            AuditError::InvalidRuleset { .. } => "E-AUDIT-014",
            AuditError::InvalidLabels { .. } => "E-AUDIT-015",
            AuditError::PdfToolMissing { .. } => "E-AUDIT-016",
            AuditError::PdfToolFailed { .. } => "E-AUDIT-017",
            AuditError::Unreadable { .. } => "E-AUDIT-018",
        }
    }
}
