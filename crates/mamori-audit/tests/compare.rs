//! Template comparison: a 特記事項 template and contracts built from it in code (our own
//! wording), changed one way at a time, compared article by article. No test reads files.

use std::io::{Cursor, Write};

use mamori_audit::compare::{
    ArticleComparison, ArticleRef, Comparison, MatchedBy, Scope, SpanKind, Summary, compare,
};
use mamori_audit::source::{SourceFormat, SourceText};

/// The template's articles: heading and body, in our own wording.
const ARTICLES: [(&str, &str); 9] = [
    (
        "基本的事項",
        "乙は、この契約に基づく業務で扱う個人情報を大切に取り扱い、本人の権利を損なわないよう注意しなければならない。",
    ),
    (
        "秘密の保持",
        "乙は、業務を通じて知り得た個人情報を他人に明かしてはならない。契約が終わった後も同じとする。",
    ),
    (
        "再委託の禁止",
        "乙は、甲があらかじめ書面で認めた場合を除き、業務の全部又は一部を他の事業者に任せてはならない。",
    ),
    (
        "目的外利用・提供の禁止",
        "乙は、業務のために受け取った個人情報を、業務以外の用途に使い、又は他人に渡してはならない。",
    ),
    (
        "複写等の禁止",
        "乙は、甲の許しなく、甲から預かった資料を写し取り、又は複製してはならない。",
    ),
    (
        "事故発生時の報告",
        "乙は、個人情報の漏えいその他の事故が起きたとき、又は起きるおそれがあると知ったときは、直ちに甲に知らせ、甲の指示を受けなければならない。",
    ),
    (
        "立入検査",
        "甲は、必要と認めるときは、乙の事業所に立ち入り、個人情報の管理の様子を確かめることができる。",
    ),
    (
        "資料の返還",
        "乙は、業務が終わったときは、甲から預かった資料を速やかに甲に返さなければならない。",
    ),
    (
        "契約の解除及び損害賠償",
        "甲は、乙がこの特記事項に反したときは、契約を解除し、乙に損害の賠償を求めることができる。",
    ),
];

const TITLE: &str = "個人情報取扱特記事項";

/// Articles as `(見出し)` lines followed by `{label}{N} 本文`, numbered from 1 in order.
fn articles_text(articles: &[(&str, &str)], label: &str, suffix: &str) -> String {
    let mut text = String::new();
    for (index, (heading, body)) in articles.iter().enumerate() {
        text.push_str(&format!(
            "（{heading}）\n{label}{}{suffix}　{body}\n",
            index + 1
        ));
    }
    text
}

fn template() -> SourceText {
    let text = format!("{TITLE}\n{}", articles_text(&ARTICLES, "第", ""));
    SourceText::from_text("tokki.txt", &text).expect("the template is text")
}

/// A contract holding only the special provisions, in `第N条` numbering.
fn contract(articles: &[(&str, &str)]) -> SourceText {
    let text = format!("{TITLE}\n{}", articles_text(articles, "第", "条"));
    SourceText::from_text("contract.txt", &text).expect("the contract is text")
}

fn statuses(comparison: &Comparison) -> Vec<&'static str> {
    comparison
        .articles
        .iter()
        .map(ArticleComparison::label)
        .collect()
}

fn heading(article: Option<&ArticleRef>) -> Option<&str> {
    article.and_then(|article| article.heading.as_deref())
}

fn quote(source: &SourceText, start: usize, end: usize) -> String {
    source
        .text()
        .chars()
        .skip(start)
        .take(end - start)
        .collect()
}

#[test]
fn identical_provisions_are_all_same() {
    let template = template();
    let comparison = compare(&contract(&ARTICLES), &template);
    assert_eq!(comparison.template_name, "tokki.txt");
    assert_eq!(comparison.contract_name, "contract.txt");
    assert_eq!(comparison.scope, Scope::Annex);
    assert_eq!(statuses(&comparison), vec!["同一"; ARTICLES.len()]);
    assert_eq!(
        comparison.summary(),
        Summary {
            same: 9,
            differs: 0,
            missing_from_contract: 0,
            extra_in_contract: 0,
        }
    );
    let first = &comparison.articles[0];
    assert_eq!(
        first
            .template()
            .and_then(|article| article.number.as_deref()),
        Some("第1")
    );
    assert_eq!(
        first
            .contract()
            .and_then(|article| article.number.as_deref()),
        Some("第1条")
    );
    // An article's offsets cover its heading line and body in the text as written.
    let template_ref = first.template().expect("matched");
    assert_eq!(
        quote(&template, template_ref.start, template_ref.end),
        format!("（基本的事項）\n第1　{}", ARTICLES[0].1)
    );
}

