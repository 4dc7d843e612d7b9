//! The annual report from the store: current figures and the warnings behind them, tallied by
//! mamori-report; templates from the embedded defaults or a city's folder.

use std::path::Path;

use mamori_core::FiscalYear;
use mamori_report::{
    AnnualReport, ReportError, ReportRequest, SourceCell, SourceFigure, Templates, Warning,
};
use mamori_store::{Store, StoreError, StoredDiagnostic, StoredFigure};

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportStageError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error("stored figure {id} has {field} {value}, which mamori cannot use")]
    StoredFigure {
        id: i64,
        field: &'static str,
        value: i64,
    },
    #[error("cannot read the template folder `{}`", folder.display())]
    TemplateFolder {
        folder: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the template `{}`", path.display())]
    Template {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The report of `request`'s years from the figures current in `store`.
pub async fn annual_report(
    store: &Store,
    request: &ReportRequest<'_>,
) -> Result<AnnualReport, ReportStageError> {
    let first = request.first_year()?;
    let last = request.fiscal_year;
    let figures = store
        .current_figures_between(first, last)
        .await?
        .iter()
        .map(source_figure)
        .collect::<Result<Vec<_>, _>>()?;
    let warnings = store
        .warnings_behind_figures(first, last)
        .await?
        .into_iter()
        .map(warning)
        .collect();
    Ok(AnnualReport::tally(request, &figures, warnings)?)
}

/// The embedded templates, with the `.html` and `.md` files of `folder` in place of those they
/// name.
pub fn load_templates(folder: Option<&Path>) -> Result<Templates, ReportStageError> {
    let Some(folder) = folder else {
        return Ok(Templates::default());
    };
    let folder_error = |source| ReportStageError::TemplateFolder {
        folder: folder.to_path_buf(),
        source,
    };
    let mut overrides = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(folder_error)? {
        let path = entry.map_err(folder_error)?.path();
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
            continue;
        };
        if !(name.ends_with(".html") || name.ends_with(".md")) || !path.is_file() {
            continue;
        }
        let source =
            std::fs::read_to_string(&path).map_err(|source| ReportStageError::Template {
                path: path.clone(),
                source,
            })?;
        overrides.push((name.to_owned(), source));
    }
    overrides.sort();
    Ok(Templates::with_overrides(overrides)?)
}

fn source_figure(figure: &StoredFigure) -> Result<SourceFigure, ReportStageError> {
    let year = i32::try_from(figure.fiscal_year)
        .ok()
        .and_then(|year| FiscalYear::new(year).ok())
        .ok_or(ReportStageError::StoredFigure {
            id: figure.id,
            field: "fiscal year",
            value: figure.fiscal_year,
        })?;
    let count = u64::try_from(figure.count).map_err(|_| ReportStageError::StoredFigure {
        id: figure.id,
        field: "count",
        value: figure.count,
    })?;
    Ok(SourceFigure {
        fiscal_year: year,
        agency: figure.agency.clone(),
        category: figure.category.clone(),
        count,
        source: SourceCell {
            file: figure.file.clone(),
            sheet: figure.sheet.clone(),
            cell: Some(figure.cell.clone()),
        },
    })
}

fn warning(diagnostic: StoredDiagnostic) -> Warning {
    Warning {
        code: diagnostic.code,
        message: diagnostic.message,
        source: SourceCell {
            file: diagnostic.file,
            sheet: diagnostic.sheet,
            cell: diagnostic.cell,
        },
    }
}
