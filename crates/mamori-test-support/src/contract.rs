//! Compliant outsourcing contracts as data: a main contract whose article makes a
//! 個人情報取扱特記事項 annex binding, and the annex's articles covering the eight clauses of
//! 第6条 (domain.md §4), in the party names and article numbering of a drafting style.
//!
//! The wording is our own (two common drafting families, [`Wording`]). Tests render a
//! [`Contract`] to text, .docx (optionally with Word automatic numbering) or PDF, and mutate it
//! one clause at a time: drop an article, turn a ban into a permission, keep one half of #3 or
//! #8.

use crate::document::{self, NumberFormat, Paragraph};

/// The names a contract gives its two parties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parties {
    /// 甲 (the city) and 乙 (the contractor).
    KouOtsu,
    /// 委託者 and 受託者.
    ItakushaJutakusha,
    /// 発注者 and 受注者.
    HacchushaJuchusha,
}

impl Parties {
    /// The city's name in the contract.
    pub fn client(self) -> &'static str {
        match self {
            Parties::KouOtsu => "甲",
            Parties::ItakushaJutakusha => "委託者",
            Parties::HacchushaJuchusha => "発注者",
        }
    }

    /// The contractor's name in the contract.
    pub fn contractor(self) -> &'static str {
        match self {
            Parties::KouOtsu => "乙",
            Parties::ItakushaJutakusha => "受託者",
            Parties::HacchushaJuchusha => "受注者",
        }
    }
}

/// How the annex numbers its articles in text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleNumbering {
    /// `（見出し）` line, then `第N条　本文`.
    Jo,
    /// `（見出し）` line, then `第N　本文`.
    Bare,
    /// `N. （見出し）本文`: no 第N anywhere in the annex.
    Dotted,
}

/// A drafting style: party names and annex article numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub parties: Parties,
    pub numbering: ArticleNumbering,
}

impl Style {
    /// The city's name in the contract.
    pub fn client(self) -> &'static str {
        self.parties.client()
    }

    /// The contractor's name in the contract.
    pub fn contractor(self) -> &'static str {
        self.parties.contractor()
    }
}

/// Three styles that together cover every party naming and every article numbering:
/// 甲/乙 with 第N条, 委託者/受託者 with 第N, 発注者/受注者 with N.
pub const STYLES: [Style; 3] = [
    Style {
        parties: Parties::KouOtsu,
        numbering: ArticleNumbering::Jo,
    },
    Style {
        parties: Parties::ItakushaJutakusha,
        numbering: ArticleNumbering::Bare,
    },
    Style {
        parties: Parties::HacchushaJuchusha,
        numbering: ArticleNumbering::Dotted,
    },
];

/// Every combination of party naming and article numbering (nine styles).
pub fn all_styles() -> Vec<Style> {
    let parties = [
        Parties::KouOtsu,
        Parties::ItakushaJutakusha,
        Parties::HacchushaJuchusha,
    ];
    let numberings = [
        ArticleNumbering::Jo,
        ArticleNumbering::Bare,
        ArticleNumbering::Dotted,
    ];
    parties
        .iter()
        .flat_map(|parties| {
            numberings.iter().map(|numbering| Style {
                parties: *parties,
                numbering: *numbering,
            })
        })
        .collect()
}

/// A family of drafting for the annex's articles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wording {
    /// The model-provision shape: one article per clause (two for #7), 見出し such as 秘密の保持,
    /// 再委託の禁止, 契約解除及び損害賠償, with a 基本的事項 article first and a 協議 article last.
    Standard,
    /// Other common drafting: 秘密保持, 再委託の制限, #3 in two sentences, 漏えい等の報告,
    /// 実地に調査, 消去 instead of return, and both halves of #8 in one sentence.
    Alternative,
}

/// A ban that a mutation can turn into a permission (`…してはならない` → `…することができる`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ban {
    /// #1: disclosing what the contractor learnt.
    Secrecy,
    /// #2: handing the work to a third party.
    Subcontracting,
    /// #3: use beyond the purpose and provision to third parties.
    UseAndProvision,
    /// #4: copying and reproducing.
    Copying,
}

