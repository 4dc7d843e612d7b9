//! `mamori audit` on contract files as a staff member runs it.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::support::Workspace;

/// A contract with the eight clauses, in our own wording: (heading, body) per article.
const ARTICLES: &[(&str, &str)] = &[
    (
        "秘密の保持",
        "乙は、この契約による業務に関して知り得た秘密を他に漏らしてはならない。この契約が終了し、又は解除された後においても同様とする。",
    ),
    (
        "再委託の禁止",
        "乙は、甲の承諾を得た場合を除き、この契約による業務を第三者に委託してはならない。",
    ),
    (
        "目的外利用及び提供の禁止",
        "乙は、この契約による業務に関して知り得た個人情報を、契約の目的以外に利用し、又は第三者に提供してはならない。",
    ),
    (
        "複写又は複製の禁止",
        "乙は、甲の承諾を得ることなく、甲から提供を受けた資料を複写し、又は複製してはならない。",
    ),
    (
        "事故発生時における報告",
        "乙は、個人情報の漏えいその他の事故が生じ、又は生ずるおそれがあることを知ったときは、直ちに甲に報告し、甲の指示に従わなければならない。",
    ),
    (
        "立入検査",
        "甲は、必要があると認めるときは、乙の事務所に立ち入り、個人情報の取扱いの状況を検査することができる。",
    ),
    (
        "適正管理",
        "乙は、個人情報の漏えい、滅失及びき損の防止その他の適正な管理のために必要な措置を講じなければならない。",
    ),
    (
        "資料等の返還",
        "乙は、業務の完了後直ちに、甲から引き渡された個人情報が記録された資料を甲に返還しなければならない。",
    ),
    (
        "契約の解除及び損害賠償",
        "甲は、乙がこの特記事項に違反したときは、契約を解除し、及び損害賠償を請求することができる。",
    ),
];

/// The contract as text, leaving out the articles whose heading is in `without`.
fn contract(without: &[&str]) -> String {
    let mut text = String::from("個人情報取扱特記事項\n\n");
    let mut number = 1;
    for (heading, body) in ARTICLES {
        if without.contains(heading) {
            continue;
        }
        text.push_str(&format!("第{number}条（{heading}）\n{body}\n\n"));
        number += 1;
    }
    text
}

fn statuses(json: &serde_json::Value) -> Vec<String> {
    json["clauses"]
        .as_array()
        .expect("clauses")
        .iter()
        .map(|clause| clause["status"].as_str().expect("status").to_owned())
        .collect()
}

#[test]
fn a_complete_contract_passes_and_the_json_has_the_documented_shape() {
    let workspace = Workspace::new();
    let file = workspace.file("委託契約.txt", contract(&[]).as_bytes());
    let (code, json) = workspace.json(&["audit", "--json", file.to_str().expect("path")]);
    assert_eq!(code, 0, "{json:#}");
    let report = &json[0];
    let keys: Vec<&str> = report
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys.iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>(),
        [
            "clauses", "findings", "path", "ruleset", "sha256", "verdict"
        ]
        .into_iter()
        .collect()
    );
    assert_eq!(report["verdict"], "pass");
    assert_eq!(statuses(report), vec!["present"; 8]);
    assert_eq!(report["sha256"].as_str().expect("sha").len(), 64);
    // Evidence quotes the text as written, at its character offsets.
    let text: Vec<char> = contract(&[]).chars().collect();
    let evidence = &report["clauses"][0]["evidence"][0];
    let start = evidence["start"].as_u64().expect("start") as usize;
    let end = evidence["end"].as_u64().expect("end") as usize;
    assert_eq!(
        text[start..end].iter().collect::<String>(),
        evidence["text"].as_str().expect("text")
    );
    assert_eq!(evidence["article"], "第1条");
    assert_eq!(evidence["heading"], "秘密の保持");
    assert_eq!(report["clauses"][5]["title"], "立入検査・調査");
}

