//! The category schema: canonical keys, their Japanese labels, and the header wording that means them.
//!
//! A header is matched as a *path* of folded labels from the outermost group to the leaf
//! (`処理の状況 › 一部開示`), so a leaf that means different things under different groups
//! (`訂正` alone is a correction request, `訂正請求 › 訂正` is a decision to correct) resolves by its
//! group. [`CategorySchema::default`] covers domain.md §2 and the common extensions; a city adds its
//! own wording or categories through `mamori.toml`, which the CLI turns into calls on
//! [`CategorySchema::add_synonyms`] and [`CategorySchema::add_category`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::text::{bracketed_note, fold_label, strip_bracketed_suffix};

/// A canonical category key such as `disclosure_requests`: lower-case ASCII letters, digits and `_`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CategoryKey(String);

impl CategoryKey {
    /// Validates a key.
    pub fn new(key: &str) -> Result<CategoryKey, SchemaError> {
        let valid = !key.is_empty()
            && key.starts_with(|c: char| c.is_ascii_lowercase())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if valid {
            Ok(CategoryKey(key.to_owned()))
        } else {
            Err(SchemaError::InvalidKey(key.to_owned()))
        }
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CategoryKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// One category of the 運用状況 table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    key: CategoryKey,
    label: String,
    group: Option<String>,
    family: CategoryKey,
    synonyms: BTreeSet<String>,
    contexts: BTreeSet<String>,
}

impl Category {
    /// A category. `family` is the request category whose decisions this one counts (a request
    /// category is its own family); `group` is the published header it sits under (`処理の状況`);
    /// `contexts`, when not empty, are group labels one of which must stand above the leaf.
    pub fn new(
        key: &str,
        label: &str,
        group: Option<&str>,
        family: &str,
        synonyms: &[&str],
        contexts: &[&str],
    ) -> Result<Category, SchemaError> {
        let key = CategoryKey::new(key)?;
        let family = CategoryKey::new(family)?;
        if label.trim().is_empty() {
            return Err(SchemaError::EmptyLabel(key));
        }
        let mut synonyms: BTreeSet<String> = synonyms.iter().map(|s| fold_label(s)).collect();
        synonyms.insert(fold_label(label));
        Ok(Category {
            key,
            label: label.to_owned(),
            group: group.map(str::to_owned),
            family,
            synonyms,
            contexts: contexts.iter().map(|c| fold_label(c)).collect(),
        })
    }

    pub fn key(&self) -> &CategoryKey {
        &self.key
    }

    /// The Japanese label used in published tables.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The published group header (`処理の状況`), if the category sits under one.
    pub fn group(&self) -> Option<&str> {
        self.group.as_deref()
    }

    /// The request category this one belongs to.
    pub fn family(&self) -> &CategoryKey {
        &self.family
    }

    /// Whether this is a request category (its own family) rather than a decision.
    pub fn is_request(&self) -> bool {
        self.family == self.key
    }

    /// Folded header wordings that mean this category.
    pub fn synonyms(&self) -> impl Iterator<Item = &str> {
        self.synonyms.iter().map(String::as_str)
    }
}

/// Errors in a schema definition (the defaults, or a city's `mamori.toml`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("`{0}` is not a valid category key (use lower-case letters, digits and `_`)")]
    InvalidKey(String),
    #[error("category `{0}` has an empty label")]
    EmptyLabel(CategoryKey),
    #[error("category `{0}` is defined twice")]
    Duplicate(CategoryKey),
    #[error("category `{0}` is not in the schema")]
    Unknown(String),
    #[error(
        "category `{key}` names family `{family}`, which is not a request category in the schema"
    )]
    UnknownFamily {
        key: CategoryKey,
        family: CategoryKey,
    },
    #[error(
        "the wording `{synonym}` already means category `{taken_by}`; it cannot also mean `{key}`"
    )]
    SynonymTaken {
        synonym: String,
        key: String,
        taken_by: CategoryKey,
    },
}