impl Ban {
    /// The 第6条 clause (1–8) the ban shows.
    pub fn clause(self) -> u8 {
        match self {
            Ban::Secrecy => 1,
            Ban::Subcontracting => 2,
            Ban::UseAndProvision => 3,
            Ban::Copying => 4,
        }
    }
}

/// One half of a two-part clause (#3 or #8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Half {
    /// #3: no use beyond the contract's purpose.
    UseBeyondPurpose,
    /// #3: no provision to third parties.
    ProvisionToThirdParties,
    /// #8: the city may terminate on breach.
    Termination,
    /// #8: the contractor pays damages on breach.
    Damages,
}

impl Half {
    /// The 第6条 clause (3 or 8) the half belongs to.
    pub fn clause(self) -> u8 {
        match self {
            Half::UseBeyondPurpose | Half::ProvisionToThirdParties => 3,
            Half::Termination | Half::Damages => 8,
        }
    }
}

/// One article: the 第6条 clause it shows (None for neutral articles), its heading without
/// brackets, and its paragraphs (項), one sentence or more each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub clause: Option<u8>,
    pub heading: String,
    pub sentences: Vec<String>,
}

/// How [`Contract::to_paragraphs`] numbers the annex's articles in Word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocxNumbering {
    /// Article numbers typed into the text, in the style's numbering.
    Typed,
    /// Word automatic numbering (`第%1条` in this format, second paragraphs ２, ３, …); the
    /// style's numbering is not used.
    Word(NumberFormat),
}

/// A contract: the main contract (title, preamble, articles) and the annex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contract {
    pub style: Style,
    pub wording: Wording,
    /// `業務委託契約書`.
    pub title: String,
    /// The sentences between the title and the first article.
    pub preamble: Vec<String>,
    /// The main contract's articles, always numbered `第N条` (the article that makes the annex
    /// binding is `第1条`).
    pub main_articles: Vec<Article>,
    /// The annex's title lines: `別記`, `個人情報取扱特記事項`.
    pub annex_titles: Vec<String>,
    /// The annex's articles, numbered in the style from 1.
    pub articles: Vec<Article>,
}

impl Contract {
    /// A contract that states all eight clauses.
    pub fn compliant(style: Style, wording: Wording) -> Contract {
        let fill = |text: &str| {
            text.replace("{甲}", style.client())
                .replace("{乙}", style.contractor())
        };
        let raw = match wording {
            Wording::Standard => STANDARD,
            Wording::Alternative => ALTERNATIVE,
        };
        Contract {
            style,
            wording,
            title: "業務委託契約書".to_owned(),
            preamble: vec![fill("{甲}と{乙}は、次の条項により業務委託契約を締結する。")],
            main_articles: vec![Article {
                clause: None,
                heading: "個人情報の保護".to_owned(),
                sentences: vec![fill(
                    "{乙}は、この契約による業務を行うに当たり個人情報を取り扱うときは、別記「個人情報取扱特記事項」を遵守しなければならない。",
                )],
            }],
            annex_titles: vec!["別記".to_owned(), "個人情報取扱特記事項".to_owned()],
            articles: raw
                .iter()
                .map(|(clause, heading, sentences)| Article {
                    clause: *clause,
                    heading: (*heading).to_owned(),
                    sentences: sentences.iter().map(|sentence| fill(sentence)).collect(),
                })
                .collect(),
        }
    }

    /// The annex articles that show `clause` (1–8).
    pub fn clause_articles(&self, clause: u8) -> Vec<&Article> {
        self.articles
            .iter()
            .filter(|article| article.clause == Some(clause))
            .collect()
    }

    /// This contract without the annex article headed `heading`. Panics if there is none.
    pub fn without_article(&self, heading: &str) -> Contract {
        let mut contract = self.clone();
        contract
            .articles
            .retain(|article| article.heading != heading);
        assert_ne!(
            contract.articles.len(),
            self.articles.len(),
            "no annex article is headed `{heading}`"
        );
        contract
    }