#[test]
fn a_missing_clause_fails_with_the_wording_to_add_in_markdown_and_xlsx() {
    let workspace = Workspace::new();
    let file = workspace.file("委託契約.txt", contract(&["立入検査"]).as_bytes());
    let path = file.to_str().expect("path");

    let table = workspace.run(&["audit", path]);
    assert_eq!(table.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&table.stdout);
    assert!(stdout.contains("| 6 立入検査・調査"), "{stdout}");
    assert!(stdout.contains("記載なし"), "{stdout}");
    // One contract: the wording to add follows the table.
    assert!(
        stdout.contains("6 立入検査・調査（記載なし）に追加する文言の例:"),
        "{stdout}"
    );
    assert!(stdout.contains("立ち入り"), "{stdout}");
    assert!(String::from_utf8_lossy(&table.stderr).contains("法的助言ではありません"));

    let markdown = workspace.run(&["audit", "--format", "md", path]);
    assert_eq!(markdown.status.code(), Some(1));
    let markdown = String::from_utf8_lossy(&markdown.stdout);
    assert!(
        markdown.contains("### 6 立入検査・調査（記載なし）に追加する文言の例"),
        "{markdown}"
    );
    assert!(markdown.contains("立ち入り"), "{markdown}");

    let written = workspace.run(&["audit", "--format", "xlsx", "-o", "check.xlsx", path]);
    assert_eq!(written.status.code(), Some(1));
    let bytes = std::fs::read(workspace.directory.path().join("check.xlsx")).expect("xlsx");
    let mut workbook = Xlsx::new(Cursor::new(bytes)).expect("opens");
    let summary = workbook.worksheet_range("契約書チェック").expect("sheet");
    assert_eq!(
        summary.get_value((1, 0)),
        Some(&Data::String(path.to_owned()))
    );
    assert_eq!(
        summary.get_value((1, 1)),
        Some(&Data::String("要確認".to_owned()))
    );
    assert_eq!(
        summary.get_value((1, 2)),
        Some(&Data::String("記載あり".to_owned()))
    );
    assert_eq!(
        summary.get_value((1, 7)),
        Some(&Data::String("記載なし".to_owned()))
    );
    let evidence = workbook.worksheet_range("根拠").expect("sheet");
    let row_of_six = (1..evidence.height() as u32)
        .find(|row| {
            evidence.get_value((*row, 1)) == Some(&Data::String("6 立入検査・調査".to_owned()))
        })
        .expect("clause 6 row");
    match evidence.get_value((row_of_six, 6)) {
        Some(Data::String(wording)) => assert!(wording.contains("立ち入り"), "{wording}"),
        other => panic!("no wording for clause 6: {other:?}"),
    }
}

#[test]
fn one_half_of_clause_8_is_partial() {
    let workspace = Workspace::new();
    let text = contract(&[]).replace(
        "甲は、乙がこの特記事項に違反したときは、契約を解除し、及び損害賠償を請求することができる。",
        "甲は、乙がこの特記事項に違反したときは、契約を解除することができる。",
    );
    let file = workspace.file("委託契約.txt", text.as_bytes());
    let (code, json) = workspace.json(&["audit", "--json", file.to_str().expect("path")]);
    assert_eq!(code, 1);
    let mut expected = vec!["present"; 8];
    expected[7] = "partial";
    assert_eq!(statuses(&json[0]), expected);
}

#[test]
fn a_folder_is_read_and_a_doc_file_is_an_error_that_names_it() {
    let workspace = Workspace::new();
    workspace.file("契約書/a.txt", contract(&[]).as_bytes());
    workspace.file("契約書/b.txt", contract(&["複写又は複製の禁止"]).as_bytes());
    // An old binary Word file: the CFB signature.
    let mut doc = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    doc.resize(4096, 0);
    workspace.file("契約書/古い契約.doc", &doc);
    workspace.file("契約書/メモ.png", b"\x89PNG");
    let output = workspace.run(&["audit", "--json", "契約書"]);
    assert_eq!(output.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let paths: Vec<&str> = json
        .as_array()
        .expect("array")
        .iter()
        .map(|report| report["path"].as_str().expect("path"))
        .collect();
    assert_eq!(paths, ["契約書/a.txt", "契約書/b.txt"]);
    assert_eq!(json[1]["verdict"], "fail");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("E-AUDIT-002"), "{stderr}");
    assert!(stderr.contains("古い契約.doc"), "{stderr}");
    assert!(stderr.contains(".docx"), "{stderr}");
    assert!(
        stderr.contains("メモ.png"),
        "skipped files are listed: {stderr}"
    );
}

