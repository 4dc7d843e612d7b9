//! `mamori audit PATH...`: outsourcing contracts checked for the eight clauses of 第6条, and
//! `mamori audit eval LABELS.json`: the checklist measured against labelled contracts.
//!
//! PDF text comes from poppler's `pdftotext`, run here (the audit crate reads only what it is
//! given). Exit codes: 0 every contract passes, 1 some clause is partial or missing (or, with
//! `--template`, an article of the city's 特記事項 is missing from a contract), 2 an error.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use mamori_audit::AuditError;
use mamori_audit::check::{AuditRequest, audit};
use mamori_audit::compare::{Comparison, compare};
use mamori_audit::eval::{evaluate, parse_labels};
use mamori_audit::report::{AuditReport, Verdict};
use mamori_audit::ruleset::Ruleset;
use mamori_audit::source::SourceText;
use mamori_audit::wording::ClauseWording;
use mamori_jobs::stage::contracts::{audit_view, read_contract};
use mamori_report::audit::{AuditView, ClauseView};
use serde::Serialize;

use crate::args::{AuditArgs, AuditCommand, AuditFormat, EvalArgs};
use crate::settings::Settings;
use crate::{ExitStatus, printer, source};

pub(crate) async fn run(settings: &Settings, args: &AuditArgs) -> anyhow::Result<ExitStatus> {
    match &args.command {
        Some(AuditCommand::Eval(eval_args)) => return eval(settings, eval_args),
        Some(AuditCommand::Rules(rules)) => {
            let text = match (&settings.audit_ruleset, rules.explain) {
                (_, true) => load_ruleset(settings)?.reference(),
                (Some(path), false) => std::fs::read_to_string(path)
                    .with_context(|| format!("`{}` を読めません", path.display()))?,
                (None, false) => Ruleset::standard_source(),
            };
            printer::bytes(text.as_bytes())?;
            return Ok(ExitStatus::Success);
        }
        None => {}
    }
    let ruleset = load_ruleset(settings)?;
    let wording = load_wording(settings)?;
    let templates = crate::commands::report::load_templates(settings.report_templates.as_deref())?;
    let format = if args.json {
        AuditFormat::Json
    } else {
        args.format
    };

    let arguments: Vec<String> = args
        .inputs
        .iter()
        .map(|path| path.display().to_string())
        .collect();
    if let Some(url) = arguments
        .iter()
        .find(|argument| argument.starts_with("http://") || argument.starts_with("https://"))
    {
        anyhow::bail!("`{url}`: URL は監査できません。ファイルを保存してから指定してください");
    }
    let expanded = source::expand(&arguments, source::CONTRACT_EXTENSIONS)
        .map_err(|diagnostic| anyhow::anyhow!("{diagnostic}"))?;
    if !expanded.skipped.is_empty() {
        let skipped: Vec<String> = expanded
            .skipped
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        printer::note(&format!(
            "契約書（docx・pdf・txt・md）以外のファイル {} 件は読みませんでした: {}",
            skipped.len(),
            skipped.join("、")
        ));
    }
    let paths: Vec<PathBuf> = expanded
        .inputs
        .into_iter()
        .filter_map(|input| match input {
            source::Input::File(path) => Some(path),
            source::Input::Url(_) => None,
        })
        .collect();
    if paths.is_empty() {
        anyhow::bail!("契約書が見つかりません: {}", arguments.join(", "));
    }

    let annex = read_optional(args.annex.as_deref()).await?;
    let template = read_optional(args.template.as_deref()).await?;

    let progress = progress_bar(paths.len() as u64);
    let mut reports: Vec<AuditReport> = Vec::with_capacity(paths.len());
    let mut comparisons: Vec<Option<Comparison>> = Vec::with_capacity(paths.len());
    let mut errors: Vec<AuditError> = Vec::new();
    for path in &paths {
        match read_contract(path).await {
            Ok((text, sha256)) => {
                let name = path.display().to_string();
                let request = AuditRequest {
                    path: &name,
                    sha256: &sha256,
                    main: &text,
                    annex: annex.as_ref(),
                };
                let report = audit(&request, &ruleset, &wording);
                tracing::info!(file = %name, verdict = ?report.verdict, "audited");
                reports.push(report);
                comparisons.push(template.as_ref().map(|template| compare(&text, template)));
            }
            Err(error) => {
                tracing::warn!(code = error.code(), "{error}");
                errors.push(error);
            }
        }
        progress.inc(1);
    }
    progress.finish_and_clear();

    let view = audit_view(&reports, &comparisons, &ruleset);
    match format {
        AuditFormat::Json => {
            let mut items = Vec::with_capacity(reports.len());
            for (report, comparison) in reports.iter().zip(&comparisons) {
                let mut item = serde_json::to_value(report)?;
                if let (Some(comparison), Some(object)) = (comparison, item.as_object_mut()) {
                    object.insert(
                        "template_comparison".to_owned(),
                        serde_json::to_value(comparison)?,
                    );
                }
                items.push(item);
            }
            let mut text = serde_json::to_string_pretty(&items)?;
            text.push('\n');
            emit(args.output.as_deref(), text.as_bytes())?;
        }
        AuditFormat::Md => {
            let text = mamori_report::audit::markdown(&view, &templates)?;
            emit(args.output.as_deref(), text.as_bytes())?;
        }
        AuditFormat::Xlsx => {
            let bytes = mamori_report::audit::workbook(&view)?;
            let path = match &args.output {
                Some(path) => path.clone(),
                None => settings
                    .data_dir
                    .join("reports")
                    .join(default_workbook_name(&paths)),
            };
            crate::commands::report::write_file(&path, &bytes)?;
            if args.output.is_some() {
                printer::note(&format!("書き出しました: {}", path.display()));
            } else {
                printer::line(&path.display().to_string());
            }
        }
        AuditFormat::Table => print_tables(&view),
    }
    for error in &errors {
        printer::note(&format!("エラー [{}] {error}", error.code()));
    }
    if !reports.is_empty() && format != AuditFormat::Json {
        printer::note(&format!("※ {}", view.notice));
    }
    let template_missing = comparisons
        .iter()
        .flatten()
        .any(|comparison| comparison.summary().missing_from_contract > 0);
    Ok(if !errors.is_empty() {
        ExitStatus::Error
    } else if template_missing || reports.iter().any(|report| report.verdict == Verdict::Fail) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// The built-in checklist, or the city's from `[audit] ruleset`.
fn load_ruleset(settings: &Settings) -> anyhow::Result<Ruleset> {
    Ok(mamori_jobs::stage::contracts::load_ruleset(
        settings.audit_ruleset.as_deref(),
    )?)
}

/// The built-in clause wording with the city's files (`[audit] clauses`) in place of those
/// they name.
fn load_wording(settings: &Settings) -> anyhow::Result<ClauseWording> {
    Ok(mamori_jobs::stage::contracts::load_wording(
        settings.audit_clauses.as_deref(),
    )?)
}

/// The error with its stable code, for the command's error line.
fn error_with_code(error: &AuditError) -> anyhow::Error {
    anyhow::anyhow!("[{}] {error}", error.code())
}

/// The text of `--annex` or `--template`, if given; an unreadable one stops the command.
async fn read_optional(path: Option<&Path>) -> anyhow::Result<Option<SourceText>> {
    match path {
        Some(path) => Ok(Some(
            read_contract(path)
                .await
                .map_err(|error| error_with_code(&error))?
                .0,
        )),
        None => Ok(None),
    }
}

/// One table per contract on stdout, with the findings under it.
fn print_tables(view: &AuditView) {
    for contract in &view.contracts {
        printer::line(&format!(
            "{}: {}（{}）",
            contract.path,
            contract.verdict_label(),
            view.ruleset
        ));
        let rows = contract
            .clauses
            .iter()
            .map(|clause| {
                vec![
                    format!("{} {}", clause.id, clause.title),
                    clause.status_label.clone(),
                    clause.location.clone().unwrap_or_else(|| "－".to_owned()),
                    shorten(clause.evidence.as_deref().unwrap_or(&clause.detail), 60),
                ]
            })
            .collect();
        printer::table(&["条項", "判定", "該当箇所", "根拠"], rows);
        for finding in &contract.findings {
            printer::line(&format!("  {} {}", finding.code, finding.message));
        }
        if let Some(comparison) = &contract.comparison {
            printer::line(&format!(
                "  特記事項のひな形（{}）との比較: {}",
                comparison.template, comparison.summary
            ));
            for row in comparison.rows.iter().filter(|row| row.status != "同一") {
                printer::line(&format!(
                    "    [{}] {} ⇔ {}",
                    row.status,
                    row.template_article.as_deref().unwrap_or("－"),
                    row.contract_article.as_deref().unwrap_or("－")
                ));
                if let Some(difference) = &row.difference {
                    printer::line(&format!("      {difference}"));
                }
            }
        }
        let suggestions: Vec<&ClauseView> = contract
            .clauses
            .iter()
            .filter(|clause| clause.suggestion.is_some())
            .collect();
        if view.contracts.len() == 1 {
            // One contract: the wording to add right here, as the staff member reads the table.
            for clause in suggestions {
                printer::line(&format!(
                    "\n  {} {}（{}）に追加する文言の例:",
                    clause.id, clause.title, clause.status_label
                ));
                for line in clause.suggestion.as_deref().unwrap_or_default().lines() {
                    printer::line(&format!("    {line}"));
                }
            }
        } else if !suggestions.is_empty() {
            printer::line("  追加する文言の例は --format md または --format xlsx で出力できます。");
        }
        printer::line("");
    }
}

/// At most `limit` characters, with … when cut.
fn shorten(text: &str, limit: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= limit {
        return flat;
    }
    let mut cut: String = flat.chars().take(limit).collect();
    cut.push('…');
    cut
}

/// `契約書チェック_委託契約.xlsx` for one file, `契約書チェック_12件.xlsx` for several.
fn default_workbook_name(paths: &[PathBuf]) -> String {
    match paths {
        [one] => format!(
            "契約書チェック_{}.xlsx",
            one.file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default()
        ),
        many => format!("契約書チェック_{}件.xlsx", many.len()),
    }
}

/// Text or bytes to a file named by `-o`, else to stdout.
fn emit(output: Option<&Path>, bytes: &[u8]) -> anyhow::Result<()> {
    match output {
        Some(path) => {
            crate::commands::report::write_file(path, bytes)?;
            printer::note(&format!("書き出しました: {}", path.display()));
            Ok(())
        }
        None => printer::bytes(bytes),
    }
}

fn progress_bar(length: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() || length < 2 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(length);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} 件 {elapsed}") {
        bar.set_style(style);
    }
    bar
}

