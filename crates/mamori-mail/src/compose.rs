//! [`compose`]: a [`Draft`] to the exact bytes that are stored and sent.
//!
//! Structure: text only is a single part; text and HTML are `multipart/alternative`; with
//! attachments, `multipart/mixed` holds the body (alternative or text) and then the attachments.
//! Everything is UTF-8: lettre encodes the subject and display names with RFC 2047 and picks
//! quoted-printable or base64 for the bodies. Attachments are always base64 and carry their name
//! twice, as RFC 2231 `filename*` in `Content-Disposition` (lettre) and as an RFC 2047
//! `name="=?UTF-8?B?…?="` in `Content-Type` (here), because some Outlook/Exchange paths ignore
//! RFC 2231 and show the attachment as "ATT00001".
//!
//! The same draft gives the same bytes: the date and Message-ID come from the draft, and MIME
//! boundaries (random in lettre) are derived from the Message-ID.

use std::time::SystemTime;

use base64::Engine as _;
use lettre::message::header::{ContentDisposition, ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, MultiPart, SinglePart};

use crate::Address;

/// One file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The name the recipient sees, e.g. `令和4年度_運用状況.xlsx`.
    pub file_name: String,
    /// A MIME type, e.g. `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`.
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Everything a message says, including its identity and date (this crate reads no clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub from: Address,
    pub to: Vec<Address>,
    pub subject: String,
    /// The text/plain body (UTF-8).
    pub text: String,
    /// An optional text/html alternative to `text`.
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    /// Without angle brackets, e.g. `job.annual-report.20250510T000000Z.3f2a@mamori.local`.
    pub message_id: String,
    /// The `Date` header, from the caller's clock.
    pub date: SystemTime,
}

/// A composed message: the bytes to store and send unchanged, and the SMTP envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    /// As in the draft, without angle brackets.
    pub message_id: String,
    pub envelope_from: String,
    pub envelope_to: Vec<String>,
    /// The whole message (headers and body, CRLF line endings).
    pub bytes: Vec<u8>,
}

/// Why a draft cannot be composed.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("message `{message_id}` has no recipients")]
    NoRecipients { message_id: String },
    #[error(
        "message id `{}` is invalid: it must contain `@` and only printable ASCII without spaces, `<` or `>`",
        message_id.escape_debug()
    )]
    MessageId { message_id: String },
    #[error("an attachment of message `{message_id}` has an empty file name")]
    EmptyFileName { message_id: String },
    #[error("attachment `{file_name}` has an invalid content type `{content_type}`")]
    ContentType {
        file_name: String,
        content_type: String,
        #[source]
        source: lettre::message::header::ContentTypeErr,
    },
    #[error("could not build message `{message_id}`")]
    Build {
        message_id: String,
        #[source]
        source: lettre::error::Error,
    },
}

/// Composes `draft` into the bytes to send. Deterministic: the same draft gives the same bytes.
pub fn compose(draft: &Draft) -> Result<Composed, ComposeError> {
    let message_id = &draft.message_id;
    if !is_valid_message_id(message_id) {
        return Err(ComposeError::MessageId {
            message_id: message_id.clone(),
        });
    }
    if draft.to.is_empty() {
        return Err(ComposeError::NoRecipients {
            message_id: message_id.clone(),
        });
    }

    let mut builder = lettre::Message::builder()
        .from(mailbox(&draft.from))
        .subject(draft.subject.as_str())
        .date(draft.date)
        .message_id(Some(format!("<{message_id}>")));
    for recipient in &draft.to {
        builder = builder.to(mailbox(recipient));
    }

    let boundaries = Boundaries::new(message_id, draft);
    let text = SinglePart::plain(draft.text.clone());
    let built = match (&draft.html, draft.attachments.is_empty()) {
        (None, true) => builder.singlepart(text),
        (Some(html), true) => builder.multipart(alternative(&boundaries, text, html)),
        (html, false) => {
            let mut mixed = MultiPart::mixed()
                .boundary(boundaries.mixed.as_str())
                .build();
            mixed = match html {
                Some(html) => mixed.multipart(alternative(&boundaries, text, html)),
                None => mixed.singlepart(text),
            };
            for attachment in &draft.attachments {
                mixed = mixed.singlepart(attachment_part(message_id, attachment)?);
            }
            builder.multipart(mixed)
        }
    };
    let message = built.map_err(|source| ComposeError::Build {
        message_id: message_id.clone(),
        source,
    })?;

    Ok(Composed {
        message_id: message_id.clone(),
        envelope_from: draft.from.email().to_owned(),
        envelope_to: draft.to.iter().map(|to| to.email().to_owned()).collect(),
        bytes: message.formatted(),
    })
}