    /// This contract without every annex article that shows `clause`.
    pub fn without_clause(&self, clause: u8) -> Contract {
        let mut contract = self.clone();
        contract
            .articles
            .retain(|article| article.clause != Some(clause));
        assert_ne!(
            contract.articles.len(),
            self.articles.len(),
            "no annex article shows clause {clause}"
        );
        contract
    }

    /// This contract without its annex (the main contract still refers to it).
    pub fn without_annex(&self) -> Contract {
        let mut contract = self.clone();
        contract.annex_titles.clear();
        contract.articles.clear();
        contract
    }

    /// This contract with `from` replaced by `to` in the annex article headed `heading`. Panics
    /// if the article does not contain `from`, so a mutation never silently does nothing.
    pub fn replaced(&self, heading: &str, from: &str, to: &str) -> Contract {
        let mut contract = self.clone();
        let article = contract
            .articles
            .iter_mut()
            .find(|article| article.heading == heading)
            .unwrap_or_else(|| panic!("no annex article is headed `{heading}`"));
        assert!(
            article
                .sentences
                .iter()
                .any(|sentence| sentence.contains(from)),
            "`{from}` is not in the article headed `{heading}`"
        );
        for sentence in &mut article.sentences {
            *sentence = sentence.replace(from, to);
        }
        contract
    }

    /// This contract with `ban` turned into a permission: the act is allowed instead of
    /// forbidden, and the rest of the article is unchanged.
    pub fn with_permission(&self, ban: Ban) -> Contract {
        let edits: &[(&str, &str, &str)] = match (self.wording, ban) {
            (Wording::Standard, Ban::Secrecy) => &[(
                "秘密の保持",
                "他に漏らしてはならない",
                "他に漏らすことができる",
            )],
            (Wording::Standard, Ban::Subcontracting) => &[(
                "再委託の禁止",
                "第三者に委託してはならない",
                "第三者に委託することができる",
            )],
            (Wording::Standard, Ban::UseAndProvision) => &[(
                "目的外利用及び提供の禁止",
                "利用し、又は第三者に提供してはならない",
                "利用し、又は第三者に提供することができる",
            )],
            (Wording::Standard, Ban::Copying) => &[(
                "複写又は複製の禁止",
                "複写し、又は複製してはならない",
                "複写し、又は複製することができる",
            )],
            (Wording::Alternative, Ban::Secrecy) => {
                &[("秘密保持", "漏えいしてはならず", "漏えいすることができ")]
            }
            // 自ら行うものとし is itself a restriction, so it goes with the ban.
            (Wording::Alternative, Ban::Subcontracting) => &[
                ("再委託の制限", "自ら行うものとし、", ""),
                (
                    "再委託の制限",
                    "第三者に委ねてはならない",
                    "第三者に委ねることができる",
                ),
            ],
            (Wording::Alternative, Ban::UseAndProvision) => &[
                (
                    "利用及び提供の制限",
                    "利用してはならない",
                    "利用することができる",
                ),
                (
                    "利用及び提供の制限",
                    "提供し、又は開示してはならない",
                    "提供し、又は開示することができる",
                ),
            ],
            (Wording::Alternative, Ban::Copying) => &[(
                "複製等の禁止",
                "複製し、又は複写してはならない",
                "複製し、又は複写することができる",
            )],
        };
        self.edited(edits)
    }

    /// This contract with the paragraphs of the annex article headed `heading` replaced by
    /// `paragraphs` (its heading and clause stay): for wording that looks like the clause but
    /// is not. Panics if there is no such article.
    pub fn with_paragraphs(&self, heading: &str, paragraphs: &[&str]) -> Contract {
        let mut contract = self.clone();
        let article = contract
            .articles
            .iter_mut()
            .find(|article| article.heading == heading)
            .unwrap_or_else(|| panic!("no annex article is headed `{heading}`"));
        article.sentences = paragraphs
            .iter()
            .map(|paragraph| (*paragraph).to_owned())
            .collect();
        contract
    }