#[derive(Serialize)]
struct EvalJson<'a> {
    #[serde(flatten)]
    evaluation: &'a mamori_audit::eval::Evaluation,
    meets_targets: bool,
}

/// `mamori audit eval LABELS.json`: per clause TP/FP/FN/TN, precision and recall of "present",
/// and every disagreement. Exit 1 when a clause is reported present against its label, or the
/// recall of a clause with 5 or more positives is under 0.95.
fn eval(settings: &Settings, args: &EvalArgs) -> anyhow::Result<ExitStatus> {
    let ruleset = load_ruleset(settings)?;
    let labels = std::fs::read_to_string(&args.labels)
        .with_context(|| format!("`{}` を読めません", args.labels.display()))?;
    let records = parse_labels(&labels).map_err(|error| error_with_code(&error))?;
    let folder = args
        .labels
        .parent()
        .map(|parent| parent.join("docs"))
        .unwrap_or_else(|| PathBuf::from("docs"));
    let mut texts = BTreeMap::new();
    for record in &records {
        let path = folder.join(format!("{}.txt", record.id));
        let Ok(bytes) = std::fs::read(&path) else {
            printer::note(&format!(
                "{}: 文書 `{}` がありません",
                record.id,
                path.display()
            ));
            continue;
        };
        match SourceText::from_bytes(&path.display().to_string(), &bytes) {
            Ok(text) => {
                texts.insert(record.id.clone(), text);
            }
            Err(error) => printer::note(&format!("{}: [{}] {error}", record.id, error.code())),
        }
    }
    let evaluation = evaluate(&records, &texts, &ruleset);
    let meets = evaluation.meets(0.95, 5);
    if args.json {
        printer::json(&EvalJson {
            evaluation: &evaluation,
            meets_targets: meets,
        })?;
    } else {
        printer::line(&format!(
            "チェックリスト: {}　文書: {}",
            evaluation.ruleset, evaluation.documents
        ));
        printer::bytes(evaluation.table().as_bytes())?;
        printer::line("");
        printer::line(&format!("不一致 {} 件:", evaluation.disagreements.len()));
        for disagreement in &evaluation.disagreements {
            printer::line(&format!(
                "  {} 第{}項: ラベル {} / 判定 {}{}",
                disagreement.document,
                disagreement.clause,
                disagreement.expected.label(),
                disagreement.actual.label(),
                disagreement
                    .quote
                    .as_deref()
                    .map(|quote| format!("（ラベルの引用: {}）", shorten(quote, 40)))
                    .unwrap_or_default()
            ));
        }
        printer::line(&format!(
            "目標（「記載あり」の誤判定 0、陽性 5 件以上の条項で再現率 0.95 以上）: {}",
            if meets { "達成" } else { "未達" }
        ));
    }
    Ok(if meets {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
