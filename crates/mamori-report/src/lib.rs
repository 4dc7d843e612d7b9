//! mamori-report: the publishable 運用状況 report.
//!
//! Owns: the tally of stored figures for a fiscal year and the years before it, in total and per
//! 実施機関 ([`AnnualReport::tally`]), and its five renderings: xlsx ([`xlsx`]), HTML fragment and
//! standalone page and Markdown from templates ([`Templates`]), CSV and JSON ([`data`]). Also the
//! contract audit's Markdown and workbook ([`audit`]), from view types the caller fills.
//!
//! Must not: touch files, read a clock or the environment. Figures, warnings and templates come in
//! as data, so the same store always gives the same bytes (the xlsx's creation time is fixed).
//!
//! Start reading at [`model`]: a category nobody reported is `None` (printed －, null in JSON),
//! never 0.

pub mod audit;
pub mod chart;
pub mod data;
pub mod model;
pub mod templates;
pub mod xlsx;

pub use chart::Chart;
pub use model::{
    AnnualReport, City, ReportError, ReportRequest, Rollup, SourceCell, SourceFigure, Warning,
};
pub use templates::Templates;

/// What a table prints for a category nobody reported.
pub const NOT_REPORTED: &str = "－";

/// The report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Xlsx,
    Html,
    HtmlFragment,
    Csv,
    Markdown,
    Json,
}

/// Renders `report` in `format`.
pub fn render(
    report: &AnnualReport,
    format: Format,
    templates: &Templates,
) -> Result<Vec<u8>, ReportError> {
    match format {
        Format::Xlsx => xlsx::workbook(report),
        Format::Html => html_page(report, templates).map(String::into_bytes),
        Format::HtmlFragment => html_fragment(report, templates).map(String::into_bytes),
        Format::Csv => Ok(data::csv(report)),
        Format::Markdown => markdown(report, templates).map(String::into_bytes),
        Format::Json => Ok(data::json(report).into_bytes()),
    }
}

#[derive(serde::Serialize)]
struct PageContext<'a> {
    report: &'a AnnualReport,
    chart: Chart,
}

#[derive(serde::Serialize)]
struct ReportContext<'a> {
    report: &'a AnnualReport,
}

/// The standalone page: tables, notes and the chart.
pub fn html_page(report: &AnnualReport, templates: &Templates) -> Result<String, ReportError> {
    templates.render(
        templates::PAGE,
        &PageContext {
            report,
            chart: Chart::of(report),
        },
    )
}

/// The fragment to paste into a CMS.
pub fn html_fragment(report: &AnnualReport, templates: &Templates) -> Result<String, ReportError> {
    templates.render(templates::FRAGMENT, &ReportContext { report })
}

/// Markdown for terminals and mail bodies.
pub fn markdown(report: &AnnualReport, templates: &Templates) -> Result<String, ReportError> {
    templates.render(templates::MARKDOWN, &ReportContext { report })
}
