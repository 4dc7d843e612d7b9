//! `figures_reminder` jobs: each 実施機関 that has not sent its figures for the fiscal year gets
//! a reminder listing who has; each whose latest file has warnings or errors gets the list of
//! them with sheet and cell; the section (`mail.to`) gets the overview.

use std::collections::BTreeMap;

use mamori_core::{Agency, FiscalYear};
use mamori_store::{ImportStatus, StoredDiagnostic};

use crate::run::outgoing::all_recipients;
use crate::run::{JobContext, Outgoing, Produced, RunRequest, StageFailure, StageOutcome};
use crate::spec::{FiguresReminderSpec, FiscalYearChoice, JobSpec};

/// The fiscal year a job is about: the one that ended before its fire date ("previous", the
/// default) or the one its file names.
pub(crate) fn fiscal_year_of(
    spec: &JobSpec,
    choice: FiscalYearChoice,
    request: &RunRequest,
) -> Result<FiscalYear, String> {
    let fire_date = request
        .scheduled_for
        .with_timezone(&spec.schedule().zone())
        .date_naive();
    choice
        .for_fire_date(fire_date)
        .map_err(|error| format!("fiscal_year: {error}"))
}

pub(crate) async fn produce(
    context: &JobContext,
    spec: &JobSpec,
    kind: &FiguresReminderSpec,
    request: &RunRequest,
) -> Result<Produced, (Vec<StageOutcome>, StageFailure)> {
    let fail = |detail: String| {
        (
            Vec::new(),
            StageFailure {
                stage: "提出状況",
                detail,
            },
        )
    };
    let fiscal_year = fiscal_year_of(spec, kind.fiscal_year(), request).map_err(fail)?;
    let year_label = fiscal_year.label();
    let figures = context
        .store
        .current_figures(Some(fiscal_year))
        .await
        .map_err(|error| fail(error.to_string()))?;
    let imports = context
        .store
        .imports()
        .await
        .map_err(|error| fail(error.to_string()))?;

    // The latest accepted import behind each expected body's figures.
    let mut latest: BTreeMap<&Agency, i64> = BTreeMap::new();
    for figure in &figures {
        let Some(agency) = Agency::new(&figure.agency) else {
            continue;
        };
        let body = context.rollup.body_of(&agency);
        for expected in kind.agencies() {
            if &agency == expected || &body == expected {
                let entry = latest.entry(expected).or_insert(figure.import_id);
                *entry = (*entry).max(figure.import_id);
            }
        }
    }
    let sent: Vec<&Agency> = kind
        .agencies()
        .iter()
        .filter(|agency| latest.contains_key(*agency))
        .collect();
    let missing: Vec<&Agency> = kind
        .agencies()
        .iter()
        .filter(|agency| !latest.contains_key(*agency))
        .collect();

    // Problems: warnings of the latest accepted file when all its figures are this body's, and
    // errors of a rejected file newer than it, sent in this reporting season (after the fiscal
    // year ended), whose file name carries the body's name and no longer expected name that
    // contains it (水道局 is not 上下水道局): a rejected file has no figures to tell whose it is.
    let season_start = fiscal_year.last_day().format("%Y-%m-%d").to_string();
    let mut problems: BTreeMap<&Agency, (String, Vec<StoredDiagnostic>)> = BTreeMap::new();
    for expected in kind.agencies() {
        let accepted = latest.get(expected).copied();
        let rejected = imports.iter().find(|import| {
            let file_name = std::path::Path::new(&import.source)
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            let names_it = file_name.contains(expected.as_str())
                && !kind.agencies().iter().any(|other| {
                    other != expected
                        && other.as_str().contains(expected.as_str())
                        && file_name.contains(other.as_str())
                });
            import.status == ImportStatus::Rejected
                && names_it
                && import
                    .imported_at
                    .get(..10)
                    .is_some_and(|day| day > season_start.as_str())
                && accepted.is_none_or(|id| import.id > id)
        });
        let chosen = rejected.map(|import| import.id).or(accepted);
        let Some(id) = chosen else { continue };
        let detail = context
            .store
            .import(id)
            .await
            .map_err(|error| fail(error.to_string()))?;
        let Some(detail) = detail else { continue };
        let only_this_body = detail.figures.iter().all(|figure| {
            Agency::new(&figure.agency).is_some_and(|agency| {
                &agency == expected || &context.rollup.body_of(&agency) == expected
            })
        });
        if !detail.diagnostics.is_empty() && only_this_body {
            problems.insert(expected, (detail.import.source.clone(), detail.diagnostics));
        }
    }

    let mut produced = Produced::default();
    produced.stages.push(StageOutcome::ok(
        "提出状況",
        format!(
            "{year_label}: 提出済み {} / {}、未提出 {}、確認事項あり {}",
            sent.len(),
            kind.agencies().len(),
            missing.len(),
            problems.len()
        ),
    ));
    if missing.is_empty() && problems.is_empty() {
        produced.empty = Some(format!(
            "{year_label}の件数は全ての実施機関から届いており、確認事項もありません"
        ));
        return Ok(produced);
    }

    let sent_list = if sent.is_empty() {
        "（まだありません）".to_owned()
    } else {
        sent.iter()
            .map(|agency| format!("・{agency}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let deadline_note = "提出済みの場合は、このメールは行き違いです。ご容赦ください。";
    for agency in &missing {
        let Some(address) = kind.contact(agency) else {
            continue;
        };
        produced.mails.push(Outgoing {
            key: format!("reminder/{agency}"),
            once_ever: false,
            to: vec![address.to_owned()],
            subject: format!("【提出のお願い】{year_label} 個人情報保護制度の運用状況（{agency}）"),
            text: format!(
                "{agency} ご担当者様\n\n{year_label}の個人情報の開示請求等の運用状況の件数が、まだ総務課に届いていません。\n様式に記入のうえ、ご提出をお願いします。\n\n提出済みの実施機関:\n{sent_list}\n\n{deadline_note}\n（mamori が自動で送信しています）\n"
            ),
            html: None,
            attachments: Vec::new(),
            values: values(&year_label, agency.as_str()),
        });
    }
    for (agency, (file, diagnostics)) in &problems {
        let Some(address) = kind.contact(agency) else {
            continue;
        };
        let lines: Vec<String> = diagnostics.iter().map(describe).collect();
        let rejected = diagnostics.iter().any(|d| d.severity == "error");
        produced.mails.push(Outgoing {
            key: format!("problems/{agency}"),
            once_ever: false,
            to: vec![address.to_owned()],
            subject: format!(
                "【{}】{year_label} 運用状況の提出ファイル（{agency}）",
                if rejected { "再提出のお願い" } else { "確認のお願い" }
            ),
            text: format!(
                "{agency} ご担当者様\n\nご提出いただいたファイル「{file}」に、次の{}があります。{}\n\n{}\n\n（mamori が自動で送信しています）\n",
                if rejected { "誤り" } else { "確認事項" },
                if rejected {
                    "このファイルは取り込めませんでした。修正して再提出をお願いします。"
                } else {
                    "内容をご確認ください。"
                },
                lines.join("\n")
            ),
            html: None,
            attachments: Vec::new(),
            values: values(&year_label, agency.as_str()),
        });
    }
    let overview_to = all_recipients(spec);
    if !overview_to.is_empty() {
        let missing_list = if missing.is_empty() {
            "（ありません）".to_owned()
        } else {
            missing
                .iter()
                .map(|agency| format!("・{agency}"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let problem_list = if problems.is_empty() {
            "（ありません）".to_owned()
        } else {
            problems
                .iter()
                .map(|(agency, (file, diagnostics))| {
                    format!("・{agency}: {file}（{} 件）", diagnostics.len())
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        produced.mails.push(Outgoing {
            key: "overview".to_owned(),
            once_ever: false,
            to: overview_to,
            subject: format!("【提出状況】{year_label} 個人情報保護制度の運用状況"),
            text: format!(
                "{year_label}の運用状況の提出状況です（{}時点）。\n\n提出済み:\n{sent_list}\n\n未提出:\n{missing_list}\n\n確認事項のある提出:\n{problem_list}\n\n（mamori が自動で送信しています）\n",
                request.scheduled_for.with_timezone(&spec.schedule().zone()).format("%Y-%m-%d %H:%M")
            ),
            html: None,
            attachments: Vec::new(),
            values: values(&year_label, ""),
        });
    }
    Ok(produced)
}

fn values(year_label: &str, agency: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("fiscal_year".to_owned(), year_label.to_owned()),
        ("agency".to_owned(), agency.to_owned()),
    ])
}

/// `[W-IMPORT-104] 運用状況!C5: …`
fn describe(diagnostic: &StoredDiagnostic) -> String {
    let place = match (&diagnostic.sheet, &diagnostic.cell) {
        (Some(sheet), Some(cell)) => format!("シート「{sheet}」のセル {cell}"),
        (Some(sheet), None) => format!("シート「{sheet}」"),
        (None, Some(cell)) => format!("セル {cell}"),
        (None, None) => "ファイル全体".to_owned(),
    };
    format!("・[{}] {place}: {}", diagnostic.code, diagnostic.message)
}
