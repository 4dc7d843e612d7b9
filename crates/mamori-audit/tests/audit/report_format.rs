//! The JSON shape of a report, suggestions, ruleset overrides and the evaluation counts.

use std::collections::BTreeMap;

use mamori_audit::check::{AuditRequest, audit};
use mamori_audit::eval::{evaluate, parse_labels};
use mamori_audit::report::ClauseStatus;
use mamori_audit::ruleset::Ruleset;
use mamori_audit::source::SourceText;
use mamori_audit::wording::ClauseWording;
use mamori_test_support::contract::STYLES;
use serde_json::Value;

use crate::contract::{audit_text, compliant};

/// The main contract alone: it refers to an annex that is not there.
fn main_text() -> String {
    compliant(STYLES[0]).main_text()
}

fn keys(value: &Value) -> Vec<String> {
    value
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect()
}

#[test]
fn report_serialises_to_the_documented_shape() {
    let report = audit_text(&main_text());
    let json = serde_json::to_value(&report).expect("serialises");
    assert_eq!(
        keys(&json),
        [
            "clauses", "findings", "path", "ruleset", "sha256", "verdict"
        ]
    );
    assert_eq!(json["verdict"], "fail");
    assert_eq!(json["path"], "契約書.txt");
    assert_eq!(json["sha256"], "0".repeat(64));
    assert_eq!(
        json["ruleset"],
        "個人情報保護条例施行規則第6条（標準） 2026.1"
    );
    let clauses = json["clauses"].as_array().expect("clauses");
    assert_eq!(clauses.len(), 8);
    assert_eq!(
        keys(&clauses[0]),
        ["detail", "evidence", "id", "status", "title"]
    );
    assert_eq!(clauses[0]["id"], 1);
    assert_eq!(clauses[0]["title"], "秘密の保持");
    assert_eq!(clauses[0]["status"], "missing");
    let notice = &json["findings"][0];
    assert_eq!(notice["code"], "A6-NOTICE");
    assert!(
        notice["message"].as_str().is_some_and(|message| message
            .contains("法的助言ではありません")
            && message.contains("2026.1")),
        "{notice}"
    );
    assert!(!json.to_string().contains("risk"), "never a risk score");
}

#[test]
fn evidence_serialises_with_article_heading_text_and_offsets() {
    let text = compliant(STYLES[0]).to_text();
    let report = audit_text(&text);
    let json = serde_json::to_value(&report).expect("serialises");
    let evidence = &json["clauses"][1]["evidence"][0];
    assert_eq!(
        keys(evidence),
        ["article", "end", "heading", "start", "text"]
    );
    assert_eq!(evidence["article"], "別記 第3条");
    assert_eq!(evidence["heading"], "再委託の禁止");
    let start = evidence["start"].as_u64().expect("start") as usize;
    let end = evidence["end"].as_u64().expect("end") as usize;
    let quoted: String = text.chars().skip(start).take(end - start).collect();
    assert_eq!(evidence["text"], quoted.as_str());
}

#[test]
fn missing_clauses_carry_the_suggested_wording() {
    let report = audit_text(&main_text());
    let standard = ClauseWording::standard();
    for id in 1..=8u8 {
        let finding = report
            .findings
            .iter()
            .find(|finding| finding.clause == Some(id) && finding.code.ends_with("MISSING"))
            .expect("a finding per missing clause");
        assert_eq!(finding.suggestion.as_deref(), standard.for_clause(id));
    }
    let city = ClauseWording::from_named(&[("6.md", "甲は、乙の事業所を調査できる。")]);
    let source = SourceText::from_text("a.txt", &main_text()).expect("text");
    let report = audit(
        &AuditRequest {
            path: "a.txt",
            sha256: "",
            main: &source,
            annex: None,
        },
        &Ruleset::standard(),
        &city,
    );
    let six = report
        .findings
        .iter()
        .find(|finding| finding.clause == Some(6))
        .expect("clause 6 finding");
    assert_eq!(
        six.suggestion.as_deref(),
        Some("甲は、乙の事業所を調査できる。")
    );
    assert!(
        report
            .findings
            .iter()
            .filter(|f| f.clause == Some(1))
            .all(|f| f.suggestion.is_none())
    );
}

