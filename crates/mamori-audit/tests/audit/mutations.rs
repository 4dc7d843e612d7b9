//! Each mutation of a compliant contract must flip exactly the clause(s) it touches.

use mamori_audit::report::{ClauseStatus, Verdict};
use mamori_audit::source::SourceText;

use crate::contract::{
    ALL_PRESENT, Article, STYLES, all_present_except, annex_text, articles, audit_source,
    audit_text, contract_text, main_text,
};

fn without(articles: &[Article], heading: &str) -> Vec<Article> {
    articles
        .iter()
        .filter(|article| article.heading != heading)
        .cloned()
        .collect()
}

fn replace_sentence(articles: &[Article], heading: &str, from: &str, to: &str) -> Vec<Article> {
    articles
        .iter()
        .map(|article| {
            let mut article = article.clone();
            if article.heading == heading {
                assert!(
                    article
                        .sentences
                        .iter()
                        .any(|sentence| sentence.contains(from)),
                    "mutation `{from}` does not apply to {heading}"
                );
                for sentence in &mut article.sentences {
                    *sentence = sentence.replace(from, to);
                }
            }
            article
        })
        .collect()
}

fn keep_sentence(articles: &[Article], heading: &str, index: usize) -> Vec<Article> {
    articles
        .iter()
        .map(|article| {
            let mut article = article.clone();
            if article.heading == heading {
                article.sentences = vec![article.sentences[index].clone()];
            }
            article
        })
        .collect()
}

#[test]
fn deleting_one_clause_article_makes_only_that_clause_missing() {
    for style in STYLES {
        let base = articles(style);
        // Clause 7 has two articles and its own test below.
        let deletions: Vec<(String, u8)> = base
            .iter()
            .filter_map(|article| Some((article.heading.clone(), article.clause?)))
            .filter(|(_, clause)| *clause != 7)
            .collect();
        assert_eq!(deletions.len(), 7);
        for (heading, clause) in deletions {
            let heading = heading.as_str();
            let report = audit_text(&contract_text(style, &without(&base, heading)));
            assert_eq!(
                report.statuses(),
                all_present_except(&[(clause, ClauseStatus::Missing)]),
                "{style:?} without {heading}"
            );
            assert_eq!(report.verdict, Verdict::Fail);
            assert!(report.has_finding(&format!("A6-{clause:02}-MISSING")));
        }
    }
}

#[test]
fn clause_seven_needs_any_duty_and_reports_a_missing_return_duty() {
    for style in STYLES {
        let base = articles(style);
        let no_return = without(&base, "資料等の返還等");
        let report = audit_text(&contract_text(style, &no_return));
        assert_eq!(report.statuses(), ALL_PRESENT.to_vec(), "{style:?}");
        assert!(
            report.has_finding("A6-07-2"),
            "{style:?}: {:?}",
            report.findings
        );
        assert_eq!(
            report.verdict,
            Verdict::Pass,
            "a warning does not fail the contract"
        );

        let neither = without(&no_return, "適正管理");
        let report = audit_text(&contract_text(style, &neither));
        assert_eq!(
            report.statuses(),
            all_present_except(&[(7, ClauseStatus::Missing)]),
            "{style:?}"
        );
    }
}

#[test]
fn turning_a_ban_into_a_permission_breaks_only_that_clause() {
    for style in STYLES {
        let base = articles(style);
        let copying = replace_sentence(
            &base,
            "複写又は複製の禁止",
            "複写し、又は複製してはならない",
            "複写し、又は複製することができる",
        );
        let report = audit_text(&contract_text(style, &copying));
        assert_eq!(
            report.statuses(),
            all_present_except(&[(4, ClauseStatus::Partial)]),
            "{style:?}"
        );
        let subcontracting = replace_sentence(
            &base,
            "再委託の禁止",
            "第三者に委託してはならない",
            "第三者に委託することができる",
        );
        let report = audit_text(&contract_text(style, &subcontracting));
        assert_eq!(
            report.statuses(),
            all_present_except(&[(2, ClauseStatus::Partial)]),
            "{style:?}"
        );
    }
}

#[test]
fn one_half_of_clause_three_or_eight_is_partial() {
    for style in STYLES {
        let base = articles(style);
        let use_only = replace_sentence(
            &base,
            "目的外利用及び提供の禁止",
            "利用し、又は第三者に提供してはならない",
            "利用してはならない",
        );
        let provision_only = replace_sentence(
            &base,
            "目的外利用及び提供の禁止",
            "契約の目的以外の目的に利用し、又は第三者に提供してはならない",
            "第三者に提供してはならない",
        );
        for (name, mutated) in [("use only", use_only), ("provision only", provision_only)] {
            let report = audit_text(&contract_text(style, &mutated));
            assert_eq!(
                report.statuses(),
                all_present_except(&[(3, ClauseStatus::Partial)]),
                "{style:?} {name}"
            );
            let detail = &report.clause(3).expect("clause 3").detail;
            assert!(detail.contains("見当たりません"), "{detail}");
        }
        for (name, kept) in [("termination only", 0), ("damages only", 1)] {
            let mutated = keep_sentence(&base, "契約解除及び損害賠償", kept);
            let report = audit_text(&contract_text(style, &mutated));
            assert_eq!(
                report.statuses(),
                all_present_except(&[(8, ClauseStatus::Partial)]),
                "{style:?} {name}"
            );
        }
    }
}

