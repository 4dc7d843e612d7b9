//! `mamori mail test --to ADDR` and `mamori mail outbox`: a test message through the configured
//! transport (queued and delivered like any mail), and the outbox as it stands.

use chrono::Utc;
use mamori_jobs::outbox::{RetryPolicy, flush};

use crate::commands::jobs::SystemClock;
use mamori_mail::{Address, Draft, compose};
use mamori_store::{NewMessage, OutboxStatus};
use serde::Serialize;

use crate::args::{JsonArgs, MailCommand, MailTestArgs, OutboxArgs, OutboxStatusArg};
use crate::commands::jobs::{holder, mail_settings, sender};
use crate::settings::Settings;
use crate::{ExitStatus, printer};

pub(crate) async fn run(settings: &Settings, command: &MailCommand) -> anyhow::Result<ExitStatus> {
    match command {
        MailCommand::Test(args) => test(settings, args).await,
        MailCommand::Outbox(args) => outbox(settings, args).await,
        MailCommand::Flush(args) => flush_now(settings, args).await,
    }
}

async fn flush_now(settings: &Settings, args: &JsonArgs) -> anyhow::Result<ExitStatus> {
    let (mail, transport) = mail_settings(settings)?;
    let name = holder();
    let store = crate::commands::open_existing_store(settings).await?;
    let report = flush(
        &store,
        &transport,
        &mail,
        &RetryPolicy::standard(),
        &SystemClock,
        sender(&name),
    )
    .await;
    store.close().await;
    let report = report?;
    if args.json {
        printer::json(&report)?;
    } else {
        printer::line(&format!(
            "送信 {}、再試行待ち {}、失敗 {}、断念 {}",
            report.sent, report.retrying, report.failed, report.dead
        ));
    }
    Ok(if report.failed > 0 || report.dead > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

#[derive(Debug, Serialize)]
struct TestJson {
    to: String,
    transport: String,
    message_id: String,
    status: &'static str,
    last_error: Option<String>,
}

async fn test(settings: &Settings, args: &MailTestArgs) -> anyhow::Result<ExitStatus> {
    let to: Address = args
        .to
        .parse()
        .map_err(|error| anyhow::anyhow!("--to `{}`: {error}", args.to))?;
    let (mail, transport) = mail_settings(settings)?;
    let now = Utc::now();
    let domain = mail.from.domain();
    let key = now.format("%Y%m%dT%H%M%S%.3fZ").to_string();
    let draft = Draft {
        from: mail.from.clone(),
        to: vec![to.clone()],
        subject: "【mamori】テストメール（送信設定の確認）".to_owned(),
        text: format!(
            "mamori の送信設定の確認用メールです。\nこのメールが届いていれば、{} からの送信は使えます。\n\n送信時刻: {}\n",
            mail.transport,
            now.with_timezone(&chrono_tz::Asia::Tokyo)
                .format("%Y-%m-%d %H:%M:%S JST")
        ),
        html: None,
        attachments: Vec::new(),
        message_id: format!("mamori.test.{key}@{domain}"),
        date: now.into(),
    };
    let composed = compose(&draft)?;
    let store = crate::commands::open_or_create_store(settings).await?;
    let ids = store
        .enqueue(&[NewMessage {
            job: "mail-test".to_owned(),
            dedupe_key: key,
            recipient: to.email().to_owned(),
            message_id: composed.message_id.clone(),
            envelope_from: composed.envelope_from,
            envelope_to: composed.envelope_to,
            subject: draft.subject.clone(),
            bytes: composed.bytes,
            created_at: now,
        }])
        .await?;
    // A test should say at once whether mail goes out: one attempt, no retries.
    let policy = RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::standard()
    };
    let name = holder();
    flush(
        &store,
        &transport,
        &mail,
        &policy,
        &SystemClock,
        sender(&name),
    )
    .await?;
    let row = match ids.first().copied().flatten() {
        Some(id) => store
            .outbox(None, 50)
            .await?
            .into_iter()
            .find(|row| row.id == id),
        None => None,
    };
    store.close().await;
    let (status, last_error) = row.map_or((OutboxStatus::Queued, None), |row| {
        (row.status, row.last_error)
    });
    let report = TestJson {
        to: to.to_string(),
        transport: mail.transport.to_string(),
        message_id: composed.message_id,
        status: status.as_str(),
        last_error,
    };
    if args.json {
        printer::json(&report)?;
    } else if status == OutboxStatus::Sent {
        printer::line(&format!(
            "テストメールを送りました: {} → {}",
            report.transport, report.to
        ));
    } else {
        printer::line(&format!(
            "テストメールを送れませんでした（{}）: {}",
            match status {
                OutboxStatus::Queued => "再試行待ち",
                OutboxStatus::Failed => "拒否されました",
                _ => "断念",
            },
            report.last_error.as_deref().unwrap_or("")
        ));
    }
    Ok(if status == OutboxStatus::Sent {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

#[derive(Debug, Serialize)]
struct OutboxJson {
    id: i64,
    job: String,
    recipient: String,
    subject: String,
    status: &'static str,
    attempts: u32,
    created_at: String,
    next_attempt_at: Option<String>,
    sent_at: Option<String>,
    last_error: Option<String>,
    message_id: String,
}

async fn outbox(settings: &Settings, args: &OutboxArgs) -> anyhow::Result<ExitStatus> {
    let status = args.status.map(|status| match status {
        OutboxStatusArg::Queued => OutboxStatus::Queued,
        OutboxStatusArg::Sent => OutboxStatus::Sent,
        OutboxStatusArg::Failed => OutboxStatus::Failed,
        OutboxStatusArg::Dead => OutboxStatus::Dead,
    });
    let store = crate::commands::open_existing_store(settings).await?;
    let rows = store.outbox(status, args.limit).await?;
    store.close().await;
    let rows: Vec<OutboxJson> = rows
        .into_iter()
        .map(|row| OutboxJson {
            id: row.id,
            job: row.job,
            recipient: row.recipient,
            subject: row.subject,
            status: row.status.as_str(),
            attempts: row.attempts,
            created_at: row
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            next_attempt_at: (row.status == OutboxStatus::Queued).then(|| {
                row.next_attempt_at
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            }),
            sent_at: row
                .sent_at
                .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            last_error: row.last_error,
            message_id: row.message_id,
        })
        .collect();
    if args.json {
        printer::json(&rows)?;
        return Ok(ExitStatus::Success);
    }
    let label = |status: &str| match status {
        "queued" => "送信待ち",
        "sent" => "送信済み",
        "failed" => "失敗",
        _ => "断念",
    };
    let table = rows
        .iter()
        .map(|row| {
            vec![
                row.id.to_string(),
                row.job.clone(),
                row.recipient.clone(),
                row.subject.clone(),
                format!("{}（{}回）", label(row.status), row.attempts),
                row.last_error.clone().unwrap_or_default(),
            ]
        })
        .collect();
    printer::table(&["#", "ジョブ", "宛先", "件名", "状態", "エラー"], table);
    Ok(ExitStatus::Success)
}
