//! A compliant contract generator: the eight clauses in our own wording, in the party names and
//! article numbering of a style, as a main contract followed by a 特記事項 annex.

use mamori_audit::check::{AuditRequest, audit};
use mamori_audit::report::{AuditReport, ClauseStatus};
use mamori_audit::ruleset::Ruleset;
use mamori_audit::source::SourceText;
use mamori_audit::wording::ClauseWording;

/// Party names and article numbering of one drafting style.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub(crate) client: &'static str,
    pub(crate) contractor: &'static str,
    pub(crate) numbering: Numbering,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Numbering {
    /// `(見出し)` line, then `第N条 本文`.
    ArticleJo,
    /// `(見出し)` line, then `第N 本文`.
    ArticleBare,
    /// `N. (見出し) 本文` (no 第N articles anywhere).
    Dotted,
}

pub(crate) const STYLES: [Style; 3] = [
    Style {
        client: "甲",
        contractor: "乙",
        numbering: Numbering::ArticleJo,
    },
    Style {
        client: "委託者",
        contractor: "受託者",
        numbering: Numbering::ArticleBare,
    },
    Style {
        client: "発注者",
        contractor: "受注者",
        numbering: Numbering::Dotted,
    },
];

/// One article of the annex: the clause it shows (None for neutral articles), heading, text.
#[derive(Debug, Clone)]
pub(crate) struct Article {
    pub(crate) clause: Option<u8>,
    pub(crate) heading: String,
    pub(crate) sentences: Vec<String>,
}

/// The annex articles of a compliant contract. `{甲}`/`{乙}` are replaced by the style's
/// parties.
pub(crate) fn articles(style: Style) -> Vec<Article> {
    let raw: [(Option<u8>, &str, &[&str]); 11] = [
        (
            None,
            "基本的事項",
            &[
                "{乙}は、個人情報の保護の重要性を認識し、この契約による業務を実施するに当たっては、個人の権利利益を侵害することのないよう、個人情報を適正に取り扱わなければならない。",
            ],
        ),
        (
            Some(1),
            "秘密の保持",
            &[
                "{乙}は、この契約による業務に関して知り得た個人情報をみだりに他人に知らせてはならない。",
                "この契約が終了し、又は解除された後においても、同様とする。",
            ],
        ),
        (
            Some(2),
            "再委託の禁止",
            &[
                "{乙}は、あらかじめ{甲}の書面による承諾を得た場合を除き、この契約による個人情報の処理を第三者に委託してはならない。",
            ],
        ),
        (
            Some(3),
            "目的外利用及び提供の禁止",
            &[
                "{乙}は、{甲}の指示がある場合を除き、この契約による業務に関して知り得た個人情報を契約の目的以外の目的に利用し、又は第三者に提供してはならない。",
            ],
        ),
        (
            Some(4),
            "複写又は複製の禁止",
            &[
                "{乙}は、{甲}の承諾なしに、{甲}から引き渡された個人情報が記録された資料等を複写し、又は複製してはならない。",
            ],
        ),
        (
            Some(5),
            "事故発生時における報告",
            &[
                "{乙}は、個人情報の漏洩、滅失又は毀損その他の事故が発生し、又は発生するおそれがあることを知ったときは、直ちに{甲}に報告し、その指示に従わなければならない。",
            ],
        ),
        (
            Some(6),
            "立入検査",
            &[
                "{甲}は、必要があると認めるときは、{乙}の事務所その他の作業場所に立ち入り、個人情報の取扱状況を検査することができる。",
            ],
        ),
        (
            Some(7),
            "適正管理",
            &[
                "{乙}は、個人情報の漏えい、滅失及びき損の防止その他の個人情報の適正な管理のために必要な措置を講じなければならない。",
            ],
        ),
        (
            Some(7),
            "資料等の返還等",
            &[
                "{乙}は、業務が完了したときは、{甲}から引き渡された個人情報が記録された資料等を直ちに{甲}に返還し、又は{甲}の指示に従い廃棄しなければならない。",
            ],
        ),
        (
            Some(8),
            "契約解除及び損害賠償",
            &[
                "{甲}は、{乙}がこの特記事項に定める義務に違反したときは、この契約を解除することができる。",
                "{乙}は、この特記事項に定める義務に違反したことにより{甲}に損害を与えたときは、その損害を賠償しなければならない。",
            ],
        ),
        (
            None,
            "協議",
            &["この特記事項に定めのない事項については、{甲}{乙}協議して定めるものとする。"],
        ),
    ];
    raw.iter()
        .map(|(clause, heading, sentences)| Article {
            clause: *clause,
            heading: (*heading).to_owned(),
            sentences: sentences
                .iter()
                .map(|sentence| fill(style, sentence))
                .collect(),
        })
        .collect()
}

pub(crate) fn fill(style: Style, text: &str) -> String {
    text.replace("{甲}", style.client)
        .replace("{乙}", style.contractor)
}

