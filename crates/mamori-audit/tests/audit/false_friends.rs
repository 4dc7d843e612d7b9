//! Wording that looks like a clause but is not one must not count.

use mamori_audit::report::ClauseStatus;

use mamori_test_support::contract::{Contract, Half, STYLES};

use crate::contract::{all_present_except, audit_text, compliant};

/// The 甲/乙 contract with the article headed `heading` saying only `text` (same heading).
fn swap(heading: &str, text: &str) -> String {
    compliant(STYLES[0])
        .with_paragraphs(heading, &[text])
        .to_text()
}

/// The 甲/乙 contract with 契約解除及び損害賠償's damages paragraph replaced by `damages`.
fn with_damages(damages: &str) -> Contract {
    let base = compliant(STYLES[0]);
    let termination = base.clause_articles(8)[0].sentences[0].clone();
    base.with_paragraphs("契約解除及び損害賠償", &[&termination, damages])
}

#[test]
fn acceptance_inspection_is_not_an_on_site_inspection() {
    let text = swap(
        "立入検査",
        "乙は、業務を完了したときは、甲の完了検査を受け、検査に合格しなければならない。",
    );
    assert_eq!(
        audit_text(&text).statuses(),
        all_present_except(&[(6, ClauseStatus::Missing)])
    );
}

#[test]
fn a_force_majeure_accident_is_not_an_incident_report() {
    let text = swap(
        "事故発生時における報告",
        "天災地変その他の不可抗力による事故により業務を履行できないときは、乙は、その旨を甲に通知するものとする。",
    );
    let report = audit_text(&text);
    assert_ne!(
        report.clause(5).map(|clause| clause.status),
        Some(ClauseStatus::Present)
    );
    assert_eq!(
        report.statuses()[..4],
        all_present_except(&[])[..4],
        "other clauses are untouched"
    );
}

#[test]
fn damages_to_third_parties_are_not_damages_for_breach() {
    let contract = with_damages(
        "乙は、業務の実施に当たり第三者に損害を与えたときは、その損害を賠償しなければならない。",
    );
    assert_eq!(
        audit_text(&contract.to_text()).statuses(),
        all_present_except(&[(8, ClauseStatus::Partial)])
    );
}

#[test]
fn a_ban_on_assigning_rights_is_not_a_ban_on_subcontracting() {
    let text = swap(
        "再委託の禁止",
        "乙は、この契約によって生ずる権利又は義務を第三者に譲渡し、又は承継させてはならない。",
    );
    assert_eq!(
        audit_text(&text).statuses(),
        all_present_except(&[(2, ClauseStatus::Missing)])
    );
}

#[test]
fn survival_wording_is_not_termination_for_breach() {
    let contract = compliant(STYLES[0]).with_half_only(Half::Damages);
    // Clause 1 still says 「この契約が終了し、又は解除された後であっても」.
    assert!(contract.to_text().contains("又は解除された後"));
    assert_eq!(
        audit_text(&contract.to_text()).statuses(),
        all_present_except(&[(8, ClauseStatus::Partial)])
    );
}

#[test]
fn a_guideline_that_lists_every_topic_binds_nobody() {
    let guideline = "委託契約の留意点\n委託先との契約書には、秘密の保持、再委託の禁止、目的外利用及び第三者への提供の禁止、複写及び複製の禁止、事故発生時の報告、立入検査、資料の返還及び廃棄、契約解除及び損害賠償を明記すること。\n委託先が再委託する場合は、事前に承諾を求めるよう規定することが望ましい。";
    let report = audit_text(guideline);
    assert_eq!(
        report.statuses(),
        vec![ClauseStatus::Missing; 8],
        "{report:#?}"
    );
}

#[test]
fn best_effort_secrecy_is_partial() {
    let text = swap(
        "秘密の保持",
        "乙は、業務に関して知り得た個人情報の秘密の保持に努めるものとする。",
    );
    assert_eq!(
        audit_text(&text).statuses(),
        all_present_except(&[(1, ClauseStatus::Partial)])
    );
}

#[test]
fn a_heading_without_the_obligation_proves_nothing() {
    let text = swap(
        "立入検査",
        "立入検査の方法については、甲乙協議の上、別に定める。",
    );
    assert_eq!(
        audit_text(&text).statuses(),
        all_present_except(&[(6, ClauseStatus::Missing)])
    );
}

#[test]
fn progress_reports_on_request_are_not_incident_reports() {
    let text = swap(
        "事故発生時における報告",
        "乙は、甲の求めに応じ、業務の進捗状況を速やかに甲に報告しなければならない。",
    );
    assert_eq!(
        audit_text(&text).statuses(),
        all_present_except(&[(5, ClauseStatus::Missing)])
    );
}

#[test]
fn document_production_is_not_an_inspection() {
    let text = swap(
        "立入検査",
        "甲は、必要があると認めるときは、乙に対し、個人情報の取扱状況に関する資料の提出を求めることができる。",
    );
    assert_eq!(
        audit_text(&text).statuses(),
        all_present_except(&[(6, ClauseStatus::Missing)])
    );
}

#[test]
fn weaker_forms_are_partial_not_present() {
    let cases = [
        (
            "再委託の禁止",
            "乙は、甲の承諾を得て再委託する場合には、再委託先に本特記事項と同等の義務を負わせなければならない。",
            2,
        ),
        (
            "複写又は複製の禁止",
            "乙は、契約の目的の範囲を超えて資料等を複写し、又は複製してはならない。",
            4,
        ),
        (
            "事故発生時における報告",
            "乙は、業務の遂行に支障をきたすおそれのある事態が生じた場合は、速やかに甲に連絡するものとする。",
            5,
        ),
    ];
    for (heading, text, clause) in cases {
        assert_eq!(
            audit_text(&swap(heading, text)).statuses(),
            all_present_except(&[(clause, ClauseStatus::Partial)]),
            "{heading}: {text}"
        );
    }
}

#[test]
fn a_penalty_without_damages_leaves_clause_eight_partial() {
    let contract = with_damages(
        "前項の規定により契約を解除したときは、乙は、契約金額の10分の1に相当する額を違約金として甲に支払わなければならない。",
    );
    assert_eq!(
        audit_text(&contract.to_text()).statuses(),
        all_present_except(&[(8, ClauseStatus::Partial)])
    );
}

#[test]
fn a_privacy_policy_binds_no_contractor() {
    let policy = "プライバシーポリシー\n1. 当社は、お客様の個人情報を利用目的の範囲内でのみ利用し、目的外に利用しません。\n2. 当社は、法令に基づく場合を除き、お客様の同意なく個人情報を第三者に提供しません。\n3. 当社は、個人情報の漏えい、滅失又はき損の防止のため、適切な安全管理措置を講じます。";
    assert_eq!(
        audit_text(policy).statuses(),
        vec![ClauseStatus::Missing; 8]
    );
}
