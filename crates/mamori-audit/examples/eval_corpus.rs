//! Measures the standard ruleset on a labelled corpus in the format of
//! `/work/shared/corpus/contracts` (`labels.json` + `docs/<id>.txt`) and prints the table and
//! every disagreement. A development tool: examples may read files, the library does not.
//!
//! `cargo run -p mamori-audit --example eval_corpus -- [CORPUS_DIR] [--json] [--quiet]`

#![expect(
    clippy::disallowed_methods,
    reason = "a development tool: reads its arguments and the corpus files"
)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use mamori_audit::eval::{evaluate, parse_labels};
use mamori_audit::ruleset::Ruleset;
use mamori_audit::source::SourceText;

#[expect(
    clippy::print_stdout,
    reason = "a development tool that prints its measurement"
)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let json = arguments.iter().any(|argument| argument == "--json");
    let quiet = arguments.iter().any(|argument| argument == "--quiet");
    let directory = arguments
        .iter()
        .find(|argument| !argument.starts_with("--"))
        .map_or_else(
            || PathBuf::from("/work/shared/corpus/contracts"),
            PathBuf::from,
        );
    let records = parse_labels(&std::fs::read_to_string(directory.join("labels.json"))?)?;
    let mut texts = BTreeMap::new();
    for record in &records {
        let path = directory.join("docs").join(format!("{}.txt", record.id));
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        match SourceText::from_bytes(&path.display().to_string(), &bytes) {
            Ok(source) => {
                texts.insert(record.id.clone(), source);
            }
            Err(error) => println!("{}: [{}] {error}", record.id, error.code()),
        }
    }
    let ruleset = Ruleset::standard();
    let evaluation = evaluate(&records, &texts, &ruleset);
    if json {
        println!("{}", serde_json::to_string_pretty(&evaluation)?);
        return Ok(());
    }
    println!(
        "ruleset: {}, documents: {}",
        evaluation.ruleset, evaluation.documents
    );
    print!("{}", evaluation.table());
    println!(
        "targets (no false present, recall >= 0.95 where >= 5 positives): {}",
        if evaluation.meets(0.95, 5) {
            "met"
        } else {
            "NOT met"
        }
    );
    if quiet {
        return Ok(());
    }
    for disagreement in &evaluation.disagreements {
        println!(
            "{} #{} expected {} got {} | label: {}",
            disagreement.document,
            disagreement.clause,
            disagreement.expected.as_str(),
            disagreement.actual.as_str(),
            disagreement.quote.as_deref().unwrap_or("-")
        );
        for evidence in &disagreement.evidence {
            let text: String = evidence.text.chars().take(90).collect();
            println!(
                "    {} {} | {}",
                evidence.article.as_deref().unwrap_or("-"),
                evidence.heading.as_deref().unwrap_or("-"),
                text.replace('\n', "⏎")
            );
        }
    }
    Ok(())
}
