//! Per-request ledgers (受付簿): one row per request with a receipt date, a request type, a
//! decision and the 実施機関, tallied by the fiscal year of receipt while the rows stream past.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use mamori_core::category::{HeaderMeaning, PUBLISHED_KEYS};
use mamori_core::text::fold_label;
use mamori_core::{
    Agency, CategoryKey, CategorySchema, CellRef, Code, Figure, FiscalYear, Provenance, wareki,
};

use crate::DiagnosticSeed;
use crate::grid::{Cell, Row, RowSource};
use crate::layout::{FileContext, Hints, SheetMeta, SheetOutcome};

const DATE_LABELS: &[&str] = &[
    "受付日",
    "受付年月日",
    "請求日",
    "請求年月日",
    "受付日付",
    "請求受付日",
    "請求書受付日",
    "収受日",
];
const TYPE_LABELS: &[&str] = &[
    "請求の種類",
    "請求種別",
    "種別",
    "種類",
    "請求区分",
    "区分",
    "請求の区分",
    "請求内容",
];
const DECISION_LABELS: &[&str] = &[
    "決定内容",
    "決定",
    "処理結果",
    "決定区分",
    "結果",
    "処理状況",
    "決定の内容",
    "処理内容",
    "決定等",
    "処理の状況",
];
const AGENCY_LABELS: &[&str] = &["実施機関", "実施機関名"];
/// Cell errors reported one by one before the rest are summarised.
const MAX_REPORTED_ERRORS: usize = 50;

/// The columns of a ledger's header row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LedgerHeader {
    row: u32,
    date: u32,
    kind: Option<u32>,
    decision: Option<u32>,
    agency: Option<u32>,
}

/// Finds a ledger header among the first rows: a receipt-date column plus a request-type or a
/// decision column.
pub(crate) fn detect(rows: &[Row], schema: &CategorySchema) -> Option<LedgerHeader> {
    for row in rows {
        let find = |labels: &[&str]| {
            row.cells.iter().find_map(|(column, cell)| {
                let folded = fold_label(&cell.label());
                let bare = mamori_core::text::strip_bracketed_suffix(&folded);
                labels.contains(&bare).then_some(*column)
            })
        };
        let Some(date) = find(DATE_LABELS) else {
            continue;
        };
        let kind = find(TYPE_LABELS);
        let decision = find(DECISION_LABELS);
        if kind.is_none() && decision.is_none() {
            continue;
        }
        // A summary table with a 受付日 column would also carry category headers; a ledger does not.
        let category_headers = row
            .cells
            .iter()
            .filter(|(_, cell)| {
                matches!(schema.classify(&[cell.label()]), HeaderMeaning::Category(_))
            })
            .count();
        if category_headers >= 2 {
            continue;
        }
        return Some(LedgerHeader {
            row: row.index,
            date,
            kind,
            decision,
            agency: find(AGENCY_LABELS),
        });
    }
    None
}

#[derive(Debug)]
struct Tally {
    count: u64,
    first: CellRef,
    last: CellRef,
}

struct Ledger<'c, 'm> {
    context: &'c FileContext<'c>,
    meta: &'m SheetMeta,
    header: LedgerHeader,
    default_agency: Option<Agency>,
    /// The fiscal year a title, sheet or file name states (`令和4年度受付簿`): a receipt outside
    /// it is an error, since it would replace that other year's figures.
    stated_year: Option<FiscalYear>,
    /// Counts by (fiscal year, agency id, category id); ids index `agency_names` and `keys`, so
    /// counting a row allocates nothing.
    counts: BTreeMap<(FiscalYear, usize, usize), Tally>,
    keys: Vec<CategoryKey>,
    agency_names: Vec<Agency>,
    kinds: BTreeMap<String, Option<usize>>,
    decisions: BTreeMap<usize, BTreeMap<String, Option<usize>>>,
    agencies: BTreeMap<String, Option<usize>>,
    seeds: Vec<DiagnosticSeed>,
    errors: usize,
    era_warned: bool,
    agency_assumed_at: Option<CellRef>,
}

