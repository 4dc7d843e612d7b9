//! `annual_report` jobs: import a folder (optional), then mail the report of the fiscal year
//! just ended: the workbook attached, the HTML fragment and Markdown in the body.

use std::collections::BTreeMap;

use mamori_mail::Attachment;
use mamori_report::{Format, ReportRequest};

use crate::run::outgoing::all_recipients;
use crate::run::{JobContext, Outgoing, Produced, RunRequest, StageFailure, StageOutcome};
use crate::spec::{AnnualReportSpec, AttachFormat, JobSpec};
use crate::stage::import::import_folder;
use crate::stage::report::annual_report;

pub(crate) async fn produce(
    context: &JobContext,
    spec: &JobSpec,
    kind: &AnnualReportSpec,
    request: &RunRequest,
) -> Result<Produced, (Vec<StageOutcome>, StageFailure)> {
    let mut produced = Produced::default();
    let fiscal_year =
        crate::run::figures_reminder::fiscal_year_of(spec, kind.fiscal_year(), request).map_err(
            |detail| {
                (
                    Vec::new(),
                    StageFailure {
                        stage: "年度",
                        detail,
                    },
                )
            },
        )?;

    match (kind.import(), request.dry_run) {
        (None, _) => {}
        (Some(folder), true) => produced.stages.push(StageOutcome::skipped(
            "取込",
            format!("--dry-run のため {} は取り込みません", folder.display()),
        )),
        (Some(folder), false) => {
            let imported_at = request.now.to_rfc3339();
            match import_folder(&context.store, folder, &context.schema, &imported_at).await {
                Ok(summary) => {
                    let mut detail = format!(
                        "{}: 取込 {} 件、変更なし {} 件、不採用 {} 件、警告 {} 件",
                        folder.display(),
                        summary.imported.len(),
                        summary.unchanged.len(),
                        summary.rejected.len(),
                        summary.warnings
                    );
                    for (file, diagnostics) in &summary.rejected {
                        if let Some(first) = diagnostics.first() {
                            detail.push_str(&format!(
                                "\n不採用: {file}: [{}] {first}",
                                first.code().as_str()
                            ));
                        }
                    }
                    produced.stages.push(StageOutcome::ok("取込", detail));
                }
                Err(error) => {
                    return Err((
                        produced.stages,
                        StageFailure {
                            stage: "取込",
                            detail: format!("{error:#}"),
                        },
                    ));
                }
            }
        }
    }

    let report_request = ReportRequest {
        schema: &context.schema,
        city: context.city.clone(),
        fiscal_year,
        years: u32::from(kind.years()),
        rollup: context.rollup.clone(),
    };
    let report = match annual_report(&context.store, &report_request).await {
        Ok(report) => report,
        Err(error) => {
            return Err((
                produced.stages,
                StageFailure {
                    stage: "集計",
                    detail: error.to_string(),
                },
            ));
        }
    };
    if !report.has_figures_for_selected_year() {
        produced.stages.push(StageOutcome::skipped(
            "集計",
            format!("{}の件数が保存されていません", fiscal_year.label()),
        ));
        produced.empty = Some(format!(
            "{}の件数がまだ取り込まれていません",
            fiscal_year.label()
        ));
        return Ok(produced);
    }
    produced.stages.push(StageOutcome::ok(
        "集計",
        format!("{}（確認事項 {} 件）", report.period, report.warnings.len()),
    ));

    let rendered = (|| -> Result<_, mamori_report::ReportError> {
        let markdown = mamori_report::markdown(&report, &context.templates)?;
        let fragment = mamori_report::html_fragment(&report, &context.templates)?;
        let mut attachments = Vec::new();
        for attach in kind.attach() {
            let extension = attach.extension();
            let (format, content_type) = match attach {
                AttachFormat::Csv => (Format::Csv, "text/csv; charset=utf-8"),
                AttachFormat::Html => (Format::Html, "text/html; charset=utf-8"),
                AttachFormat::Md => (Format::Markdown, "text/markdown; charset=utf-8"),
                AttachFormat::Json => (Format::Json, "application/json"),
                AttachFormat::Xlsx => (
                    Format::Xlsx,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
            };
            attachments.push(Attachment {
                file_name: format!("運用状況_{}.{extension}", report.fiscal_year_label),
                content_type: content_type.to_owned(),
                bytes: mamori_report::render(&report, format, &context.templates)?,
            });
        }
        Ok((markdown, fragment, attachments))
    })();
    let (markdown, fragment, attachments) = match rendered {
        Ok(rendered) => rendered,
        Err(error) => {
            return Err((
                produced.stages,
                StageFailure {
                    stage: "報告書作成",
                    detail: error.to_string(),
                },
            ));
        }
    };
    let file_names: Vec<String> = attachments.iter().map(|a| a.file_name.clone()).collect();
    produced
        .stages
        .push(StageOutcome::ok("報告書作成", file_names.join("、")));
    for attachment in &attachments {
        produced.files.push((
            context.data_dir.join("reports").join(&attachment.file_name),
            attachment.bytes.clone(),
        ));
    }

    let title = format!("{} {}", report.fiscal_year_label, report.title);
    let text = format!(
        "{}{title}を送ります。{}\n\n{markdown}\n（mamori が自動で送信しています。数値の出典は添付の「データ」シートにあります）\n",
        match (report.city.name.as_str(), &report.city.section) {
            ("", None) => String::new(),
            (name, Some(section)) => format!("{name} {section}より\n"),
            (name, None) => format!("{name}より\n"),
        },
        if report.warnings.is_empty() {
            String::new()
        } else {
            format!(
                "確認事項が {} 件あります（添付の「確認事項」シート）。",
                report.warnings.len()
            )
        },
    );
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>{}</title></head><body>\n{fragment}\n</body></html>\n",
        escape(&title)
    );
    produced.mails.push(Outgoing {
        key: "report".to_owned(),
        once_ever: false,
        to: all_recipients(spec),
        subject: format!("【年次報告】{title}"),
        text,
        html: Some(html),
        attachments,
        values: BTreeMap::from([
            ("fiscal_year".to_owned(), report.fiscal_year_label.clone()),
            ("title".to_owned(), report.title.clone()),
            ("period".to_owned(), report.period),
        ]),
    });
    Ok(produced)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
