//! The store on a real SQLite file: recording, superseding, unchanged lookups and rejections.

use mamori_core::{
    Agency, CategoryKey, CellRef, Code, Diagnostic, Figure, FiscalYear, Location, Provenance,
};
use mamori_store::{ImportStatus, NewImport, Store, StoreConfig};

fn figure(year: i32, agency: &str, category: &str, count: u64, file: &str, cell: &str) -> Figure {
    Figure {
        fiscal_year: FiscalYear::new(year).expect("year"),
        agency: Agency::new(agency).expect("agency"),
        category: CategoryKey::new(category).expect("key"),
        count,
        provenance: Provenance::cell(
            file,
            Some("運用状況"),
            CellRef::parse_a1(cell).expect("cell"),
        ),
    }
}

fn new_import<'a>(
    source: &'a str,
    sha256: &'a str,
    figures: &'a [Figure],
    diagnostics: &'a [Diagnostic],
) -> NewImport<'a> {
    NewImport {
        source,
        sha256,
        size_bytes: 1234,
        format: "xlsx",
        imported_at: "2026-04-10T09:00:00+09:00",
        figures,
        diagnostics,
    }
}

async fn open(directory: &tempfile::TempDir) -> Store {
    Store::open(&StoreConfig::sqlite_file(
        &directory.path().join("mamori.db"),
    ))
    .await
    .expect("open store")
}

