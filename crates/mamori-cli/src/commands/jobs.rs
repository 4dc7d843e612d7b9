//! `mamori jobs check | list | run | approve | history | daemon`: the job files of `jobs/`,
//! run by `mamori_jobs` with the settings of `mamori.toml`.
//!
//! Exit codes: `check` 1 when a file has a mistake; `run` 1 when the run failed or its mail
//! could not be delivered; `daemon` 2 when another daemon holds the store.

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, TimeZone as _, Timelike as _, Utc};
use mamori_jobs::daemon::{DaemonConfig, run_daemon};
use mamori_jobs::outbox::{Clock, Holder, RetryPolicy, flush};
use mamori_jobs::run::{
    JobContext, MailSettings, RunRequest, run_job, run_status_label as status_label,
    run_trigger_label as trigger_label,
};
use mamori_jobs::schedule::{ClosedDays, next_fires};
use mamori_jobs::spec::{JobSpec, load_dir};
use mamori_mail::{Transport, TransportUrl};
use mamori_store::RunTrigger;
use serde::Serialize;

use crate::args::{JobHistoryArgs, JobNameArgs, JobRunArgs, JobsCommand, JsonArgs};
use crate::settings::Settings;
use crate::{ExitStatus, printer};

pub(crate) async fn run(settings: &Settings, command: &JobsCommand) -> anyhow::Result<ExitStatus> {
    match command {
        JobsCommand::Check(args) => check(settings, args),
        JobsCommand::List(args) => list(settings, args).await,
        JobsCommand::Run(args) => run_one(settings, args).await,
        JobsCommand::Approve(args) => approve(settings, args).await,
        JobsCommand::History(args) => history(settings, args).await,
        JobsCommand::Daemon => daemon(settings).await,
    }
}

#[derive(Debug, Serialize)]
struct CheckJson {
    folder: String,
    jobs: Vec<String>,
    errors: Vec<CheckError>,
}

#[derive(Debug, Serialize)]
struct CheckError {
    code: &'static str,
    message: String,
}