#[test]
fn a_deleted_article_is_the_only_one_missing() {
    let mut articles = ARTICLES.to_vec();
    articles.remove(6); // 立入検査; the later articles move up one number.
    // No title: the whole contract text is compared.
    let text = articles_text(&articles, "第", "条");
    let contract = SourceText::from_text("contract.txt", &text).expect("text");
    let comparison = compare(&contract, &template());
    assert_eq!(comparison.scope, Scope::Whole);
    let missing: Vec<&ArticleComparison> = comparison
        .articles
        .iter()
        .filter(|article| matches!(article, ArticleComparison::MissingFromContract { .. }))
        .collect();
    assert_eq!(missing.len(), 1);
    assert_eq!(heading(missing[0].template()), Some("立入検査"));
    assert_eq!(comparison.articles[6], *missing[0]);
    assert_eq!(
        comparison.summary(),
        Summary {
            same: 8,
            differs: 0,
            missing_from_contract: 1,
            extra_in_contract: 0,
        }
    );
    // 資料の返還 is 第8 in the template and 第7条 in the contract.
    let returned = &comparison.articles[7];
    assert_eq!(heading(returned.template()), Some("資料の返還"));
    assert_eq!(
        returned
            .contract()
            .and_then(|article| article.number.as_deref()),
        Some("第7条")
    );
}

#[test]
fn a_changed_word_is_shown_as_deleted_and_inserted() {
    let mut articles = ARTICLES.to_vec();
    let changed = ARTICLES[5].1.replace("直ちに", "速やかに");
    articles[5].1 = &changed;
    let contract = contract(&articles);
    let template = template();
    let comparison = compare(&contract, &template);
    assert_eq!(
        comparison.summary(),
        Summary {
            same: 8,
            differs: 1,
            missing_from_contract: 0,
            extra_in_contract: 0,
        }
    );
    let ArticleComparison::Differs {
        template: template_ref,
        matched_by,
        similarity,
        diff,
        ..
    } = &comparison.articles[5]
    else {
        panic!("article 6 differs: {:?}", comparison.articles[5]);
    };
    assert_eq!(template_ref.heading.as_deref(), Some("事故発生時の報告"));
    assert_eq!(*matched_by, MatchedBy::Heading);
    assert!((600..1000).contains(similarity), "{similarity}");
    let changes: Vec<(SpanKind, &str)> = diff
        .iter()
        .filter(|span| span.kind != SpanKind::Equal)
        .map(|span| (span.kind, span.text.as_str()))
        .collect();
    assert_eq!(
        changes,
        vec![
            (SpanKind::Deleted, "直ちに"),
            (SpanKind::Inserted, "速やかに")
        ]
    );
    // Offsets point at the words in each text as written.
    let deleted = diff
        .iter()
        .find(|span| span.kind == SpanKind::Deleted)
        .and_then(|span| span.template)
        .expect("a deletion has a template range");
    assert_eq!(quote(&template, deleted.start, deleted.end), "直ちに");
    let inserted = diff
        .iter()
        .find(|span| span.kind == SpanKind::Inserted)
        .and_then(|span| span.contract)
        .expect("an insertion has a contract range");
    assert_eq!(quote(&contract, inserted.start, inserted.end), "速やかに");
    // The equal and inserted spans spell out the contract's body.
    let contract_body: String = diff
        .iter()
        .filter(|span| span.kind != SpanKind::Deleted)
        .map(|span| span.text.as_str())
        .collect();
    assert_eq!(contract_body.trim_end(), changed);

    let text = comparison.render_text();
    assert!(
        text.contains("【削除: 直ちに】【追加: 速やかに】"),
        "{text}"
    );
    assert!(
        text.contains("[相違] 第6（事故発生時の報告） ⇔ 第6条（事故発生時の報告）"),
        "{text}"
    );
    assert!(
        text.contains("同一 8件、相違 1件、契約書にない 0件、契約書のみ 0件"),
        "{text}"
    );
}

