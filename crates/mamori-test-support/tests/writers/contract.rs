//! The contract generator: every style and wording states all eight clauses, renders to text,
//! .docx and PDF, and each mutation touches only the clause it names.

use mamori_test_support::contract::{
    ArticleNumbering, Ban, Contract, DocxNumbering, Half, STYLES, Wording, all_styles,
};
use mamori_test_support::document::{NumberFormat, Numbered, Paragraph, pdftotext};

use crate::docx::parts;

const WORDINGS: [Wording; 2] = [Wording::Standard, Wording::Alternative];

fn every_contract() -> Vec<Contract> {
    all_styles()
        .into_iter()
        .flat_map(|style| WORDINGS.map(|wording| Contract::compliant(style, wording)))
        .collect()
}

fn without_whitespace(text: &str) -> String {
    text.chars()
        .filter(|character| !character.is_whitespace())
        .collect()
}

/// The annex article headed `heading`, as one string.
fn article_text(contract: &Contract, heading: &str) -> String {
    contract
        .articles
        .iter()
        .find(|article| article.heading == heading)
        .map(|article| article.sentences.concat())
        .unwrap_or_else(|| panic!("no article {heading}"))
}

/// Headings of the articles whose text differs between two contracts.
fn changed_headings(before: &Contract, after: &Contract) -> Vec<String> {
    before
        .articles
        .iter()
        .filter(|article| !after.articles.contains(article))
        .map(|article| article.heading.clone())
        .collect()
}

#[test]
fn every_style_and_wording_states_all_eight_clauses() {
    assert_eq!(all_styles().len(), 9);
    for contract in every_contract() {
        for clause in 1..=8 {
            assert!(
                !contract.clause_articles(clause).is_empty(),
                "{:?} {:?}: clause {clause}",
                contract.style,
                contract.wording
            );
        }
        assert_eq!(contract.clause_articles(7).len(), 2);
        let text = contract.to_text();
        assert!(!text.contains('{'), "unfilled party in {text}");
        assert!(
            text.contains(contract.style.client()) && text.contains(contract.style.contractor())
        );
        assert!(text.starts_with("業務委託契約書\n"));
        assert!(text.contains("第1条　"), "the main contract's article");
        assert!(text.contains("別記「個人情報取扱特記事項」"));
        assert!(text.contains("\n別記\n個人情報取扱特記事項\n"));
    }
}

#[test]
fn party_names_follow_the_style() {
    let expected = [("甲", "乙"), ("委託者", "受託者"), ("発注者", "受注者")];
    for (style, (client, contractor)) in STYLES.iter().zip(expected) {
        let text = Contract::compliant(*style, Wording::Standard).to_text();
        assert!(
            text.contains(&format!("{client}と{contractor}は")),
            "{text}"
        );
        assert!(text.contains(&format!(
            "{contractor}は、この契約による業務を行う中で知った"
        )));
    }
}

#[test]
fn annex_articles_are_numbered_in_the_style() {
    for style in STYLES {
        let contract = Contract::compliant(style, Wording::Standard);
        let annex = contract.annex_text();
        let second = &contract.articles[1];
        let expected = match style.numbering {
            ArticleNumbering::Jo => {
                format!("（{}）\n第2条　{}", second.heading, second.sentences[0])
            }
            ArticleNumbering::Bare => {
                format!("（{}）\n第2　{}", second.heading, second.sentences[0])
            }
            ArticleNumbering::Dotted => format!("2. （{}）{}", second.heading, second.sentences[0]),
        };
        assert!(annex.contains(&expected), "{style:?}:\n{annex}");
        assert!(
            annex.contains(&format!("\n２　{}", second.sentences[1])),
            "{annex}"
        );
        if style.numbering == ArticleNumbering::Dotted {
            let typed_article = annex.char_indices().any(|(at, character)| {
                character == '第'
                    && annex[at + character.len_utf8()..]
                        .chars()
                        .next()
                        .is_some_and(|next| next.is_ascii_digit())
            });
            assert!(!typed_article, "no 第N in a dotted annex:\n{annex}");
        }
    }
}

#[test]
fn word_numbering_replaces_the_typed_article_numbers() {
    let contract = Contract::compliant(STYLES[0], Wording::Standard);
    let format = NumberFormat::JapaneseCounting;
    let paragraphs = contract.to_paragraphs(DocxNumbering::Word(format));
    let articles = paragraphs
        .iter()
        .filter(|paragraph| paragraph.numbered == Some(Numbered::Article(format)))
        .count();
    let items = paragraphs
        .iter()
        .filter(|paragraph| paragraph.numbered == Some(Numbered::Item(format)))
        .count();
    assert_eq!(articles, contract.articles.len());
    let extra_paragraphs: usize = contract
        .articles
        .iter()
        .map(|article| article.sentences.len() - 1)
        .sum();
    assert_eq!(items, extra_paragraphs);
    let parts = parts(&contract.to_docx(DocxNumbering::Word(format)));
    let document = &parts
        .iter()
        .find(|(name, _)| name == "word/document.xml")
        .expect("document part")
        .1;
    assert!(
        document.contains("第1条"),
        "the main contract's article is typed"
    );
    assert!(
        !document.contains("第2条"),
        "annex articles are numbered by Word"
    );
    assert!(parts.iter().any(|(name, _)| name == "word/numbering.xml"));

    let typed = parts_text(&contract.to_docx(DocxNumbering::Typed));
    assert!(typed.contains("第2条　"), "{typed}");
}

fn parts_text(bytes: &[u8]) -> String {
    parts(bytes)
        .into_iter()
        .find(|(name, _)| name == "word/document.xml")
        .expect("document part")
        .1
}

