//! Recording accepted files: many files in one transaction, with a handful of statements per
//! group of files instead of a handful per file.
//!
//! Files are applied in order. A group never holds two files for the same (fiscal year, 実施機関),
//! so a later file in the batch supersedes an earlier one exactly as if each had been recorded
//! alone. The whole batch commits or none of it does: every file stays all or nothing.

use std::collections::{BTreeMap, BTreeSet};

use mamori_core::{Diagnostic, Figure, FiscalYear};
use sqlx::Row;

use crate::statement::{Placeholders, Statement};

use crate::{NewImport, RecordOutcome, StoreError, query_error};

/// Files per group: bounds the statements' sizes.
const GROUP_FILES: usize = 200;
/// Figure rows per INSERT (8 parameters each; SQLite allows 32,766, PostgreSQL 65,535).
const FIGURE_ROWS: usize = 1_000;
/// Diagnostic rows per INSERT (7 parameters each).
const DIAGNOSTIC_ROWS: usize = 1_000;
/// (fiscal year, 実施機関) scopes per superseding UPDATE (6 parameters each).
const SCOPES_PER_UPDATE: usize = 1_000;

type Transaction<'c> = sqlx::Transaction<'c, sqlx::Any>;

/// Records `imports` in order inside `transaction`; one outcome per import, in the same order.
pub(crate) async fn record_all(
    transaction: &mut Transaction<'_>,
    placeholders: Placeholders,
    imports: &[NewImport<'_>],
) -> Result<Vec<RecordOutcome>, StoreError> {
    let mut outcomes = Vec::with_capacity(imports.len());
    for group in groups(imports) {
        outcomes.extend(record_group(transaction, placeholders, group).await?);
    }
    Ok(outcomes)
}

/// The (fiscal year, 実施機関) pairs a file states.
pub(crate) fn scopes(figures: &[Figure]) -> BTreeSet<(FiscalYear, &str)> {
    figures
        .iter()
        .map(|f| (f.fiscal_year, f.agency.as_str()))
        .collect()
}

/// Consecutive runs of at most [`GROUP_FILES`] files whose scopes do not overlap.
fn groups<'s, 'a>(imports: &'s [NewImport<'a>]) -> Vec<&'s [NewImport<'a>]> {
    let mut groups = Vec::new();
    let mut start = 0;
    let mut seen: BTreeSet<(FiscalYear, &str)> = BTreeSet::new();
    for (index, import) in imports.iter().enumerate() {
        let file_scopes = scopes(import.figures);
        if index - start >= GROUP_FILES || file_scopes.iter().any(|scope| seen.contains(scope)) {
            groups.push(&imports[start..index]);
            start = index;
            seen.clear();
        }
        seen.extend(file_scopes);
    }
    if start < imports.len() {
        groups.push(&imports[start..]);
    }
    groups
}