#[test]
fn an_inserted_article_is_extra_and_the_renumbered_rest_still_match() {
    let mut articles = ARTICLES.to_vec();
    articles.insert(
        2,
        (
            "データの暗号化",
            "乙は、個人情報を電子媒体で持ち運ぶときは、暗号化その他の保護の手段を講じなければならない。",
        ),
    );
    let comparison = compare(&contract(&articles), &template());
    assert_eq!(
        statuses(&comparison),
        vec![
            "同一",
            "同一",
            "契約書のみ",
            "同一",
            "同一",
            "同一",
            "同一",
            "同一",
            "同一",
            "同一"
        ]
    );
    let extra = &comparison.articles[2];
    assert_eq!(heading(extra.contract()), Some("データの暗号化"));
    assert_eq!(
        extra
            .contract()
            .and_then(|article| article.number.as_deref()),
        Some("第3条")
    );
    assert_eq!(extra.template(), None);
    // 再委託の禁止: 第3 in the template, 第4条 in the contract.
    let subcontracting = &comparison.articles[3];
    assert_eq!(heading(subcontracting.template()), Some("再委託の禁止"));
    assert_eq!(
        subcontracting
            .template()
            .and_then(|article| article.number.as_deref()),
        Some("第3")
    );
    assert_eq!(
        subcontracting
            .contract()
            .and_then(|article| article.number.as_deref()),
        Some("第4条")
    );
    let text = comparison.render_text();
    assert!(
        text.contains("[契約書のみ] 第3条（データの暗号化）\n[同一] 第3（再委託の禁止） ⇔ 第4条（再委託の禁止）"),
        "{text}"
    );
}

#[test]
fn a_renamed_heading_is_matched_by_its_body() {
    let mut articles = ARTICLES.to_vec();
    articles[1].0 = "守秘義務";
    articles.swap(1, 2);
    let comparison = compare(&contract(&articles), &template());
    assert_eq!(statuses(&comparison), vec!["同一"; ARTICLES.len()]);
    let ArticleComparison::Same {
        contract,
        matched_by,
        ..
    } = &comparison.articles[1]
    else {
        panic!("秘密の保持 is the same: {:?}", comparison.articles[1]);
    };
    assert_eq!(*matched_by, MatchedBy::Similarity);
    assert_eq!(contract.heading.as_deref(), Some("守秘義務"));
    assert_eq!(contract.number.as_deref(), Some("第3条"));
}

#[test]
fn headings_match_across_spelling_variants() {
    let mut articles = ARTICLES.to_vec();
    articles[1].0 = "秘密保持";
    articles[3].0 = "目的外利用及び提供の禁止";
    let comparison = compare(&contract(&articles), &template());
    let ArticleComparison::Same { matched_by, .. } = &comparison.articles[1] else {
        panic!("{:?}", comparison.articles[1]);
    };
    assert_eq!(*matched_by, MatchedBy::Heading);
    // `・` and `及び` are different headings: found by the body instead.
    let ArticleComparison::Same { matched_by, .. } = &comparison.articles[3] else {
        panic!("{:?}", comparison.articles[3]);
    };
    assert_eq!(*matched_by, MatchedBy::Similarity);
}

/// PDF text: full-width spaces between characters, lines wrapped every `width` characters
/// inside sentences (never where the wrapped line would look like a new item).
fn pdf_layout(text: &str, width: usize) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let characters: Vec<char> = line.chars().collect();
        let mut column = 0;
        for (index, character) in characters.iter().enumerate() {
            out.push(*character);
            column += 1;
            let Some(next) = characters.get(index + 1) else {
                continue;
            };
            let safe_break = !"（(0123456789一二三四五六七八九十第【".contains(*next)
                && *character != '。'
                && index > 2;
            if column >= width && safe_break {
                out.push('\n');
                column = 0;
            } else if !character.is_ascii() && !next.is_ascii() {
                out.push(' ');
            }
        }
        out.push('\n');
    }
    out
}

#[test]
fn pdf_spacing_and_wrapped_lines_are_still_same() {
    let text = format!("{TITLE}\n{}", articles_text(&ARTICLES, "第", "条"));
    let layout = pdf_layout(&text, 22);
    assert!(layout.contains("乙 は 、"), "{layout}");
    assert!(layout.lines().count() > 2 * ARTICLES.len() + 10, "{layout}");
    let contract = SourceText::from_pdf_text("contract.pdf", &layout).expect("a readable layer");
    let comparison = compare(&contract, &template());
    assert_eq!(comparison.scope, Scope::Annex);
    assert_eq!(
        statuses(&comparison),
        vec!["同一"; ARTICLES.len()],
        "{}",
        comparison.render_text()
    );
    // Offsets are in the PDF text as written, spaces and breaks included.
    let last = comparison.articles[8].contract().expect("matched");
    let quoted = quote(&contract, last.start, last.end);
    assert!(quoted.starts_with("（ 契 約 の 解 除"), "{quoted}");
    assert!(quoted.ends_with("で き る 。"), "{quoted}");
}

