//! A 運用状況 table as data, and writers that put it in real files.

use rust_xlsxwriter::{Format, FormatAlign, Workbook, Worksheet};

/// A column header: an optional group label spanning consecutive columns, and the leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub group: Option<String>,
    pub leaf: String,
}

impl Header {
    pub fn leaf(leaf: &str) -> Header {
        Header {
            group: None,
            leaf: leaf.to_owned(),
        }
    }

    pub fn grouped(group: &str, leaf: &str) -> Header {
        Header {
            group: Some(group.to_owned()),
            leaf: leaf.to_owned(),
        }
    }
}

/// The ten columns of the example page (domain.md §2), in published order: 開示請求, the five
/// decisions grouped under 処理の状況 (開示, 一部開示, 不開示, 不存在, 取下げ), then 訂正請求,
/// 利用停止, 苦情相談 and 審査請求.
pub fn example_headers() -> Vec<Header> {
    let decided = |leaf| Header::grouped("処理の状況", leaf);
    vec![
        Header::leaf("開示請求"),
        decided("開示"),
        decided("一部開示"),
        decided("不開示"),
        decided("不存在"),
        decided("取下げ"),
        Header::leaf("訂正請求"),
        Header::leaf("利用停止"),
        Header::leaf("苦情相談"),
        Header::leaf("審査請求"),
    ]
}

/// A value cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Written as a number.
    Count(u64),
    /// Written as text, exactly.
    Text(String),
    Blank,
}

/// How a count is written, for tests of the value reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueStyle {
    Number,
    Text,
    FullWidth,
    KenSuffix,
    Thousands,
    /// Zero as `－`, other counts as numbers.
    DashForZero,
    /// Zero as a blank cell, other counts as numbers.
    BlankForZero,
}

impl Value {
    /// A count written in a style.
    pub fn styled(count: u64, style: ValueStyle) -> Value {
        match style {
            ValueStyle::Number => Value::Count(count),
            ValueStyle::Text => Value::Text(count.to_string()),
            ValueStyle::FullWidth => Value::Text(
                count
                    .to_string()
                    .chars()
                    .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c))
                    .collect(),
            ),
            ValueStyle::KenSuffix => Value::Text(format!("{count}件")),
            ValueStyle::Thousands => Value::Text(thousands(count)),
            ValueStyle::DashForZero if count == 0 => Value::Text("－".to_owned()),
            ValueStyle::BlankForZero if count == 0 => Value::Blank,
            ValueStyle::DashForZero | ValueStyle::BlankForZero => Value::Count(count),
        }
    }
}

fn thousands(count: u64) -> String {
    let digits = count.to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// A table: title lines above it, a corner label, headers, and labelled rows.
///
/// Rows are labelled in the first column; a table may have further label columns to its right
/// (鈴鹿市's 実施機関 › 部局), each with its own corner text in [`TableSpec::label_corners`] and
/// the row's labels for it in [`TableSpec::row_labels`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSpec {
    pub titles: Vec<String>,
    pub corner: String,
    /// Corner texts of the label columns after the first.
    pub label_corners: Vec<String>,
    pub headers: Vec<Header>,
    pub rows: Vec<(String, Vec<Value>)>,
    /// For each row (by index), its labels in the label columns after the first; a missing entry
    /// means blank labels.
    pub row_labels: Vec<Vec<String>>,
    /// Fiscal years (or agencies) across the top and categories down the side.
    pub transposed: bool,
}

/// One cell of the laid-out grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GridCell {
    Empty,
    Text(String),
    Number(u64),
}

/// A merged region, 0-based inclusive: (first row, first column, last row, last column).
pub type MergedRange = (u32, u16, u32, u16);

impl TableSpec {
    /// A table with the given corner label and headers, no titles and no rows.
    pub fn new(corner: &str, headers: Vec<Header>) -> TableSpec {
        TableSpec {
            titles: Vec::new(),
            corner: corner.to_owned(),
            label_corners: Vec::new(),
            headers,
            rows: Vec::new(),
            row_labels: Vec::new(),
            transposed: false,
        }
    }

    /// Adds a label column to the right of the existing ones, with its corner text.
    pub fn label_column(mut self, corner: &str) -> TableSpec {
        self.label_corners.push(corner.to_owned());
        self
    }

    /// A row with one label per label column (the first is the row's main label).
    pub fn row_labelled(mut self, labels: &[&str], values: Vec<Value>) -> TableSpec {
        let (first, rest) = labels.split_first().map_or(("", &[][..]), |(f, r)| (*f, r));
        self.rows.push((first.to_owned(), values));
        self.row_labels.resize(self.rows.len() - 1, Vec::new());
        self.row_labels
            .push(rest.iter().map(|label| (*label).to_owned()).collect());
        self
    }

    /// How many label columns the table has.
    pub fn label_count(&self) -> usize {
        1 + self.label_corners.len()
    }

    pub fn title(mut self, title: &str) -> TableSpec {
        self.titles.push(title.to_owned());
        self
    }