#[test]
fn a_city_ruleset_overrides_the_standard_one() {
    // The city requires 実地調査 wording for clause 6 and names its own checklist.
    let source = Ruleset::standard_source()
        .replace(
            "name = \"個人情報保護条例施行規則第6条（標準）\"",
            "name = \"架空市個人情報取扱特記事項\"",
        )
        .replace("version = \"2026.1\"", "version = \"3\"");
    let six_start = source.find("id = 6").expect("clause 6");
    let require_start = six_start + source[six_start..].find("require = [").expect("require");
    let require_end = require_start + source[require_start..].find("\n]").expect("end");
    let city_source = format!(
        "{}require = ['実地調査を行うことができる']{}",
        &source[..require_start],
        &source[require_end + 2..]
    );
    let ruleset = Ruleset::from_toml(&city_source).expect("a valid city ruleset");
    assert_eq!(ruleset.label(), "架空市個人情報取扱特記事項 3");
    let text = compliant(STYLES[0]).to_text();
    let source = SourceText::from_text("a.txt", &text).expect("text");
    let report = audit(
        &AuditRequest {
            path: "a.txt",
            sha256: "",
            main: &source,
            annex: None,
        },
        &ruleset,
        &ClauseWording::none(),
    );
    assert_eq!(report.ruleset, "架空市個人情報取扱特記事項 3");
    assert_eq!(
        report.clause(6).map(|clause| clause.status),
        Some(ClauseStatus::Missing)
    );
    assert_eq!(
        report.clause(1).map(|clause| clause.status),
        Some(ClauseStatus::Present)
    );
}

#[test]
fn evaluation_counts_agreements_and_lists_disagreements() {
    let contract = compliant(STYLES[0]);
    let labels = r#"[
      {"id":"a","kind":"contract","clauses":{"1":{"status":"present"},"2":{"status":"present"},
        "3":{"status":"present"},"4":{"status":"present"},"5":{"status":"present"},
        "6":{"status":"present"},"7":{"status":"present"},"8":{"status":"partial","quote":"x"}},
       "extra":"ignored"},
      {"id":"b","kind":"contract","clauses":{"1":{"status":"absent"},"2":{"status":"absent"},
        "3":{"status":"absent"},"4":{"status":"absent"},"5":{"status":"absent"},
        "6":{"status":"present","where":"第9条"},"7":{"status":"absent"},"8":{"status":"absent"}}},
      {"id":"c","clauses":{}}
    ]"#;
    let records = parse_labels(labels).expect("labels parse");
    let texts = BTreeMap::from([
        (
            "a".to_owned(),
            SourceText::from_text("a", &contract.to_text()).expect("text"),
        ),
        (
            "b".to_owned(),
            SourceText::from_text("b", &contract.main_text()).expect("text"),
        ),
    ]);
    let evaluation = evaluate(&records, &texts, &Ruleset::standard());
    assert_eq!(evaluation.documents, 2);
    assert_eq!(evaluation.skipped, vec!["c".to_owned()]);
    let one = &evaluation.clauses[0];
    assert_eq!(
        (one.positives, one.true_positives, one.false_positives),
        (1, 1, 0)
    );
    assert_eq!((one.false_negatives, one.true_negatives), (0, 1));
    assert_eq!(one.recall, Some(1.0));
    let six = &evaluation.clauses[5];
    assert_eq!(
        (six.positives, six.true_positives, six.false_negatives),
        (2, 1, 1)
    );
    assert_eq!(six.recall, Some(0.5));
    let eight = &evaluation.clauses[7];
    assert_eq!((eight.false_positives, eight.precision), (1, Some(0.0)));
    assert_eq!(evaluation.disagreements.len(), 2);
    assert_eq!(
        (
            evaluation.disagreements[0].document.as_str(),
            evaluation.disagreements[0].clause
        ),
        ("a", 8)
    );
    assert!(!evaluation.meets(0.95, 1));
    assert!(
        evaluation
            .table()
            .contains("| 6 | 2 | 1 | 0 | 1 | 0 | 1.00 | 0.50 |"),
        "{}",
        evaluation.table()
    );
}
