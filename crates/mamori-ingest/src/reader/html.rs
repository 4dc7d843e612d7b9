//! HTML tables (a saved or downloaded 運用状況 page): every `<table>` becomes a sheet named 表1, 表2,
//! …, with `colspan`/`rowspan` resolved into merged regions so header paths read as in a workbook.
//! The page title, headings and the table caption are hints for the fiscal year and 実施機関.

use mamori_core::{Code, Figure};
use scraper::{ElementRef, Html, Selector};

use crate::DiagnosticSeed;
use crate::grid::{BufferedRows, Cell, Merge, Row};
use crate::layout::{self, FileContext, SheetMeta};
use crate::reader::delimited;

const MAX_SPAN: u32 = 1_000;

/// Reads every table of a page.
pub fn read(
    bytes: &[u8],
    context: &FileContext<'_>,
) -> Result<(Vec<Figure>, Vec<DiagnosticSeed>), DiagnosticSeed> {
    let text = delimited::decode(bytes).or_else(|_| decode_declared(bytes))?;
    let document = Html::parse_document(&text);
    let table_selector = selector("table");
    let tables: Vec<ElementRef<'_>> = document.select(&table_selector).collect();
    if tables.is_empty() {
        return Err(DiagnosticSeed::file(
            Code::NoTable,
            "ページに表（<table>）がありません。表が画像の場合は取り込めません",
        ));
    }
    // Walk headings and tables in document order: a table's year and 実施機関 come from the
    // headings above it, never from a heading further down the page.
    let mut headings_above: Vec<String> = Vec::new();
    let mut figures = Vec::new();
    let mut seeds = Vec::new();
    let mut index = 0;
    for element in document.select(&selector("title, h1, h2, h3, h4, h5, h6, table")) {
        if element.value().name() != "table" {
            headings_above.push(element_text(element));
            continue;
        }
        let table = element;
        index += 1;
        let (rows, merges) = table_grid(table, context)?;
        let mut table_titles = headings_above.clone();
        if let Some(caption) = table.select(&selector("caption")).next() {
            table_titles.push(element_text(caption));
        }
        let meta = SheetMeta {
            name: Some(format!("表{index}")),
            merges,
            titles: table_titles,
        };
        let outcome = layout::read_sheet(context, &meta, &mut BufferedRows::new(rows))?;
        figures.extend(outcome.figures);
        seeds.extend(outcome.seeds);
    }
    Ok((figures, seeds))
}

fn decode_declared(bytes: &[u8]) -> Result<String, DiagnosticSeed> {
    // Old municipal pages declare EUC-JP or Shift_JIS in a meta tag.
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).to_ascii_lowercase();
    let encoding = ["euc-jp", "shift_jis", "shift-jis", "windows-31j"]
        .iter()
        .find(|label| head.contains(*label))
        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()));
    match encoding {
        Some(encoding) => encoding
            .decode_without_bom_handling_and_without_replacement(bytes)
            .map(|text| text.into_owned())
            .ok_or_else(|| {
                DiagnosticSeed::file(
                    Code::UnknownEncoding,
                    "ページの文字コード宣言と内容が合いません",
                )
            }),
        None => Err(DiagnosticSeed::file(
            Code::UnknownEncoding,
            "ページの文字コードを判別できません",
        )),
    }
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("invariant: the selectors in this file are valid")
}

fn element_text(element: ElementRef<'_>) -> String {
    // Text nodes are joined with a space: `3<br>5` must not read as 35 (labels fold spaces away).
    let joined: String = element.text().collect::<Vec<_>>().join(" ");
    joined.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lays the table's cells on a grid, honouring colspan and rowspan.
fn table_grid(
    table: ElementRef<'_>,
    context: &FileContext<'_>,
) -> Result<(Vec<Row>, Vec<Merge>), DiagnosticSeed> {
    let row_selector = selector("tr");
    let cell_selector = selector("td, th");
    let mut occupied: std::collections::BTreeSet<(u32, u32)> = std::collections::BTreeSet::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut merges = Vec::new();
    let mut row_index: u32 = 0;
    for tr in table.select(&row_selector) {
        // Skip rows of nested tables: they belong to their own table.
        if tr
            .ancestors()
            .filter_map(ElementRef::wrap)
            .find(|e| e.value().name() == "table")
            != Some(table)
        {
            continue;
        }
        let mut cells = Vec::new();
        let mut column: u32 = 0;
        for td in tr
            .children()
            .filter_map(ElementRef::wrap)
            .filter(|e| cell_selector.matches(e))
        {
            while occupied.contains(&(row_index, column)) {
                column += 1;
            }
            let span = |name: &str| {
                td.value()
                    .attr(name)
                    .and_then(|v| v.trim().parse::<u32>().ok())
                    .unwrap_or(1)
                    .clamp(1, MAX_SPAN)
            };
            let (colspan, rowspan) = (span("colspan"), span("rowspan"));
            if column + colspan > context.options.limits.max_columns {
                return Err(DiagnosticSeed::file(
                    Code::SheetTooLarge,
                    "表の列数が上限を超えます",
                ));
            }
            // Spans claim cells that nobody wrote: cap what they may claim in all, like a
            // workbook's used range.
            if occupied.len() as u64 + u64::from(colspan) * u64::from(rowspan)
                > context.options.limits.max_table_cells as u64
            {
                return Err(DiagnosticSeed::file(
                    Code::SheetTooLarge,
                    "表の結合（colspan・rowspan）が指す範囲が上限を超えます",
                ));
            }
            if colspan > 1 || rowspan > 1 {
                merges.push(Merge {
                    first_row: row_index,
                    first_column: column,
                    last_row: row_index + rowspan - 1,
                    last_column: column + colspan - 1,
                });
            }
            // Every position a cell covers, its own included: what no cell covers is missing.
            for r in row_index..row_index + rowspan {
                for c in column..column + colspan {
                    occupied.insert((r, c));
                }
            }
            let text = element_text(td);
            if !text.is_empty() {
                cells.push((column, Cell::Text(text)));
            }
            column += colspan;
        }
        if !cells.is_empty() {
            rows.push(Row {
                index: row_index,
                cells,
            });
        }
        row_index += 1;
    }
    // A row with fewer cells than the table is wide has lost cells (an HTML page that dropped its
    // empty <td>s): the positions no cell covers are marked missing, so that a value there is an
    // error instead of being read as 0 or taken from the neighbouring column.
    let width = occupied
        .iter()
        .map(|(_, column)| column + 1)
        .max()
        .unwrap_or(0);
    for row in &mut rows {
        for column in 0..width {
            if !occupied.contains(&(row.index, column)) {
                row.cells.push((column, Cell::Missing));
            }
        }
        row.cells.sort_by_key(|(column, _)| *column);
    }
    Ok((rows, merges))
}