    /// This contract with only `half` of its two-part clause (#3 or #8) left.
    pub fn with_half_only(&self, half: Half) -> Contract {
        match (self.wording, half) {
            (Wording::Standard, Half::UseBeyondPurpose) => self.replaced(
                "目的外利用及び提供の禁止",
                "利用し、又は第三者に提供してはならない",
                "利用してはならない",
            ),
            (Wording::Standard, Half::ProvisionToThirdParties) => self.replaced(
                "目的外利用及び提供の禁止",
                "この契約の目的の範囲を超えて利用し、又は第三者に提供してはならない",
                "第三者に提供してはならない",
            ),
            (Wording::Standard, Half::Termination) => self.keep_sentence("契約解除及び損害賠償", 0),
            (Wording::Standard, Half::Damages) => self.keep_sentence("契約解除及び損害賠償", 1),
            (Wording::Alternative, Half::UseBeyondPurpose) => {
                self.keep_sentence("利用及び提供の制限", 0)
            }
            (Wording::Alternative, Half::ProvisionToThirdParties) => {
                self.keep_sentence("利用及び提供の制限", 1)
            }
            (Wording::Alternative, Half::Termination) => {
                self.replaced("解除等", "契約の解除及び損害賠償の請求", "契約の解除")
            }
            (Wording::Alternative, Half::Damages) => {
                self.replaced("解除等", "契約の解除及び損害賠償の請求", "損害賠償の請求")
            }
        }
    }

    /// The main contract as text: title, preamble, and its `第N条` articles.
    pub fn main_text(&self) -> String {
        let mut text = format!("{}\n", self.title);
        for sentence in &self.preamble {
            text.push_str(sentence);
            text.push('\n');
        }
        for (index, article) in self.main_articles.iter().enumerate() {
            let number = index + 1;
            text.push_str(&format!("（{}）\n", article.heading));
            text.push_str(&format!("第{number}条　{}\n", article.sentences.join("")));
        }
        text
    }

    /// The annex as text: its titles, then the articles numbered in the style. A second or
    /// later paragraph of an article starts with `２　`, `３　`, ….
    pub fn annex_text(&self) -> String {
        let mut text = String::new();
        for title in &self.annex_titles {
            text.push_str(title);
            text.push('\n');
        }
        for (index, article) in self.articles.iter().enumerate() {
            let number = index + 1;
            let body = paragraphs_text(&article.sentences);
            match self.style.numbering {
                ArticleNumbering::Jo => {
                    text.push_str(&format!("（{}）\n第{number}条　{body}\n", article.heading));
                }
                ArticleNumbering::Bare => {
                    text.push_str(&format!("（{}）\n第{number}　{body}\n", article.heading));
                }
                ArticleNumbering::Dotted => {
                    text.push_str(&format!("{number}. （{}）{body}\n", article.heading));
                }
            }
        }
        text
    }

    /// The whole contract as text: the main contract followed by the annex.
    pub fn to_text(&self) -> String {
        format!("{}{}", self.main_text(), self.annex_text())
    }

    /// The contract as Word paragraphs: one per line of [`Contract::to_text`], except that
    /// with [`DocxNumbering::Word`] the annex's article numbers and paragraph numbers come from
    /// Word automatic numbering.
    pub fn to_paragraphs(&self, numbering: DocxNumbering) -> Vec<Paragraph> {
        let format = match numbering {
            DocxNumbering::Typed => {
                return self.to_text().lines().map(Paragraph::text).collect();
            }
            DocxNumbering::Word(format) => format,
        };
        let mut paragraphs: Vec<Paragraph> =
            self.main_text().lines().map(Paragraph::text).collect();
        paragraphs.extend(self.annex_paragraphs(format));
        paragraphs
    }

