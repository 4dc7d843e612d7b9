//! `mamori figures [--year FY] [--json]`: the current figures with the cell each came from.

use mamori_core::FiscalYear;
use mamori_store::StoredFigure;
use serde::Serialize;

use crate::args::FiguresArgs;
use crate::settings::Settings;
use crate::{ExitStatus, printer};

#[derive(Debug, Serialize)]
struct FigureJson {
    fiscal_year: i64,
    fiscal_year_label: String,
    agency: String,
    category: String,
    category_label: String,
    count: i64,
    import_id: i64,
    file: String,
    sheet: Option<String>,
    cell: String,
}

#[derive(Debug, Serialize)]
struct FiguresJson {
    figures: Vec<FigureJson>,
}

pub(crate) async fn run(settings: &Settings, args: &FiguresArgs) -> anyhow::Result<ExitStatus> {
    let year = args
        .year
        .as_deref()
        .map(|text| FiscalYear::parse(text).map_err(|error| anyhow::anyhow!("--year: {error}")))
        .transpose()?;
    let store = crate::commands::open_existing_store(settings).await?;
    let mut figures = store.current_figures(year).await?;
    store.close().await;
    // Publication order: by year, then 実施機関, then the schema's category order.
    let position = |key: &str| {
        settings
            .schema
            .categories()
            .iter()
            .position(|c| c.key().as_str() == key)
            .unwrap_or(usize::MAX)
    };
    figures.sort_by(|a, b| {
        (a.fiscal_year, &a.agency, position(&a.category), &a.category).cmp(&(
            b.fiscal_year,
            &b.agency,
            position(&b.category),
            &b.category,
        ))
    });
    let rows: Vec<FigureJson> = figures
        .iter()
        .map(|figure| to_json(settings, figure))
        .collect();
    if args.json {
        printer::json(&FiguresJson { figures: rows })?;
        return Ok(ExitStatus::Success);
    }
    if rows.is_empty() {
        printer::note("保存されている件数はありません。`mamori import` で取り込んでください。");
        return Ok(ExitStatus::Success);
    }
    let table = rows
        .into_iter()
        .map(|figure| {
            let mut source = figure.file;
            if let Some(sheet) = figure.sheet {
                source.push_str(&format!(" シート「{sheet}」"));
            }
            source.push_str(&format!(" セル{}", figure.cell));
            vec![
                figure.fiscal_year_label,
                figure.agency,
                figure.category_label,
                figure.count.to_string(),
                source,
            ]
        })
        .collect();
    printer::table(&["年度", "実施機関", "区分", "件数", "出典"], table);
    Ok(ExitStatus::Success)
}

fn to_json(settings: &Settings, figure: &StoredFigure) -> FigureJson {
    let fiscal_year_label = i32::try_from(figure.fiscal_year)
        .ok()
        .and_then(|year| FiscalYear::new(year).ok())
        .map_or_else(|| figure.fiscal_year.to_string(), FiscalYear::label);
    let category_label = settings.schema.get(&figure.category).map_or_else(
        || figure.category.clone(),
        |category| category.label().to_owned(),
    );
    FigureJson {
        fiscal_year: figure.fiscal_year,
        fiscal_year_label,
        agency: figure.agency.clone(),
        category: figure.category.clone(),
        category_label,
        count: figure.count,
        import_id: figure.import_id,
        file: figure.file.clone(),
        sheet: figure.sheet.clone(),
        cell: figure.cell.clone(),
    }
}