/// Tallies the ledger: the probe rows already read, then the rest of the stream.
pub(crate) fn tally(
    context: &FileContext<'_>,
    meta: &SheetMeta,
    header: LedgerHeader,
    probe: Vec<Row>,
    rows: &mut dyn RowSource,
) -> Result<SheetOutcome, DiagnosticSeed> {
    let hints = Hints::new(context, meta, Vec::new());
    let mut ledger = Ledger {
        context,
        meta,
        header,
        default_agency: hints.agency(),
        stated_year: match hints.fiscal_year() {
            Ok(Some((year, text))) if fold_label(text).contains("年度") => Some(year),
            _ => None,
        },
        counts: BTreeMap::new(),
        keys: Vec::new(),
        agency_names: Vec::new(),
        kinds: BTreeMap::new(),
        decisions: BTreeMap::new(),
        agencies: BTreeMap::new(),
        seeds: Vec::new(),
        errors: 0,
        era_warned: false,
        agency_assumed_at: None,
    };
    for row in probe.into_iter().filter(|row| row.index > header.row) {
        ledger.count_row(&row);
    }
    while let Some(row) = rows.next_row()? {
        ledger.count_row(&row);
    }
    Ok(ledger.finish())
}

impl Ledger<'_, '_> {
    fn seed(&self, code: Code, cell: CellRef, message: String) -> DiagnosticSeed {
        DiagnosticSeed {
            code,
            message,
            sheet: self.meta.name.clone(),
            cell: Some(cell),
        }
    }

    fn error(&mut self, code: Code, cell: CellRef, message: String) {
        self.errors += 1;
        if self.errors <= MAX_REPORTED_ERRORS {
            let seed = self.seed(code, cell, message);
            self.seeds.push(seed);
        }
    }

    fn count_row(&mut self, row: &Row) {
        if row.is_blank() {
            return;
        }
        let date_cell = CellRef::new(row.index, self.header.date);
        let Some(date) = self.read_date(row.get(self.header.date), date_cell) else {
            return;
        };
        let fiscal_year = match FiscalYear::of_date(date) {
            Ok(year) => year,
            Err(error) => {
                self.error(
                    Code::LedgerDate,
                    date_cell,
                    format!("受付日 {date} の年度が範囲外です（{error}）"),
                );
                return;
            }
        };
        if let Some(stated) = self.stated_year
            && stated != fiscal_year
        {
            self.error(
                Code::LedgerDate,
                date_cell,
                format!(
                    "受付日 {date}（{}）は、{}の受付簿の範囲外です。日付を確かめるか、年度ごとにファイルを分けてください",
                    fiscal_year.label(),
                    stated.label()
                ),
            );
            return;
        }
        let request = match self.header.kind {
            Some(column) => {
                let text = cell_text(row.get(column));
                match self.request_kind(&text) {
                    Some(key) => key,
                    None => {
                        let message = format!(
                            "請求の種類「{text}」を読めません（開示請求・訂正請求・利用停止請求などと書いてください）"
                        );
                        self.error(Code::LedgerValue, CellRef::new(row.index, column), message);
                        return;
                    }
                }
            }
            None => self
                .key_id(&CategoryKey::new("disclosure_requests").expect("invariant: a valid key")),
        };
        let agency = match self.header.agency {
            Some(column) => {
                let text = cell_text(row.get(column));
                match self.agency(&text) {
                    Some(agency) => agency,
                    None => self.fallback_agency(CellRef::new(row.index, column)),
                }
            }
            None => self.fallback_agency(date_cell),
        };
        let mut decision = None;
        if let Some(column) = self.header.decision {
            let text = cell_text(row.get(column));
            match self.decision(request, &text) {
                Ok(key) => decision = key.map(|key| (key, CellRef::new(row.index, column))),
                Err(()) => {
                    let message = format!(
                        "決定の内容「{text}」を読めません（開示・一部開示・不開示・不存在・取下げなどと書いてください）"
                    );
                    self.error(Code::LedgerValue, CellRef::new(row.index, column), message);
                    return;
                }
            }
        }
        self.add(fiscal_year, agency, request, date_cell);
        if let Some((key, cell)) = decision {
            self.add(fiscal_year, agency, key, cell);
        }
    }

    fn key_id(&mut self, key: &CategoryKey) -> usize {
        match self.keys.iter().position(|known| known == key) {
            Some(id) => id,
            None => {
                self.keys.push(key.clone());
                self.keys.len() - 1
            }
        }
    }

    fn agency_id(&mut self, agency: &Agency) -> usize {
        match self.agency_names.iter().position(|known| known == agency) {
            Some(id) => id,
            None => {
                self.agency_names.push(agency.clone());
                self.agency_names.len() - 1
            }
        }
    }