    /// The annex alone as Word paragraphs numbered by Word in `format`: its titles, then per
    /// article a `（見出し）` paragraph, the first paragraph numbered `第%1条` and the others
    /// ２, ３, …. For a document that is the 特記事項 on its own, or to edit before
    /// [`document::docx`] (tables, tracked changes, numbering through a style).
    pub fn annex_paragraphs(&self, format: NumberFormat) -> Vec<Paragraph> {
        let mut paragraphs: Vec<Paragraph> = self
            .annex_titles
            .iter()
            .map(|title| Paragraph::text(title))
            .collect();
        for article in &self.articles {
            paragraphs.push(Paragraph::text(&format!("（{}）", article.heading)));
            for (index, sentence) in article.sentences.iter().enumerate() {
                paragraphs.push(match index {
                    0 => Paragraph::article(format, sentence),
                    _ => Paragraph::item(format, sentence),
                });
            }
        }
        paragraphs
    }

    /// The contract as a .docx (see [`Contract::to_paragraphs`]).
    pub fn to_docx(&self, numbering: DocxNumbering) -> Vec<u8> {
        document::docx(&self.to_paragraphs(numbering))
    }

    /// The contract as a PDF whose text layer holds [`Contract::to_text`] (long lines wrapped).
    pub fn to_pdf(&self) -> Vec<u8> {
        let text = self.to_text();
        document::pdf(&text.lines().collect::<Vec<_>>())
    }

    /// The contract as a PDF whose characters are drawn one by one with space between them.
    pub fn to_pdf_spaced(&self) -> Vec<u8> {
        let text = self.to_text();
        document::pdf_spaced(&text.lines().collect::<Vec<_>>())
    }

    fn edited(&self, edits: &[(&str, &str, &str)]) -> Contract {
        edits
            .iter()
            .fold(self.clone(), |contract, (heading, from, to)| {
                contract.replaced(heading, from, to)
            })
    }

    fn keep_sentence(&self, heading: &str, index: usize) -> Contract {
        let mut contract = self.clone();
        let article = contract
            .articles
            .iter_mut()
            .find(|article| article.heading == heading)
            .unwrap_or_else(|| panic!("no annex article is headed `{heading}`"));
        article.sentences = vec![article.sentences[index].clone()];
        contract
    }
}

/// Paragraphs of an article as text: the first as is, the next ones on new lines as `２　…`.
fn paragraphs_text(sentences: &[String]) -> String {
    let mut body = String::new();
    for (index, sentence) in sentences.iter().enumerate() {
        if index > 0 {
            body.push('\n');
            body.push_str(
                &NumberFormat::DecimalFullWidth
                    .render(u32::try_from(index + 1).expect("an article has few paragraphs")),
            );
            body.push('　');
        }
        body.push_str(sentence);
    }
    body
}

