//! Each mutation of a compliant contract must flip exactly the clause(s) it touches.

use mamori_audit::report::{ClauseStatus, Verdict};
use mamori_audit::source::SourceText;
use mamori_test_support::contract::{Ban, Half, STYLES};

use crate::contract::{
    ALL_PRESENT, all_present_except, audit_pdf, audit_source, audit_text, compliant,
};

#[test]
fn deleting_one_clause_article_makes_only_that_clause_missing() {
    for style in STYLES {
        let base = compliant(style);
        // Clause 7 has two articles and its own test below.
        let deletions: Vec<(String, u8)> = base
            .articles
            .iter()
            .filter_map(|article| Some((article.heading.clone(), article.clause?)))
            .filter(|(_, clause)| *clause != 7)
            .collect();
        assert_eq!(deletions.len(), 7);
        for (heading, clause) in deletions {
            let heading = heading.as_str();
            let report = audit_text(&base.without_article(heading).to_text());
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
        let no_return = compliant(style).without_article("資料等の返還等");
        let report = audit_text(&no_return.to_text());
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

        let neither = no_return.without_article("適正管理");
        let report = audit_text(&neither.to_text());
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
        let base = compliant(style);
        // 複写し、又は複製してはならない → 複写し、又は複製することができる
        let report = audit_text(&base.with_permission(Ban::Copying).to_text());
        assert_eq!(
            report.statuses(),
            all_present_except(&[(4, ClauseStatus::Partial)]),
            "{style:?}"
        );
        // 第三者に委託してはならない → 第三者に委託することができる
        let report = audit_text(&base.with_permission(Ban::Subcontracting).to_text());
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
        let base = compliant(style);
        for (name, half) in [
            ("use only", Half::UseBeyondPurpose),
            ("provision only", Half::ProvisionToThirdParties),
        ] {
            let report = audit_text(&base.with_half_only(half).to_text());
            assert_eq!(
                report.statuses(),
                all_present_except(&[(3, ClauseStatus::Partial)]),
                "{style:?} {name}"
            );
            let detail = &report.clause(3).expect("clause 3").detail;
            assert!(detail.contains("見当たりません"), "{detail}");
        }
        for (name, half) in [
            ("termination only", Half::Termination),
            ("damages only", Half::Damages),
        ] {
            let report = audit_text(&base.with_half_only(half).to_text());
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
    let with_proviso = compliant(STYLES[0]).replaced(
        "複写又は複製の禁止",
        "複写し、又は複製してはならない。",
        "複写し、又は複製してはならない。ただし、甲の承諾を得た場合は、この限りでない。",
    );
    let report = audit_text(&with_proviso.to_text());
    assert_eq!(report.statuses(), ALL_PRESENT.to_vec());
}

#[test]
fn clauses_in_a_missing_annex_cannot_be_confirmed() {
    for style in STYLES {
        let report = audit_text(&compliant(style).without_annex().to_text());
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
        let contract = compliant(style);
        let main = SourceText::from_text("契約書.txt", &contract.main_text()).expect("text");
        let annex_body = contract.annex_text();
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
        let text = pdf_noise(&compliant(style).to_text());
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
    let mutated = compliant(STYLES[1]).without_article("立入検査");
    let text = pdf_noise(&mutated.to_text());
    let source = SourceText::from_pdf_text("契約書.pdf", &text).expect("a readable text layer");
    let report = audit_source(&source, None);
    assert_eq!(
        report.statuses(),
        all_present_except(&[(6, ClauseStatus::Missing)])
    );
}

#[test]
fn mutations_survive_pdftotext() {
    for style in STYLES {
        let base = compliant(style);
        let cases = [
            (
                base.without_article("立入検査"),
                all_present_except(&[(6, ClauseStatus::Missing)]),
            ),
            (
                base.with_permission(Ban::Copying),
                all_present_except(&[(4, ClauseStatus::Partial)]),
            ),
            (
                base.with_half_only(Half::Damages),
                all_present_except(&[(8, ClauseStatus::Partial)]),
            ),
        ];
        for (mutated, expected) in cases {
            assert_eq!(
                audit_pdf(&mutated.to_pdf()).statuses(),
                expected,
                "{style:?} pdf"
            );
            assert_eq!(
                audit_pdf(&mutated.to_pdf_spaced()).statuses(),
                expected,
                "{style:?} spaced pdf"
            );
        }
        let report = audit_pdf(&base.without_annex().to_pdf());
        assert_eq!(
            report.statuses(),
            vec![ClauseStatus::Missing; 8],
            "{style:?}"
        );
        assert!(report.has_finding("A6-ANNEX-MISSING"), "{style:?}");
    }
}