fn check(settings: &Settings, args: &JsonArgs) -> anyhow::Result<ExitStatus> {
    let loaded = load_dir(&settings.jobs_dir);
    let report = CheckJson {
        folder: settings.jobs_dir.display().to_string(),
        jobs: loaded
            .jobs
            .iter()
            .map(|spec| spec.name().to_owned())
            .collect(),
        errors: loaded
            .errors
            .iter()
            .map(|error| CheckError {
                code: error.code(),
                message: error.to_string(),
            })
            .collect(),
    };
    if args.json {
        printer::json(&report)?;
    } else {
        for spec in &loaded.jobs {
            printer::line(&format!(
                "OK  {}  ({}, {} {})",
                spec.name(),
                spec.kind().label(),
                spec.schedule().pattern(),
                spec.schedule().zone()
            ));
        }
        for error in &report.errors {
            printer::line(&format!("NG  [{}] {}", error.code, error.message));
        }
        if loaded.jobs.is_empty() && loaded.errors.is_empty() {
            printer::note(&format!(
                "{} にジョブファイル（*.toml）がありません",
                settings.jobs_dir.display()
            ));
        }
    }
    Ok(if loaded.errors.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

#[derive(Debug, Serialize)]
struct ListedJob {
    name: String,
    kind: &'static str,
    schedule: String,
    timezone: String,
    enabled: bool,
    next: Vec<ListedFire>,
    last_run: Option<ListedRun>,
    approved: bool,
    /// False when mail goes to a `file://` folder: nothing leaves the machine.
    approval_needed: bool,
}

#[derive(Debug, Serialize)]
struct ListedFire {
    at: String,
    moved_because: Option<String>,
}

#[derive(Debug, Serialize)]
struct ListedRun {
    scheduled_for: String,
    status: &'static str,
    detail: String,
}

async fn list(settings: &Settings, args: &JsonArgs) -> anyhow::Result<ExitStatus> {
    let loaded = load_dir(&settings.jobs_dir);
    for error in &loaded.errors {
        printer::note(&format!("[{}] {error}", error.code()));
    }
    let store = crate::commands::open_or_create_store(settings).await?;
    let closed = ClosedDays::new(settings.closed_days.clone());
    let now = Utc::now();
    let approval_needed = !settings.mail.url.starts_with("file://");
    let mut listed = Vec::new();
    for spec in &loaded.jobs {
        let zone = spec.schedule().zone();
        let next = next_fires(spec.schedule(), spec.on_closed_day(), &closed, now, 3)
            .into_iter()
            .map(|fire| ListedFire {
                at: fire.at.with_timezone(&zone).to_rfc3339(),
                moved_because: fire.moved_because,
            })
            .collect();
        let last_run = store
            .runs(Some(spec.name()), 1)
            .await?
            .into_iter()
            .next()
            .map(|run| ListedRun {
                scheduled_for: run.scheduled_for.with_timezone(&zone).to_rfc3339(),
                status: run.status.as_str(),
                detail: run.detail,
            });
        let state = store.job_state(spec.name()).await?;
        listed.push(ListedJob {
            name: spec.name().to_owned(),
            kind: spec.kind().label(),
            schedule: spec.schedule().pattern().to_owned(),
            timezone: zone.to_string(),
            enabled: spec.enabled(),
            next,
            last_run,
            approved: state.and_then(|state| state.approved_fingerprint)
                == Some(spec.recipients_fingerprint()),
            approval_needed,
        });
    }
    store.close().await;
    if args.json {
        printer::json(&listed)?;
        return Ok(ExitStatus::Success);
    }
    let rows = listed
        .iter()
        .map(|job| {
            let next = job
                .next
                .iter()
                .map(|fire| match &fire.moved_because {
                    Some(reason) => format!("{}（{reason}のため移動）", short_time(&fire.at)),
                    None => short_time(&fire.at),
                })
                .collect::<Vec<_>>()
                .join("\n");
            let last = job.last_run.as_ref().map_or_else(
                || "（未実行）".to_owned(),
                |run| {
                    format!(
                        "{} {}",
                        short_time(&run.scheduled_for),
                        status_label(run.status)
                    )
                },
            );
            vec![
                job.name.clone(),
                format!("{} ({})", job.schedule, job.timezone),
                if job.enabled {
                    next
                } else {
                    "（無効）".to_owned()
                },
                last,
                match (job.approval_needed, job.approved) {
                    (false, _) => "承認不要（ファイルに出力）",
                    (true, true) => "承認済み",
                    (true, false) => "未承認",
                }
                .to_owned(),
            ]
        })
        .collect();
    printer::table(
        &["ジョブ", "スケジュール", "次の実行（3回）", "前回", "宛先"],
        rows,
    );
    Ok(ExitStatus::Success)
}

/// `2026-05-07T09:00:00+09:00` → `2026-05-07 09:00`.
fn short_time(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|time| time.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| rfc3339.to_owned())
}

fn find_job(settings: &Settings, name: &str) -> anyhow::Result<JobSpec> {
    let loaded = load_dir(&settings.jobs_dir);
    if let Some(spec) = loaded.jobs.into_iter().find(|spec| spec.name() == name) {
        return Ok(spec);
    }
    if let Some(error) = loaded
        .errors
        .iter()
        .find(|error| error.to_string().contains(&format!("{name}.toml")))
    {
        anyhow::bail!("[{}] {error}", error.code());
    }
    anyhow::bail!(
        "ジョブ `{name}` がありません（{} の *.toml を `mamori jobs check` で確認してください）",
        settings.jobs_dir.display()
    )
}

/// `--as-of`: a date means its midnight in the job's zone.
fn as_of(spec: &JobSpec, text: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").with_context(|| {
        format!("--as-of `{text}`: 2023-05-10 か 2023-05-10T09:00:00+09:00 の形で指定してください")
    })?;
    let midnight = date
        .and_hms_opt(0, 0, 0)
        .context("midnight exists on every date")?;
    spec.schedule()
        .zone()
        .from_local_datetime(&midnight)
        .earliest()
        .map(|time| time.with_timezone(&Utc))
        .with_context(|| {
            format!(
                "--as-of `{text}` does not exist in {}",
                spec.schedule().zone()
            )
        })
}