/// RFC 5322 `msg-id` without the brackets, kept to printable ASCII so it is also usable as a
/// file name stem after [`crate::transport`]'s mapping.
fn is_valid_message_id(message_id: &str) -> bool {
    let Some((left, right)) = message_id.rsplit_once('@') else {
        return false;
    };
    !left.is_empty()
        && !right.is_empty()
        && message_id
            .bytes()
            .all(|byte| byte.is_ascii_graphic() && byte != b'<' && byte != b'>')
}

fn mailbox(address: &Address) -> Mailbox {
    Mailbox::new(
        address.display_name().map(str::to_owned),
        address.lettre_address().clone(),
    )
}

fn alternative(boundaries: &Boundaries, text: SinglePart, html: &str) -> MultiPart {
    MultiPart::alternative()
        .boundary(boundaries.alternative.as_str())
        .singlepart(text)
        .singlepart(SinglePart::html(html.to_owned()))
}

fn attachment_part(message_id: &str, attachment: &Attachment) -> Result<SinglePart, ComposeError> {
    if attachment.file_name.trim().is_empty() {
        return Err(ComposeError::EmptyFileName {
            message_id: message_id.to_owned(),
        });
    }
    let content_type = format!(
        "{}; name=\"{}\"",
        attachment.content_type.trim(),
        rfc2047_words(&attachment.file_name)
    );
    let content_type =
        ContentType::parse(&content_type).map_err(|source| ComposeError::ContentType {
            file_name: attachment.file_name.clone(),
            content_type: attachment.content_type.clone(),
            source,
        })?;
    Ok(SinglePart::builder()
        .header(content_type)
        .header(ContentDisposition::attachment(&attachment.file_name))
        .header(ContentTransferEncoding::Base64)
        .body(attachment.bytes.clone()))
}

/// The longest UTF-8 run per encoded word: 42 bytes are 56 base64 characters, 68 with
/// `=?UTF-8?B?` and `?=`, under RFC 2047's 75 and short enough that the first word after
/// ` name="` still fits a 78-character line.
const MAX_WORD_BYTES: usize = 42;

/// `text` as RFC 2047 B encoded words separated by spaces, split on character boundaries.
/// lettre folds the `Content-Type` header at those spaces, so a long name gives several short
/// lines instead of one over-long line; decoders join adjacent encoded words without the space.
fn rfc2047_words(text: &str) -> String {
    let mut words = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = start;
        for (offset, character) in text[start..].char_indices() {
            let next = start + offset + character.len_utf8();
            if next - start > MAX_WORD_BYTES {
                break;
            }
            end = next;
        }
        let chunk = &text[start..end];
        words.push(format!(
            "=?UTF-8?B?{}?=",
            base64::engine::general_purpose::STANDARD.encode(chunk)
        ));
        start = end;
    }
    words.join(" ")
}

/// MIME boundaries derived from the Message-ID, so composing is deterministic.
///
/// They start with `=_`, which cannot occur in quoted-printable or base64 output, and are checked
/// against the raw text, HTML and attachment bytes in case a part goes out as 7bit.
struct Boundaries {
    mixed: String,
    alternative: String,
}

impl Boundaries {
    fn new(message_id: &str, draft: &Draft) -> Boundaries {
        let digest = fnv1a64(message_id.as_bytes());
        let clashes = |candidate: &str| {
            let needle = candidate.as_bytes();
            draft.text.contains(candidate)
                || draft
                    .html
                    .as_deref()
                    .is_some_and(|html| html.contains(candidate))
                || draft.attachments.iter().any(|attachment| {
                    attachment
                        .bytes
                        .windows(needle.len())
                        .any(|window| window == needle)
                })
        };
        let pick = |kind: &str| {
            let mut salt = 0_u32;
            loop {
                let candidate = match salt {
                    0 => format!("=_mamori-{kind}-{digest:016x}"),
                    _ => format!("=_mamori-{kind}-{digest:016x}-{salt}"),
                };
                if !clashes(&candidate) {
                    return candidate;
                }
                salt += 1;
            }
        };
        Boundaries {
            mixed: pick("mixed"),
            alternative: pick("alt"),
        }
    }
}

