//! Delivering the outbox: due messages are leased, sent as their stored bytes, and marked.
//! Connection errors and 4xx answers are retried with exponential backoff; a 5xx answer fails
//! the message at once; after the last retry it is dead. Either way the admin is alerted once.

use chrono::{DateTime, Utc};
use mamori_mail::{FailureKind, Transport};
use mamori_store::{OutboxStatus, Store, StoreError};

use crate::alert::{ALERT_JOB, Alert, alert_message, post_webhook};
use crate::run::MailSettings;

/// When to try again.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// The wait after the first failure; doubled after each further one.
    pub first_delay: chrono::Duration,
    pub max_delay: chrono::Duration,
    /// Attempts in all, the first included.
    pub max_attempts: u32,
}

impl RetryPolicy {
    /// 1, 2, 4 … minutes, at most an hour apart, 8 attempts (about 2 hours in all).
    pub fn standard() -> RetryPolicy {
        RetryPolicy {
            first_delay: chrono::Duration::minutes(1),
            max_delay: chrono::Duration::hours(1),
            max_attempts: 8,
        }
    }

    /// The wait after `failures` failed attempts.
    pub fn delay_after(&self, failures: u32) -> chrono::Duration {
        let factor = 1_i32 << failures.saturating_sub(1).min(20);
        (self.first_delay * factor).min(self.max_delay)
    }
}

/// What one flush did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct FlushReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    pub dead: usize,
}

/// The clock a flush reads.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// How many messages are leased at a time, and for how long.
const LEASE_BATCH: u32 = 50;
const LEASE_SECONDS: i64 = 300;

/// Who is sending, and how to tell that another sender is gone.
#[derive(Debug, Clone, Copy)]
pub struct Holder<'a> {
    /// Names this sender in the leases it takes (`host:pid`).
    pub name: &'a str,
    /// Whether the sender named so is known to be gone (a process of this host that no longer
    /// runs): the mail it leased is freed at once instead of when its lease runs out.
    pub is_gone: fn(&str) -> bool,
}

impl<'a> From<&'a str> for Holder<'a> {
    /// A sender that knows of no other sender's fate (leases of others run out in time).
    fn from(name: &'a str) -> Holder<'a> {
        Holder {
            name,
            is_gone: |_| false,
        }
    }
}

/// Sends every message due now, until none is due.
///
/// Messages are leased in batches, and each lease is renewed (and checked) right before its
/// message is sent: a batch that outlasts its lease never sends a message another sender has
/// taken since.
pub async fn flush<'h>(
    store: &Store,
    transport: &Transport,
    mail: &MailSettings,
    policy: &RetryPolicy,
    clock: &dyn Clock,
    holder: impl Into<Holder<'h>>,
) -> Result<FlushReport, StoreError> {
    let holder = holder.into();
    for other in store.outbox_lease_holders().await? {
        if other != holder.name && (holder.is_gone)(&other) {
            let freed = store.release_outbox_leases(&other).await?;
            tracing::warn!(holder = %other, freed, "a sender that is gone held mail; freed it");
        }
    }
    let holder = holder.name;
    let mut report = FlushReport::default();
    loop {
        let now = clock.now();
        let due = store
            .lease_due(
                holder,
                now,
                now + chrono::Duration::seconds(LEASE_SECONDS),
                LEASE_BATCH,
            )
            .await?;
        if due.is_empty() {
            return Ok(report);
        }
        for message in due {
            let now = clock.now();
            if !store
                .renew_lease(
                    message.id,
                    holder,
                    now + chrono::Duration::seconds(LEASE_SECONDS),
                )
                .await?
            {
                tracing::debug!(id = message.id, "lease lost to another sender; not sending");
                continue;
            }
            let composed = mamori_mail::Composed {
                message_id: message.message_id.clone(),
                envelope_from: message.envelope_from.clone(),
                envelope_to: message.envelope_to.clone(),
                bytes: message.bytes,
            };
            match transport.send(&composed).await {
                Ok(delivery) => {
                    store.mark_sent(message.id, clock.now()).await?;
                    tracing::info!(id = message.id, job = %message.job, recipient = %message.recipient, ?delivery, "mail sent");
                    report.sent += 1;
                }
                Err(error) => {
                    let attempts = message.attempts + 1;
                    let text = error.to_string();
                    let gave_up = match error.kind {
                        FailureKind::Permanent => Some(OutboxStatus::Failed),
                        FailureKind::Transient if attempts >= policy.max_attempts => {
                            Some(OutboxStatus::Dead)
                        }
                        FailureKind::Transient => None,
                    };
                    match gave_up {
                        None => {
                            let next = clock.now() + policy.delay_after(attempts);
                            store.mark_retry(message.id, next, &text).await?;
                            tracing::warn!(id = message.id, attempts, error = %text, %next, "mail not sent; will retry");
                            report.retrying += 1;
                        }
                        Some(status) => {
                            // Giving up and queuing the admin's alert commit together (an alert
                            // is never itself alerted about).
                            let summary = format!(
                                "宛先 {} へのメール「{}」を送れませんでした（{}回試行）: {text}",
                                message.recipient, message.subject, attempts
                            );
                            let key = format!("outbox/{}", message.id);
                            let alert = Alert {
                                job: &message.job,
                                key: &key,
                                summary: &summary,
                                now: clock.now(),
                            };
                            let alerts: Vec<_> = if message.job == ALERT_JOB {
                                Vec::new()
                            } else {
                                alert_message(mail, &alert).into_iter().collect()
                            };
                            let gave_up = store.give_up(message.id, status, &text, &alerts).await?;
                            tracing::error!(id = message.id, attempts, error = %text, status = status.as_str(), "mail given up");
                            if status == OutboxStatus::Failed {
                                report.failed += 1;
                            } else {
                                report.dead += 1;
                            }
                            if gave_up
                                && message.job != ALERT_JOB
                                && let Some(url) = &mail.webhook
                            {
                                post_webhook(url.expose(), &alert).await;
                            }
                        }
                    }
                }
            }
        }
    }
}