    pub fn row(mut self, label: &str, values: Vec<Value>) -> TableSpec {
        self.rows.push((label.to_owned(), values));
        self
    }

    pub fn transposed(mut self) -> TableSpec {
        self.transposed = true;
        self
    }

    /// The table laid out on a grid, with its merged regions.
    pub fn grid(&self) -> (Vec<Vec<GridCell>>, Vec<MergedRange>) {
        let two_levels = self.headers.iter().any(|h| h.group.is_some());
        let header_rows = if two_levels { 2 } else { 1 };
        let labels = self.label_count();
        let width = self.headers.len() + labels;
        let mut grid: Vec<Vec<GridCell>> = Vec::new();
        let mut merges: Vec<MergedRange> = Vec::new();
        let top = self.titles.len() as u32;
        for title in &self.titles {
            let mut row = vec![GridCell::Empty; width];
            row[0] = GridCell::Text(title.clone());
            grid.push(row);
        }
        let mut header = vec![vec![GridCell::Empty; width]; header_rows];
        let corners = std::iter::once(&self.corner).chain(self.label_corners.iter());
        for (column, corner) in corners.enumerate() {
            header[0][column] = GridCell::Text(corner.clone());
            if two_levels {
                merges.push((top, column as u16, top + 1, column as u16));
            }
        }
        let mut column = 0;
        while column < self.headers.len() {
            let h = &self.headers[column];
            let grid_column = column + labels;
            match &h.group {
                None => {
                    header[0][grid_column] = GridCell::Text(h.leaf.clone());
                    if two_levels {
                        merges.push((top, grid_column as u16, top + 1, grid_column as u16));
                    }
                    column += 1;
                }
                Some(group) => {
                    let span = self.headers[column..]
                        .iter()
                        .take_while(|other| other.group.as_ref() == Some(group))
                        .count();
                    header[0][grid_column] = GridCell::Text(group.clone());
                    if span > 1 {
                        merges.push((
                            top,
                            grid_column as u16,
                            top,
                            (grid_column + span - 1) as u16,
                        ));
                    }
                    for offset in 0..span {
                        header[1][grid_column + offset] =
                            GridCell::Text(self.headers[column + offset].leaf.clone());
                    }
                    column += span;
                }
            }
        }
        grid.extend(header);
        for (index, (label, values)) in self.rows.iter().enumerate() {
            let mut row = vec![GridCell::Text(label.clone())];
            let extra = self.row_labels.get(index);
            for position in 0..self.label_corners.len() {
                row.push(
                    extra
                        .and_then(|labels| labels.get(position))
                        .map_or(GridCell::Empty, |label| GridCell::Text(label.clone())),
                );
            }
            for value in values {
                row.push(match value {
                    Value::Count(count) => GridCell::Number(*count),
                    Value::Text(text) => GridCell::Text(text.clone()),
                    Value::Blank => GridCell::Empty,
                });
            }
            row.resize(width, GridCell::Empty);
            grid.push(row);
        }
        for row in &mut grid {
            for cell in row.iter_mut() {
                if matches!(cell, GridCell::Text(text) if text.is_empty()) {
                    *cell = GridCell::Empty;
                }
            }
        }
        if !self.transposed {
            return (grid, merges);
        }
        // Titles stay on top; the table below them is transposed.
        let titles: Vec<Vec<GridCell>> = grid[..top as usize].to_vec();
        let body = &grid[top as usize..];
        let mut transposed: Vec<Vec<GridCell>> = titles;
        for column in 0..width {
            transposed.push(body.iter().map(|row| row[column].clone()).collect());
        }
        let merges = merges
            .into_iter()
            .map(|(r0, c0, r1, c1)| {
                (
                    top + u32::from(c0),
                    (r0 - top) as u16,
                    top + u32::from(c1),
                    (r1 - top) as u16,
                )
            })
            .collect();
        (transposed, merges)
    }

    /// The sheet cell (0-based row, column) where the value of `row` (index into
    /// [`TableSpec::rows`]) under `header` (index into [`TableSpec::headers`]) is written.
    pub fn value_cell(&self, row: usize, header: usize) -> (u32, u16) {
        let two_levels = self.headers.iter().any(|h| h.group.is_some());
        let header_rows = if two_levels { 2 } else { 1 };
        let body_row = header_rows + row;
        let body_column = self.label_count() + header;
        let top = self.titles.len();
        if self.transposed {
            ((top + body_column) as u32, body_row as u16)
        } else {
            ((top + body_row) as u32, body_column as u16)
        }
    }

    /// The same cell as an A1 address (`D4`).
    pub fn value_a1(&self, row: usize, header: usize) -> String {
        let (r, c) = self.value_cell(row, header);
        a1(r, c)
    }