/// What a header path means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderMeaning {
    /// A category of the schema.
    Category(CategoryKey),
    /// A total or subtotal (`合計`, `計`, `小計`, `開示計`, `処理件数`): checked, never stored.
    Total,
    /// A derived or descriptive column (`開示率`, `備考`): skipped with a note.
    Derived,
    /// Nothing the schema knows.
    Unknown,
    /// More than one category fits equally well.
    Ambiguous(Vec<CategoryKey>),
}

/// The schema: ordered categories with their wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategorySchema {
    categories: Vec<Category>,
    /// Folded synonym → positions of the categories it names, rebuilt on every change.
    index: BTreeMap<String, Vec<usize>>,
    /// Folded published group labels (`処理の状況`).
    group_labels: BTreeSet<String>,
}

/// The ten columns every published 運用状況 table has (domain.md §2), in publication order.
/// Reports always show them, reported or not; a per-request ledger that records decisions
/// counts the ones of these no request reached as 0.
pub const PUBLISHED_KEYS: &[&str] = &[
    "disclosure_requests",
    "disclosed",
    "partially_disclosed",
    "not_disclosed",
    "nonexistent",
    "withdrawn",
    "correction_requests",
    "suspension_requests",
    "complaints",
    "appeals",
];

const TOTAL_LABELS: &[&str] = &[
    "合計",
    "計",
    "小計",
    "総計",
    "総数",
    "合計件数",
    "計件数",
    "累計",
];
const DECISION_TOTAL_LABELS: &[&str] = &[
    "処理件数",
    "決定件数",
    "決定",
    "決定の合計",
    "決定等件数",
    "処理済",
    "処理済件数",
    "決定数",
];
const DERIVED_LABELS: &[&str] = &[
    "開示率",
    "全部開示率",
    "部分開示率",
    "備考",
    "摘要",
    "割合",
    "%",
    "率",
];
const GENERIC_COUNT_LABELS: &[&str] = &[
    "件数",
    "請求件数",
    "請求数",
    "請求",
    "受付件数",
    "受付",
    "受付数",
];

impl CategorySchema {
    /// An empty schema.
    pub fn empty() -> CategorySchema {
        CategorySchema {
            categories: Vec::new(),
            index: BTreeMap::new(),
            group_labels: BTreeSet::new(),
        }
    }

    /// Rebuilds the lookup tables after a change.
    fn reindex(&mut self) {
        self.index.clear();
        self.group_labels.clear();
        for (position, category) in self.categories.iter().enumerate() {
            for synonym in &category.synonyms {
                self.index
                    .entry(synonym.clone())
                    .or_default()
                    .push(position);
            }
            if let Some(group) = &category.group {
                self.group_labels.insert(fold_label(group));
            }
        }
    }

    /// Positions of the categories any of `forms` names, ascending.
    fn named_by(&self, forms: &[&str]) -> Vec<usize> {
        let mut positions: Vec<usize> = forms
            .iter()
            .filter_map(|form| self.index.get(*form))
            .flatten()
            .copied()
            .collect();
        positions.sort_unstable();
        positions.dedup();
        positions
    }

    /// Adds a category at the end. A decision's family must already be a request category.
    pub fn add_category(&mut self, category: Category) -> Result<(), SchemaError> {
        if self.get(category.key.as_str()).is_some() {
            return Err(SchemaError::Duplicate(category.key));
        }
        if !category.is_request()
            && !self
                .get(category.family.as_str())
                .is_some_and(Category::is_request)
        {
            return Err(SchemaError::UnknownFamily {
                key: category.key,
                family: category.family,
            });
        }
        self.categories.push(category);
        self.reindex();
        Ok(())
    }

