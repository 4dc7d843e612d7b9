//! What the mail tests share: the sample Japanese draft and parsing helpers. The SMTP server and
//! its test certificates come from `mamori_test_support::smtp`.

use std::time::{Duration, SystemTime};

use mail_parser::{MessageParser, MimeHeaders as _, PartType};
use mamori_mail::{Attachment, Draft};

pub(crate) const SUBJECT: &str = "【年次報告】令和4年度 個人情報保護制度の運用状況（①〜③）髙橋";
pub(crate) const TEXT: &str =
    "各位\n\n令和4年度の運用状況を送付します。\n機種依存文字: ①㈱髙〜～\n\n総務課 文書法制係\n";
pub(crate) const HTML: &str = "<p>令和4年度の運用状況（①㈱髙〜～）を送付します。</p>";
pub(crate) const ATTACHMENT_NAME: &str = "令和4年度_運用状況.xlsx";
pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub(crate) const FROM_NAME: &str = "総務課";
pub(crate) const FROM: &str = "soumu@city.example.jp";
pub(crate) const TO: [&str; 2] = ["kouhou@city.example.jp", "jouhou@city.example.jp"];

/// Binary bytes that look like an xlsx (zip magic) and contain every byte value.
pub(crate) fn attachment_bytes() -> Vec<u8> {
    let mut bytes = b"PK\x03\x04".to_vec();
    bytes.extend((0..=255_u8).cycle().take(70_000));
    bytes
}

/// The draft most tests send: Japanese subject, names, body, HTML and one attachment.
pub(crate) fn sample_draft(message_id: &str) -> Draft {
    Draft {
        from: format!("{FROM_NAME} <{FROM}>").parse().expect("from"),
        to: vec![
            format!("広報課 <{}>", TO[0]).parse().expect("to"),
            TO[1].parse().expect("to"),
        ],
        subject: SUBJECT.to_owned(),
        text: TEXT.to_owned(),
        html: Some(HTML.to_owned()),
        attachments: vec![Attachment {
            file_name: ATTACHMENT_NAME.to_owned(),
            content_type: XLSX.to_owned(),
            bytes: attachment_bytes(),
        }],
        message_id: message_id.to_owned(),
        // 2025-05-10T00:00:00Z
        date: SystemTime::UNIX_EPOCH + Duration::from_secs(1_746_835_200),
    }
}

pub(crate) fn parse(bytes: &[u8]) -> mail_parser::Message<'_> {
    MessageParser::default()
        .parse(bytes)
        .expect("mail-parser parses the message")
}

/// The MIME tree as text, e.g. `multipart/mixed[text/plain,application/pdf]`.
pub(crate) fn structure(message: &mail_parser::Message<'_>) -> String {
    fn part(message: &mail_parser::Message<'_>, id: usize, out: &mut String) {
        let part = &message.parts[id];
        match part.content_type() {
            Some(content_type) => {
                out.push_str(content_type.ctype());
                out.push('/');
                out.push_str(content_type.subtype().unwrap_or(""));
            }
            None => out.push_str("(none)"),
        }
        if let PartType::Multipart(children) = &part.body {
            out.push('[');
            for (index, child) in children.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                part_index(message, *child, out);
            }
            out.push(']');
        }
    }
    fn part_index(message: &mail_parser::Message<'_>, id: u32, out: &mut String) {
        part(message, usize::try_from(id).expect("part id"), out);
    }
    let mut out = String::new();
    part(message, 0, &mut out);
    out
}

/// Line endings as written in [`TEXT`]: lettre sends CRLF, aiosmtpd's Maildir stores LF.
pub(crate) fn lf(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// Asserts everything the sample draft says arrived intact in `bytes`.
pub(crate) fn assert_sample_message(bytes: &[u8], message_id: &str) {
    let message = parse(bytes);
    assert_eq!(message.subject(), Some(SUBJECT));
    assert_eq!(message.message_id(), Some(message_id));
    let from = message.from().and_then(|from| from.first()).expect("from");
    assert_eq!(from.name(), Some(FROM_NAME));
    assert_eq!(from.address(), Some(FROM));
    let to: Vec<(Option<&str>, Option<&str>)> = message
        .to()
        .expect("to")
        .iter()
        .map(|to| (to.name(), to.address()))
        .collect();
    assert_eq!(to, vec![(Some("広報課"), Some(TO[0])), (None, Some(TO[1]))]);
    assert_eq!(
        lf(&message.body_text(0).expect("text body")),
        TEXT,
        "text body with ①㈱髙〜～"
    );
    assert_eq!(lf(&message.body_html(0).expect("html body")), HTML);
    assert_eq!(message.attachment_count(), 1);
    let attachment = message.attachment(0).expect("attachment");
    assert_eq!(attachment.attachment_name(), Some(ATTACHMENT_NAME));
    assert_eq!(
        attachment
            .content_type()
            .and_then(|content_type| content_type.attribute("name")),
        Some(ATTACHMENT_NAME),
        "the RFC 2047 `name` parameter decodes to the file name"
    );
    assert_eq!(attachment.contents(), attachment_bytes().as_slice());
    assert_eq!(
        structure(&message),
        format!("multipart/mixed[multipart/alternative[text/plain,text/html],{XLSX}]")
    );
}
