//! `contract_review` jobs: audit the contracts dropped into a folder, mail each result (once
//! per contract, whichever run audits it) and a digest of the run, then move the audited files
//! to the done folder.

use std::collections::BTreeMap;

use mamori_audit::AuditError;
use mamori_audit::check::{AuditRequest, audit};
use mamori_audit::report::{AuditReport, Verdict};
use mamori_mail::Attachment;

use crate::run::outgoing::all_recipients;
use crate::run::{JobContext, Outgoing, Produced, RunRequest, StageFailure, StageOutcome};
use crate::spec::{ContractReviewSpec, JobSpec};
use crate::stage::contracts::{
    CONTRACT_EXTENSIONS, audit_view, load_ruleset, load_wording, read_contract,
};
use crate::stage::folder::files_in;

pub(crate) async fn produce(
    context: &JobContext,
    spec: &JobSpec,
    kind: &ContractReviewSpec,
    request: &RunRequest,
) -> Result<Produced, (Vec<StageOutcome>, StageFailure)> {
    let mut produced = Produced::default();
    let files = match files_in(kind.inbox(), CONTRACT_EXTENSIONS) {
        Ok(files) => files,
        // A review folder nobody has dropped anything into yet may not exist.
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(error) => {
            return Err((
                Vec::new(),
                StageFailure {
                    stage: "契約書の収集",
                    detail: format!("{}: {error}", kind.inbox().display()),
                },
            ));
        }
    };
    // A file changed in the last minute may still be arriving (a copy over the network): it
    // waits for the next run.
    let settled = request.now - chrono::Duration::seconds(60);
    let files: Vec<_> = files
        .into_iter()
        .filter(|path| {
            std::fs::metadata(path)
                .and_then(|metadata| metadata.modified())
                .map(chrono::DateTime::<chrono::Utc>::from)
                .map_or(true, |modified| modified <= settled)
        })
        .collect();
    if files.is_empty() {
        produced.stages.push(StageOutcome::skipped(
            "契約書の収集",
            format!("{} に契約書はありません", kind.inbox().display()),
        ));
        produced.empty = Some(format!(
            "{} に新しい契約書はありませんでした",
            kind.inbox().display()
        ));
        return Ok(produced);
    }
    produced.stages.push(StageOutcome::ok(
        "契約書の収集",
        format!("{} 件", files.len()),
    ));
    let checklist = load_ruleset(context.audit_ruleset.as_deref())
        .and_then(|ruleset| Ok((ruleset, load_wording(context.audit_clauses.as_deref())?)));
    let (ruleset, wording) = match checklist {
        Ok(checklist) => checklist,
        Err(error) => {
            return Err((
                produced.stages,
                StageFailure {
                    stage: "チェックリスト",
                    detail: error.to_string(),
                },
            ));
        }
    };

    let mut digest_lines = Vec::new();
    let mut audited = 0;
    let mut unreadable = 0;
    for path in &files {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let target = kind.done().join(&name);
        match read_contract(path).await {
            Ok((text, sha256)) => {
                let display = path.display().to_string();
                let report: AuditReport = audit(
                    &AuditRequest {
                        path: &display,
                        sha256: &sha256,
                        main: &text,
                        annex: None,
                    },
                    &ruleset,
                    &wording,
                );
                audited += 1;
                let view = audit_view(std::slice::from_ref(&report), &[None], &ruleset);
                let verdict = if report.verdict == Verdict::Pass {
                    "条項がそろっています"
                } else {
                    "要確認"
                };
                let gaps: Vec<String> = view
                    .contracts
                    .iter()
                    .flat_map(|contract| &contract.clauses)
                    .filter(|clause| clause.status != "present")
                    .map(|clause| format!("{}（{}）", clause.title, clause.status_label))
                    .collect();
                digest_lines.push(format!(
                    "・{name}: {verdict}{}",
                    if gaps.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", gaps.join("、"))
                    }
                ));
                if kind.per_file() {
                    let rendered = mamori_report::audit::markdown(&view, &context.templates)
                        .and_then(|markdown| {
                            Ok((markdown, mamori_report::audit::workbook(&view)?))
                        });
                    let (markdown, workbook) = match rendered {
                        Ok(rendered) => rendered,
                        Err(error) => {
                            return Err((
                                produced.stages,
                                StageFailure {
                                    stage: "結果の作成",
                                    detail: format!("{name}: {error}"),
                                },
                            ));
                        }
                    };
                    let stem = path
                        .file_stem()
                        .map(|stem| stem.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "契約書".to_owned());
                    produced.mails.push(Outgoing {
                        key: format!("file/{sha256}"),
                        once_ever: true,
                        to: all_recipients(spec),
                        subject: format!("【契約書チェック】{name}: {verdict}"),
                        text: format!(
                            "「{name}」を第6条の8項目について確認しました（{}）。\n\n{markdown}\n（mamori が自動で送信しています。結果は条項の有無の確認であり、契約内容の適否の判断ではありません）\n",
                            view.ruleset
                        ),
                        html: None,
                        attachments: vec![Attachment {
                            file_name: format!("契約書チェック_{}.xlsx", sanitize(&stem)),
                            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                            bytes: workbook,
                        }],
                        values: BTreeMap::from([
                            ("file".to_owned(), name.clone()),
                            ("verdict".to_owned(), verdict.to_owned()),
                        ]),
                    });
                }
                produced.moves.push((path.clone(), target));
            }
            Err(error) => {
                unreadable += 1;
                // A file whose content is bad goes to the done folder with its error in the
                // digest; one that failed because of this machine (no pdftotext, a timeout)
                // stays in the inbox for the next run.
                let environmental = matches!(
                    error,
                    AuditError::PdfToolMissing { .. } | AuditError::PdfToolFailed { .. }
                );
                digest_lines.push(format!(
                    "・{name}: 読めませんでした [{}] {error}{}",
                    error.code(),
                    if environmental {
                        "（受付フォルダに残し、次回もう一度読みます）"
                    } else {
                        ""
                    }
                ));
                if !environmental {
                    produced.moves.push((path.clone(), target));
                }
            }
        }
    }
    produced.stages.push(StageOutcome::ok(
        "監査",
        format!("監査 {audited} 件、読めないファイル {unreadable} 件"),
    ));
    if kind.digest() {
        let local = request.scheduled_for.with_timezone(&spec.schedule().zone());
        produced.mails.push(Outgoing {
            key: "digest".to_owned(),
            once_ever: false,
            to: all_recipients(spec),
            subject: format!("【契約書チェック】{} のまとめ（{} 件）", local.format("%Y-%m-%d"), files.len()),
            text: format!(
                "{} に届いた契約書 {} 件の確認結果です。\n\n{}\n\n確認したファイルは {} に移しました。\n（mamori が自動で送信しています）\n",
                kind.inbox().display(),
                files.len(),
                digest_lines.join("\n"),
                kind.done().display()
            ),
            html: None,
            attachments: Vec::new(),
            values: BTreeMap::from([("count".to_owned(), files.len().to_string())]),
        });
    }
    Ok(produced)
}

/// A file name part without path separators or characters Windows refuses.
fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect()
}