#[test]
fn an_approval_exception_keeps_a_ban_a_ban() {
    let style = STYLES[0];
    let base = articles(style);
    let with_proviso = replace_sentence(
        &base,
        "複写又は複製の禁止",
        "複写し、又は複製してはならない。",
        "複写し、又は複製してはならない。ただし、甲の承諾を得た場合は、この限りでない。",
    );
    let report = audit_text(&contract_text(style, &with_proviso));
    assert_eq!(report.statuses(), ALL_PRESENT.to_vec());
}

#[test]
fn clauses_in_a_missing_annex_cannot_be_confirmed() {
    for style in STYLES {
        let report = audit_text(&main_text(style));
        assert_eq!(
            report.statuses(),
            vec![ClauseStatus::Missing; 8],
            "{style:?}"
        );
        assert!(report.has_finding("A6-ANNEX-MISSING"), "{style:?}");
        assert_eq!(report.verdict, Verdict::Fail);
        let finding = report
            .findings
            .iter()
            .find(|finding| finding.code == "A6-ANNEX-MISSING")
            .expect("annex finding");
        assert!(finding.message.contains("第1条"), "{}", finding.message);
        let secrecy = report
            .findings
            .iter()
            .find(|finding| finding.code == "A6-01-MISSING")
            .expect("clause 1 finding");
        assert!(
            secrecy.message.contains("確認できません"),
            "{}",
            secrecy.message
        );
    }
}

#[test]
fn a_separately_supplied_annex_is_audited_with_the_main_text() {
    for style in STYLES {
        let main = SourceText::from_text("契約書.txt", &main_text(style)).expect("text");
        let annex_body = annex_text(style, &articles(style));
        let annex = SourceText::from_text("特記事項.txt", &annex_body).expect("text");
        let report = audit_source(&main, Some(&annex));
        assert_eq!(report.statuses(), ALL_PRESENT.to_vec(), "{style:?}");
        assert!(!report.has_finding("A6-ANNEX-MISSING"));
        let evidence = &report.clause(6).expect("clause 6").evidence[0];
        assert!(
            evidence
                .article
                .as_deref()
                .is_some_and(|article| article.starts_with("別添")),
            "{evidence:?}"
        );
        // Offsets point into the annex text as written.
        let quoted: String = annex_body
            .chars()
            .skip(evidence.start)
            .take(evidence.end - evidence.start)
            .collect();
        assert_eq!(quoted, evidence.text);
    }
}

/// PDF extraction noise: a space between every character and a line break every 37
/// characters, inside words.
fn pdf_noise(text: &str) -> String {
    let mut noisy = String::new();
    let mut column = 0;
    for character in text.chars() {
        if character == '\n' {
            noisy.push('\n');
            column = 0;
            continue;
        }
        noisy.push(character);
        column += 1;
        if column % 37 == 0 {
            noisy.push('\n');
        } else {
            noisy.push(' ');
        }
    }
    noisy
}

#[test]
fn pdf_spacing_and_wrapped_lines_change_nothing() {
    for style in STYLES {
        let text = pdf_noise(&contract_text(style, &articles(style)));
        let source = SourceText::from_pdf_text("契約書.pdf", &text).expect("a readable text layer");
        let report = audit_source(&source, None);
        assert_eq!(report.statuses(), ALL_PRESENT.to_vec(), "{style:?}");
        // Evidence is quoted as written: with the spaces, at the right offsets.
        let evidence = &report.clause(5).expect("clause 5").evidence[0];
        assert!(evidence.text.contains("直 ち に"), "{evidence:?}");
        let quoted: String = text
            .chars()
            .skip(evidence.start)
            .take(evidence.end - evidence.start)
            .collect();
        assert_eq!(quoted, evidence.text);
    }
}

#[test]
fn pdf_spacing_does_not_hide_a_mutation() {
    let style = STYLES[1];
    let mutated = without(&articles(style), "立入検査");
    let text = pdf_noise(&contract_text(style, &mutated));
    let source = SourceText::from_pdf_text("契約書.pdf", &text).expect("a readable text layer");
    let report = audit_source(&source, None);
    assert_eq!(
        report.statuses(),
        all_present_except(&[(6, ClauseStatus::Missing)])
    );
}
