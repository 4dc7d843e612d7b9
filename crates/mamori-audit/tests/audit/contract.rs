//! Compliant contracts from the shared generator (`mamori_test_support::contract`) in every
//! style and both wordings, as text and through `pdftotext`, plus the audit helpers the other
//! modules use.

use mamori_audit::check::{AuditRequest, audit};
use mamori_audit::report::{AuditReport, ClauseStatus, Verdict};
use mamori_audit::ruleset::Ruleset;
use mamori_audit::source::SourceText;
use mamori_audit::wording::ClauseWording;
use mamori_test_support::contract::{Contract, STYLES, Style, Wording};
use mamori_test_support::document::pdftotext;

/// The compliant contract of `style` in the model-provision wording.
pub(crate) fn compliant(style: Style) -> Contract {
    Contract::compliant(style, Wording::Standard)
}

pub(crate) fn audit_source(main: &SourceText, annex: Option<&SourceText>) -> AuditReport {
    audit(
        &AuditRequest {
            path: "契約書.txt",
            sha256: "0".repeat(64).as_str(),
            main,
            annex,
        },
        &Ruleset::standard(),
        &ClauseWording::standard(),
    )
}

pub(crate) fn audit_text(text: &str) -> AuditReport {
    let source = SourceText::from_text("契約書.txt", text).expect("generated text is not empty");
    audit_source(&source, None)
}

/// The text layer `pdftotext` extracts from `pdf`, audited as the CLI audits a PDF.
pub(crate) fn audit_pdf(pdf: &[u8]) -> AuditReport {
    let text = pdftotext(pdf);
    let source = SourceText::from_pdf_text("契約書.pdf", &text).expect("a readable text layer");
    audit_source(&source, None)
}

/// All eight clauses present.
pub(crate) const ALL_PRESENT: [ClauseStatus; 8] = [ClauseStatus::Present; 8];

/// `ALL_PRESENT` with clause `id` set to `status`.
pub(crate) fn all_present_except(changes: &[(u8, ClauseStatus)]) -> Vec<ClauseStatus> {
    let mut expected = ALL_PRESENT.to_vec();
    for (id, status) in changes {
        expected[usize::from(*id) - 1] = *status;
    }
    expected
}

fn assert_passes(report: &AuditReport, what: &str) {
    assert_eq!(
        report.statuses(),
        ALL_PRESENT.to_vec(),
        "{what}: {report:#?}"
    );
    assert_eq!(report.verdict, Verdict::Pass, "{what}");
    assert!(!report.has_finding("A6-ANNEX-MISSING"), "{what}");
    assert!(!report.has_finding("A6-07-2"), "{what}");
}

#[test]
fn compliant_contracts_pass_in_every_style() {
    for style in STYLES {
        let report = audit_text(&compliant(style).to_text());
        assert_passes(&report, &format!("style {style:?}"));
    }
}

#[test]
fn compliant_contracts_pass_through_pdftotext_in_every_style() {
    for style in STYLES {
        let contract = compliant(style);
        assert_passes(&audit_pdf(&contract.to_pdf()), &format!("{style:?} pdf"));
        assert_passes(
            &audit_pdf(&contract.to_pdf_spaced()),
            &format!("{style:?} spaced pdf"),
        );
    }
}

#[test]
fn evidence_names_the_article_and_heading_in_the_annex() {
    let report = audit_text(&compliant(STYLES[0]).to_text());
    let secrecy = report.clause(1).expect("clause 1");
    let first = &secrecy.evidence[0];
    assert_eq!(first.article.as_deref(), Some("別記 第2条"));
    assert_eq!(first.heading.as_deref(), Some("秘密の保持"));
    assert!(
        first.text.starts_with("乙は、この契約による業務を行う中で"),
        "{first:?}"
    );
}

#[test]
fn evidence_from_a_pdf_names_the_same_article_and_heading() {
    let report = audit_pdf(&compliant(STYLES[0]).to_pdf());
    let first = &report.clause(1).expect("clause 1").evidence[0];
    assert_eq!(first.article.as_deref(), Some("別記 第2条"), "{first:?}");
    assert_eq!(first.heading.as_deref(), Some("秘密の保持"));
}

/// The same eight clauses in other common drafting ([`Wording::Alternative`]): other verbs,
/// both halves of #8 in one sentence, 消去 for return, 実地に調査, 同意/承認 exceptions.
#[test]
fn other_common_drafting_passes_in_every_style() {
    for style in STYLES {
        let report = audit_text(&Contract::compliant(style, Wording::Alternative).to_text());
        assert_eq!(
            report.statuses(),
            ALL_PRESENT.to_vec(),
            "style {style:?}: {report:#?}"
        );
        let detail = &report.clause(7).expect("clause 7").detail;
        let found = detail.split("見当たらない").next().unwrap_or_default();
        assert!(
            found.contains("返還・廃棄") && found.contains("従事者"),
            "{detail}"
        );
        assert!(!report.has_finding("A6-07-2"), "消去 is a disposal duty");
    }
}