#[derive(Debug, Serialize)]
struct RunJson<'a> {
    #[serde(flatten)]
    record: &'a mamori_jobs::run::RunRecord,
    delivery: mamori_jobs::outbox::FlushReport,
    outbox: Option<String>,
}

async fn run_one(settings: &Settings, args: &JobRunArgs) -> anyhow::Result<ExitStatus> {
    let spec = find_job(settings, &args.name)?;
    let now = Utc::now();
    let scheduled_for = match &args.as_of {
        Some(text) => as_of(&spec, text)?,
        None => now.with_nanosecond(0).unwrap_or(now),
    };
    let (context, transport) = job_context(settings).await?;
    let state = context.store.register_job(spec.name(), now).await?;
    let record = run_job(
        &context,
        &spec,
        state.approved_fingerprint.as_deref(),
        RunRequest {
            scheduled_for,
            trigger: RunTrigger::Manual,
            dry_run: args.dry_run,
            now,
        },
    )
    .await?;
    let name = holder();
    let delivery = if args.dry_run {
        mamori_jobs::outbox::FlushReport::default()
    } else {
        flush(
            &context.store,
            &transport,
            &context.mail,
            &RetryPolicy::standard(),
            &SystemClock,
            sender(&name),
        )
        .await?
    };
    context.store.close().await;
    let outbox = match &context.mail.transport {
        TransportUrl::File { dir } => Some(dir.display().to_string()),
        TransportUrl::Smtp(_) => None,
    };
    if args.json {
        printer::json(&RunJson {
            record: &record,
            delivery,
            outbox,
        })?;
    } else {
        printer::line(&format!("{}: {}", record.job, status_label(record.status)));
        printer::line(&format!("  {}", record.detail));
        for stage in &record.stages {
            printer::line(&format!(
                "  - {} [{}] {}",
                stage.stage, stage.outcome, stage.detail
            ));
        }
        for file in &record.files {
            printer::line(&format!("  報告書: {}", file.display()));
        }
        if let Some(folder) = &record.preview {
            printer::line(&format!("  プレビュー: {}", folder.display()));
        }
        if delivery.sent > 0 {
            match &outbox {
                Some(folder) => printer::line(&format!("  メール {} 通: {folder}", delivery.sent)),
                None => printer::line(&format!("  メール {} 通を送信しました", delivery.sent)),
            }
        }
        if delivery.retrying > 0 || delivery.failed > 0 || delivery.dead > 0 {
            printer::note(&format!(
                "送信できなかったメールがあります（再試行待ち {}、失敗 {}、断念 {}）。`mamori mail outbox` で確認してください",
                delivery.retrying, delivery.failed, delivery.dead
            ));
        }
    }
    Ok(
        // Mail waiting for a retry has not been delivered yet: a script hears about it (the
        // daemon, or `mamori mail flush`, delivers it later).
        if record.status == "failed"
            || delivery.failed > 0
            || delivery.dead > 0
            || delivery.retrying > 0
        {
            ExitStatus::Failure
        } else {
            ExitStatus::Success
        },
    )
}

async fn approve(settings: &Settings, args: &JobNameArgs) -> anyhow::Result<ExitStatus> {
    let spec = find_job(settings, &args.name)?;
    let store = crate::commands::open_or_create_store(settings).await?;
    store
        .approve_job(spec.name(), &spec.recipients_fingerprint(), Utc::now())
        .await?;
    store.close().await;
    printer::line(&format!("ジョブ `{}` の宛先を承認しました:", spec.name()));
    for recipient in spec.mail().to().iter().chain(spec.mail().cc()) {
        printer::line(&format!("  {recipient}"));
    }
    if let mamori_jobs::spec::JobKind::FiguresReminder(kind) = spec.kind() {
        for (agency, address) in kind.contacts() {
            printer::line(&format!("  {agency}: {address}"));
        }
    }
    let store = crate::commands::open_or_create_store(settings).await?;
    let waiting = store
        .runs(Some(spec.name()), 20)
        .await?
        .into_iter()
        .take_while(|run| run.status != mamori_store::RunStatus::Sent)
        .filter(|run| {
            run.status == mamori_store::RunStatus::Preview
                && run.trigger != mamori_store::RunTrigger::DryRun
        })
        .collect::<Vec<_>>();
    store.close().await;
    let zone = spec.schedule().zone();
    for run in &waiting {
        let local = run.scheduled_for.with_timezone(&zone);
        printer::line(&format!(
            "承認前の実行（{}）のメールは送られていません。今送るには: mamori jobs run {} --as-of {}",
            local.format("%Y-%m-%d %H:%M"),
            spec.name(),
            local.to_rfc3339()
        ));
    }
    printer::note("宛先を変えると、次の実行はまたプレビューだけになり、承認を待ちます。");
    Ok(ExitStatus::Success)
}