#[test]
fn the_pdf_renderings_carry_every_sentence() {
    for style in STYLES {
        let contract = Contract::compliant(style, Wording::Standard);
        let set = without_whitespace(&pdftotext(&contract.to_pdf()));
        let spaced = without_whitespace(&pdftotext(&contract.to_pdf_spaced()));
        for article in &contract.articles {
            for sentence in &article.sentences {
                let sentence = without_whitespace(sentence);
                assert!(set.contains(&sentence), "{style:?}: {sentence} in\n{set}");
                assert!(spaced.contains(&sentence), "{style:?}: {sentence}");
            }
        }
    }
}

#[test]
fn dropping_a_clause_drops_only_its_articles() {
    for contract in every_contract() {
        for clause in 1..=8 {
            let mutated = contract.without_clause(clause);
            assert!(mutated.clause_articles(clause).is_empty());
            let kept: Vec<_> = contract
                .articles
                .iter()
                .filter(|article| article.clause != Some(clause))
                .collect();
            assert_eq!(mutated.articles.iter().collect::<Vec<_>>(), kept);
        }
        let heading = contract.articles[0].heading.clone();
        assert_eq!(
            contract.without_article(&heading).articles.len(),
            contract.articles.len() - 1
        );
        let bare = contract.without_annex();
        assert!(bare.articles.is_empty());
        assert_eq!(bare.to_text(), contract.main_text());
    }
}

#[test]
fn a_permission_replaces_exactly_one_ban() {
    for contract in every_contract() {
        for ban in [
            Ban::Secrecy,
            Ban::Subcontracting,
            Ban::UseAndProvision,
            Ban::Copying,
        ] {
            let mutated = contract.with_permission(ban);
            let changed = changed_headings(&contract, &mutated);
            assert_eq!(changed.len(), 1, "{ban:?}: {changed:?}");
            let article = contract
                .articles
                .iter()
                .find(|article| article.heading == changed[0])
                .expect("the changed article");
            assert_eq!(article.clause, Some(ban.clause()));
            let after = article_text(&mutated, &changed[0]);
            assert!(after.contains("ことができ"), "{after}");
            assert!(
                !after.contains("てはならない"),
                "{ban:?}: no ban is left: {after}"
            );
        }
    }
}

#[test]
fn keeping_one_half_removes_the_other() {
    for contract in every_contract() {
        let heading_of = |clause| contract.clause_articles(clause)[0].heading.clone();
        for half in [
            Half::UseBeyondPurpose,
            Half::ProvisionToThirdParties,
            Half::Termination,
            Half::Damages,
        ] {
            let mutated = contract.with_half_only(half);
            let heading = heading_of(half.clause());
            assert_eq!(
                changed_headings(&contract, &mutated),
                std::slice::from_ref(&heading)
            );
            let after = article_text(&mutated, &heading);
            let (kept, dropped) = match half {
                Half::UseBeyondPurpose => ("利用", "提供"),
                Half::ProvisionToThirdParties => ("提供", "目的"),
                Half::Termination => ("解除", "損害"),
                Half::Damages => ("損害", "解除"),
            };
            assert!(
                after.contains(kept) && !after.contains(dropped),
                "{half:?}: {after}"
            );
        }
    }
}

#[test]
fn replacing_text_that_is_not_there_fails_loudly() {
    let contract = Contract::compliant(STYLES[0], Wording::Standard);
    let outcome =
        std::panic::catch_unwind(|| contract.replaced("秘密の保持", "存在しない文言", "x"));
    assert!(
        outcome.is_err(),
        "a mutation that does nothing must not pass silently"
    );
    let mutated = contract.replaced("秘密の保持", "他に漏らしてはならない", "他に漏らさない");
    assert!(article_text(&mutated, "秘密の保持").contains("他に漏らさない"));
}

#[test]
fn the_annex_paragraphs_are_the_word_numbered_tail_of_the_document() {
    let contract = Contract::compliant(STYLES[0], Wording::Standard);
    let format = NumberFormat::Decimal;
    let annex = contract.annex_paragraphs(format);
    let whole = contract.to_paragraphs(DocxNumbering::Word(format));
    assert!(whole.ends_with(&annex), "{annex:#?}");
    assert_eq!(
        whole.len() - annex.len(),
        contract.main_text().lines().count()
    );
    assert_eq!(annex[0], Paragraph::text("別記"));
    assert_eq!(annex[1], Paragraph::text("個人情報取扱特記事項"));
    assert_eq!(annex[2], Paragraph::text("（基本的事項）"));
    assert_eq!(
        annex[3],
        Paragraph::article(format, &contract.articles[0].sentences[0])
    );
    assert_eq!(
        annex[6],
        Paragraph::item(format, &contract.articles[1].sentences[1]),
        "the second paragraph of 秘密の保持"
    );
}

#[test]
fn new_paragraphs_replace_only_that_article_s_text() {
    let contract = Contract::compliant(STYLES[1], Wording::Standard);
    let mutated = contract.with_paragraphs("立入検査", &["一つ目。", "二つ目。"]);
    assert_eq!(
        changed_headings(&contract, &mutated),
        ["立入検査".to_owned()]
    );
    let article = &mutated.clause_articles(6)[0];
    assert_eq!(article.heading, "立入検査");
    assert_eq!(article.sentences, ["一つ目。", "二つ目。"]);
    let outcome = std::panic::catch_unwind(|| contract.with_paragraphs("存在しない見出し", &[]));
    assert!(
        outcome.is_err(),
        "an unknown heading must not pass silently"
    );
}
