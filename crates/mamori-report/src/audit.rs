//! Contract audit results as documents: Markdown (for the terminal and mail) and a workbook for
//! batch reviews (one row per contract, one column per clause, the evidence on a second sheet).
//!
//! The view types are this crate's own, filled by the caller from `mamori-audit`'s results, so
//! the two stage crates stay independent.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};
use serde::{Deserialize, Serialize};
use unicode_width::UnicodeWidthStr;

use crate::model::ReportError;
use crate::templates::{AUDIT_MARKDOWN, Templates};

/// Sheet names of the audit workbook.
pub const SHEET_SUMMARY: &str = "契約書チェック";
pub const SHEET_EVIDENCE: &str = "根拠";
pub const SHEET_NOTICE: &str = "注意事項";
pub const SHEET_COMPARISON: &str = "ひな形との比較";

/// A batch of audited contracts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditView {
    /// `名前 版` of the checklist applied.
    pub ruleset: String,
    /// The notice that this is a checklist, not legal advice.
    pub notice: String,
    /// The clause titles, in order (column headers).
    pub clause_titles: Vec<String>,
    pub contracts: Vec<ContractView>,
}

/// One contract's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractView {
    pub path: String,
    pub sha256: String,
    /// Whether every clause is present and nothing blocks confirmation.
    pub pass: bool,
    pub clauses: Vec<ClauseView>,
    /// Findings other than per-clause ones (a missing annex, a missing return/disposal duty…).
    pub findings: Vec<FindingView>,
    /// The article-by-article comparison with the city's 特記事項 (`--template`), if asked for.
    pub comparison: Option<ComparisonView>,
}

/// A contract's special provisions against the city's own template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparisonView {
    /// The template's file name.
    pub template: String,
    /// `同一 7件、相違 1件、契約書にない 1件、契約書のみ 0件`.
    pub summary: String,
    pub rows: Vec<ComparisonRow>,
}

/// One article of the comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// 同一, 相違, 契約書にない, 契約書のみ.
    pub status: String,
    /// `第6（事故発生時の報告）` in the template, if there.
    pub template_article: Option<String>,
    /// `第7条（事故発生時の報告）` in the contract, if there.
    pub contract_article: Option<String>,
    /// For 相違: the contract's text with 【削除: …】【追加: …】 marks.
    pub difference: Option<String>,
}

/// One clause of one contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseView {
    pub id: u8,
    pub title: String,
    /// `present`, `partial` or `missing`.
    pub status: String,
    /// `記載あり`, `一部のみ`, `記載なし`.
    pub status_label: String,
    /// `第5条（秘密の保持）`, where the evidence is.
    pub location: Option<String>,
    /// The sentence that shows it, as written.
    pub evidence: Option<String>,
    pub detail: String,
    /// Standard wording to add, for a partial or missing clause.
    pub suggestion: Option<String>,
}

/// A finding not tied to one clause's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingView {
    pub code: String,
    pub severity: String,
    pub message: String,
}

impl ContractView {
    /// `適合` or `要確認`.
    pub fn verdict_label(&self) -> &'static str {
        if self.pass { "適合" } else { "要確認" }
    }
}

#[derive(Serialize)]
struct Context<'a> {
    audit: &'a AuditView,
}

/// The audit as Markdown, from template `audit.md`.
pub fn markdown(view: &AuditView, templates: &Templates) -> Result<String, ReportError> {
    templates.render(AUDIT_MARKDOWN, &Context { audit: view })
}

/// The audit as a workbook: 契約書チェック (one row per contract), 根拠 (one row per clause with
/// the quoted sentence and the wording to add) and 注意事項 (the checklist's name and notice).
/// The creation date is fixed, so the same results give the same bytes.
pub fn workbook(view: &AuditView) -> Result<Vec<u8>, ReportError> {
    build(view).map_err(|error| ReportError::Xlsx(error.to_string()))
}

