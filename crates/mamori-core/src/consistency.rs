//! Consistency checks over the figures of one file: duplicates, and requests against decisions.
//!
//! A mismatch between 開示請求 and the sum of its decisions is legitimate when requests carry
//! over from the previous year (domain.md §2), so it is a warning that names the cells, never a fix.

use std::collections::BTreeMap;

use crate::agency::Agency;
use crate::category::CategorySchema;
use crate::diagnostic::{Code, Diagnostic};
use crate::figure::Figure;
use crate::fiscal_year::FiscalYear;

/// Removes repeated statements of the same (fiscal year, agency, category). The same value twice
/// is kept once with an info diagnostic; different values are an error naming both cells.
pub fn deduplicate(figures: Vec<Figure>) -> (Vec<Figure>, Vec<Diagnostic>) {
    let mut keep = vec![false; figures.len()];
    let mut diagnostics = Vec::new();
    {
        // The first figure for each (fiscal year, 実施機関, category), by position.
        let mut first_of: BTreeMap<(FiscalYear, &str, &str), usize> = BTreeMap::new();
        for (index, figure) in figures.iter().enumerate() {
            let key = (
                figure.fiscal_year,
                figure.agency.as_str(),
                figure.category.as_str(),
            );
            let Some(&first) = first_of.get(&key) else {
                first_of.insert(key, index);
                keep[index] = true;
                continue;
            };
            let first = &figures[first];
            diagnostics.push(if first.count == figure.count {
                Diagnostic::new(
                    Code::RepeatedValue,
                    figure.provenance.location(),
                    format!(
                        "{} {} の「{}」はセル{}と同じ値 {} です（1件として取り込みます）",
                        figure.fiscal_year.label(),
                        figure.agency,
                        figure.category,
                        first.provenance.cell_text(),
                        figure.count
                    ),
                )
            } else {
                Diagnostic::new(
                    Code::ConflictingDuplicate,
                    figure.provenance.location(),
                    format!(
                        "{} {} の「{}」がセル{}（{}）とセル{}（{}）で食い違っています。どちらが正しいか確認してください",
                        figure.fiscal_year.label(),
                        figure.agency,
                        figure.category,
                        first.provenance.cell_text(),
                        first.count,
                        figure.provenance.cell_text(),
                        figure.count
                    ),
                )
            });
        }
    }
    let figures = figures
        .into_iter()
        .zip(keep)
        .filter_map(|(figure, kept)| kept.then_some(figure))
        .collect();
    (figures, diagnostics)
}

/// Warns where a request category's count differs from the sum of its decisions, for every
/// (fiscal year, agency) that reports both.
pub fn check_requests_against_decisions(
    figures: &[Figure],
    schema: &CategorySchema,
) -> Vec<Diagnostic> {
    let mut by_scope: BTreeMap<(FiscalYear, &Agency), Vec<&Figure>> = BTreeMap::new();
    for figure in figures {
        by_scope
            .entry((figure.fiscal_year, &figure.agency))
            .or_default()
            .push(figure);
    }
    let mut diagnostics = Vec::new();
    for ((fiscal_year, agency), scope) in by_scope {
        for request in schema.categories().iter().filter(|c| c.is_request()) {
            let Some(requested) = scope.iter().find(|f| &f.category == request.key()) else {
                continue;
            };
            let decisions: Vec<&&Figure> = scope
                .iter()
                .filter(|f| {
                    schema
                        .get(f.category.as_str())
                        .is_some_and(|c| !c.is_request() && c.family() == request.key())
                })
                .collect();
            if decisions.is_empty() {
                continue;
            }
            let decided: u64 = decisions
                .iter()
                .fold(0u64, |sum, f| sum.saturating_add(f.count));
            if decided == requested.count {
                continue;
            }
            let cells: Vec<String> = decisions.iter().map(|f| f.provenance.cell_text()).collect();
            diagnostics.push(Diagnostic::new(
                Code::RequestsDecisionsMismatch,
                requested.provenance.location(),
                format!(
                    "{} {}: {} {}件（セル{}）に対し、処理の内訳の合計は{}件（セル{}）です。前年度からの繰越などで一致しないこともあるため、値はそのまま取り込みます",
                    fiscal_year.label(),
                    agency,
                    request.label(),
                    requested.count,
                    requested.provenance.cell_text(),
                    decided,
                    cells.join("、")
                ),
            ));
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::category::CategoryKey;
    use crate::diagnostic::CellRef;
    use crate::figure::Provenance;

    fn figure(category: &str, count: u64, column: u32) -> Figure {
        Figure {
            fiscal_year: FiscalYear::new(2022).expect("year"),
            agency: Agency::new("市長").expect("agency"),
            category: CategoryKey::new(category).expect("key"),
            count,
            provenance: Provenance::cell("a.xlsx", Some("S"), CellRef::new(3, column)),
        }
    }

    #[test]
    fn mismatch_is_a_warning_naming_the_cells() {
        let schema = CategorySchema::default();
        let figures = vec![
            figure("disclosure_requests", 5, 1),
            figure("disclosed", 2, 2),
            figure("withdrawn", 2, 3),
        ];
        let diagnostics = check_requests_against_decisions(&figures, &schema);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].code(), Code::RequestsDecisionsMismatch);
        assert_eq!(diagnostics[0].location().cell, Some(CellRef::new(3, 1)));
        assert!(
            diagnostics[0].message().contains("5件"),
            "{}",
            diagnostics[0].message()
        );
        assert!(
            diagnostics[0].message().contains("C4、D4"),
            "{}",
            diagnostics[0].message()
        );
    }

    #[test]
    fn matching_sums_and_missing_decisions_say_nothing() {
        let schema = CategorySchema::default();
        let balanced = vec![
            figure("disclosure_requests", 4, 1),
            figure("disclosed", 2, 2),
            figure("withdrawn", 2, 3),
        ];
        assert!(check_requests_against_decisions(&balanced, &schema).is_empty());
        let requests_only = vec![figure("disclosure_requests", 4, 1), figure("appeals", 1, 2)];
        assert!(check_requests_against_decisions(&requests_only, &schema).is_empty());
    }

    #[test]
    fn duplicates_keep_one_and_conflicts_are_errors() {
        let (kept, diagnostics) =
            deduplicate(vec![figure("disclosed", 2, 2), figure("disclosed", 2, 5)]);
        assert_eq!(kept.len(), 1);
        assert_eq!(diagnostics[0].code(), Code::RepeatedValue);
        let (_, diagnostics) =
            deduplicate(vec![figure("disclosed", 2, 2), figure("disclosed", 3, 5)]);
        assert_eq!(diagnostics[0].code(), Code::ConflictingDuplicate);
        assert!(diagnostics[0].message().contains("C4") && diagnostics[0].message().contains("F4"));
    }
}