    fn add(&mut self, fiscal_year: FiscalYear, agency: usize, key: usize, cell: CellRef) {
        self.counts
            .entry((fiscal_year, agency, key))
            .and_modify(|tally| {
                tally.count = tally.count.saturating_add(1);
                tally.last = cell;
            })
            .or_insert(Tally {
                count: 1,
                first: cell,
                last: cell,
            });
    }

    fn read_date(&mut self, cell: Option<&Cell>, at: CellRef) -> Option<NaiveDate> {
        match cell {
            Some(Cell::Date(date)) => Some(*date),
            // A date stored as a serial number without a date format (1900 system).
            Some(Cell::Number(serial))
                if (18_000.0..80_000.0).contains(serial) && serial.fract() == 0.0 =>
            {
                NaiveDate::from_ymd_opt(1899, 12, 30)
                    .and_then(|epoch| epoch.checked_add_days(chrono::Days::new(*serial as u64)))
            }
            Some(Cell::Text(text)) => {
                match wareki::parse_date(&fold_label(text)) {
                    Some((date, after_era_end)) => {
                        if after_era_end && !self.era_warned {
                            self.era_warned = true;
                            let seed = self.seed(
                            Code::EraAfterChange,
                            at,
                            format!("「{text}」は改元後の日付を旧元号で書いています。{date} として読みました"),
                        );
                            self.seeds.push(seed);
                        }
                        Some(date)
                    }
                    None => {
                        self.error(Code::LedgerDate, at, format!("受付日「{text}」を日付として読めません（例: 2023/4/1、令和5年4月1日）"));
                        None
                    }
                }
            }
            None | Some(Cell::Empty) => {
                self.error(Code::LedgerDate, at, "受付日が空欄です".to_owned());
                None
            }
            Some(other) => {
                self.error(
                    Code::LedgerDate,
                    at,
                    format!("受付日「{}」を日付として読めません", other.label()),
                );
                None
            }
        }
    }

    fn request_kind(&mut self, text: &str) -> Option<usize> {
        if let Some(known) = self.kinds.get(text) {
            return *known;
        }
        let schema = self.context.options.schema;
        let folded = fold_label(text);
        // A blank type is not a disclosure request: `請求` alone would match, so refuse it.
        if folded.is_empty() {
            self.kinds.insert(text.to_owned(), None);
            return None;
        }
        let candidates = [folded.clone(), format!("{folded}請求")];
        let key =
            candidates
                .iter()
                .find_map(|candidate| match schema.classify(&[candidate.as_str()]) {
                    HeaderMeaning::Category(key)
                        if schema.get(key.as_str()).is_some_and(|c| c.is_request()) =>
                    {
                        Some(key)
                    }
                    _ => None,
                });
        let id = key.map(|key| self.key_id(&key));
        self.kinds.insert(text.to_owned(), id);
        id
    }

    /// The decision category for a decision text, `Ok(None)` when there is nothing to count
    /// (blank for a request kind without decisions), `Err` when the text means nothing.
    fn decision(&mut self, request_id: usize, text: &str) -> Result<Option<usize>, ()> {
        if let Some(known) = self
            .decisions
            .get(&request_id)
            .and_then(|by_text| by_text.get(text))
        {
            return known.map(Some).ok_or(());
        }
        let request = &self.keys[request_id].clone();
        let schema = self.context.options.schema;
        let has_decisions = schema.decisions_of(request).next().is_some();
        let folded = fold_label(text);
        let result = if !has_decisions {
            Ok(None)
        } else if folded.is_empty() {
            // Not yet decided: pending, where the schema counts it.
            Ok(schema
                .decisions_of(request)
                .find(|c| c.key().as_str() == "pending")
                .map(|c| c.key().clone()))
        } else {
            let request_label = schema
                .get(request.as_str())
                .map(|c| c.label().to_owned())
                .unwrap_or_default();
            let bare = folded
                .strip_suffix("決定")
                .filter(|b| !b.is_empty())
                .unwrap_or(&folded)
                .to_owned();
            [folded, bare]
                .iter()
                .find_map(|candidate| {
                    match schema.classify(&[request_label.as_str(), candidate.as_str()]) {
                        HeaderMeaning::Category(key)
                            if schema
                                .get(key.as_str())
                                .is_some_and(|c| c.family() == request && !c.is_request()) =>
                        {
                            Some(key)
                        }
                        _ => None,
                    }
                })
                .map(Some)
                .ok_or(())
        };
        let result = match result {
            Ok(Some(key)) => Ok(Some(self.key_id(&key))),
            Ok(None) => Ok(None),
            Err(()) => Err(()),
        };
        let cached = match result {
            Ok(Some(id)) => Some(Some(id)),
            Err(()) => Some(None),
            Ok(None) => None,
        };
        if let Some(cached) = cached {
            self.decisions
                .entry(request_id)
                .or_default()
                .insert(text.to_owned(), cached);
        }
        result
    }

