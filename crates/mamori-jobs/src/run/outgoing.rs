//! Mail a run produces, before it is composed: one `Outgoing` becomes one message per
//! recipient, each with its own key, so a recipient never gets the same mail twice and a
//! failure for one address does not hold the others back.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use mamori_mail::{Address, Attachment, Draft, compose};
use mamori_store::NewMessage;
use sha2::{Digest as _, Sha256};

use crate::run::{JobContext, RunRequest};
use crate::spec::JobSpec;
use crate::stage::contracts::hex;

/// One mail of a run, to one or more recipients.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Names this mail within its fire (`report`, `digest`, `reminder/教育委員会`).
    pub key: String,
    /// Whether the key alone names the mail across fires: a contract's result is mailed once,
    /// whichever run audits it.
    pub once_ever: bool,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    /// Values a job's own subject and body templates may use.
    pub values: BTreeMap<String, String>,
}

/// The notice sent when there is nothing to report and the job says to notify.
pub(crate) fn nothing_to_report(spec: &JobSpec, reason: &str, request: &RunRequest) -> Outgoing {
    let local = request.scheduled_for.with_timezone(&spec.schedule().zone());
    Outgoing {
        key: "nothing-to-report".to_owned(),
        once_ever: false,
        to: all_recipients(spec),
        subject: format!(
            "【報告事項なし】{}",
            spec.description().unwrap_or(spec.name())
        ),
        text: format!(
            "ジョブ「{}」（{}）の実行結果です。\n\n{reason}。\n今回お送りする報告はありません。\n\n（mamori が自動で送信しています）\n",
            spec.name(),
            local.format("%Y-%m-%d %H:%M")
        ),
        html: None,
        attachments: Vec::new(),
        values: BTreeMap::from([("reason".to_owned(), reason.to_owned())]),
    }
}

/// `to` and `cc` of the job file.
pub(crate) fn all_recipients(spec: &JobSpec) -> Vec<String> {
    let mut recipients = spec.mail().to().to_vec();
    recipients.extend(spec.mail().cc().iter().cloned());
    recipients
}

/// The dedupe key stored with a message.
fn dedupe_key(outgoing: &Outgoing, request: &RunRequest) -> String {
    if outgoing.once_ever {
        outgoing.key.clone()
    } else {
        format!("{}/{}", stamp_for_path(request.scheduled_for), outgoing.key)
    }
}

/// A fire time as a folder or key part: `20260507T000000Z`.
pub(crate) fn stamp_for_path(instant: DateTime<Utc>) -> String {
    instant.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The name a preview gives a message.
pub fn preview_name(index: usize, recipient: &str) -> String {
    let safe: String = recipient
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{:02}_{safe}.eml", index + 1)
}

/// The subject and text after the job's own templates, if it has any.
fn personalise(spec: &JobSpec, outgoing: &Outgoing) -> Result<(String, String), String> {
    let mut values = outgoing.values.clone();
    values.insert("job".to_owned(), spec.name().to_owned());
    values.insert("subject".to_owned(), outgoing.subject.clone());
    values.insert("body".to_owned(), outgoing.text.clone());
    let environment = minijinja::Environment::new();
    let render = |template: &str, what: &str| {
        environment.render_str(template, &values).map_err(|error| {
            format!(
                "{}: mail.{what} のテンプレートを展開できません: {error}",
                spec.file().display()
            )
        })
    };
    let subject = match spec.mail().subject() {
        Some(template) => render(template, "subject")?,
        None => outgoing.subject.clone(),
    };
    let text = match spec.mail().body() {
        Some(template) => render(template, "body")?,
        None => outgoing.text.clone(),
    };
    Ok((subject, text))
}

/// Drafts of a mail, one per recipient.
fn drafts(
    context: &JobContext,
    spec: &JobSpec,
    outgoing: &Outgoing,
    request: &RunRequest,
) -> Result<Vec<(String, Draft)>, String> {
    let (subject, text) = personalise(spec, outgoing)?;
    let domain = context.mail.from.domain();
    let key = dedupe_key(outgoing, request);
    let mut seen = std::collections::BTreeSet::new();
    let mut drafts = Vec::new();
    for recipient in &outgoing.to {
        let address: Address = recipient
            .parse()
            .map_err(|error| format!("宛先 `{recipient}` を使えません: {error}"))?;
        // The recipient as the key knows it: `Tanaka@` and `tanaka@` are one person, and
        // editing the case in the job file must not send a fire's mail again.
        let recipient = address.email().to_lowercase();
        if !seen.insert(recipient.clone()) {
            continue;
        }
        let identity = hex(&Sha256::digest(
            format!("{}\n{key}\n{recipient}", spec.name()).as_bytes(),
        ));
        drafts.push((
            recipient,
            Draft {
                from: context.mail.from.clone(),
                to: vec![address],
                subject: subject.clone(),
                text: text.clone(),
                html: outgoing.html.clone(),
                attachments: outgoing.attachments.clone(),
                message_id: format!("mamori.{}@{domain}", &identity[..32]),
                date: request.now.into(),
            },
        ));
    }
    Ok(drafts)
}

/// The outbox rows of a run's mail.
pub(crate) fn to_messages(
    context: &JobContext,
    spec: &JobSpec,
    mails: &[Outgoing],
    request: &RunRequest,
) -> Result<Vec<NewMessage>, String> {
    let mut messages = Vec::new();
    for outgoing in mails {
        let key = dedupe_key(outgoing, request);
        for (recipient, draft) in drafts(context, spec, outgoing, request)? {
            let composed = compose(&draft).map_err(|error| format!("{error}"))?;
            messages.push(NewMessage {
                job: spec.name().to_owned(),
                dedupe_key: key.clone(),
                recipient,
                message_id: composed.message_id,
                envelope_from: composed.envelope_from,
                envelope_to: composed.envelope_to,
                subject: draft.subject.clone(),
                bytes: composed.bytes,
                created_at: request.now,
            });
        }
    }
    Ok(messages)
}

/// Writes each message as `.eml` and each attachment as a file into `folder`.
pub(crate) fn write_preview(
    context: &JobContext,
    spec: &JobSpec,
    mails: &[Outgoing],
    request: &RunRequest,
    folder: &Path,
) -> std::io::Result<()> {
    std::fs::create_dir_all(folder)?;
    let mut index = 0;
    for outgoing in mails {
        let drafts = drafts(context, spec, outgoing, request).map_err(std::io::Error::other)?;
        for (recipient, draft) in drafts {
            let composed = compose(&draft).map_err(std::io::Error::other)?;
            crate::run::write_atomically(
                &folder.join(preview_name(index, &recipient)),
                &composed.bytes,
            )?;
            index += 1;
        }
        for attachment in &outgoing.attachments {
            crate::run::write_atomically(&folder.join(&attachment.file_name), &attachment.bytes)?;
        }
    }
    Ok(())
}
