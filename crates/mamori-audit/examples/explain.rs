//! Shows how the audit read one text: every sentence with its article, heading and normalised
//! text, then the report as JSON. A development tool for tuning rules.
//!
//! `cargo run -p mamori-audit --example explain -- FILE [--sentences]`

#![expect(
    clippy::disallowed_methods,
    reason = "a development tool: reads its arguments and the corpus files"
)]

use mamori_audit::check::{AuditRequest, audit};
use mamori_audit::normalize::{LineBreaks, NormalizedText};
use mamori_audit::ruleset::Ruleset;
use mamori_audit::source::{SourceFormat, SourceText};
use mamori_audit::structure::{Outline, Section};
use mamori_audit::wording::ClauseWording;

#[expect(
    clippy::print_stdout,
    reason = "a development tool that prints what it read"
)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = arguments
        .iter()
        .find(|argument| !argument.starts_with("--"))
    else {
        return Err("usage: explain FILE [--sentences]".into());
    };
    let bytes = std::fs::read(path)?;
    let source = SourceText::from_bytes(path, &bytes)?;
    if arguments.iter().any(|argument| argument == "--sentences") {
        let line_breaks = match source.format() {
            SourceFormat::Docx => LineBreaks::Paragraphs,
            _ => LineBreaks::Wrapped,
        };
        let normalized = NormalizedText::new(source.text(), line_breaks);
        let outline = Outline::new(normalized.as_str(), Section::Main);
        for sentence in &outline.sentences {
            println!(
                "[{:?} #{} {} ({})] {}",
                sentence.section,
                sentence.article_index,
                sentence.article.as_deref().unwrap_or("-"),
                sentence.heading.as_deref().unwrap_or("-"),
                &normalized.as_str()[sentence.start..sentence.end]
            );
        }
    }
    let report = audit(
        &AuditRequest {
            path,
            sha256: "",
            main: &source,
            annex: None,
        },
        &Ruleset::standard(),
        &ClauseWording::none(),
    );
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