#[test]
fn clauses_in_a_missing_annex_cannot_be_confirmed_until_the_annex_is_given() {
    let workspace = Workspace::new();
    let main = "業務委託契約書\n\n第1条（目的）\n甲は、乙に窓口業務を委託する。\n\n第2条（個人情報の保護）\n乙は、この契約による業務の実施に当たっては、別記「個人情報取扱特記事項」を遵守しなければならない。\n";
    let main_file = workspace.file("本契約.txt", main.as_bytes());
    let annex_file = workspace.file("特記事項.txt", contract(&[]).as_bytes());
    let (code, json) = workspace.json(&["audit", "--json", main_file.to_str().expect("path")]);
    assert_eq!(code, 1);
    assert!(
        json[0]["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|finding| finding["code"] == "A6-ANNEX-MISSING"),
        "{json:#}"
    );
    let (code, json) = workspace.json(&[
        "audit",
        "--json",
        "--annex",
        annex_file.to_str().expect("path"),
        main_file.to_str().expect("path"),
    ]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(statuses(&json[0]), vec!["present"; 8]);
}

#[test]
fn a_pdf_without_pdftotext_is_an_error_naming_the_package() {
    let workspace = Workspace::new();
    let file = workspace.file(
        "契約.pdf",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n",
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_mamori"))
        .args(["--db"])
        .arg(workspace.db())
        .args(["audit", file.to_str().expect("path")])
        .env("PATH", workspace.directory.path())
        .env_remove("MAMORI_CONFIG")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("E-AUDIT-016"), "{stderr}");
    assert!(stderr.contains("poppler-utils"), "{stderr}");
}

#[test]
fn a_city_supplies_its_own_wording_and_the_eval_command_measures_a_labelled_corpus() {
    let workspace = Workspace::new();
    workspace.file("mamori.toml", b"[audit]\nclauses = \"wording\"\n");
    workspace.file(
        "wording/6.md",
        "# 立入検査\n（調査）\n第○　甲は乙の作業場所を調査できる。乙は協力する。\n".as_bytes(),
    );
    let file = workspace.file("委託契約.txt", contract(&["立入検査"]).as_bytes());
    let markdown = workspace.run(&["audit", "--format", "md", file.to_str().expect("path")]);
    let markdown = String::from_utf8_lossy(&markdown.stdout);
    assert!(
        markdown.contains("甲は乙の作業場所を調査できる。"),
        "{markdown}"
    );
    // The other clauses keep the built-in wording; nothing else is missing here.
    assert!(!markdown.contains("# 立入検査\n"), "{markdown}");

    // A labelled corpus of two documents: one complete, one without clause 4.
    workspace.file("corpus/docs/001.txt", contract(&[]).as_bytes());
    workspace.file(
        "corpus/docs/002.txt",
        contract(&["複写又は複製の禁止"]).as_bytes(),
    );
    let label = |status4: &str| {
        let mut clauses = serde_json::Map::new();
        for id in 1..=8 {
            let status = if id == 4 { status4 } else { "present" };
            clauses.insert(id.to_string(), serde_json::json!({"status": status}));
        }
        serde_json::Value::Object(clauses)
    };
    let labels = serde_json::json!([
        {"id": "001", "source": "test", "issuer": "test", "kind": "special-provisions", "truncated": false, "clauses": label("present")},
        {"id": "002", "source": "test", "issuer": "test", "kind": "special-provisions", "truncated": false, "clauses": label("absent")},
    ]);
    workspace.file(
        "corpus/labels.json",
        serde_json::to_string(&labels).expect("json").as_bytes(),
    );
    let (code, json) = workspace.json(&["audit", "eval", "corpus/labels.json", "--json"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["documents"], 2);
    let clause4 = json["clauses"]
        .as_array()
        .expect("clauses")
        .iter()
        .find(|clause| clause["id"] == 4)
        .expect("clause 4");
    assert_eq!(clause4["true_positives"], 1);
    assert_eq!(clause4["true_negatives"], 1);
    assert_eq!(clause4["false_positives"], 0);
    assert_eq!(json["meets_targets"], true);
}

#[test]
fn a_contract_is_compared_with_the_citys_template_article_by_article() {
    let workspace = Workspace::new();
    let template = workspace.file("ひな形.txt", contract(&[]).as_bytes());
    // The contract drops 複写, so its later articles are renumbered, and says 速やかに for 直ちに.
    let text = contract(&["複写又は複製の禁止"]).replace("直ちに甲に報告", "速やかに甲に報告");
    let file = workspace.file("委託契約.txt", text.as_bytes());
    let (code, json) = workspace.json(&[
        "audit",
        "--json",
        "--template",
        template.to_str().expect("path"),
        file.to_str().expect("path"),
    ]);
    assert_eq!(code, 1, "{json:#}");
    let comparison = &json[0]["template_comparison"];
    assert_eq!(
        comparison["summary"]["missing_from_contract"], 1,
        "{comparison:#}"
    );
    assert_eq!(comparison["summary"]["differs"], 1, "{comparison:#}");
    assert_eq!(
        comparison["summary"]["extra_in_contract"], 0,
        "{comparison:#}"
    );
    let articles = comparison["articles"].as_array().expect("articles");
    let missing = articles
        .iter()
        .find(|article| article["status"] == "missing_from_contract")
        .expect("missing");
    assert_eq!(missing["template"]["heading"], "複写又は複製の禁止");
    let differs = articles
        .iter()
        .find(|article| article["status"] == "differs")
        .expect("differs");
    // Matched by heading although the contract renumbered it (第5条 → 第4条).
    assert_eq!(differs["template"]["number"], "第5条");
    assert_eq!(differs["contract"]["number"], "第4条");
    let changes: Vec<(&str, &str)> = differs["diff"]
        .as_array()
        .expect("diff")
        .iter()
        .filter(|span| span["kind"] != "equal")
        .map(|span| {
            (
                span["kind"].as_str().expect("kind"),
                span["text"].as_str().expect("text"),
            )
        })
        .collect();
    assert_eq!(changes, [("deleted", "直ちに"), ("inserted", "速やかに")]);

    let table = workspace.run(&[
        "audit",
        "--template",
        template.to_str().expect("path"),
        file.to_str().expect("path"),
    ]);
    let stdout = String::from_utf8_lossy(&table.stdout);
    assert!(
        stdout.contains("【削除: 直ちに】【追加: 速やかに】"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[契約書にない] 第4条（複写又は複製の禁止）"),
        "{stdout}"
    );
}

#[test]
fn word_numbering_and_pdf_text_layers_are_read_and_a_scanned_pdf_is_refused() {
    use mamori_test_support::{Contract, DocxNumbering, NumberFormat, STYLES, Wording};
    let workspace = Workspace::new();
    let contract = Contract::compliant(STYLES[1], Wording::Standard);
    let docx = workspace.file(
        "契約/委託契約.docx",
        &contract.to_docx(DocxNumbering::Word(NumberFormat::JapaneseCounting)),
    );
    let pdf = workspace.file("契約/委託契約.pdf", &contract.to_pdf());
    let (code, json) = workspace.json(&[
        "audit",
        "--json",
        docx.to_str().expect("path"),
        pdf.to_str().expect("path"),
    ]);
    assert_eq!(code, 0, "{json:#}");
    for report in json.as_array().expect("array") {
        assert_eq!(statuses(report), vec!["present"; 8], "{report:#}");
    }
    // Word's automatic numbering is read as the article numbers a reader sees.
    let article = json[0]["clauses"][0]["evidence"][0]["article"]
        .as_str()
        .expect("article");
    assert!(
        article.ends_with('条') && article.contains('第'),
        "{article}"
    );
    assert!(!article.chars().any(|c| c.is_ascii_digit()), "{article}");

    let without = workspace.file("契約/再委託なし.pdf", &contract.without_clause(2).to_pdf());
    let (code, json) = workspace.json(&["audit", "--json", without.to_str().expect("path")]);
    assert_eq!(code, 1);
    let mut expected = vec!["present"; 8];
    expected[1] = "missing";
    assert_eq!(statuses(&json[0]), expected);

    let scanned = workspace.file(
        "契約/スキャン.pdf",
        &mamori_test_support::pdf_without_text(),
    );
    let output = workspace.run(&["audit", scanned.to_str().expect("path")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("E-AUDIT-011"), "{stderr}");
    assert!(stderr.contains("スキャン.pdf"), "{stderr}");
}

#[test]
fn pdf_text_with_spaces_between_characters_reads_like_the_text() {
    use mamori_test_support::Wording;
    use mamori_test_support::contract::{Contract, all_styles};
    let workspace = Workspace::new();
    let mut paths = Vec::new();
    for (index, style) in all_styles().into_iter().enumerate() {
        for wording in [Wording::Standard, Wording::Alternative] {
            let contract = Contract::compliant(style, wording);
            let name = format!("契約/{index}-{wording:?}.pdf");
            paths.push(workspace.file(&name, &contract.to_pdf_spaced()));
        }
    }
    let (code, json) = workspace.json(&["audit", "--json", "契約"]);
    let failing: Vec<(String, Vec<String>)> = json
        .as_array()
        .expect("array")
        .iter()
        .filter(|report| report["verdict"] != "pass")
        .map(|report| {
            (
                report["path"].as_str().unwrap_or("").to_owned(),
                statuses(report),
            )
        })
        .collect();
    assert!(failing.is_empty(), "{failing:#?}");
    assert_eq!(code, 0);
    assert_eq!(json.as_array().expect("array").len(), paths.len());
}

#[test]
fn a_city_starts_its_own_checklist_from_the_printed_one() {
    let workspace = Workspace::new();
    let printed = workspace.run(&["audit", "rules"]);
    assert_eq!(printed.status.code(), Some(0));
    let standard = String::from_utf8(printed.stdout).expect("utf-8");
    assert!(standard.contains("A6-08-2"), "every part code is printed");
    // The city renames its checklist and saves it; reports then name the city's checklist.
    let own = standard.replacen(
        "name = \"個人情報保護条例施行規則第6条（標準）\"",
        "name = \"みほん市個人情報取扱特記事項チェック\"",
        1,
    );
    assert_ne!(own, standard, "the name line is where the docs say");
    workspace.file("checklist.toml", own.as_bytes());
    workspace.file("mamori.toml", b"[audit]\nruleset = \"checklist.toml\"\n");
    let file = workspace.file("委託契約.txt", contract(&[]).as_bytes());
    let (code, json) = workspace.json(&["audit", "--json", file.to_str().expect("path")]);
    assert_eq!(code, 0, "{json:#}");
    assert!(
        json[0]["ruleset"]
            .as_str()
            .expect("ruleset")
            .starts_with("みほん市個人情報取扱特記事項チェック"),
        "{json:#}"
    );
    let explained = workspace.run(&["audit", "rules", "--explain"]);
    let explained = String::from_utf8_lossy(&explained.stdout);
    assert!(
        explained.starts_with("# 確認項目の説明: みほん市"),
        "{explained}"
    );
    assert!(explained.contains("### A6-06-1"), "{explained}");

    // A broken checklist stops the command with its code.
    workspace.file("checklist.toml", b"name = \"x\"\n[[clause]]\n");
    let broken = workspace.run(&["audit", file.to_str().expect("path")]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("E-AUDIT-014"));
}