async fn record_group(
    transaction: &mut Transaction<'_>,
    placeholders: Placeholders,
    group: &[NewImport<'_>],
) -> Result<Vec<RecordOutcome>, StoreError> {
    let ids = insert_imports(transaction, placeholders, group).await?;
    let first_new = ids.first().copied().unwrap_or(i64::MAX);

    let figures: Vec<(i64, &Figure)> = group
        .iter()
        .zip(&ids)
        .flat_map(|(import, id)| import.figures.iter().map(move |figure| (*id, figure)))
        .collect();
    for chunk in figures.chunks(FIGURE_ROWS) {
        let mut builder = Statement::new(
            placeholders,
            "INSERT INTO figures (import_id, fiscal_year, agency, category, count, file, sheet, cell)",
        );
        builder.push_values(chunk, |mut values, (import_id, figure)| {
            values
                .push_bind(*import_id)
                .push_bind(i64::from(figure.fiscal_year.start_year()))
                .push_bind(figure.agency.as_str().to_owned())
                .push_bind(figure.category.as_str().to_owned())
                .push_bind(figure.count as i64)
                .push_bind(figure.provenance.file.clone())
                .push_bind(figure.provenance.sheet.clone())
                .push_bind(figure.provenance.cell_text());
        });
        builder
            .build("storing figures")?
            .execute(&mut **transaction)
            .await
            .map_err(query_error("storing figures"))?;
    }

    let diagnostics: Vec<(i64, &Diagnostic)> = group
        .iter()
        .zip(&ids)
        .flat_map(|(import, id)| import.diagnostics.iter().map(move |d| (*id, d)))
        .collect();
    insert_diagnostics(transaction, placeholders, &diagnostics).await?;

    // Scope → the new import that states it (scopes of a group are disjoint).
    let mut owner: BTreeMap<(i64, &str), i64> = BTreeMap::new();
    for (import, id) in group.iter().zip(&ids) {
        for (year, agency) in scopes(import.figures) {
            owner.insert((i64::from(year.start_year()), agency), *id);
        }
    }
    let scope_list: Vec<((i64, &str), i64)> = owner.into_iter().collect();
    let mut replaced: Vec<(i64, i64, String, String, i64)> = Vec::new();
    for chunk in scope_list.chunks(SCOPES_PER_UPDATE) {
        replaced.extend(supersede(transaction, placeholders, chunk, first_new).await?);
    }

    // What each new import replaced.
    let position: BTreeMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut outcomes: Vec<RecordOutcome> = ids
        .iter()
        .map(|id| RecordOutcome {
            import_id: *id,
            superseded_figures: 0,
            superseded_imports: Vec::new(),
            no_longer_reported: Vec::new(),
        })
        .collect();
    let mut touched: BTreeMap<i64, BTreeSet<usize>> = BTreeMap::new();
    let mut stated: BTreeMap<usize, BTreeSet<(i64, &str, &str)>> = BTreeMap::new();
    for (older, fiscal_year, agency, category, by) in replaced {
        let Some(&index) = position.get(&by) else {
            continue;
        };
        outcomes[index].superseded_figures += 1;
        touched.entry(older).or_default().insert(index);
        let states = stated.entry(index).or_insert_with(|| {
            group[index]
                .figures
                .iter()
                .map(|f| {
                    (
                        i64::from(f.fiscal_year.start_year()),
                        f.agency.as_str(),
                        f.category.as_str(),
                    )
                })
                .collect()
        });
        if !states.contains(&(fiscal_year, agency.as_str(), category.as_str())) {
            outcomes[index]
                .no_longer_reported
                .push((fiscal_year, agency, category));
        }
    }
    for outcome in &mut outcomes {
        outcome.no_longer_reported.sort();
        outcome.no_longer_reported.dedup();
    }

    // The imports whose figures were just replaced retire when none of theirs is current.
    for (older, indexes) in touched {
        let retired: Option<i64> = sqlx::query_scalar(
            "UPDATE imports SET status = 'superseded'
             WHERE id = $1 AND status = 'imported'
               AND NOT EXISTS (SELECT 1 FROM figures WHERE figures.import_id = $1 AND figures.superseded_by IS NULL)
             RETURNING id",
        )
        .bind(older)
        .fetch_optional(&mut **transaction)
        .await
        .map_err(query_error("marking superseded imports"))?;
        if let Some(retired) = retired {
            for index in indexes {
                outcomes[index].superseded_imports.push(retired);
            }
        }
    }
    Ok(outcomes)
}

/// One INSERT for the group's import rows; the new ids in the group's order.
async fn insert_imports(
    transaction: &mut Transaction<'_>,
    placeholders: Placeholders,
    group: &[NewImport<'_>],
) -> Result<Vec<i64>, StoreError> {
    let mut builder = Statement::new(
        placeholders,
        "INSERT INTO imports (source, sha256, size_bytes, format, imported_at, status, figure_count)",
    );
    builder.push_values(group, |mut values, import| {
        values
            .push_bind(import.source.to_owned())
            .push_bind(import.sha256.to_owned())
            .push_bind(import.size_bytes as i64)
            .push_bind(import.format.to_owned())
            .push_bind(import.imported_at.to_owned())
            .push_bind("imported".to_owned())
            .push_bind(import.figures.len() as i64);
    });
    builder.push(" RETURNING id");
    let rows = builder
        .build("recording imports")?
        .fetch_all(&mut **transaction)
        .await
        .map_err(query_error("recording imports"))?;
    let mut ids = rows
        .iter()
        .map(|row| row.try_get::<i64, _>(0))
        .collect::<Result<Vec<_>, _>>()
        .map_err(query_error("reading new import ids"))?;
    // Ids grow in the order the rows were inserted; RETURNING's own order is unspecified.
    ids.sort_unstable();
    if ids.len() != group.len() {
        return Err(StoreError::Corrupt(format!(
            "{} import rows inserted, {} ids returned",
            group.len(),
            ids.len()
        )));
    }
    Ok(ids)
}

pub(crate) async fn insert_diagnostics(
    transaction: &mut Transaction<'_>,
    placeholders: Placeholders,
    diagnostics: &[(i64, &Diagnostic)],
) -> Result<(), StoreError> {
    for chunk in diagnostics.chunks(DIAGNOSTIC_ROWS) {
        let mut builder = Statement::new(
            placeholders,
            "INSERT INTO diagnostics (import_id, code, severity, message, file, sheet, cell)",
        );
        builder.push_values(chunk, |mut values, (import_id, diagnostic)| {
            let location = diagnostic.location();
            values
                .push_bind(*import_id)
                .push_bind(diagnostic.code().as_str().to_owned())
                .push_bind(diagnostic.severity().as_str().to_owned())
                .push_bind(diagnostic.message().to_owned())
                .push_bind(location.file.clone())
                .push_bind(location.sheet.clone())
                .push_bind(location.cell.map(|cell| cell.to_string()));
        });
        builder
            .build("storing diagnostics")?
            .execute(&mut **transaction)
            .await
            .map_err(query_error("storing diagnostics"))?;
    }
    Ok(())
}

/// Marks the current figures of older imports in `scopes` as superseded by each scope's new
/// import; returns (older import, fiscal year, 実施機関, category, new import) per figure.
///
/// The scopes travel as one `VALUES` list. `scope CROSS JOIN figures` makes SQLite walk the
/// scopes and look each one up in the scope index (its planner knows nothing of the list's
/// size and could otherwise scan every figure); to PostgreSQL it is an ordinary join.
async fn supersede(
    transaction: &mut Transaction<'_>,
    placeholders: Placeholders,
    scopes: &[((i64, &str), i64)],
    first_new: i64,
) -> Result<Vec<(i64, i64, String, String, i64)>, StoreError> {
    let mut builder = Statement::new(
        placeholders,
        "WITH scope (scope_year, scope_agency, new_import) AS (",
    );
    builder.push_values(scopes, |mut values, ((fiscal_year, agency), import_id)| {
        values
            .push_bind(*fiscal_year)
            .push_bind((*agency).to_owned())
            .push_bind(*import_id);
    });
    builder.push(
        ") UPDATE figures SET superseded_by = (SELECT new_import FROM scope WHERE scope_year = figures.fiscal_year AND scope_agency = figures.agency) \
         WHERE id IN (SELECT older.id FROM scope CROSS JOIN figures AS older \
         WHERE older.fiscal_year = scope_year AND older.agency = scope_agency \
         AND older.superseded_by IS NULL AND older.import_id < ",
    );
    builder.push_bind(first_new);
    builder.push(") RETURNING import_id, fiscal_year, agency, category, superseded_by");
    builder
        .build_query_as("superseding older figures")?
        .fetch_all(&mut **transaction)
        .await
        .map_err(query_error("superseding older figures"))
}
