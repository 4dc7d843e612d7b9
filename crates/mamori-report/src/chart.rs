//! The bar chart of the standalone page: disclosure requests and their decisions by year, as
//! plain geometry for an inline SVG (no script, no external asset). The description lists every
//! value, so a screen reader announces what the bars show.

use serde::Serialize;

use crate::model::AnnualReport;
use crate::templates::group_thousands;

/// Colours for the series, distinguishable in grey scale too (dark to light).
const COLOURS: &[&str] = &[
    "#1f3a68", "#3b6fb6", "#6aa2d8", "#9cc7ea", "#c65a1e", "#e39a5b", "#7a7a7a", "#4f8f3a",
    "#a3c77a",
];

const WIDTH: u32 = 720;
const HEIGHT: u32 = 320;
const LEFT: u32 = 56;
const RIGHT: u32 = 16;
const TOP: u32 = 16;
const BOTTOM: u32 = 48;
const LEGEND_ROW: u32 = 22;

/// The chart as the page template draws it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Chart {
    pub width: u32,
    pub height: u32,
    pub title: String,
    pub description: String,
    pub baseline: u32,
    pub left: u32,
    pub right: u32,
    pub ticks: Vec<Tick>,
    pub groups: Vec<BarGroup>,
    pub legend: Vec<LegendItem>,
}

/// A horizontal grid line with its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tick {
    pub y: u32,
    pub label: String,
}

/// One fiscal year's bars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BarGroup {
    pub label: String,
    pub label_x: u32,
    pub bars: Vec<Bar>,
}

/// One bar; a category not reported has no bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub colour: String,
    /// `令和4年度 開示請求 12件`, the bar's tooltip.
    pub title: String,
}

/// A legend entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegendItem {
    pub x: u32,
    pub y: u32,
    pub colour: String,
    pub label: String,
}

impl Chart {
    /// The chart of `report`: one group per year, one bar per column of the disclosure family.
    pub fn of(report: &AnnualReport) -> Chart {
        let series: Vec<usize> = report
            .columns
            .iter()
            .enumerate()
            .filter(|(_, column)| {
                column.key == "disclosure_requests" || column.group.as_deref() == Some("処理の状況")
            })
            .map(|(index, _)| index)
            .take(COLOURS.len())
            .collect();
        let legend_rows = (series.len() as u32).div_ceil(5);
        let height = HEIGHT + legend_rows * LEGEND_ROW;
        let baseline = HEIGHT - BOTTOM;
        let plot_height = baseline - TOP;
        let max = report
            .years
            .iter()
            .flat_map(|row| series.iter().filter_map(|index| row.values[*index]))
            .max()
            .unwrap_or(0);
        let scale_max = nice_ceiling(max);
        let ticks = (0u32..=4)
            .map(|step| {
                let value = (u128::from(scale_max) * u128::from(step) / 4) as u64;
                Tick {
                    y: baseline - plot_height * step / 4,
                    label: group_thousands(value as i64),
                }
            })
            .collect();

        let plot_width = WIDTH - LEFT - RIGHT;
        let group_width = plot_width / (report.years.len().max(1) as u32);
        let bar_width = ((group_width * 4 / 5) / (series.len().max(1) as u32)).max(2);
        let mut groups = Vec::with_capacity(report.years.len());
        let mut description = Vec::with_capacity(report.years.len());
        for (position, row) in report.years.iter().enumerate() {
            let group_left = LEFT + position as u32 * group_width + group_width / 10;
            let mut bars = Vec::new();
            let mut spoken = Vec::new();
            for (slot, index) in series.iter().enumerate() {
                let label = &report.columns[*index].label;
                match row.values[*index] {
                    Some(value) => {
                        let height = (u128::from(value) * u128::from(plot_height))
                            .checked_div(u128::from(scale_max))
                            .unwrap_or(0) as u32;
                        bars.push(Bar {
                            x: group_left + slot as u32 * bar_width,
                            y: baseline - height,
                            width: bar_width.saturating_sub(1).max(1),
                            height,
                            colour: COLOURS[slot].to_owned(),
                            title: format!(
                                "{} {label} {}件",
                                row.label,
                                group_thousands(value as i64)
                            ),
                        });
                        spoken.push(format!("{label}{}件", group_thousands(value as i64)));
                    }
                    None => spoken.push(format!("{label}は報告なし")),
                }
            }
            description.push(format!("{}: {}", row.label, spoken.join("、")));
            groups.push(BarGroup {
                label: row.label.clone(),
                label_x: group_left + (bar_width * series.len() as u32) / 2,
                bars,
            });
        }
        let legend = series
            .iter()
            .enumerate()
            .map(|(slot, index)| LegendItem {
                x: LEFT + (slot as u32 % 5) * 128,
                y: HEIGHT + (slot as u32 / 5) * LEGEND_ROW,
                colour: COLOURS[slot].to_owned(),
                label: report.columns[*index].label.clone(),
            })
            .collect();
        Chart {
            width: WIDTH,
            height,
            title: format!("年度別の開示請求件数と処理の状況（{}）", report.period),
            description: format!("{}。", description.join("。")),
            baseline,
            left: LEFT,
            right: WIDTH - RIGHT,
            ticks,
            groups,
            legend,
        }
    }
}

/// The smallest of 4, 8, 20, 40, 80, 200… (four even steps) at or above `value`.
fn nice_ceiling(value: u64) -> u64 {
    let mut magnitude = 1u64;
    loop {
        for step in [4u64, 8, 20] {
            match step.checked_mul(magnitude) {
                Some(candidate) if candidate >= value => return candidate,
                Some(_) => {}
                None => return value,
            }
        }
        match magnitude.checked_mul(10) {
            Some(next) => magnitude = next,
            None => return value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_tops_are_round_and_cover_the_largest_value() {
        assert_eq!(nice_ceiling(0), 4);
        assert_eq!(nice_ceiling(1), 4);
        assert_eq!(nice_ceiling(5), 8);
        assert_eq!(nice_ceiling(9), 20);
        assert_eq!(nice_ceiling(21), 40);
        assert_eq!(nice_ceiling(1234), 2000);
        assert_eq!(nice_ceiling(u64::MAX), u64::MAX);
    }
}
