//! Failure alerts: a mail to the admin address of `mamori.toml` (queued in the outbox like any
//! mail) and, when configured, a JSON post to a webhook, retried with backoff.

use std::time::Duration;

use chrono::{DateTime, Utc};
use mamori_mail::{Draft, compose};
use mamori_store::NewMessage;
use sha2::{Digest as _, Sha256};

use crate::run::{JobContext, MailSettings};
use crate::stage::contracts::hex;

/// The job name alerts are queued under.
pub const ALERT_JOB: &str = "alert";

/// What went wrong, for the admin.
#[derive(Debug, Clone, Copy)]
pub struct Alert<'a> {
    pub job: &'a str,
    /// Names the failure once (`run/12`, `outbox/34`): the same failure alerts once.
    pub key: &'a str,
    pub summary: &'a str,
    pub now: DateTime<Utc>,
}

/// The alert mail for the admin, if one is configured.
pub fn alert_message(mail: &MailSettings, alert: &Alert<'_>) -> Option<NewMessage> {
    let admin = mail.admin.clone()?;
    let domain = mail.from.domain();
    let identity = hex(&Sha256::digest(
        format!("{ALERT_JOB}\n{}\n{}", alert.job, alert.key).as_bytes(),
    ));
    let draft = Draft {
        from: mail.from.clone(),
        to: vec![admin.clone()],
        subject: format!("【mamori 障害】ジョブ「{}」", alert.job),
        text: format!(
            "ジョブ「{}」で問題が起きました。\n\n{}\n\n時刻: {}\n詳細は `mamori jobs history {}` と `mamori mail outbox` で確認できます。\n",
            alert.job,
            alert.summary,
            alert
                .now
                .with_timezone(&chrono_tz::Asia::Tokyo)
                .format("%Y-%m-%d %H:%M:%S JST"),
            alert.job
        ),
        html: None,
        attachments: Vec::new(),
        message_id: format!("mamori.alert.{}@{domain}", &identity[..32]),
        date: alert.now.into(),
    };
    let composed = match compose(&draft) {
        Ok(composed) => composed,
        Err(error) => {
            tracing::error!(%error, "cannot compose an alert");
            return None;
        }
    };
    Some(NewMessage {
        job: ALERT_JOB.to_owned(),
        dedupe_key: format!("{}/{}", alert.job, alert.key),
        recipient: admin.email().to_owned(),
        message_id: composed.message_id,
        envelope_from: composed.envelope_from,
        envelope_to: composed.envelope_to,
        subject: draft.subject,
        bytes: composed.bytes,
        created_at: alert.now,
    })
}

/// Tells of an alert outside the store: the webhook post (its mail was queued with the failure),
/// or a warning in the log when no admin address is configured.
pub(crate) async fn announce(context: &JobContext, alert: &Alert<'_>) {
    if context.mail.admin.is_none() {
        tracing::warn!(
            job = alert.job,
            "no [mail] admin address: the failure is only in the history"
        );
    }
    if let Some(url) = &context.mail.webhook {
        post_webhook(url.expose(), alert).await;
    }
}

/// How often a webhook post is tried, and the first wait (doubled each time).
const WEBHOOK_ATTEMPTS: u32 = 4;
const WEBHOOK_FIRST_WAIT: Duration = Duration::from_millis(500);

/// Posts `{"job", "summary", "at"}`; retried on connection errors and non-2xx answers.
pub async fn post_webhook(url: &str, alert: &Alert<'_>) -> bool {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            tracing::error!(error = %error.without_url(), "cannot build the webhook client");
            return false;
        }
    };
    let body = serde_json::json!({
        "job": alert.job,
        "key": alert.key,
        "summary": alert.summary,
        "at": alert.now.to_rfc3339(),
    });
    let mut wait = WEBHOOK_FIRST_WAIT;
    for attempt in 1..=WEBHOOK_ATTEMPTS {
        match client.post(url).json(&body).send().await {
            Ok(response) if response.status().is_success() => return true,
            Ok(response) => {
                tracing::warn!(attempt, status = %response.status(), "webhook refused the alert")
            }
            // The URL carries the hook's token: keep it out of the log.
            Err(error) => {
                tracing::warn!(attempt, error = %error.without_url(), "webhook not reached")
            }
        }
        if attempt < WEBHOOK_ATTEMPTS {
            tokio::time::sleep(wait).await;
            wait *= 2;
        }
    }
    tracing::error!("webhook alert given up after {WEBHOOK_ATTEMPTS} attempts");
    false
}