fn build(view: &AuditView) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let base = Format::new()
        .set_font_name("游ゴシック")
        .set_font_size(10.5);
    let cell = base.clone().set_border(FormatBorder::Thin);
    let header = cell
        .clone()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(0xE8EEF6);
    let wrapped = cell.clone().set_text_wrap().set_align(FormatAlign::Top);
    let centred = cell.clone().set_align(FormatAlign::Center);
    let failed = centred.clone().set_bold().set_font_color(0xC00000);

    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title("契約書の個人情報保護条項チェック")
            .set_creation_datetime(&ExcelDateTime::from_ymd(2000, 1, 1)?),
    );

    let summary = workbook.add_worksheet();
    summary.set_name(SHEET_SUMMARY)?;
    summary.set_landscape();
    summary.set_paper_size(9);
    summary.set_print_fit_to_pages(1, 0);
    let mut widths: Vec<usize> = Vec::new();
    let mut fit = |column: u16, text: &str| {
        let column = usize::from(column);
        if widths.len() <= column {
            widths.resize(column + 1, 0);
        }
        widths[column] = widths[column].max(text.width());
    };
    let mut headers = vec!["ファイル".to_owned(), "判定".to_owned()];
    headers.extend(
        view.clause_titles
            .iter()
            .enumerate()
            .map(|(index, title)| format!("{} {title}", index + 1)),
    );
    headers.push("その他の指摘".to_owned());
    for (column, text) in headers.iter().enumerate() {
        summary.write_string_with_format(0, column as u16, text, &header)?;
    }
    for (index, contract) in view.contracts.iter().enumerate() {
        let row = index as u32 + 1;
        summary.write_string_with_format(row, 0, &contract.path, &cell)?;
        fit(0, &contract.path);
        let verdict_format = if contract.pass { &centred } else { &failed };
        summary.write_string_with_format(row, 1, contract.verdict_label(), verdict_format)?;
        for (offset, clause) in contract.clauses.iter().enumerate() {
            let format = if clause.status == "present" {
                &centred
            } else {
                &failed
            };
            summary.write_string_with_format(
                row,
                2 + offset as u16,
                &clause.status_label,
                format,
            )?;
        }
        let others: Vec<String> = contract
            .findings
            .iter()
            .map(|finding| format!("{} {}", finding.code, finding.message))
            .collect();
        let column = 2 + view.clause_titles.len() as u16;
        summary.write_string_with_format(row, column, others.join("\n"), &wrapped)?;
    }
    summary.set_column_width(
        0,
        (widths.first().copied().unwrap_or(10) as f64 + 2.0).clamp(12.0, 50.0),
    )?;
    summary.set_column_width(1, 8)?;
    for offset in 0..view.clause_titles.len() {
        summary.set_column_width(2 + offset as u16, 11)?;
    }
    summary.set_column_width(2 + view.clause_titles.len() as u16, 60)?;
    summary.set_row_height(0, 45)?;
    summary.set_freeze_panes(1, 1)?;

    let evidence = workbook.add_worksheet();
    evidence.set_name(SHEET_EVIDENCE)?;
    evidence.set_landscape();
    evidence.set_paper_size(9);
    evidence.set_print_fit_to_pages(1, 0);
    let columns = [
        ("ファイル", 30.0),
        ("条項", 26.0),
        ("判定", 9.0),
        ("該当箇所", 24.0),
        ("根拠（原文）", 50.0),
        ("説明", 40.0),
        ("追加する文言の例", 50.0),
    ];
    for (column, (text, width)) in columns.iter().enumerate() {
        evidence.write_string_with_format(0, column as u16, *text, &header)?;
        evidence.set_column_width(column as u16, *width)?;
    }
    let mut row = 1;
    for contract in &view.contracts {
        for clause in &contract.clauses {
            let values = [
                contract.path.clone(),
                format!("{} {}", clause.id, clause.title),
                clause.status_label.clone(),
                clause.location.clone().unwrap_or_default(),
                clause.evidence.clone().unwrap_or_default(),
                clause.detail.clone(),
                clause.suggestion.clone().unwrap_or_default(),
            ];
            for (column, value) in values.iter().enumerate() {
                if value.is_empty() {
                    evidence.write_blank(row, column as u16, &wrapped)?;
                } else {
                    evidence.write_string_with_format(row, column as u16, value, &wrapped)?;
                }
            }
            row += 1;
        }
    }
    evidence.set_freeze_panes(1, 2)?;

    let notice = workbook.add_worksheet();
    notice.set_name(SHEET_NOTICE)?;
    notice.write_string_with_format(0, 0, "適用したチェックリスト", &base.clone().set_bold())?;
    notice.write_string_with_format(0, 1, &view.ruleset, &base)?;
    notice.write_string_with_format(1, 0, "注意", &base.clone().set_bold())?;
    notice.write_string_with_format(1, 1, &view.notice, &base.clone().set_text_wrap())?;
    notice.set_column_width(0, 24)?;
    notice.set_column_width(1, 90)?;

    if view
        .contracts
        .iter()
        .any(|contract| contract.comparison.is_some())
    {
        let sheet = workbook.add_worksheet();
        sheet.set_name(SHEET_COMPARISON)?;
        sheet.set_landscape();
        sheet.set_paper_size(9);
        sheet.set_print_fit_to_pages(1, 0);
        let columns = [
            ("ファイル", 30.0),
            ("ひな形", 26.0),
            ("比較", 12.0),
            ("ひな形の条", 26.0),
            ("契約書の条", 26.0),
            (
                "違い（【削除】はひな形にあって契約書にない語、【追加】はその逆）",
                70.0,
            ),
        ];
        for (column, (text, width)) in columns.iter().enumerate() {
            sheet.write_string_with_format(0, column as u16, *text, &header)?;
            sheet.set_column_width(column as u16, *width)?;
        }
        let mut row = 1;
        for contract in &view.contracts {
            let Some(comparison) = &contract.comparison else {
                continue;
            };
            for article in &comparison.rows {
                let values = [
                    contract.path.as_str(),
                    comparison.template.as_str(),
                    article.status.as_str(),
                    article.template_article.as_deref().unwrap_or(""),
                    article.contract_article.as_deref().unwrap_or(""),
                    article.difference.as_deref().unwrap_or(""),
                ];
                for (column, value) in values.iter().enumerate() {
                    if value.is_empty() {
                        sheet.write_blank(row, column as u16, &wrapped)?;
                    } else {
                        sheet.write_string_with_format(row, column as u16, *value, &wrapped)?;
                    }
                }
                row += 1;
            }
        }
        sheet.set_freeze_panes(1, 0)?;
    }

    workbook.save_to_buffer()
}