#[derive(Debug, Serialize)]
struct HistoryJson {
    id: i64,
    job: String,
    scheduled_for: String,
    trigger: &'static str,
    started_at: String,
    finished_at: Option<String>,
    status: &'static str,
    detail: String,
    stages: serde_json::Value,
}

async fn history(settings: &Settings, args: &JobHistoryArgs) -> anyhow::Result<ExitStatus> {
    let store = crate::commands::open_existing_store(settings).await?;
    let runs = store.runs(args.name.as_deref(), args.limit).await?;
    store.close().await;
    let runs: Vec<HistoryJson> = runs
        .into_iter()
        .map(|run| HistoryJson {
            id: run.id,
            job: run.job,
            scheduled_for: run
                .scheduled_for
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            trigger: run.trigger.as_str(),
            started_at: run
                .started_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            finished_at: run
                .finished_at
                .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            status: run.status.as_str(),
            detail: run.detail,
            stages: serde_json::from_str(&run.stages).unwrap_or(serde_json::Value::Null),
        })
        .collect();
    if args.json {
        printer::json(&runs)?;
        return Ok(ExitStatus::Success);
    }
    let tokyo = chrono_tz::Asia::Tokyo;
    let rows = runs
        .iter()
        .map(|run| {
            let stages = run
                .stages
                .as_array()
                .map(|stages| {
                    stages
                        .iter()
                        .map(|stage| {
                            format!(
                                "{} [{}] {}",
                                stage["stage"].as_str().unwrap_or_default(),
                                stage["outcome"].as_str().unwrap_or_default(),
                                stage["detail"].as_str().unwrap_or_default()
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                })
                .unwrap_or_default();
            let when = DateTime::parse_from_rfc3339(&run.scheduled_for)
                .map(|time| {
                    time.with_timezone(&tokyo)
                        .format("%Y-%m-%d %H:%M")
                        .to_string()
                })
                .unwrap_or_else(|_| run.scheduled_for.clone());
            vec![
                run.id.to_string(),
                run.job.clone(),
                when,
                trigger_label(run.trigger).to_owned(),
                status_label(run.status).to_owned(),
                if stages.is_empty() {
                    run.detail.clone()
                } else {
                    format!("{}\n{stages}", run.detail)
                },
            ]
        })
        .collect();
    printer::table(
        &["#", "ジョブ", "予定時刻 (JST)", "契機", "結果", "内容"],
        rows,
    );
    Ok(ExitStatus::Success)
}

async fn daemon(settings: &Settings) -> anyhow::Result<ExitStatus> {
    let (context, transport) = job_context(settings).await?;
    let config = DaemonConfig {
        jobs_dir: settings.jobs_dir.clone(),
        closed: ClosedDays::new(settings.closed_days.clone()),
        retry: RetryPolicy::standard(),
        holder: holder(),
        holder_is_gone,
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // Registered before the daemon starts, so a SIGTERM right after start-up is not lost.
    let signals = Signals::register()?;
    tokio::spawn(async move {
        signals.wait().await;
        tracing::info!("stopping after the job in hand");
        let _ = stop.send(true);
    });
    let clock: &dyn Clock = &SystemClock;
    let result = run_daemon(&context, &transport, &config, clock, stopped).await;
    context.store.close().await;
    match result {
        Ok(()) => Ok(ExitStatus::Success),
        Err(error @ mamori_jobs::daemon::DaemonError::Locked { .. }) => {
            printer::note(&format!("{error}"));
            Ok(ExitStatus::Error)
        }
        Err(error) => Err(error.into()),
    }
}

/// SIGTERM (systemd, `kill`) or SIGINT (Ctrl-C).
struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    fn register() -> anyhow::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                terminate: signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?,
                interrupt: signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?,
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Signals {})
        }
    }

    async fn wait(self) {
        #[cfg(unix)]
        {
            let Signals {
                mut terminate,
                mut interrupt,
            } = self;
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// The wall clock: the CLI is where "now" comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// This process as a sender of the outbox.
pub(crate) fn sender(name: &str) -> Holder<'_> {
    Holder {
        name,
        is_gone: holder_is_gone,
    }
}

/// Whether `holder` (`host:pid`) is a process of this host that no longer runs: no such
/// process, a zombie, or a process that is not mamori (the number was reused).
pub(crate) fn holder_is_gone(holder: &str) -> bool {
    let Some((host, pid)) = holder.rsplit_once(':') else {
        return false;
    };
    let this = self::holder();
    let Some((this_host, _)) = this.rsplit_once(':') else {
        return false;
    };
    if host != this_host || pid.parse::<u32>().is_err() || !cfg!(target_os = "linux") {
        return false;
    }
    let process = std::path::Path::new("/proc").join(pid);
    // Only a process that is certainly not there counts as gone: a /proc we may not read
    // (hidepid) says nothing, and releasing a live sender's leases could send mail twice.
    let stat = match std::fs::read_to_string(process.join("stat")) {
        Ok(stat) => stat,
        Err(error) => return error.kind() == std::io::ErrorKind::NotFound,
    };
    // The state follows the parenthesised command name: `1234 (mamori) Z …`.
    let zombie = stat
        .rsplit_once(')')
        .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'));
    let mamori = std::fs::read(process.join("cmdline")).map_or(true, |command| {
        String::from_utf8_lossy(&command).contains("mamori")
    });
    zombie || !mamori
}

/// `host:pid`, naming this process in leases.
pub(crate) fn holder() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|name| name.trim().to_owned())
        .unwrap_or_else(|_| "localhost".to_owned());
    format!("{host}:{}", std::process::id())
}