#[tokio::test]
async fn records_figures_with_their_cells_and_reads_them_back() {
    let directory = tempfile::tempdir().expect("tempdir");
    let store = open(&directory).await;
    let figures = vec![
        figure(2022, "市長", "disclosure_requests", 5, "a.xlsx", "B4"),
        figure(2022, "市長", "disclosed", 3, "a.xlsx", "C4"),
    ];
    let warning = Diagnostic::new(
        Code::UnknownColumn,
        Location::cell("a.xlsx", "運用状況", CellRef::new(2, 7)),
        "見出し「手数料」",
    );
    let outcome = store
        .record_import(&new_import(
            "a.xlsx",
            "aaa",
            &figures,
            std::slice::from_ref(&warning),
        ))
        .await
        .expect("record");
    assert_eq!(outcome.superseded_figures, 0);
    let stored = store
        .current_figures(Some(FiscalYear::new(2022).expect("year")))
        .await
        .expect("figures");
    let summary: Vec<(&str, i64, &str)> = stored
        .iter()
        .map(|f| (f.category.as_str(), f.count, f.cell.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![("disclosed", 3, "C4"), ("disclosure_requests", 5, "B4")]
    );
    let detail = store
        .import(outcome.import_id)
        .await
        .expect("detail")
        .expect("exists");
    assert_eq!(detail.diagnostics.len(), 1);
    assert_eq!(detail.diagnostics[0].code, "W-IMPORT-101");
    assert_eq!(detail.diagnostics[0].cell.as_deref(), Some("H3"));
    assert_eq!(detail.import.status, ImportStatus::Imported);
    assert!(
        store
            .current_figures(Some(FiscalYear::new(2021).expect("year")))
            .await
            .expect("figures")
            .is_empty()
    );
}

#[tokio::test]
async fn a_new_file_for_the_same_agency_and_year_supersedes_and_keeps_history() {
    let directory = tempfile::tempdir().expect("tempdir");
    let store = open(&directory).await;
    let old = vec![
        figure(2021, "市長", "disclosure_requests", 4, "old.xlsx", "B3"),
        figure(2022, "市長", "disclosure_requests", 5, "old.xlsx", "B4"),
    ];
    let first = store
        .record_import(&new_import("old.xlsx", "old", &old, &[]))
        .await
        .expect("record old");
    let corrected = vec![figure(
        2022,
        "市長",
        "disclosure_requests",
        6,
        "new.xlsx",
        "B4",
    )];
    let second = store
        .record_import(&new_import("new.xlsx", "new", &corrected, &[]))
        .await
        .expect("record new");
    assert_eq!(second.superseded_figures, 1);
    // Partly replaced: importing the old bytes again must restore them, not report "unchanged".
    assert!(
        store
            .current_import_with_sha256("old")
            .await
            .expect("lookup")
            .is_none()
    );
    assert!(
        !store
            .current_imports_by_sha256()
            .await
            .expect("lookup")
            .contains_key("old")
    );
    assert!(
        store
            .current_imports_by_sha256()
            .await
            .expect("lookup")
            .contains_key("new")
    );
    assert!(
        second.superseded_imports.is_empty(),
        "the old file still holds 2021"
    );
    let current = store.current_figures(None).await.expect("figures");
    let summary: Vec<(i64, i64, i64)> = current
        .iter()
        .map(|f| (f.fiscal_year, f.count, f.import_id))
        .collect();
    assert_eq!(
        summary,
        vec![(2021, 4, first.import_id), (2022, 6, second.import_id)]
    );
    // History: the old figure is still there, marked.
    let old_detail = store
        .import(first.import_id)
        .await
        .expect("detail")
        .expect("exists");
    let superseded: Vec<Option<i64>> = old_detail.figures.iter().map(|f| f.superseded_by).collect();
    assert_eq!(superseded, vec![None, Some(second.import_id)]);
    // Replacing the rest retires the old import.
    let rest = vec![figure(
        2021,
        "市長",
        "disclosure_requests",
        4,
        "new2.xlsx",
        "B3",
    )];
    let third = store
        .record_import(&new_import("new2.xlsx", "new2", &rest, &[]))
        .await
        .expect("record third");
    assert_eq!(third.superseded_imports, vec![first.import_id]);
    let statuses: Vec<(i64, ImportStatus)> = store
        .imports()
        .await
        .expect("imports")
        .iter()
        .map(|i| (i.id, i.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (third.import_id, ImportStatus::Imported),
            (second.import_id, ImportStatus::Imported),
            (first.import_id, ImportStatus::Superseded)
        ]
    );
    // Another agency's figures for the same year are untouched.
    let other = vec![figure(
        2022,
        "教育委員会",
        "disclosure_requests",
        1,
        "edu.xlsx",
        "B4",
    )];
    let fourth = store
        .record_import(&new_import("edu.xlsx", "edu", &other, &[]))
        .await
        .expect("record edu");
    assert_eq!(fourth.superseded_figures, 0);
}

#[tokio::test]
async fn identical_bytes_are_found_and_rejections_keep_no_figures() {
    let directory = tempfile::tempdir().expect("tempdir");
    let store = open(&directory).await;
    let figures = vec![figure(2022, "市長", "appeals", 1, "a.xlsx", "K4")];
    store
        .record_import(&new_import("a.xlsx", "same", &figures, &[]))
        .await
        .expect("record");
    let found = store
        .current_import_with_sha256("same")
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(found.source, "a.xlsx");
    assert_eq!(found.figure_count, 1);
    assert!(
        store
            .current_import_with_sha256("other")
            .await
            .expect("lookup")
            .is_none()
    );
    assert_eq!(
        store.count_would_supersede(&figures).await.expect("count"),
        1
    );
    let error = Diagnostic::new(
        Code::EmptyFile,
        Location::file("empty.xlsx"),
        "ファイルが空です",
    );
    let rejected = store
        .record_rejection(&new_import("empty.xlsx", "e3b0", &figures, &[error]))
        .await
        .expect("reject");
    let detail = store
        .import(rejected)
        .await
        .expect("detail")
        .expect("exists");
    assert_eq!(detail.import.status, ImportStatus::Rejected);
    assert_eq!(detail.import.figure_count, 0);
    assert!(detail.figures.is_empty());
    assert_eq!(detail.diagnostics[0].code, "E-IMPORT-001");
    assert_eq!(store.current_figures(None).await.expect("figures").len(), 1);
}

#[tokio::test]
async fn reopening_a_store_keeps_its_data() {
    let directory = tempfile::tempdir().expect("tempdir");
    let figures = vec![figure(2022, "議会", "complaints", 2, "gikai.csv", "E2")];
    {
        let store = open(&directory).await;
        store
            .record_import(&new_import("gikai.csv", "g", &figures, &[]))
            .await
            .expect("record");
        store.close().await;
    }
    let store = open(&directory).await;
    let stored = store.current_figures(None).await.expect("figures");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].agency, "議会");
    assert_eq!(stored[0].sheet.as_deref(), Some("運用状況"));
}

