//! Contracts read from files: PDF text through poppler's `pdftotext` (the audit crate reads
//! only what it is given), the rest by mamori-audit itself; and audit results as the report
//! crate's view, for Markdown, the workbook and mail.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use mamori_audit::AuditError;
use mamori_audit::check::NOTICE;
use mamori_audit::compare::{ArticleComparison, ArticleRef, Comparison, SpanKind};
use mamori_audit::report::{AuditReport, Verdict};
use mamori_audit::ruleset::Ruleset;
use mamori_audit::source::SourceText;
use mamori_audit::wording::ClauseWording;
use mamori_report::audit::{
    AuditView, ClauseView, ComparisonRow, ComparisonView, ContractView, FindingView,
};
use sha2::{Digest as _, Sha256};

/// Extensions picked up from a folder (.doc too, to say it must be saved as .docx).
pub const CONTRACT_EXTENSIONS: &[&str] = &["docx", "pdf", "txt", "md", "doc"];

/// The largest contract file read: a real contract with an annex is a few MiB at most.
pub const MAX_CONTRACT_BYTES: u64 = 50 * 1024 * 1024;
/// How long `pdftotext` may take on one file.
pub const PDF_TIMEOUT: Duration = Duration::from_secs(60);

/// Why the checklist or the clause wording could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ChecklistError {
    #[error("mamori.toml の [audit] ruleset `{}` を読めません", path.display())]
    ReadRuleset {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("[{}] {source}", source.code())]
    Ruleset {
        #[source]
        source: AuditError,
    },
    #[error("mamori.toml の [audit] clauses のフォルダ `{}` を読めません", folder.display())]
    ReadWording {
        folder: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The built-in checklist, or the city's (`[audit] ruleset`).
pub fn load_ruleset(path: Option<&Path>) -> Result<Ruleset, ChecklistError> {
    let Some(path) = path else {
        return Ok(Ruleset::standard());
    };
    let text = std::fs::read_to_string(path).map_err(|source| ChecklistError::ReadRuleset {
        path: path.to_path_buf(),
        source,
    })?;
    Ruleset::from_toml(&text).map_err(|source| ChecklistError::Ruleset { source })
}

/// The built-in clause wording with the city's files (`[audit] clauses`: `1.md` … `8.md`) in
/// place of those they name.
pub fn load_wording(folder: Option<&Path>) -> Result<ClauseWording, ChecklistError> {
    let standard = ClauseWording::standard();
    let Some(folder) = folder else {
        return Ok(standard);
    };
    let error = |source| ChecklistError::ReadWording {
        folder: folder.to_path_buf(),
        source,
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(error)? {
        let path = entry.map_err(error)?.path();
        if !path.is_file() {
            continue;
        }
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(&path).map_err(error)?;
        pairs.push((name, text));
    }
    pairs.sort();
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(name, text)| (name.as_str(), text.as_str()))
        .collect();
    Ok(standard.with_overrides(&borrowed))
}

/// A contract's text and the SHA-256 of its bytes. PDF text comes from `pdftotext`.
pub async fn read_contract(path: &Path) -> Result<(SourceText, String), AuditError> {
    let name = path.display().to_string();
    let unreadable = |reason: String| AuditError::Unreadable {
        file: name.clone(),
        reason,
    };
    let size = tokio::fs::metadata(path)
        .await
        .map_err(|error| unreadable(error.to_string()))?
        .len();
    if size > MAX_CONTRACT_BYTES {
        return Err(unreadable(format!(
            "{} MiB を超えるファイルは読みません",
            MAX_CONTRACT_BYTES / 1024 / 1024
        )));
    }
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|error| unreadable(error.to_string()))?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let text = contract_text(&name, path, &bytes).await?;
    Ok((text, sha256))
}