/// The main contract's opening, which makes the annex part of the contract.
pub(crate) fn main_text(style: Style) -> String {
    fill(
        style,
        "業務委託契約書\n{甲}と{乙}は、次のとおり業務委託契約を締結する。\n（個人情報の保護）\n第1条　{乙}は、この契約による業務を処理するため個人情報を取り扱う場合は、別記「個人情報取扱特記事項」を遵守しなければならない。\n",
    )
}

/// The annex as text: title, then the articles numbered in the style.
pub(crate) fn annex_text(style: Style, articles: &[Article]) -> String {
    let mut text = String::from("別記\n個人情報取扱特記事項\n");
    for (index, article) in articles.iter().enumerate() {
        let number = index + 1;
        let body = article.sentences.join("\n２　");
        match style.numbering {
            Numbering::ArticleJo => {
                text.push_str(&format!("（{}）\n第{number}条　{body}\n", article.heading));
            }
            Numbering::ArticleBare => {
                text.push_str(&format!("（{}）\n第{number}　{body}\n", article.heading));
            }
            Numbering::Dotted => {
                text.push_str(&format!("{number}. （{}）{body}\n", article.heading));
            }
        }
    }
    text
}

/// Main text with the annex appended.
pub(crate) fn contract_text(style: Style, articles: &[Article]) -> String {
    format!("{}{}", main_text(style), annex_text(style, articles))
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

#[test]
fn compliant_contracts_pass_in_every_style() {
    for style in STYLES {
        let report = audit_text(&contract_text(style, &articles(style)));
        assert_eq!(
            report.statuses(),
            ALL_PRESENT.to_vec(),
            "style {style:?}: {report:#?}"
        );
        assert_eq!(
            report.verdict,
            mamori_audit::report::Verdict::Pass,
            "{style:?}"
        );
        assert!(!report.has_finding("A6-ANNEX-MISSING"), "{style:?}");
        assert!(!report.has_finding("A6-07-2"), "{style:?}");
    }
}

#[test]
fn evidence_names_the_article_and_heading_in_the_annex() {
    let style = STYLES[0];
    let report = audit_text(&contract_text(style, &articles(style)));
    let secrecy = report.clause(1).expect("clause 1");
    let first = &secrecy.evidence[0];
    assert_eq!(first.article.as_deref(), Some("別記 第2条"));
    assert_eq!(first.heading.as_deref(), Some("秘密の保持"));
    assert!(
        first.text.starts_with("乙は、この契約による業務に関して"),
        "{first:?}"
    );
}

/// The same eight clauses in other common drafting: other verbs, both halves of #8 in one
/// sentence, 消去 for return, 実地に調査, 同意/承認 exceptions.
pub(crate) fn alternative_articles(style: Style) -> Vec<Article> {
    let raw: [(u8, &str, &[&str]); 9] = [
        (
            1,
            "秘密保持",
            &[
                "{乙}は、本業務の遂行上知り得た個人情報を第三者に漏えいしてはならず、本契約の終了後も同様とする。",
            ],
        ),
        (
            2,
            "再委託の制限",
            &["{乙}は、個人情報の取扱いを自ら行い、{甲}の承認を得ずに第三者に委ねてはならない。"],
        ),
        (
            3,
            "利用及び提供の制限",
            &[
                "{乙}は、個人情報を本業務以外の目的のために利用してはならない。",
                "{乙}は、{甲}の書面による同意なく、個人情報を第三者へ提供し、又は開示してはならない。",
            ],
        ),
        (
            4,
            "複製等の禁止",
            &[
                "{乙}は、{甲}の指示又は承諾がある場合を除き、個人情報が記録された媒体を複製し、又は複写してはならない。",
            ],
        ),
        (
            5,
            "漏えい等の報告",
            &[
                "{乙}は、個人情報の漏えい等の事案が発生し、又は発生したおそれがある場合は、速やかに{甲}に報告するとともに、{甲}の指示に従い必要な措置を講じなければならない。",
            ],
        ),
        (
            6,
            "調査",
            &[
                "{甲}は、必要があると認めるときは、{乙}に対し報告を求め、又は{乙}の作業場所において個人情報の管理状況を実地に調査することができる。",
            ],
        ),
        (
            7,
            "個人情報の消去",
            &[
                "{乙}は、業務の終了後、{甲}から提供を受けた個人情報を速やかに消去し、その旨を書面により{甲}に報告しなければならない。",
            ],
        ),
        (
            7,
            "従業者の教育",
            &["{乙}は、従業者に対し、個人情報の保護に関する教育を実施しなければならない。"],
        ),
        (
            8,
            "解除等",
            &[
                "{甲}は、{乙}がこの特記事項の規定に違反したときは、契約の解除及び損害賠償の請求をすることができる。",
            ],
        ),
    ];
    raw.iter()
        .map(|(clause, heading, sentences)| Article {
            clause: Some(*clause),
            heading: (*heading).to_owned(),
            sentences: sentences
                .iter()
                .map(|sentence| fill(style, sentence))
                .collect(),
        })
        .collect()
}

#[test]
fn other_common_drafting_passes_in_every_style() {
    for style in STYLES {
        let report = audit_text(&contract_text(style, &alternative_articles(style)));
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