    /// Adds header wordings to an existing category.
    pub fn add_synonyms(&mut self, key: &str, synonyms: &[&str]) -> Result<(), SchemaError> {
        // A wording that already names another category would make every such column ambiguous.
        for synonym in synonyms {
            let folded = fold_label(synonym);
            let taken_by = self
                .index
                .get(&folded)
                .into_iter()
                .flatten()
                .map(|position| &self.categories[*position])
                .find(|category| category.key.as_str() != key && category.contexts.is_empty());
            if let Some(taken_by) = taken_by {
                return Err(SchemaError::SynonymTaken {
                    synonym: (*synonym).to_owned(),
                    key: key.to_owned(),
                    taken_by: taken_by.key.clone(),
                });
            }
        }
        let category = self
            .categories
            .iter_mut()
            .find(|c| c.key.as_str() == key)
            .ok_or_else(|| SchemaError::Unknown(key.to_owned()))?;
        category
            .synonyms
            .extend(synonyms.iter().map(|s| fold_label(s)));
        self.reindex();
        Ok(())
    }

    /// Replaces the published label of an existing category.
    pub fn set_label(&mut self, key: &str, label: &str) -> Result<(), SchemaError> {
        let category = self
            .categories
            .iter_mut()
            .find(|c| c.key.as_str() == key)
            .ok_or_else(|| SchemaError::Unknown(key.to_owned()))?;
        if label.trim().is_empty() {
            return Err(SchemaError::EmptyLabel(category.key.clone()));
        }
        category.label = label.to_owned();
        category.synonyms.insert(fold_label(label));
        self.reindex();
        Ok(())
    }

    /// The categories in publication order.
    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    /// A category by key.
    pub fn get(&self, key: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.key.as_str() == key)
    }

    /// The decision categories of a request category, in publication order.
    pub fn decisions_of<'a>(
        &'a self,
        request: &'a CategoryKey,
    ) -> impl Iterator<Item = &'a Category> + 'a {
        self.categories
            .iter()
            .filter(move |c| &c.family == request && !c.is_request())
    }

    /// Whether a single label, alone, names a category, a total or a derived column. Used to tell a
    /// header row from a data row.
    pub fn is_header_word(&self, label: &str) -> bool {
        !matches!(self.classify(&[label]), HeaderMeaning::Unknown)
    }

    /// What a header path (outermost group first, leaf last) means. Labels need not be folded.
    pub fn classify<S: AsRef<str>>(&self, path: &[S]) -> HeaderMeaning {
        let mut folded: Vec<String> = Vec::with_capacity(path.len());
        for label in path {
            // A repeated label is kept: `開示 › 開示` is a group over its first leaf. The layout
            // reader passes a label merged over several header rows once.
            let label = fold_label(label.as_ref());
            if !label.is_empty() {
                folded.push(label);
            }
        }
        let Some((leaf, groups)) = folded.split_last() else {
            return HeaderMeaning::Unknown;
        };
        let leaf_forms = label_forms(leaf);
        if leaf_forms.iter().any(|form| is_total_label(form, self)) {
            return HeaderMeaning::Total;
        }
        if leaf_forms
            .iter()
            .any(|form| DERIVED_LABELS.contains(form) || form.ends_with('率'))
        {
            return HeaderMeaning::Derived;
        }
        let group_families: Vec<CategoryKey> = groups
            .iter()
            .filter_map(|group| self.family_of_group(group))
            .collect();
        let mut best: Vec<(u8, CategoryKey)> = Vec::new();
        for position in self.named_by(&leaf_forms) {
            let category = &self.categories[position];
            let in_context = groups.iter().any(|group| {
                label_forms(group)
                    .iter()
                    .any(|form| category.contexts.contains(*form))
            });
            let score = match (category.contexts.is_empty(), in_context) {
                (false, true) => 3,
                (false, false) => continue,
                (true, _) => {
                    // A leaf under a group of another request family is not this category:
                    // `訂正請求 › 取下げ` is not a withdrawn disclosure request.
                    if group_families
                        .iter()
                        .any(|family| family != &category.family)
                    {
                        continue;
                    }
                    2
                }
            };
            best.push((score, category.key.clone()));
        }
        let top = best.iter().map(|(score, _)| *score).max();
        let winners: Vec<CategoryKey> = best
            .into_iter()
            .filter(|(score, _)| Some(*score) == top)
            .map(|(_, key)| key)
            .collect();
        match winners.as_slice() {
            [] => {}
            [one] => return HeaderMeaning::Category(one.clone()),
            _ => return HeaderMeaning::Ambiguous(winners),
        }
        // `訂正請求 › 件数`: a generic count under a request group is that request category.
        if leaf_forms
            .iter()
            .any(|form| GENERIC_COUNT_LABELS.contains(form))
            && let [family] = group_families.as_slice()
        {
            return HeaderMeaning::Category(family.clone());
        }
        HeaderMeaning::Unknown
    }

    /// The request family a group label names (`訂正請求` → `correction_requests`), if any.
    fn family_of_group(&self, group: &str) -> Option<CategoryKey> {
        let forms = label_forms(group);
        let mut candidates: Vec<&str> = forms.clone();
        candidates.extend(forms.iter().filter_map(|form| form.strip_suffix('計')));
        self.named_by(&candidates)
            .into_iter()
            .map(|position| &self.categories[position])
            .find(|c| c.contexts.is_empty())
            .map(|c| c.family.clone())
    }
}