/// The text of a contract whose `bytes` were read from `path`; `name` names it in results and
/// errors (an uploaded file's own name, not the generated one it is kept under).
pub async fn contract_text(
    name: &str,
    path: &Path,
    bytes: &[u8],
) -> Result<SourceText, AuditError> {
    if bytes.starts_with(b"%PDF") {
        let text = pdf_text(path, name).await?;
        SourceText::from_pdf_text(name, &text)
    } else {
        SourceText::from_bytes(name, bytes)
    }
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The text layer of a PDF, through `pdftotext -layout -enc UTF-8 FILE -`.
async fn pdf_text(path: &Path, name: &str) -> Result<String, AuditError> {
    let failed = |reason: String| AuditError::PdfToolFailed {
        file: name.to_owned(),
        reason,
    };
    let child = tokio::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let child = match child {
        Ok(child) => child,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(AuditError::PdfToolMissing {
                file: name.to_owned(),
            });
        }
        Err(error) => return Err(failed(error.to_string())),
    };
    let output = tokio::time::timeout(PDF_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| {
            failed(format!(
                "{} 秒以内に終わりませんでした",
                PDF_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|error| failed(error.to_string()))?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        return Err(failed(format!("pdftotext: {} {message}", output.status)));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Results as the report crate's view.
pub fn audit_view(
    reports: &[AuditReport],
    comparisons: &[Option<Comparison>],
    ruleset: &Ruleset,
) -> AuditView {
    let notice = reports
        .iter()
        .flat_map(|report| &report.findings)
        .find(|finding| finding.code == NOTICE)
        .map_or_else(|| ruleset.disclaimer().to_owned(), |f| f.message.clone());
    let clause_titles = reports
        .first()
        .map(|report| report.clauses.iter().map(|c| c.title.clone()).collect())
        .unwrap_or_else(|| {
            ruleset
                .clauses()
                .iter()
                .map(|clause| clause.title.clone())
                .collect()
        });
    let contracts = reports
        .iter()
        .zip(comparisons)
        .map(|(report, comparison)| contract_view(report, comparison.as_ref()))
        .collect();
    AuditView {
        ruleset: ruleset.label(),
        notice,
        clause_titles,
        contracts,
    }
}

fn contract_view(report: &AuditReport, comparison: Option<&Comparison>) -> ContractView {
    let suggestions: BTreeMap<u8, &str> = report
        .findings
        .iter()
        .filter_map(|finding| Some((finding.clause?, finding.suggestion.as_deref()?)))
        .collect();
    let clauses = report
        .clauses
        .iter()
        .map(|clause| {
            let first = clause.evidence.first();
            ClauseView {
                id: clause.id,
                title: clause.title.clone(),
                status: clause.status.as_str().to_owned(),
                status_label: clause.status.label().to_owned(),
                location: first.and_then(|evidence| match (&evidence.article, &evidence.heading) {
                    (Some(article), Some(heading)) => Some(format!("{article}（{heading}）")),
                    (Some(article), None) => Some(article.clone()),
                    (None, Some(heading)) => Some(format!("（{heading}）")),
                    (None, None) => None,
                }),
                evidence: first.map(|evidence| evidence.text.clone()),
                detail: clause.detail.clone(),
                suggestion: suggestions.get(&clause.id).map(|text| (*text).to_owned()),
            }
        })
        .collect();
    let findings = report
        .findings
        .iter()
        // A clause's own PARTIAL/MISSING finding is its row already; the notice is printed
        // once for the batch.
        .filter(|finding| {
            let per_clause = finding.code.ends_with("-PARTIAL")
                || (finding.code.ends_with("-MISSING")
                    && finding.code != mamori_audit::check::ANNEX_MISSING);
            finding.code != NOTICE && !per_clause
        })
        .map(|finding| FindingView {
            code: finding.code.clone(),
            severity: format!("{:?}", finding.severity).to_lowercase(),
            message: finding.message.clone(),
        })
        .collect();
    ContractView {
        path: report.path.clone(),
        sha256: report.sha256.clone(),
        pass: report.verdict == Verdict::Pass,
        clauses,
        findings,
        comparison: comparison.map(comparison_view),
    }
}

/// An article as `第6条（事故発生時の報告）`.
fn article_name(article: &ArticleRef) -> String {
    match (&article.number, &article.heading) {
        (Some(number), Some(heading)) => format!("{number}（{heading}）"),
        (Some(number), None) => number.clone(),
        (None, Some(heading)) => format!("（{heading}）"),
        (None, None) => "（番号なし）".to_owned(),
    }
}

/// The comparison as the report crate's rows: the contract's text with 【削除: …】【追加: …】
/// marks for an article that differs, long unchanged stretches shortened.
fn comparison_view(comparison: &Comparison) -> ComparisonView {
    let summary = comparison.summary();
    let rows = comparison
        .articles
        .iter()
        .map(|article| {
            let difference = match article {
                ArticleComparison::Differs { diff, .. } => Some(
                    diff.iter()
                        .map(|span| match span.kind {
                            SpanKind::Equal => shorten_middle(&span.text, 30),
                            SpanKind::Deleted => format!("【削除: {}】", span.text.trim()),
                            SpanKind::Inserted => format!("【追加: {}】", span.text.trim()),
                        })
                        .collect::<String>(),
                ),
                _ => None,
            };
            ComparisonRow {
                status: article.label().to_owned(),
                template_article: article.template().map(article_name),
                contract_article: article.contract().map(article_name),
                difference,
            }
        })
        .collect();
    ComparisonView {
        template: comparison.template_name.clone(),
        summary: format!(
            "同一 {}件、相違 {}件、契約書にない {}件、契約書のみ {}件",
            summary.same, summary.differs, summary.missing_from_contract, summary.extra_in_contract
        ),
        rows,
    }
}

/// A long unchanged stretch as its start … its end.
fn shorten_middle(text: &str, keep: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let characters: Vec<char> = flat.chars().collect();
    if characters.len() <= keep * 2 + 1 {
        return flat;
    }
    let head: String = characters[..keep].iter().collect();
    let tail: String = characters[characters.len() - keep..].iter().collect();
    format!("{head}…{tail}")
}
