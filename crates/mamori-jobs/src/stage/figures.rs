//! The stored figures as `mamori figures --json` and `GET /api/figures` list them: publication
//! order (year, 実施機関, the schema's category order), each with its label and cell.

use mamori_core::{CategorySchema, FiscalYear};
use mamori_store::StoredFigure;
use serde::Serialize;

/// One figure with the cell it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FigureListing {
    pub fiscal_year: i64,
    pub fiscal_year_label: String,
    pub agency: String,
    pub category: String,
    pub category_label: String,
    pub count: i64,
    pub import_id: i64,
    pub file: String,
    pub sheet: Option<String>,
    pub cell: String,
}

/// `{"figures": [...]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FiguresListing {
    pub figures: Vec<FigureListing>,
}

/// The figures in publication order, labelled by `schema`.
pub fn listing(schema: &CategorySchema, figures: &[StoredFigure]) -> FiguresListing {
    let position = |key: &str| {
        schema
            .categories()
            .iter()
            .position(|c| c.key().as_str() == key)
            .unwrap_or(usize::MAX)
    };
    let mut sorted: Vec<&StoredFigure> = figures.iter().collect();
    sorted.sort_by(|a, b| {
        (a.fiscal_year, &a.agency, position(&a.category), &a.category).cmp(&(
            b.fiscal_year,
            &b.agency,
            position(&b.category),
            &b.category,
        ))
    });
    FiguresListing {
        figures: sorted
            .into_iter()
            .map(|figure| FigureListing {
                fiscal_year: figure.fiscal_year,
                fiscal_year_label: i32::try_from(figure.fiscal_year)
                    .ok()
                    .and_then(|year| FiscalYear::new(year).ok())
                    .map_or_else(|| figure.fiscal_year.to_string(), FiscalYear::label),
                agency: figure.agency.clone(),
                category: figure.category.clone(),
                category_label: schema.get(&figure.category).map_or_else(
                    || figure.category.clone(),
                    |category| category.label().to_owned(),
                ),
                count: figure.count,
                import_id: figure.import_id,
                file: figure.file.clone(),
                sheet: figure.sheet.clone(),
                cell: figure.cell.clone(),
            })
            .collect(),
    }
}