#[test]
fn the_annex_of_a_full_contract_is_compared() {
    let main = "業務委託契約書\n\
        （目的）\n第1条　甲は、住民記録の入力業務を乙に委託し、乙はこれを引き受ける。\n\
        （秘密の保持）\n第2条　乙は、この契約の内容を他人に知らせてはならない。\n\
        （個人情報の取扱い）\n第3条　乙は、別記「個人情報取扱特記事項」を守らなければならない。\n";
    let annex = articles_text(&ARTICLES, "第", "条");
    let text = format!("{main}\n別記\n{TITLE}\n{annex}");
    let contract = SourceText::from_text("contract.txt", &text).expect("text");
    let comparison = compare(&contract, &template());
    assert_eq!(comparison.scope, Scope::Annex);
    // The main contract's own 秘密の保持 article neither steals the match nor shows up extra.
    assert_eq!(statuses(&comparison), vec!["同一"; ARTICLES.len()]);
    let annex_start = text[..text.find("別記").expect("annex")].chars().count();
    for article in &comparison.articles {
        let contract_ref = article.contract().expect("matched");
        assert!(contract_ref.start > annex_start, "{contract_ref:?}");
    }
    // Against the whole text, the same main contract would add its three articles.
    let whole = SourceText::from_text("contract.txt", &format!("{main}{annex}")).expect("text");
    let comparison = compare(&whole, &template());
    assert_eq!(comparison.scope, Scope::Whole);
    let extra: Vec<Option<&str>> = comparison
        .articles
        .iter()
        .filter(|article| matches!(article, ArticleComparison::ExtraInContract { .. }))
        .map(|article| heading(article.contract()))
        .collect();
    assert_eq!(
        extra,
        vec![Some("目的"), Some("秘密の保持"), Some("個人情報の取扱い")]
    );
    assert_eq!(comparison.summary().same, ARTICLES.len());
}

#[test]
fn a_deleted_sentence_and_an_added_one_show_in_order() {
    let mut articles = ARTICLES.to_vec();
    // 秘密の保持 without its second sentence; 資料の返還 with one more.
    articles[1].1 = "乙は、業務を通じて知り得た個人情報を他人に明かしてはならない。";
    let longer = format!(
        "{}返したときは、その旨を書面で甲に届け出なければならない。",
        ARTICLES[7].1
    );
    articles[7].1 = &longer;
    let comparison = compare(&contract(&articles), &template());
    let kinds_and_texts = |index: usize| -> Vec<(SpanKind, String)> {
        let ArticleComparison::Differs { diff, .. } = &comparison.articles[index] else {
            panic!("{:?}", comparison.articles[index]);
        };
        diff.iter()
            .map(|span| (span.kind, span.text.trim_end().to_owned()))
            .collect()
    };
    assert_eq!(
        kinds_and_texts(1),
        vec![
            (
                SpanKind::Equal,
                ARTICLES[1].1[..articles[1].1.len()].to_owned()
            ),
            (
                SpanKind::Deleted,
                "契約が終わった後も同じとする。".to_owned()
            ),
        ]
    );
    assert_eq!(
        kinds_and_texts(7),
        vec![
            (SpanKind::Equal, ARTICLES[7].1.to_owned()),
            (
                SpanKind::Inserted,
                "返したときは、その旨を書面で甲に届け出なければならない。".to_owned()
            ),
        ]
    );
}

#[test]
fn json_has_the_documented_shape() {
    let mut articles = ARTICLES.to_vec();
    let changed = ARTICLES[5].1.replace("直ちに", "速やかに");
    articles[5].1 = &changed;
    articles.remove(6);
    articles.push((
        "反社会的勢力の排除",
        "乙は、暴力団その他の反社会的勢力と関わりを持ってはならない。",
    ));
    let comparison = compare(&contract(&articles), &template());
    let json = serde_json::to_value(&comparison).expect("serialises");
    assert_eq!(json["template"], "tokki.txt");
    assert_eq!(json["contract"], "contract.txt");
    assert_eq!(json["scope"], "annex");
    assert_eq!(
        json["summary"],
        serde_json::json!({"same": 7, "differs": 1, "missing_from_contract": 1, "extra_in_contract": 1})
    );
    let entries = json["articles"].as_array().expect("an array");
    assert_eq!(entries.len(), 10);
    assert_eq!(entries[0]["status"], "same");
    assert_eq!(entries[0]["matched_by"], "heading");
    assert_eq!(entries[0]["template"]["number"], "第1");
    assert_eq!(entries[0]["template"]["heading"], "基本的事項");
    assert!(entries[0]["template"]["start"].is_u64());
    assert!(entries[0].get("diff").is_none());
    assert_eq!(entries[5]["status"], "differs");
    let diff = entries[5]["diff"].as_array().expect("a diff");
    let deleted = diff
        .iter()
        .find(|span| span["kind"] == "deleted")
        .expect("a deletion");
    assert_eq!(deleted["text"], "直ちに");
    assert!(deleted["contract"].is_null());
    assert!(deleted["template"]["end"].is_u64());
    assert_eq!(entries[6]["status"], "missing_from_contract");
    assert!(entries[6].get("contract").is_none());
    assert_eq!(entries[9]["status"], "extra_in_contract");
    assert_eq!(entries[9]["contract"]["heading"], "反社会的勢力の排除");
    assert_eq!(entries[9]["contract"]["number"], "第9条");
}

