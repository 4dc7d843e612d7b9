//! Audit speed: one generated 20-page .docx (Word numbering, 180 articles, about 27,000
//! characters at roughly 1,300 characters a page) read and audited, and a batch of 100 such
//! contracts for throughput.
//!
//! `cargo bench -p mamori-audit --bench audit`

use std::hint::black_box;
use std::io::{Cursor, Write};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mamori_audit::check::{AuditRequest, audit};
use mamori_audit::ruleset::Ruleset;
use mamori_audit::source::SourceText;
use mamori_audit::wording::ClauseWording;
use zip::write::SimpleFileOptions;

const ARTICLES: [(&str, &str); 10] = [
    (
        "秘密の保持",
        "乙は、この契約による業務に関して知り得た個人情報を他に漏らしてはならない。この契約が終了し、又は解除された後においても、同様とする。",
    ),
    (
        "再委託の禁止",
        "乙は、あらかじめ甲の書面による承諾を得た場合を除き、個人情報の処理を第三者に委託してはならない。",
    ),
    (
        "目的外利用及び提供の禁止",
        "乙は、個人情報を契約の目的以外の目的に利用し、又は第三者に提供してはならない。",
    ),
    (
        "複写又は複製の禁止",
        "乙は、甲の承諾なしに、甲から引き渡された資料等を複写し、又は複製してはならない。",
    ),
    (
        "事故発生時における報告",
        "乙は、個人情報の漏えい、滅失又はき損その他の事故が発生したときは、直ちに甲に報告し、その指示に従わなければならない。",
    ),
    (
        "立入検査",
        "甲は、必要があると認めるときは、乙の事務所に立ち入り、個人情報の取扱状況を検査することができる。",
    ),
    (
        "適正管理",
        "乙は、個人情報の漏えい、滅失及びき損の防止その他の適正な管理のために必要な措置を講じなければならない。",
    ),
    (
        "資料等の返還",
        "乙は、業務が完了したときは、甲から引き渡された資料等を直ちに甲に返還し、又は廃棄しなければならない。",
    ),
    (
        "契約解除",
        "甲は、乙がこの特記事項に違反したときは、この契約を解除することができる。",
    ),
    (
        "損害賠償",
        "乙は、この特記事項に違反したことにより甲に損害を与えたときは、その損害を賠償しなければならない。",
    ),
];

/// Filler articles so the document is about 20 pages long.
const FILLER: &str = "乙は、業務の実施に当たっては、仕様書に定める作業手順に従い、善良な管理者の注意をもって誠実に業務を履行するものとし、業務の進捗について甲が定める様式により毎月報告するものとする。甲は、前項の報告の内容を確認し、必要があると認めるときは、乙に対して業務の実施方法の改善を求めることができる。";

fn docx() -> Vec<u8> {
    let mut body = String::from("<w:p><w:r><w:t>個人情報取扱特記事項</w:t></w:r></w:p>");
    let numbered = |text: &str| {
        format!(
            r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"#
        )
    };
    for round in 0..18 {
        for (heading, text) in ARTICLES {
            body.push_str(&format!("<w:p><w:r><w:t>（{heading}）</w:t></w:r></w:p>"));
            body.push_str(&numbered(if round == 0 { text } else { FILLER }));
        }
    }
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="w"><w:body>{body}</w:body></w:document>"#
    );
    let numbering = r#"<w:numbering xmlns:w="w"><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="japaneseCounting"/><w:lvlText w:val="第%1条"/><w:suff w:val="space"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>"#;
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, content) in [
        ("word/document.xml", document.as_str()),
        ("word/numbering.xml", numbering),
    ] {
        writer
            .start_file(name, SimpleFileOptions::default())
            .expect("start a zip entry");
        writer
            .write_all(content.as_bytes())
            .expect("write a zip entry");
    }
    writer.finish().expect("finish the zip").into_inner()
}

fn audit_bytes(bytes: &[u8], ruleset: &Ruleset, wording: &ClauseWording) -> usize {
    let source = SourceText::from_bytes("bench.docx", bytes).expect("the generated docx reads");
    let report = audit(
        &AuditRequest {
            path: "bench.docx",
            sha256: "",
            main: &source,
            annex: None,
        },
        ruleset,
        wording,
    );
    assert_eq!(report.verdict, mamori_audit::report::Verdict::Pass);
    report.findings.len()
}

fn benches(criterion: &mut Criterion) {
    let ruleset = Ruleset::standard();
    let wording = ClauseWording::standard();
    let bytes = docx();
    let characters = SourceText::from_bytes("bench.docx", &bytes)
        .expect("the generated docx reads")
        .text()
        .chars()
        .count();
    assert!(
        characters > 26_000,
        "20 pages of text, got {characters} characters"
    );
    criterion.bench_function("audit one 20-page docx", |bencher| {
        bencher.iter(|| audit_bytes(black_box(&bytes), &ruleset, &wording));
    });
    let batch: Vec<Vec<u8>> = (0..100).map(|_| bytes.clone()).collect();
    let mut group = criterion.benchmark_group("batch");
    group.throughput(Throughput::Elements(100));
    group.sample_size(10);
    group.bench_function("audit 100 docx", |bencher| {
        bencher.iter(|| {
            batch
                .iter()
                .map(|bytes| audit_bytes(black_box(bytes), &ruleset, &wording))
                .sum::<usize>()
        });
    });
    group.finish();
    criterion.bench_function("load the standard ruleset", |bencher| {
        bencher.iter(Ruleset::standard);
    });
}

criterion_group!(audit_benches, benches);
criterion_main!(audit_benches);