    /// Writes the table onto a worksheet, merged header cells included.
    pub fn write_to(&self, worksheet: &mut Worksheet) -> Result<(), rust_xlsxwriter::XlsxError> {
        let (grid, merges) = self.grid();
        let centred = Format::new().set_align(FormatAlign::Center);
        for (r0, c0, r1, c1) in &merges {
            let text = match &grid[*r0 as usize][*c0 as usize] {
                GridCell::Text(text) => text.clone(),
                _ => String::new(),
            };
            worksheet.merge_range(*r0, *c0, *r1, *c1, &text, &centred)?;
        }
        for (row_index, row) in grid.iter().enumerate() {
            for (column_index, cell) in row.iter().enumerate() {
                let merged = merges.iter().any(|(r0, c0, r1, c1)| {
                    (*r0..=*r1).contains(&(row_index as u32))
                        && (*c0..=*c1).contains(&(column_index as u16))
                });
                if merged {
                    continue;
                }
                match cell {
                    GridCell::Empty => {}
                    GridCell::Text(text) => {
                        worksheet.write_string(row_index as u32, column_index as u16, text)?;
                    }
                    GridCell::Number(number) => {
                        worksheet.write_number(
                            row_index as u32,
                            column_index as u16,
                            *number as f64,
                        )?;
                    }
                }
            }
        }
        Ok(())
    }

    /// An xlsx workbook with this table on one sheet.
    pub fn to_xlsx(&self, sheet_name: &str) -> Vec<u8> {
        xlsx_with_sheets(&[(sheet_name, self)])
    }

    /// Delimited text as Excel writes it: fields quoted when they hold the delimiter or quotes,
    /// CRLF line ends. Merged cells are written in their first cell only.
    pub fn to_delimited(&self, delimiter: char) -> String {
        let (grid, _) = self.grid();
        let mut text = String::new();
        for row in grid {
            let fields: Vec<String> = row
                .iter()
                .map(|cell| {
                    let raw = match cell {
                        GridCell::Empty => String::new(),
                        GridCell::Text(text) => text.clone(),
                        GridCell::Number(number) => number.to_string(),
                    };
                    if raw.contains(delimiter) || raw.contains('"') || raw.contains('\n') {
                        format!("\"{}\"", raw.replace('"', "\"\""))
                    } else {
                        raw
                    }
                })
                .collect();
            text.push_str(&fields.join(&delimiter.to_string()));
            text.push_str("\r\n");
        }
        text
    }

    /// The CSV in CP932, as Japanese Excel saves "CSV (コンマ区切り)".
    pub fn to_cp932_csv(&self) -> Vec<u8> {
        let text = self.to_delimited(',');
        let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
        assert!(!unmappable, "fixture text must be encodable in CP932");
        bytes.into_owned()
    }

    /// An HTML page with the table, merged cells as colspan/rowspan, titles as headings.
    pub fn to_html(&self) -> String {
        let (grid, merges) = self.grid();
        let top = self.titles.len();
        let mut html = String::from(
            "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>運用状況</title></head><body>\n",
        );
        for title in &self.titles {
            html.push_str(&format!("<h2>{}</h2>\n", escape(title)));
        }
        html.push_str("<table>\n");
        for (row_index, row) in grid.iter().enumerate().skip(top) {
            html.push_str("<tr>");
            for (column_index, cell) in row.iter().enumerate() {
                let (r, c) = (row_index as u32, column_index as u16);
                let covering = merges
                    .iter()
                    .find(|(r0, c0, r1, c1)| (*r0..=*r1).contains(&r) && (*c0..=*c1).contains(&c));
                let mut attributes = String::new();
                if let Some((r0, c0, r1, c1)) = covering {
                    if (*r0, *c0) != (r, c) {
                        continue;
                    }
                    if c1 > c0 {
                        attributes.push_str(&format!(" colspan=\"{}\"", c1 - c0 + 1));
                    }
                    if r1 > r0 {
                        attributes.push_str(&format!(" rowspan=\"{}\"", r1 - r0 + 1));
                    }
                }
                let (tag, text) = match cell {
                    GridCell::Empty => ("td", String::new()),
                    GridCell::Text(text) => (
                        if row_index - top < 2 || column_index < self.label_count() {
                            "th"
                        } else {
                            "td"
                        },
                        escape(text),
                    ),
                    GridCell::Number(number) => ("td", number.to_string()),
                };
                html.push_str(&format!("<{tag}{attributes}>{text}</{tag}>"));
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</table>\n</body></html>\n");
        html
    }
}

/// An xlsx workbook with one table per sheet.
pub fn xlsx_with_sheets(sheets: &[(&str, &TableSpec)]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    for (name, table) in sheets {
        let worksheet = workbook.add_worksheet();
        worksheet
            .set_name(*name)
            .expect("fixture sheet names are valid");
        table
            .write_to(worksheet)
            .expect("fixture tables fit a worksheet");
    }
    workbook
        .save_to_buffer()
        .expect("rust_xlsxwriter writes to memory")
}

/// A 0-based (row, column) as an A1 address.
pub fn a1(row: u32, column: u16) -> String {
    let mut letters = Vec::new();
    let mut remaining = u32::from(column) + 1;
    while remaining > 0 {
        let digit = ((remaining - 1) % 26) as u8;
        letters.push(char::from(b'A' + digit));
        remaining = (remaining - 1) / 26;
    }
    let letters: String = letters.iter().rev().collect();
    format!("{letters}{}", row + 1)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