#[tokio::test]
async fn a_store_path_with_url_characters_opens_that_very_file() {
    let directory = tempfile::tempdir().expect("tempdir");
    let folder = directory.path().join("総務課 #2 (100%)?");
    std::fs::create_dir_all(&folder).expect("folder");
    let path = folder.join("mamori.db");
    let config = StoreConfig::sqlite_file(&path);
    assert_eq!(config.sqlite_path().as_deref(), Some(path.as_path()));
    let store = Store::open(&config).await.expect("open store");
    let figures = vec![figure(2022, "議会", "complaints", 2, "gikai.csv", "E2")];
    store
        .record_import(&new_import("gikai.csv", "g", &figures, &[]))
        .await
        .expect("record");
    store.close().await;
    assert!(path.exists(), "the store is where it was named");
}

#[tokio::test]
async fn a_report_gets_the_warnings_of_the_imports_behind_its_current_figures() {
    let directory = tempfile::tempdir().expect("tempdir");
    let store = open(&directory).await;
    let warning = |file: &str, cell: &str| {
        Diagnostic::new(
            Code::RequestsDecisionsMismatch,
            Location::cell(file, "運用状況", CellRef::parse_a1(cell).expect("cell")),
            format!("{file} {cell}"),
        )
    };
    let info = Diagnostic::new(
        Code::NotAWorksheet,
        Location::sheet("a.xlsx", "グラフ"),
        "グラフ",
    );
    // a.xlsx (2022, 市長): superseded by b.xlsx, so its warning no longer stands.
    let a = vec![figure(
        2022,
        "市長",
        "disclosure_requests",
        5,
        "a.xlsx",
        "B4",
    )];
    store
        .record_import(&new_import(
            "a.xlsx",
            "aaa",
            &a,
            &[warning("a.xlsx", "B4"), info],
        ))
        .await
        .expect("a");
    let b = vec![figure(
        2022,
        "市長",
        "disclosure_requests",
        6,
        "b.xlsx",
        "B4",
    )];
    store
        .record_import(&new_import("b.xlsx", "bbb", &b, &[warning("b.xlsx", "B4")]))
        .await
        .expect("b");
    // c.xlsx (2019): outside the report's years.
    let c = vec![figure(
        2019,
        "市長",
        "disclosure_requests",
        1,
        "c.xlsx",
        "B4",
    )];
    store
        .record_import(&new_import("c.xlsx", "ccc", &c, &[warning("c.xlsx", "B4")]))
        .await
        .expect("c");
    let first = FiscalYear::new(2020).expect("year");
    let last = FiscalYear::new(2022).expect("year");
    let warnings = store
        .warnings_behind_figures(first, last)
        .await
        .expect("warnings");
    let files: Vec<(&str, Option<&str>)> = warnings
        .iter()
        .map(|w| (w.file.as_str(), w.cell.as_deref()))
        .collect();
    assert_eq!(files, [("b.xlsx", Some("B4"))]);
    let figures = store
        .current_figures_between(first, last)
        .await
        .expect("figures");
    assert_eq!(
        figures
            .iter()
            .map(|f| (f.file.as_str(), f.count))
            .collect::<Vec<_>>(),
        [("b.xlsx", 6)]
    );
}

/// The files of one batch, in order: later files for the same (year, 実施機関) replace earlier ones.
fn batch_files() -> Vec<(String, Vec<Figure>)> {
    vec![
        (
            "all.xlsx".to_owned(),
            vec![
                figure(2022, "市長", "disclosure_requests", 5, "all.xlsx", "B4"),
                figure(2022, "市長", "disclosed", 5, "all.xlsx", "C4"),
                figure(2022, "議会", "disclosure_requests", 1, "all.xlsx", "B5"),
                figure(2021, "市長", "disclosure_requests", 2, "all.xlsx", "B6"),
            ],
        ),
        (
            "mayor.xlsx".to_owned(),
            vec![figure(
                2022,
                "市長",
                "disclosure_requests",
                6,
                "mayor.xlsx",
                "B4",
            )],
        ),
        (
            "board.xlsx".to_owned(),
            vec![figure(
                2022,
                "教育委員会",
                "disclosure_requests",
                3,
                "board.xlsx",
                "B4",
            )],
        ),
        (
            "assembly.xlsx".to_owned(),
            vec![figure(
                2022,
                "議会",
                "disclosure_requests",
                2,
                "assembly.xlsx",
                "B4",
            )],
        ),
        (
            "mayor-again.xlsx".to_owned(),
            vec![figure(
                2022,
                "市長",
                "disclosure_requests",
                7,
                "mayor-again.xlsx",
                "B4",
            )],
        ),
    ]
}

