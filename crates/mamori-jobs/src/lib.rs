//! mamori-jobs: scheduled jobs, and the one crate that knows the order of stages.
//!
//! Owns the job files `jobs/*.toml` ([`spec`]: wire format, validation into [`JobSpec`], loading
//! with errors that name the file, key and line), the schedules they declare ([`schedule`]: cron
//! patterns in a time zone, moved off the days city hall is closed, with catch-up after an
//! outage), the run pipeline ([`run`]: import → tally → render, or audit, or the reminder
//! check → mail queued in the transaction that records the run), delivery from the outbox with
//! retries ([`outbox`]), failure alerts ([`alert`]) and the scheduler loop ([`daemon`]). The
//! stages it composes live in [`stage`] when more than one entry point needs them.
//!
//! Must not: read the wall clock or the environment — "now" is a parameter or a [`outbox::Clock`]
//! the caller passes — or know SQL, SMTP or HTTP (mamori-store and mamori-mail do; the webhook
//! post is the one outbound request, through reqwest).
//!
//! Start reading at [`run::run_job`], then [`daemon::tick`].

pub mod alert;
pub mod daemon;
pub mod outbox;
pub mod run;
pub mod schedule;
pub mod spec;
pub mod stage;

pub use schedule::{
    CatchUp, ClosedDays, Due, Fire, OnClosedDay, Schedule, ScheduleError, due, fires_after,
    next_fires,
};
pub use spec::{JobKind, JobSpec, LoadedJobs, SpecError, load_dir, load_file};
