//! `mamori figures [--year FY] [--json]`: the current figures with the cell each came from.

use mamori_core::FiscalYear;

use crate::args::FiguresArgs;
use crate::settings::Settings;
use crate::{ExitStatus, printer};

pub(crate) async fn run(settings: &Settings, args: &FiguresArgs) -> anyhow::Result<ExitStatus> {
    let year = args
        .year
        .as_deref()
        .map(|text| FiscalYear::parse(text).map_err(|error| anyhow::anyhow!("--year: {error}")))
        .transpose()?;
    let store = crate::commands::open_existing_store(settings).await?;
    let figures = store.current_figures(year).await?;
    store.close().await;
    let listing = mamori_jobs::stage::figures::listing(&settings.schema, &figures);
    if args.json {
        printer::json(&listing)?;
        return Ok(ExitStatus::Success);
    }
    let rows = listing.figures;
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