/// The run context and the mail transport from the settings.
pub(crate) async fn job_context(settings: &Settings) -> anyhow::Result<(JobContext, Transport)> {
    let (mail, transport) = mail_settings(settings)?;
    let store = crate::commands::open_or_create_store(settings).await?;
    let context = JobContext {
        store,
        schema: settings.schema.clone(),
        city: settings.city.clone(),
        rollup: settings.rollup.clone(),
        templates: mamori_jobs::stage::report::load_templates(
            settings.report_templates.as_deref(),
        )?,
        audit_ruleset: settings.audit_ruleset.clone(),
        audit_clauses: settings.audit_clauses.clone(),
        mail,
        data_dir: settings.data_dir.clone(),
    };
    Ok((context, transport))
}

/// `[mail]` as the jobs crate takes it, and the transport it names.
pub(crate) fn mail_settings(settings: &Settings) -> anyhow::Result<(MailSettings, Transport)> {
    let mut url = TransportUrl::parse(&settings.mail.url)
        .with_context(|| "[mail] url / MAMORI_SMTP_URL".to_owned())?;
    if let (TransportUrl::Smtp(smtp), Some(ca_file)) = (&mut url, &settings.mail.ca_file) {
        let pem = std::fs::read(ca_file)
            .with_context(|| format!("[mail] ca-file `{}` を読めません", ca_file.display()))?;
        smtp.extra_root_certificates.push(pem);
    }
    let from = settings
        .mail
        .from
        .parse()
        .with_context(|| format!("[mail] from `{}`", settings.mail.from))?;
    let admin = settings
        .mail
        .admin
        .as_deref()
        .map(|admin| {
            admin
                .parse()
                .with_context(|| format!("[mail] admin `{admin}`"))
        })
        .transpose()?;
    let transport = Transport::new(&url, settings.mail.password.clone())
        .with_context(|| format!("mail transport `{url}`"))?;
    Ok((
        MailSettings {
            from,
            admin,
            transport: url,
            webhook: settings.mail.webhook.clone(),
        },
        transport,
    ))
}
