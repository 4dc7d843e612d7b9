//! 年次報告: the 運用状況 table of a fiscal year as it will be published (the same tally and
//! templates as `mamori report annual`), with downloads; and the stored figures with their cells.

use axum::Json;
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse as _, Response};
use mamori_core::FiscalYear;
use mamori_report::{AnnualReport, Format, ReportRequest};
use serde::Deserialize;

use crate::error::ApiError;
use crate::security::CsrfToken;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub(crate) struct ReportQuery {
    /// `2022`, `R4`, `令和4年度`…; the latest year with figures when absent.
    year: Option<String>,
    /// How many years the table shows (3 by default).
    years: Option<u32>,
    /// For downloads: `xlsx`, `html`, `csv`, `md` or `json`.
    format: Option<String>,
}

const DEFAULT_YEARS: u32 = 3;

/// The report the query asks for, or `None` when the store has no figures at all.
async fn report_for(
    state: &AppState,
    query: &ReportQuery,
) -> Result<Option<(FiscalYear, AnnualReport)>, ApiError> {
    let context = &state.config().context;
    let year = match query
        .year
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        Some(text) => FiscalYear::parse(text)
            .map_err(|error| ApiError::bad_request(format!("年度「{text}」: {error}")))?,
        None => {
            let latest = context.store.current_fiscal_years().await?.last().copied();
            match latest
                .and_then(|year| i32::try_from(year).ok())
                .and_then(|year| FiscalYear::new(year).ok())
            {
                Some(year) => year,
                None => return Ok(None),
            }
        }
    };
    let request = ReportRequest {
        schema: &context.schema,
        city: context.city.clone(),
        fiscal_year: year,
        years: query.years.unwrap_or(DEFAULT_YEARS),
        rollup: context.rollup.clone(),
    };
    request
        .first_year()
        .map_err(|error| ApiError::bad_request(format!("表示する年数: {error}")))?;
    let report = mamori_jobs::stage::report::annual_report(&context.store, &request)
        .await
        .map_err(|error| ApiError::internal(&error))?;
    Ok(Some((year, report)))
}

/// `GET /report`: pick a year, see the table.
pub(crate) async fn page(
    State(state): State<AppState>,
    Extension(csrf): Extension<CsrfToken>,
    Query(query): Query<ReportQuery>,
) -> Result<Html<String>, ApiError> {
    let stored_years = state.config().context.store.current_fiscal_years().await?;
    let found = report_for(&state, &query).await?;
    let years: Vec<serde_json::Value> = stored_years
        .iter()
        .rev()
        .filter_map(|year| i32::try_from(*year).ok())
        .filter_map(|year| FiscalYear::new(year).ok())
        .map(|year| {
            serde_json::json!({
                "value": year.start_year(),
                "label": format!("{}（{}年度）", year.label(), year.start_year()),
                "selected": found.as_ref().is_some_and(|(selected, _)| *selected == year),
            })
        })
        .collect();
    let (selected, table, warnings, has_figures) = match &found {
        Some((year, report)) => (
            Some(year.start_year()),
            Some(
                mamori_report::html_fragment(report, &state.config().context.templates)
                    .map_err(|error| ApiError::internal(&error))?,
            ),
            report
                .warnings
                .iter()
                .map(|warning| {
                    serde_json::json!({
                        "code": warning.code,
                        "message": warning.message,
                        "source": warning.source.describe(),
                    })
                })
                .collect::<Vec<_>>(),
            report.has_figures_for_selected_year(),
        ),
        None => (None, None, Vec::new(), false),
    };
    state.inner.pages.render(
        "report.html",
        &csrf,
        serde_json::json!({
            "title": "年次報告",
            "years": years,
            "selected": selected,
            "span": query.years.unwrap_or(DEFAULT_YEARS),
            "table": table,
            "warnings": warnings,
            "has_figures": has_figures,
            "label": found.as_ref().map(|(year, _)| year.label()),
        }),
    )
}

/// `GET /report/download?year=FY&format=xlsx|html|csv|md|json`.
pub(crate) async fn download(
    State(state): State<AppState>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let format_text = query.format.clone().unwrap_or_else(|| "xlsx".to_owned());
    let (format, extension, content_type) = match format_text.as_str() {
        "xlsx" => (
            Format::Xlsx,
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "html" => (Format::Html, "html", "text/html; charset=utf-8"),
        "csv" => (Format::Csv, "csv", "text/csv; charset=utf-8"),
        "md" => (Format::Markdown, "md", "text/markdown; charset=utf-8"),
        "json" => (Format::Json, "json", "application/json"),
        other => {
            return Err(ApiError::bad_request(format!(
                "形式「{other}」では書き出せません（xlsx・html・csv・md・json）"
            )));
        }
    };
    let (year, report) = report_for(&state, &query)
        .await?
        .ok_or_else(|| ApiError::not_found("取り込まれた件数"))?;
    let bytes = mamori_report::render(&report, format, &state.config().context.templates)
        .map_err(|error| ApiError::internal(&error))?;
    Ok(crate::pages::download(
        content_type,
        &format!("運用状況_{}.{extension}", year.label()),
        bytes,
    ))
}

/// `GET /api/report/annual?year=FY[&years=N]`: `mamori report annual --json`'s document.
pub(crate) async fn api(
    State(state): State<AppState>,
    Query(query): Query<ReportQuery>,
) -> Result<Response, ApiError> {
    let (_, report) = report_for(&state, &query)
        .await?
        .ok_or_else(|| ApiError::not_found("取り込まれた件数"))?;
    let mut response = mamori_report::data::json(&report).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub(crate) struct FiguresQuery {
    year: Option<String>,
}

/// `GET /api/figures[?year=FY]`: `mamori figures --json`'s object.
pub(crate) async fn figures(
    State(state): State<AppState>,
    Query(query): Query<FiguresQuery>,
) -> Result<Json<mamori_jobs::stage::figures::FiguresListing>, ApiError> {
    let year = query
        .year
        .as_deref()
        .map(|text| {
            FiscalYear::parse(text)
                .map_err(|error| ApiError::bad_request(format!("年度「{text}」: {error}")))
        })
        .transpose()?;
    let context = &state.config().context;
    let figures = context.store.current_figures(year).await?;
    Ok(Json(mamori_jobs::stage::figures::listing(
        &context.schema,
        &figures,
    )))
}