/// The same files recorded one by one into one store and as one batch into another, each store
/// first holding `before`. Keep `_directories` bound while the stores are in use.
struct BothWays {
    _directories: (tempfile::TempDir, tempfile::TempDir),
    one_by_one: Store,
    batched: Store,
    alone: Vec<mamori_store::RecordOutcome>,
    together: Vec<mamori_store::RecordOutcome>,
}

async fn record_both_ways(before: &[Figure], files: &[(String, Vec<Figure>)]) -> BothWays {
    let directories = (
        tempfile::tempdir().expect("tempdir"),
        tempfile::tempdir().expect("tempdir"),
    );
    let one_by_one = open(&directories.0).await;
    let batched = open(&directories.1).await;
    if !before.is_empty() {
        for store in [&one_by_one, &batched] {
            store
                .record_import(&new_import("old.xlsx", "old", before, &[]))
                .await
                .expect("old");
        }
    }
    let mut alone = Vec::new();
    for (name, figures) in files {
        alone.push(
            one_by_one
                .record_import(&new_import(name, name, figures, &[]))
                .await
                .expect("record"),
        );
    }
    let imports: Vec<NewImport<'_>> = files
        .iter()
        .map(|(name, figures)| new_import(name, name, figures, &[]))
        .collect();
    let together = batched.record_imports(&imports).await.expect("batch");
    BothWays {
        _directories: directories,
        one_by_one,
        batched,
        alone,
        together,
    }
}

#[tokio::test]
async fn a_batch_records_as_if_each_file_were_recorded_alone() {
    let files = batch_files();
    let before = vec![figure(
        2021,
        "市長",
        "disclosure_requests",
        9,
        "old.xlsx",
        "B4",
    )];
    let BothWays {
        one_by_one,
        batched,
        alone,
        together,
        _directories,
    } = record_both_ways(&before, &files).await;
    assert_eq!(together, alone);
    // mayor-again replaced mayor, which replaced all.xlsx's 2022 市長 figures.
    assert_eq!(together[1].superseded_figures, 2);
    assert_eq!(
        together[1].no_longer_reported,
        [(2022, "市長".to_owned(), "disclosed".to_owned())]
    );
    assert_eq!(together[4].superseded_figures, 1);
    assert!(!together[4].superseded_imports.is_empty());

    let current =
        |figures: Vec<mamori_store::StoredFigure>| -> Vec<(i64, String, String, i64, String)> {
            figures
                .into_iter()
                .map(|f| (f.fiscal_year, f.agency, f.category, f.count, f.file))
                .collect()
        };
    let expected = current(one_by_one.current_figures(None).await.expect("figures"));
    assert_eq!(
        current(batched.current_figures(None).await.expect("figures")),
        expected
    );
    assert!(expected.contains(&(
        2022,
        "市長".to_owned(),
        "disclosure_requests".to_owned(),
        7,
        "mayor-again.xlsx".to_owned()
    )));
    let statuses = |imports: Vec<mamori_store::ImportRow>| -> Vec<(String, ImportStatus)> {
        imports.into_iter().map(|i| (i.source, i.status)).collect()
    };
    assert_eq!(
        statuses(batched.imports().await.expect("imports")),
        statuses(one_by_one.imports().await.expect("imports"))
    );
}

#[tokio::test]
async fn a_large_batch_crosses_group_boundaries_and_repeats_without_losing_order() {
    let files: Vec<(String, Vec<Figure>)> = (0..450)
        .map(|index| {
            let name = format!("{index}.xlsx");
            let agency = format!("第{}課", index % 300);
            let figures = vec![figure(
                2022,
                &agency,
                "disclosure_requests",
                index as u64,
                &name,
                "B4",
            )];
            (name, figures)
        })
        .collect();
    let BothWays {
        batched,
        alone,
        together,
        _directories,
        ..
    } = record_both_ways(&[], &files).await;
    assert_eq!(together, alone);
    let current = batched.current_figures(None).await.expect("figures");
    assert_eq!(current.len(), 300);
    // 第0課 was stated by files 0 and 300: the later one stands.
    assert!(
        current
            .iter()
            .any(|f| f.agency == "第0課" && f.count == 300 && f.file == "300.xlsx")
    );
    assert_eq!(together[300].superseded_figures, 1);
}