#[test]
fn the_rendering_is_deterministic_and_labels_every_outcome() {
    let mut articles = ARTICLES.to_vec();
    let changed = ARTICLES[5].1.replace("直ちに", "速やかに");
    articles[5].1 = &changed;
    articles.remove(6);
    articles.push((
        "反社会的勢力の排除",
        "乙は、暴力団その他の反社会的勢力と関わりを持ってはならない。",
    ));
    let contract = contract(&articles);
    let template = template();
    let first = compare(&contract, &template).render_text();
    assert_eq!(first, compare(&contract, &template).render_text());
    let lines: Vec<&str> = first.lines().collect();
    assert_eq!(
        lines[0],
        "特記事項の比較: テンプレート tokki.txt / 契約書 contract.txt（比較範囲: 別記・特記事項）"
    );
    assert_eq!(
        lines[1],
        "同一 7件、相違 1件、契約書にない 1件、契約書のみ 1件"
    );
    assert_eq!(lines[3], "[同一] 第1（基本的事項） ⇔ 第1条（基本的事項）");
    assert!(lines.contains(&"[契約書にない] 第7（立入検査）"), "{first}");
    assert!(
        lines.contains(&"[契約書のみ] 第9条（反社会的勢力の排除）"),
        "{first}"
    );
    let changed_line = lines
        .iter()
        .find(|line| line.contains("【削除"))
        .expect("a diff line");
    assert_eq!(
        *changed_line,
        "    …るおそれがあると知ったときは、【削除: 直ちに】【追加: 速やかに】甲に知らせ、甲の指示を受けなければならない。"
    );
}

/// A .docx whose paragraphs are the lines of `text`.
fn docx(text: &str) -> Vec<u8> {
    let paragraphs: String = text
        .lines()
        .map(|line| format!(r#"<w:p><w:r><w:t xml:space="preserve">{line}</w:t></w:r></w:p>"#))
        .collect();
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{paragraphs}</w:body></w:document>"#
    );
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer
        .start_file(
            "word/document.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .expect("start the part");
    writer
        .write_all(document.as_bytes())
        .expect("write the part");
    writer.finish().expect("finish the zip").into_inner()
}

#[test]
fn a_word_template_against_a_pdf_contract() {
    let text = format!("{TITLE}\n{}", articles_text(&ARTICLES, "第", ""));
    let template = SourceText::from_bytes("tokki.docx", &docx(&text)).expect("a docx");
    assert_eq!(template.format(), SourceFormat::Docx);
    let mut articles = ARTICLES.to_vec();
    articles.remove(0);
    let layout = pdf_layout(
        &format!("{TITLE}\n{}", articles_text(&articles, "第", "条")),
        22,
    );
    let contract = SourceText::from_pdf_text("contract.pdf", &layout).expect("a readable layer");
    let comparison = compare(&contract, &template);
    assert_eq!(comparison.template_name, "tokki.docx");
    let mut expected = vec!["同一"; ARTICLES.len()];
    expected[0] = "契約書にない";
    assert_eq!(
        statuses(&comparison),
        expected,
        "{}",
        comparison.render_text()
    );
}

#[test]
fn spelling_variants_are_same() {
    let mut articles = ARTICLES.to_vec();
    let leak = ARTICLES[5]
        .1
        .replace("漏えい", "漏洩")
        .replace("又は", "または");
    let entry = ARTICLES[6].1.replace("立ち入り", "立入り");
    articles[5].1 = &leak;
    articles[6].1 = &entry;
    let comparison = compare(&contract(&articles), &template());
    assert_eq!(statuses(&comparison), vec!["同一"; ARTICLES.len()]);
    // A real change next to a variant is still found.
    let changed = leak.replace("直ちに", "遅滞なく");
    articles[5].1 = &changed;
    let comparison = compare(&contract(&articles), &template());
    assert_eq!(comparison.summary().differs, 1);
}