    fn agency(&mut self, text: &str) -> Option<usize> {
        if let Some(known) = self.agencies.get(text) {
            return *known;
        }
        let id = Agency::new(text).map(|agency| self.agency_id(&agency));
        self.agencies.insert(text.to_owned(), id);
        id
    }

    fn fallback_agency(&mut self, at: CellRef) -> usize {
        match self.default_agency.clone() {
            Some(agency) => self.agency_id(&agency),
            None => {
                self.agency_assumed_at.get_or_insert(at);
                self.agency_id(&Agency::whole_city())
            }
        }
    }

    /// With a decision column, the ledger states every decision: a published decision that no
    /// request of a (year, 実施機関) reached is 0, not "not reported". Its place is the rows of the
    /// requests it was counted over.
    fn unreached_decisions(&mut self) -> Vec<((FiscalYear, usize, usize), Tally)> {
        if self.header.decision.is_none() {
            return Vec::new();
        }
        let schema = self.context.options.schema;
        let mut zeros = Vec::new();
        for ((year, agency, category), tally) in &self.counts {
            let request = &self.keys[*category];
            if !schema.get(request.as_str()).is_some_and(|c| c.is_request()) {
                continue;
            }
            for decision in schema.decisions_of(request) {
                if !PUBLISHED_KEYS.contains(&decision.key().as_str()) {
                    continue;
                }
                let reached = self
                    .counts
                    .keys()
                    .any(|(y, a, c)| y == year && a == agency && &self.keys[*c] == decision.key());
                if !reached {
                    zeros.push((
                        (*year, *agency, decision.key().clone()),
                        Tally {
                            count: 0,
                            first: tally.first,
                            last: tally.last,
                        },
                    ));
                }
            }
        }
        zeros
            .into_iter()
            .map(|((year, agency, key), tally)| {
                let id = self.key_id(&key);
                ((year, agency, id), tally)
            })
            .collect()
    }

    fn finish(mut self) -> SheetOutcome {
        let zeros = self.unreached_decisions();
        let mut seeds = std::mem::take(&mut self.seeds);
        if self.errors > MAX_REPORTED_ERRORS {
            seeds.push(DiagnosticSeed {
                code: Code::TooManyErrors,
                message: format!(
                    "読めない行が{}行あります（最初の{MAX_REPORTED_ERRORS}行だけを報告しました）",
                    self.errors
                ),
                sheet: self.meta.name.clone(),
                cell: None,
            });
        }
        if let Some(at) = self.agency_assumed_at {
            seeds.push(DiagnosticSeed {
                code: Code::AgencyAssumed,
                message: format!(
                    "実施機関が書かれていない行があるため「{}」として数えました。実施機関の列を設けるか、ファイル名に実施機関名を入れてください",
                    Agency::WHOLE_CITY
                ),
                sheet: self.meta.name.clone(),
                cell: Some(at),
            });
        }
        let mut figures: Vec<Figure> = self
            .counts
            .into_iter()
            .chain(zeros)
            .map(|((fiscal_year, agency, category), tally)| Figure {
                fiscal_year,
                agency: self.agency_names[agency].clone(),
                category: self.keys[category].clone(),
                count: tally.count,
                provenance: Provenance {
                    file: self.context.file.to_owned(),
                    sheet: self.meta.name.clone(),
                    cell: tally.first,
                    range_end: Some(tally.last),
                },
            })
            .collect();
        figures.sort_by(|a, b| {
            (a.fiscal_year, &a.agency, &a.category).cmp(&(b.fiscal_year, &b.agency, &b.category))
        });
        SheetOutcome { figures, seeds }
    }
}

/// A cell's text without copying it when it is text already.
fn cell_text(cell: Option<&Cell>) -> std::borrow::Cow<'_, str> {
    match cell {
        Some(Cell::Text(text)) => std::borrow::Cow::Borrowed(text),
        Some(other) => std::borrow::Cow::Owned(other.label()),
        None => std::borrow::Cow::Borrowed(""),
    }
}
