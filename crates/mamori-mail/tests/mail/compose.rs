//! `compose`: the bytes parsed back with mail-parser carry every Japanese character intact.

use mail_parser::MimeHeaders as _;
use mamori_mail::{Attachment, compose};

use crate::support::{
    ATTACHMENT_NAME, SUBJECT, TEXT, XLSX, assert_sample_message, attachment_bytes, lf, parse,
    sample_draft, structure,
};

const MESSAGE_ID: &str = "job.annual-report.20250510T000000Z.3f2a@mamori.local";

fn raw(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("composed messages are ASCII")
}

#[test]
fn japanese_message_parses_back_intact() {
    let composed = compose(&sample_draft(MESSAGE_ID)).expect("compose");
    assert_eq!(composed.message_id, MESSAGE_ID);
    assert_eq!(composed.envelope_from, "soumu@city.example.jp");
    assert_eq!(
        composed.envelope_to,
        vec!["kouhou@city.example.jp", "jouhou@city.example.jp"]
    );
    assert!(composed.bytes.is_ascii(), "8BITMIME is never needed");
    assert_sample_message(&composed.bytes, MESSAGE_ID);
}

#[test]
fn attachment_name_is_in_both_headers() {
    let composed = compose(&sample_draft(MESSAGE_ID)).expect("compose");
    let text = raw(&composed.bytes);
    let content_type = header_block(text, &format!("Content-Type: {XLSX}"));
    assert!(
        content_type.contains("name=\"=?UTF-8?B?"),
        "RFC 2047 name in Content-Type: {content_type}"
    );
    let disposition = header_block(text, "Content-Disposition: attachment");
    assert!(
        disposition.contains("filename*"),
        "RFC 2231 filename in Content-Disposition: {disposition}"
    );
    assert!(text.contains("Subject: =?utf-8?b?") || text.contains("Subject: =?UTF-8?B?"));
    assert!(text.contains("MIME-Version: 1.0\r\n"));
}

#[test]
fn same_draft_gives_same_bytes() {
    let draft = sample_draft(MESSAGE_ID);
    let first = compose(&draft).expect("compose");
    let second = compose(&draft).expect("compose");
    let rebuilt = compose(&sample_draft(MESSAGE_ID)).expect("compose");
    assert_eq!(first, second);
    assert_eq!(
        first, rebuilt,
        "an equal draft built again gives the same bytes"
    );

    let other = compose(&sample_draft("job.other@mamori.local")).expect("compose");
    let boundary = |bytes: &[u8]| {
        raw(bytes)
            .split("boundary=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("boundary")
            .to_owned()
    };
    assert!(boundary(&first.bytes).starts_with("=_mamori-mixed-"));
    assert_ne!(
        boundary(&first.bytes),
        boundary(&other.bytes),
        "boundaries follow the message id"
    );
}

#[test]
fn structure_follows_the_parts() {
    let mut draft = sample_draft(MESSAGE_ID);
    draft.attachments.clear();
    draft.html = None;
    let text_only = compose(&draft).expect("compose");
    let message = parse(&text_only.bytes);
    assert_eq!(structure(&message), "text/plain");
    assert_eq!(lf(&message.body_text(0).expect("text")), TEXT);
    assert_eq!(message.subject(), Some(SUBJECT));

    let mut draft = sample_draft(MESSAGE_ID);
    draft.attachments.clear();
    let alternative = compose(&draft).expect("compose");
    assert_eq!(
        structure(&parse(&alternative.bytes)),
        "multipart/alternative[text/plain,text/html]"
    );

    let mut draft = sample_draft(MESSAGE_ID);
    draft.html = None;
    let mixed = compose(&draft).expect("compose");
    let message = parse(&mixed.bytes);
    assert_eq!(
        structure(&message),
        format!("multipart/mixed[text/plain,{XLSX}]")
    );
    assert_eq!(lf(&message.body_text(0).expect("text")), TEXT);
    assert_eq!(
        message.attachment(0).expect("attachment").contents(),
        attachment_bytes().as_slice()
    );
}

#[test]
fn long_attachment_name_gives_a_valid_folded_header() {
    let name = "令和4年度_個人情報保護制度の運用状況_総務部総務課文書法制係_情報公開・個人情報保護審査会提出用_最終版（①〜③）.csv";
    let mut draft = sample_draft(MESSAGE_ID);
    draft.attachments = vec![Attachment {
        file_name: name.to_owned(),
        content_type: "text/csv; charset=utf-8".to_owned(),
        bytes: "件数,1\r\n".as_bytes().to_vec(),
    }];
    let composed = compose(&draft).expect("compose");
    let text = raw(&composed.bytes);
    let content_type = header_block(text, "Content-Type: text/csv");
    assert!(content_type.contains("\r\n "), "folded: {content_type}");
    for line in text.split("\r\n") {
        assert!(line.len() <= 78, "line longer than 78: {line}");
    }
    for word in content_type.split(['"', ' ', '\r', '\n']) {
        if word.starts_with("=?") {
            assert!(word.len() <= 75, "encoded word longer than 75: {word}");
        }
    }

    let message = parse(&composed.bytes);
    let attachment = message.attachment(0).expect("attachment");
    assert_eq!(attachment.attachment_name(), Some(name));
    assert_eq!(
        attachment
            .content_type()
            .and_then(|content_type| content_type.attribute("name")),
        Some(name)
    );
    assert_eq!(attachment.contents(), "件数,1\r\n".as_bytes());
    assert_ne!(name, ATTACHMENT_NAME);
}

/// The header starting with `start`, with its continuation lines.
fn header_block<'a>(text: &'a str, start: &str) -> &'a str {
    let begin = text
        .find(start)
        .unwrap_or_else(|| panic!("no header `{start}` in:\n{text}"));
    let rest = &text[begin..];
    let mut end = 0;
    for line in rest.split_inclusive("\r\n") {
        if end > 0 && !line.starts_with([' ', '\t']) {
            break;
        }
        end += line.len();
    }
    &rest[..end]
}