/// The forms of a folded label worth matching: itself, without a bracketed unit, the bracket's
/// content, and without a trailing 件 or 数.
fn label_forms(folded: &str) -> Vec<&str> {
    let mut forms = vec![folded];
    let stripped = strip_bracketed_suffix(folded);
    forms.push(stripped);
    if let Some(note) = bracketed_note(folded) {
        forms.push(note);
    }
    for form in forms.clone() {
        if let Some(without) = form
            .strip_suffix('件')
            .or_else(|| form.strip_suffix("件数"))
            && !without.is_empty()
        {
            forms.push(without);
        }
    }
    forms.retain(|form| !form.is_empty());
    forms.dedup();
    forms
}

fn is_total_label(form: &str, schema: &CategorySchema) -> bool {
    if TOTAL_LABELS.contains(&form) || DECISION_TOTAL_LABELS.contains(&form) {
        return true;
    }
    // `開示計`, `訂正計`, `処理の状況計`: a subtotal of a named group.
    match form
        .strip_suffix('計')
        .or_else(|| form.strip_suffix("合計"))
        .or_else(|| form.strip_suffix("小計"))
    {
        Some(prefix) if !prefix.is_empty() => {
            schema.index.contains_key(prefix) || schema.group_labels.contains(prefix)
        }
        _ => false,
    }
}

