//! Contract audit: the text of an outsourcing contract checked for the eight clauses of 第6条,
//! each finding quoting the article that shows it. Reads only the bytes it is given.
//!
//! The pipeline, and where to start reading:
//!
//! 1. [`source`]: bytes (.docx, .txt/.md in UTF-8 or CP932) or a PDF's extracted text →
//!    [`source::SourceText`], the text as written. Format by magic bytes; zip bombs, encrypted
//!    and legacy .doc files are [`AuditError`]s with stable codes.
//! 2. [`normalize`]: NFKC, PDF spacing, wrapped lines and spelling variants folded, with a map
//!    back to the source so evidence is quoted as written.
//! 3. [`structure`]: sentences with their article, heading and section (main text or annex).
//! 4. [`ruleset`]: the checklist as data (TOML, embedded standard in `rules/`, overridable).
//! 5. [`check::audit`]: one [`report::ClauseResult`] per clause plus findings, in an
//!    [`report::AuditReport`] that serialises to the `--json` format.
//! 6. [`eval`]: the same audit measured against labelled contracts.
//! 7. [`wording`]: standard clause texts suggested for what is partial or missing.
//! 8. [`compare`]: the contract's 特記事項 against the city's own template, article by article.
//!
//! **Invariants.** No file, clock or environment access (crate `clippy.toml`); no hash-map
//! iteration (results are deterministic); a missing clause is a result, never an `Err`; this is
//! a checklist, never a risk score, and every report carries that notice and the ruleset name.

pub mod check;
pub mod compare;
mod error;
pub mod eval;
pub mod normalize;
pub mod report;
pub mod ruleset;
pub mod source;
pub mod structure;
pub mod wording;

pub use error::AuditError;