/// 64-bit FNV-1a: small, stable across releases and platforms (unlike `DefaultHasher`).
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use crate::compose::{is_valid_message_id, rfc2047_words};
    use crate::{ComposeError, Draft, compose};

    fn draft() -> Draft {
        Draft {
            from: "総務課 <soumu@city.example.jp>".parse().expect("from"),
            to: vec!["kouhou@city.example.jp".parse().expect("to")],
            subject: "件名".to_owned(),
            text: "本文".to_owned(),
            html: None,
            attachments: Vec::new(),
            message_id: "test.1@mamori.local".to_owned(),
            date: SystemTime::UNIX_EPOCH + Duration::from_secs(1_746_835_200),
        }
    }

    #[test]
    fn message_id_rules() {
        assert!(is_valid_message_id(
            "job.annual-report.20250510T000000Z.3f2a@mamori.local"
        ));
        for invalid in [
            "",
            "no-at-sign",
            "@mamori.local",
            "left@",
            "with space@mamori.local",
            "<x@mamori.local>",
            "tab\t@mamori.local",
            "日本@mamori.local",
        ] {
            assert!(
                !is_valid_message_id(invalid),
                "{invalid:?} must be rejected"
            );
        }
    }

    #[test]
    fn invalid_message_id_is_an_error() {
        let mut draft = draft();
        draft.message_id = "<x@y>".to_owned();
        let error = compose(&draft).expect_err("invalid id");
        assert!(matches!(error, ComposeError::MessageId { .. }), "{error:?}");
        assert_eq!(
            error.to_string(),
            "message id `<x@y>` is invalid: it must contain `@` and only printable ASCII without spaces, `<` or `>`"
        );
    }

    #[test]
    fn no_recipients_is_an_error() {
        let mut draft = draft();
        draft.to.clear();
        let error = compose(&draft).expect_err("no recipients");
        assert_eq!(
            error.to_string(),
            "message `test.1@mamori.local` has no recipients"
        );
    }

    #[test]
    fn invalid_content_type_is_an_error() {
        let mut draft = draft();
        draft.attachments.push(crate::Attachment {
            file_name: "a.csv".to_owned(),
            content_type: "not a type".to_owned(),
            bytes: b"1,2".to_vec(),
        });
        let error = compose(&draft).expect_err("bad content type");
        assert_eq!(
            error.to_string(),
            "attachment `a.csv` has an invalid content type `not a type`"
        );
    }

    #[test]
    fn encoded_words_split_on_character_boundaries() {
        let name = "令和4年度_個人情報保護制度の運用状況_総務部総務課文書法制係_最終版.xlsx";
        let words = rfc2047_words(name);
        let mut decoded = String::new();
        for word in words.split(' ') {
            assert!(word.len() <= 75, "{word} is longer than 75");
            let payload = word
                .strip_prefix("=?UTF-8?B?")
                .and_then(|rest| rest.strip_suffix("?="))
                .expect("encoded word");
            let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, payload)
                .expect("base64");
            decoded.push_str(&String::from_utf8(bytes).expect("each word is whole characters"));
        }
        assert_eq!(decoded, name);
        assert!(words.contains(' '), "a long name needs several words");
    }

    #[test]
    fn text_only_is_a_single_part() {
        let composed = compose(&draft()).expect("compose");
        let raw = String::from_utf8(composed.bytes).expect("ascii");
        assert!(
            raw.contains("Content-Type: text/plain; charset=utf-8\r\n"),
            "{raw}"
        );
        assert!(!raw.contains("multipart"), "{raw}");
        assert!(
            raw.contains("Message-ID: <test.1@mamori.local>\r\n"),
            "{raw}"
        );
        assert!(
            raw.contains("Date: Sat, 10 May 2025 00:00:00 +0000\r\n"),
            "{raw}"
        );
        assert_eq!(composed.envelope_from, "soumu@city.example.jp");
        assert_eq!(composed.envelope_to, vec!["kouhou@city.example.jp"]);
    }
}