impl Default for CategorySchema {
    /// The ten columns of domain.md §2 and the common extensions, in publication order.
    fn default() -> CategorySchema {
        const DECIDED: Option<&str> = Some("処理の状況");
        const CORRECTION: Option<&str> = Some("訂正請求の処理");
        const SUSPENSION: Option<&str> = Some("利用停止請求の処理");
        /// key, label, group, family, synonyms, contexts.
        type Row<'a> = (
            &'a str,
            &'a str,
            Option<&'a str>,
            &'a str,
            &'a [&'a str],
            &'a [&'a str],
        );
        let rows: &[Row<'_>] = &[
            (
                "disclosure_requests",
                "開示請求",
                None,
                "disclosure_requests",
                &[
                    "開示請求件数",
                    "開示請求数",
                    "請求件数",
                    "請求数",
                    "請求",
                    "開示等請求",
                    "開示請求等",
                    "受付件数",
                    "受付",
                    "受付数",
                    "自己情報開示請求",
                    "個人情報開示請求",
                    "個人情報開示等請求数",
                    "開示請求等の件数",
                    "開示請求受付件数",
                    "保有個人情報開示請求",
                ],
                &[],
            ),
            (
                "disclosed",
                "開示",
                DECIDED,
                "disclosure_requests",
                &["全部開示", "全部開示決定", "開示決定"],
                &[],
            ),
            (
                "partially_disclosed",
                "一部開示",
                DECIDED,
                "disclosure_requests",
                &["部分開示", "一部開示決定", "部分開示決定"],
                &[],
            ),
            (
                "not_disclosed",
                "不開示",
                DECIDED,
                "disclosure_requests",
                &["非開示", "不開示決定", "非開示決定"],
                &[],
            ),
            (
                "nonexistent",
                "不存在",
                DECIDED,
                "disclosure_requests",
                &[
                    "文書不存在",
                    "情報不存在",
                    "文書の不存在",
                    "不存在決定",
                    "保有個人情報不存在",
                ],
                &[],
            ),
            (
                "withdrawn",
                "取下げ",
                DECIDED,
                "disclosure_requests",
                &["取り下げ", "取下", "請求取下げ", "取下件数"],
                &[],
            ),
            (
                "refused_to_confirm",
                "存否応答拒否",
                DECIDED,
                "disclosure_requests",
                &["存否応答拒否決定"],
                &[],
            ),
            (
                "dismissed",
                "却下",
                DECIDED,
                "disclosure_requests",
                &["却下決定"],
                &[],
            ),
            (
                "pending",
                "処理中",
                DECIDED,
                "disclosure_requests",
                &["継続中", "未処理", "未決定", "審査中"],
                &[],
            ),
            (
                "correction_requests",
                "訂正請求",
                None,
                "correction_requests",
                &[
                    "訂正",
                    "訂正請求件数",
                    "訂正等の請求",
                    "訂正等請求",
                    "訂正請求数",
                ],
                &[],
            ),
            (
                "corrected",
                "訂正",
                CORRECTION,
                "correction_requests",
                &["訂正決定"],
                &["訂正請求", "訂正", "訂正の状況"],
            ),
            (
                "partially_corrected",
                "一部訂正",
                CORRECTION,
                "correction_requests",
                &["部分訂正", "一部訂正決定", "部分訂正決定"],
                &[],
            ),
            (
                "not_corrected",
                "不訂正",
                CORRECTION,
                "correction_requests",
                &["非訂正", "非訂正決定", "不訂正決定"],
                &[],
            ),
            (
                "suspension_requests",
                "利用停止請求",
                None,
                "suspension_requests",
                &[
                    "利用停止",
                    "利用停止等請求",
                    "利用停止請求件数",
                    "利用停止請求数",
                    "利用中止",
                    "利用の中止請求",
                ],
                &[],
            ),
            (
                "suspended",
                "利用停止",
                SUSPENSION,
                "suspension_requests",
                &["利用停止決定"],
                &["利用停止請求", "利用停止", "利用停止等請求"],
            ),
            (
                "partially_suspended",
                "利用一部停止",
                SUSPENSION,
                "suspension_requests",
                &[
                    "一部停止",
                    "利用部分停止",
                    "利用部分停止決定",
                    "利用一部停止決定",
                ],
                &[],
            ),
            (
                "not_suspended",
                "利用非停止",
                SUSPENSION,
                "suspension_requests",
                &["非停止", "不停止", "利用不停止", "利用非停止決定"],
                &[],
            ),
            (
                "complaints",
                "苦情相談",
                None,
                "complaints",
                &[
                    "苦情",
                    "相談",
                    "苦情申出",
                    "苦情・相談",
                    "苦情等",
                    "苦情相談件数",
                    "苦情の申出",
                    "苦情処理",
                ],
                &[],
            ),
            (
                "appeals",
                "審査請求",
                None,
                "appeals",
                &[
                    "不服申立て",
                    "不服申立",
                    "異議申立て",
                    "異議申立",
                    "審査請求件数",
                    "不服申立件数",
                    "審査請求等",
                ],
                &[],
            ),
        ];
        let mut schema = CategorySchema::empty();
        for (key, label, group, family, synonyms, contexts) in rows {
            let category = Category::new(key, label, *group, family, synonyms, contexts)
                .expect("invariant: the default schema is valid");
            schema
                .add_category(category)
                .expect("invariant: the default schema has no duplicates");
        }
        schema
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meaning(path: &[&str]) -> String {
        match CategorySchema::default().classify(path) {
            HeaderMeaning::Category(key) => key.as_str().to_owned(),
            HeaderMeaning::Total => "TOTAL".to_owned(),
            HeaderMeaning::Derived => "DERIVED".to_owned(),
            HeaderMeaning::Unknown => "UNKNOWN".to_owned(),
            HeaderMeaning::Ambiguous(keys) => format!("AMBIGUOUS{keys:?}"),
        }
    }

    #[test]
    fn the_ten_columns_of_the_example_page() {
        assert_eq!(meaning(&["開示請求"]), "disclosure_requests");
        assert_eq!(meaning(&["処理の状況", "開示"]), "disclosed");
        assert_eq!(meaning(&["処理の状況", "一部開示"]), "partially_disclosed");
        assert_eq!(meaning(&["処理の状況", "不開示"]), "not_disclosed");
        assert_eq!(meaning(&["処理の状況", "不存在"]), "nonexistent");
        assert_eq!(meaning(&["処理の状況", "取下げ"]), "withdrawn");
        assert_eq!(meaning(&["訂正請求"]), "correction_requests");
        assert_eq!(meaning(&["利用停止"]), "suspension_requests");
        assert_eq!(meaning(&["苦情相談"]), "complaints");
        assert_eq!(meaning(&["審査請求"]), "appeals");
    }

    #[test]
    fn wording_variants_fold_to_one_key() {
        assert_eq!(meaning(&["部分\n開示"]), "partially_disclosed");
        assert_eq!(meaning(&["非 開 示"]), "not_disclosed");
        assert_eq!(meaning(&["開示請求(件)"]), "disclosure_requests");
        assert_eq!(meaning(&["取り下げ件数"]), "withdrawn");
        assert_eq!(meaning(&["不服申立て(審査請求)"]), "appeals");
        assert_eq!(meaning(&["請求件数"]), "disclosure_requests");
    }

    #[test]
    fn groups_decide_what_a_leaf_means() {
        // A group label equal to its first leaf (東京都's 開示 › 開示).
        assert_eq!(meaning(&["開示", "開示"]), "disclosed");
        assert_eq!(meaning(&["訂正", "訂正"]), "corrected");
        assert_eq!(meaning(&["訂正請求", "一部訂正"]), "partially_corrected");
        assert_eq!(meaning(&["利用停止", "利用停止"]), "suspended");
        assert_eq!(meaning(&["訂正請求", "件数"]), "correction_requests");
        assert_eq!(meaning(&["訂正請求", "取下げ"]), "UNKNOWN");
    }

    #[test]
    fn totals_and_derived_columns_are_not_data() {
        assert_eq!(meaning(&["合計"]), "TOTAL");
        assert_eq!(meaning(&["処理の状況", "計"]), "TOTAL");
        assert_eq!(meaning(&["開示計"]), "TOTAL");
        assert_eq!(meaning(&["処理件数"]), "TOTAL");
        assert_eq!(meaning(&["開示率"]), "DERIVED");
        assert_eq!(meaning(&["備考"]), "DERIVED");
        assert_eq!(meaning(&["手数料"]), "UNKNOWN");
    }

    #[test]
    fn a_city_adds_its_own_wording() {
        let mut schema = CategorySchema::default();
        assert_eq!(schema.classify(&["不存在等"]), HeaderMeaning::Unknown);
        schema
            .add_synonyms("nonexistent", &["不存在等"])
            .expect("known key");
        assert_eq!(
            schema.classify(&["不存在等"]),
            HeaderMeaning::Category(CategoryKey::new("nonexistent").expect("key"))
        );
        assert_eq!(
            schema.add_synonyms("no_such", &["x"]),
            Err(SchemaError::Unknown("no_such".to_owned()))
        );
        assert!(
            matches!(
                schema.add_synonyms("appeals", &["一部開示"]),
                Err(SchemaError::SynonymTaken { .. })
            ),
            "one wording cannot mean two categories"
        );
        let duplicate =
            Category::new("appeals", "審査請求", None, "appeals", &[], &[]).expect("valid");
        assert!(matches!(
            schema.add_category(duplicate),
            Err(SchemaError::Duplicate(_))
        ));
    }

    #[test]
    fn keys_are_validated() {
        assert!(CategoryKey::new("disclosure_requests").is_ok());
        assert!(CategoryKey::new("Disclosure").is_err());
        assert!(CategoryKey::new("").is_err());
        assert!(CategoryKey::new("開示").is_err());
    }
}