/// `(clause, heading, paragraphs)`; `{甲}` and `{乙}` stand for the city and the contractor.
type RawArticle = (Option<u8>, &'static str, &'static [&'static str]);

const STANDARD: &[RawArticle] = &[
    (
        None,
        "基本的事項",
        &[
            "{乙}は、個人情報の保護が個人の権利利益を守るうえで重要であることを認識し、この契約による業務を行うときは、個人の権利利益を侵害しないよう個人情報を正しく取り扱わなければならない。",
        ],
    ),
    (
        Some(1),
        "秘密の保持",
        &[
            "{乙}は、この契約による業務を行う中で知った個人情報を他に漏らしてはならない。",
            "この契約が終了し、又は解除された後であっても、前項と同様とする。",
        ],
    ),
    (
        Some(2),
        "再委託の禁止",
        &[
            "{乙}は、{甲}があらかじめ書面により承諾した場合を除き、この契約による個人情報の取扱いを第三者に委託してはならない。",
        ],
    ),
    (
        Some(3),
        "目的外利用及び提供の禁止",
        &[
            "{乙}は、{甲}の指示がある場合を除き、この契約による業務のために取り扱う個人情報を、この契約の目的の範囲を超えて利用し、又は第三者に提供してはならない。",
        ],
    ),
    (
        Some(4),
        "複写又は複製の禁止",
        &[
            "{乙}は、{甲}の承諾を得ないで、{甲}から提供を受けた個人情報が記録された資料等を複写し、又は複製してはならない。",
        ],
    ),
    (
        Some(5),
        "事故発生時における報告",
        &[
            "{乙}は、個人情報の漏えい、滅失、毀損その他の事故が発生し、又は発生したおそれがあることを知ったときは、直ちに{甲}に報告し、{甲}の指示に従わなければならない。",
        ],
    ),
    (
        Some(6),
        "立入検査",
        &[
            "{甲}は、必要と認めるときは、{乙}の事業所その他個人情報を取り扱う場所に立ち入り、その取扱いの状況を検査することができる。",
        ],
    ),
    (
        Some(7),
        "適正管理",
        &[
            "{乙}は、この契約による業務のために取り扱う個人情報の漏えい、滅失及びき損を防ぐため、個人情報の適正な管理に必要な措置を講じなければならない。",
        ],
    ),
    (
        Some(7),
        "資料等の返還等",
        &[
            "{乙}は、この契約による業務を完了したときは、{甲}から提供を受けた個人情報が記録された資料等を速やかに{甲}に返還し、又は{甲}の指示により廃棄しなければならない。",
        ],
    ),
    (
        Some(8),
        "契約解除及び損害賠償",
        &[
            "{甲}は、{乙}がこの特記事項に定める義務に違反したときは、この契約を解除することができる。",
            "{乙}は、この特記事項に定める義務に違反したことにより{甲}に損害を与えたときは、{甲}に対しその損害を賠償しなければならない。",
        ],
    ),
    (
        None,
        "協議",
        &["この特記事項に定めのない事項については、{甲}と{乙}が協議して決めるものとする。"],
    ),
];

const ALTERNATIVE: &[RawArticle] = &[
    (
        Some(1),
        "秘密保持",
        &[
            "{乙}は、本業務を通じて知り得た個人情報を第三者に漏えいしてはならず、本契約が終了した後も同様とする。",
        ],
    ),
    (
        Some(2),
        "再委託の制限",
        &[
            "{乙}は、個人情報の取扱いを自ら行うものとし、{甲}の承認を得ずに第三者に委ねてはならない。",
        ],
    ),
    (
        Some(3),
        "利用及び提供の制限",
        &[
            "{乙}は、個人情報を本業務以外の目的のために利用してはならない。",
            "{乙}は、{甲}の書面による同意を得ずに、個人情報を第三者へ提供し、又は開示してはならない。",
        ],
    ),
    (
        Some(4),
        "複製等の禁止",
        &[
            "{乙}は、{甲}が指示し、又は承諾したときを除き、個人情報を記録した媒体を複製し、又は複写してはならない。",
        ],
    ),
    (
        Some(5),
        "漏えい等の報告",
        &[
            "{乙}は、個人情報の漏えい等の事案が発生し、又は発生したおそれがあるときは、速やかに{甲}に報告し、{甲}の指示に従って必要な措置を講じなければならない。",
        ],
    ),
    (
        Some(6),
        "調査",
        &[
            "{甲}は、必要があるときは、{乙}に報告を求め、又は{乙}の作業場所において個人情報の管理の状況を実地に調査することができる。",
        ],
    ),
    (
        Some(7),
        "個人情報の消去",
        &[
            "{乙}は、本業務が終了したときは、{甲}から提供を受けた個人情報を速やかに消去し、その旨を書面により{甲}に報告しなければならない。",
        ],
    ),
    (
        Some(7),
        "従業者の教育",
        &["{乙}は、本業務に従事する者に対し、個人情報の保護に関する教育を行わなければならない。"],
    ),
    (
        Some(8),
        "解除等",
        &[
            "{甲}は、{乙}がこの特記事項の規定に違反したときは、契約の解除及び損害賠償の請求をすることができる。",
        ],
    ),
];
