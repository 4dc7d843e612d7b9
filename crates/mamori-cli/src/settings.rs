//! The application config file `mamori.toml` (wire types, kebab-case, unknown keys refused) and
//! its resolution, with the command line, into validated settings.
//!
//! ```toml
//! [store]
//! path = "mamori-data/mamori.db"      # or: url = "postgres://…"
//!
//! [city]
//! name = "〇〇市"
//! section = "総務部総務課"
//! contact = "電話 0000-00-0000"
//!
//! [report]
//! templates = "my-templates"          # annual_page.html, annual_fragment.html, annual.md here
//!                                     # replace the built-in ones (relative to this file)
//!
//! [agencies]
//! default-body = "市長"               # where departments' figures go (町長 for a town)
//! [agencies.departments]              # departments that belong to another 実施機関
//! "水道課" = "公営企業管理者"
//!
//! [audit]
//! ruleset = "checklist.toml"          # the city's own checklist (start from `mamori audit rules`)
//! clauses = "clauses"                 # 1.md … 8.md: the city's wording to suggest
//!
//! [mail]
//! url = "smtp+starttls://soumu@mail.city.example.jp:587"   # default: file://<data dir>/outbox
//! from = "総務課 <soumu@city.example.jp>"
//! admin = "johosys@city.example.jp"   # failed runs and undeliverable mail are reported here
//! password-file = "/etc/mamori/smtp-password"   # or MAMORI_SMTP_PASSWORD; never in this file
//! ca-file = "city-ca.pem"             # the city's own CA for its mail server, if any
//! webhook = "https://chat.city.example.jp/hooks/abc"   # failure alerts are posted here too
//!
//! [jobs]
//! folder = "jobs"                     # job files (*.toml), relative to this file
//!
//! [calendar.closed]                   # days city hall is closed besides weekends, national
//! "2026-11-24" = "庁舎設備点検"       # holidays and 29 Dec – 3 Jan
//!
//! [categories.synonyms]               # more wording for existing categories
//! nonexistent = ["不存在等"]
//!
//! [[categories.add]]                  # a category the default schema lacks
//! key = "transferred"
//! label = "移送"
//! family = "disclosure_requests"
//! group = "処理の状況"
//! synonyms = ["他機関へ移送"]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use mamori_core::{Agency, Category, CategorySchema};
use mamori_report::{City, Rollup};
use mamori_store::StoreConfig;
use serde::Deserialize;

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigWire {
    /// Where the store is.
    pub store: Option<StoreWire>,
    /// Who publishes (used by reports).
    pub city: Option<CityWire>,
    /// Changes to the category schema.
    pub categories: Option<CategoriesWire>,
    /// How reports are written.
    pub report: Option<ReportWire>,
    /// Which 実施機関 departments belong to.
    pub agencies: Option<AgenciesWire>,
    /// How contracts are audited.
    pub audit: Option<AuditWire>,
    /// How mail is sent.
    pub mail: Option<MailWire>,
    /// Where job files are.
    pub jobs: Option<JobsWire>,
    /// Days city hall is closed besides weekends, holidays and 年末年始.
    pub calendar: Option<CalendarWire>,
    /// The web pages (`mamori serve`).
    pub serve: Option<ServeWire>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServeWire {
    /// The address to listen on (default 127.0.0.1:8080). Any other than loopback needs
    /// `token-file` or `users`.
    pub bind: Option<String>,
    /// A file holding the bearer token for scripts (also accepted at the sign-in page).
    pub token_file: Option<PathBuf>,
    /// People who sign in, with argon2 hashes from `mamori serve hash-password`.
    #[serde(default)]
    pub users: Vec<ServeUserWire>,
    /// The largest upload, in MiB (default 20).
    pub upload_limit_mib: Option<u64>,
    /// A folder of page templates replacing the built-in ones, relative to the config file.
    pub templates: Option<PathBuf>,
    /// Mark cookies `Secure` (when the service is reached over HTTPS through a proxy).
    #[serde(default)]
    pub secure_cookies: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServeUserWire {
    pub name: String,
    pub password_hash: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MailWire {
    /// The transport: `smtp+starttls://user@host:587`, `smtps://host:465`, `smtp://127.0.0.1:25`
    /// (loopback only) or `file://DIR`. `MAMORI_SMTP_URL` wins over it.
    pub url: Option<String>,
    /// The sender, e.g. `総務課 <soumu@city.example.jp>`.
    pub from: Option<String>,
    /// Who hears about failed runs and undeliverable mail.
    pub admin: Option<String>,
    /// A file holding the SMTP password (`MAMORI_SMTP_PASSWORD` wins over it).
    pub password_file: Option<PathBuf>,
    /// A PEM file with the CA that signed the mail server's certificate.
    pub ca_file: Option<PathBuf>,
    /// A URL failure alerts are posted to as JSON.
    pub webhook: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct JobsWire {
    /// The folder of job files, relative to the config file (default `jobs`).
    pub folder: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CalendarWire {
    /// Date (`YYYY-MM-DD`) → why city hall is closed that day.
    #[serde(default)]
    pub closed: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AuditWire {
    /// A checklist (ruleset TOML) replacing the built-in one, relative to the config file.
    pub ruleset: Option<PathBuf>,
    /// A folder of clause wording (`1.md` … `8.md`) replacing the built-in texts it names.
    pub clauses: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ReportWire {
    /// A folder of templates replacing the built-in ones, relative to the config file.
    pub templates: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AgenciesWire {
    /// The 実施機関 a department belongs to unless listed below (default 市長).
    pub default_body: Option<String>,
    /// Department → 実施機関.
    #[serde(default)]
    pub departments: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StoreWire {
    /// A SQLite file, relative to the config file's folder.
    pub path: Option<PathBuf>,
    /// A `sqlite://` or `postgres://` URL.
    pub url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CityWire {
    /// The city's name as published (e.g. 〇〇市).
    pub name: Option<String>,
    /// The section that publishes (e.g. 総務部総務課).
    pub section: Option<String>,
    /// Contact line for published pages.
    pub contact: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CategoriesWire {
    /// More header wording for existing categories, by key.
    #[serde(default)]
    pub synonyms: BTreeMap<String, Vec<String>>,
    /// Published labels replacing the defaults, by key.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Categories the default schema lacks.
    #[serde(default)]
    pub add: Vec<NewCategoryWire>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NewCategoryWire {
    pub key: String,
    pub label: String,
    /// The request category whose decisions it counts; its own key for a request category.
    pub family: String,
    /// The published group header, e.g. 処理の状況.
    pub group: Option<String>,
    #[serde(default)]
    pub synonyms: Vec<String>,
}

/// Resolved settings for a command.
#[derive(Debug, Clone)]
pub struct Settings {
    pub store: StoreConfig,
    /// The folder for generated files (the store's folder for SQLite).
    pub data_dir: PathBuf,
    pub schema: CategorySchema,
    /// Who publishes reports.
    pub city: City,
    /// Where departments' figures go.
    pub rollup: Rollup,
    /// A folder of report templates replacing the built-in ones.
    pub report_templates: Option<PathBuf>,
    /// A ruleset file replacing the built-in checklist.
    pub audit_ruleset: Option<PathBuf>,
    /// A folder of clause wording replacing the built-in texts.
    pub audit_clauses: Option<PathBuf>,
    pub mail: MailConfig,
    /// The folder of job files.
    pub jobs_dir: PathBuf,
    /// The city's own closed days.
    pub closed_days: BTreeMap<chrono::NaiveDate, String>,
    pub serve: ServeConfig,
}

/// `[serve]` resolved. The token stays out of `Debug`.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub bind: String,
    pub token: Option<mamori_mail::Secret>,
    /// (name, argon2 PHC string).
    pub users: Vec<(String, String)>,
    pub upload_limit_bytes: u64,
    pub templates: Option<PathBuf>,
    pub secure_cookies: bool,
}

/// `[mail]` resolved with the environment. The password stays out of `Debug`.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub url: String,
    pub from: String,
    pub admin: Option<String>,
    pub password: Option<mamori_mail::Secret>,
    pub ca_file: Option<PathBuf>,
    pub webhook: Option<mamori_mail::Secret>,
}

/// Reads `mamori.toml` (the named one, else ./mamori.toml if present) and resolves the store:
/// `--db` wins over the file, which wins over ./mamori-data/mamori.db.
pub fn resolve(config_path: Option<&Path>, db: Option<&str>) -> anyhow::Result<Settings> {
    let (wire, base) = match config_path {
        Some(path) => (
            read_config(path)?,
            path.parent().map(Path::to_path_buf).unwrap_or_default(),
        ),
        None if Path::new("mamori.toml").is_file() => {
            (read_config(Path::new("mamori.toml"))?, PathBuf::new())
        }
        None => (ConfigWire::default(), PathBuf::new()),
    };
    let schema =
        schema_from(wire.categories.as_ref()).context("invalid [categories] in mamori.toml")?;
    let store_wire = wire.store.unwrap_or_default();
    if store_wire.path.is_some() && store_wire.url.is_some() {
        anyhow::bail!("[store] in mamori.toml names both `path` and `url`: keep one");
    }
    let (store, data_dir) = match (db, store_wire.url, store_wire.path) {
        (Some(db), _, _) => store_from_argument(db),
        (None, Some(url), _) => store_from_argument(&url),
        (None, None, Some(path)) => {
            let path = base.join(path);
            (StoreConfig::sqlite_file(&path), parent_or_here(&path))
        }
        (None, None, None) => {
            let path = PathBuf::from("mamori-data").join("mamori.db");
            (
                StoreConfig::sqlite_file(&path),
                PathBuf::from("mamori-data"),
            )
        }
    };
    let city = wire
        .city
        .map(|city| City {
            name: city.name.unwrap_or_default(),
            section: city.section,
            contact: city.contact,
        })
        .unwrap_or_default();
    let rollup =
        rollup_from(wire.agencies.as_ref()).context("invalid [agencies] in mamori.toml")?;
    let report_templates = wire
        .report
        .and_then(|report| report.templates)
        .map(|path| base.join(path));
    let audit = wire.audit.unwrap_or_default();
    let mail = mail_from(wire.mail.unwrap_or_default(), &base, &data_dir)?;
    let jobs_dir = base.join(
        wire.jobs
            .and_then(|jobs| jobs.folder)
            .unwrap_or_else(|| PathBuf::from("jobs")),
    );
    let mut closed_days = BTreeMap::new();
    for (date, reason) in wire.calendar.unwrap_or_default().closed {
        let day = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").with_context(|| {
            format!("[calendar.closed] in mamori.toml: `{date}` is not a date like 2026-11-24")
        })?;
        closed_days.insert(day, reason);
    }
    let serve = serve_from(wire.serve.unwrap_or_default(), &base)?;
    Ok(Settings {
        store,
        data_dir,
        schema,
        city,
        rollup,
        report_templates,
        audit_ruleset: audit.ruleset.map(|path| base.join(path)),
        audit_clauses: audit.clauses.map(|path| base.join(path)),
        mail,
        jobs_dir,
        closed_days,
        serve,
    })
}

/// `[serve]` with the token read from its file.
fn serve_from(wire: ServeWire, base: &Path) -> anyhow::Result<ServeConfig> {
    let token = match &wire.token_file {
        Some(file) => {
            let path = base.join(file);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("[serve] token-file `{}` を読めません", path.display()))?;
            Some(mamori_mail::Secret::new(text.trim().to_owned()))
        }
        None => None,
    };
    Ok(ServeConfig {
        bind: wire.bind.unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
        token,
        users: wire
            .users
            .into_iter()
            .map(|user| (user.name, user.password_hash))
            .collect(),
        upload_limit_bytes: wire.upload_limit_mib.unwrap_or(20) * 1024 * 1024,
        templates: wire.templates.map(|path| base.join(path)),
        secure_cookies: wire.secure_cookies,
    })
}

/// `[mail]` with `MAMORI_SMTP_URL` and `MAMORI_SMTP_PASSWORD` applied. Mail goes into
/// `<data dir>/outbox` as `.eml` files unless a transport is configured.
fn mail_from(wire: MailWire, base: &Path, data_dir: &Path) -> anyhow::Result<MailConfig> {
    let url = std::env::var("MAMORI_SMTP_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
        .or(wire.url)
        .unwrap_or_else(|| format!("file://{}", data_dir.join("outbox").display()));
    let password = match std::env::var("MAMORI_SMTP_PASSWORD") {
        Ok(password) if !password.is_empty() => Some(password),
        _ => match &wire.password_file {
            Some(file) => {
                let path = base.join(file);
                let text = std::fs::read_to_string(&path).with_context(|| {
                    format!("[mail] password-file `{}` を読めません", path.display())
                })?;
                Some(text.trim_end_matches(['\r', '\n']).to_owned())
            }
            None => None,
        },
    };
    Ok(MailConfig {
        url,
        from: wire
            .from
            .unwrap_or_else(|| "mamori <mamori@localhost>".to_owned()),
        admin: wire.admin,
        password: password.map(mamori_mail::Secret::new),
        ca_file: wire.ca_file.map(|path| base.join(path)),
        webhook: wire.webhook.map(mamori_mail::Secret::new),
    })
}

fn store_from_argument(value: &str) -> (StoreConfig, PathBuf) {
    if value.starts_with("sqlite:")
        || value.starts_with("postgres:")
        || value.starts_with("postgresql:")
    {
        (
            StoreConfig {
                url: value.to_owned(),
            },
            PathBuf::from("mamori-data"),
        )
    } else {
        let path = PathBuf::from(value);
        (StoreConfig::sqlite_file(&path), parent_or_here(&path))
    }
}

fn parent_or_here(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn read_config(path: &Path) -> anyhow::Result<ConfigWire> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the config file `{}`", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid config file `{}`", path.display()))
}

/// Departments → 実施機関 as the city assigns them.
fn rollup_from(agencies: Option<&AgenciesWire>) -> anyhow::Result<Rollup> {
    let Some(agencies) = agencies else {
        return Ok(Rollup::default());
    };
    let name = |text: &str| {
        Agency::new(text).with_context(|| format!("an empty 実施機関 name in `{text}`"))
    };
    let mut rollup = match &agencies.default_body {
        Some(body) => Rollup::with_default_body(name(body)?),
        None => Rollup::default(),
    };
    for (department, body) in &agencies.departments {
        rollup.assign(name(department)?, name(body)?);
    }
    Ok(rollup)
}

/// The default schema with a city's changes applied.
pub fn schema_from(categories: Option<&CategoriesWire>) -> anyhow::Result<CategorySchema> {
    let mut schema = CategorySchema::default();
    let Some(categories) = categories else {
        return Ok(schema);
    };
    for added in &categories.add {
        let synonyms: Vec<&str> = added.synonyms.iter().map(String::as_str).collect();
        let category = Category::new(
            &added.key,
            &added.label,
            added.group.as_deref(),
            &added.family,
            &synonyms,
            &[],
        )
        .with_context(|| format!("category `{}`", added.key))?;
        schema.add_category(category)?;
    }
    for (key, synonyms) in &categories.synonyms {
        let synonyms: Vec<&str> = synonyms.iter().map(String::as_str).collect();
        schema.add_synonyms(key, &synonyms)?;
    }
    for (key, label) in &categories.labels {
        schema.set_label(key, label)?;
    }
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use mamori_core::category::HeaderMeaning;

    use super::*;

    #[test]
    fn a_city_maps_its_own_headers() {
        let wire: ConfigWire = toml::from_str(
            r#"
            [categories.synonyms]
            nonexistent = ["不存在等"]
            [[categories.add]]
            key = "transferred"
            label = "移送"
            family = "disclosure_requests"
            group = "処理の状況"
            synonyms = ["他機関へ移送"]
            "#,
        )
        .expect("valid toml");
        let schema = schema_from(wire.categories.as_ref()).expect("valid schema");
        assert!(
            matches!(schema.classify(&["不存在等"]), HeaderMeaning::Category(key) if key.as_str() == "nonexistent")
        );
        assert!(
            matches!(schema.classify(&["他機関へ移送"]), HeaderMeaning::Category(key) if key.as_str() == "transferred")
        );
    }

    #[test]
    fn city_report_and_agencies_sections_resolve() {
        let directory = tempfile::tempdir().expect("tempdir");
        let config = directory.path().join("mamori.toml");
        std::fs::write(
            &config,
            r#"
            [city]
            name = "みほん町"
            contact = "電話 0000-00-0000"
            [report]
            templates = "layouts"
            [agencies]
            default-body = "町長"
            [agencies.departments]
            "水道課" = "公営企業管理者"
            "#,
        )
        .expect("write");
        let settings = resolve(Some(&config), None).expect("resolves");
        assert_eq!(settings.city.name, "みほん町");
        assert_eq!(settings.city.section, None);
        assert_eq!(
            settings.report_templates,
            Some(directory.path().join("layouts"))
        );
        let body_of = |name: &str| {
            settings
                .rollup
                .body_of(&Agency::new(name).expect("name"))
                .as_str()
                .to_owned()
        };
        assert_eq!(body_of("水道課"), "公営企業管理者");
        assert_eq!(body_of("住民課"), "町長");
        assert_eq!(body_of("教育委員会"), "教育委員会");
    }

    #[test]
    fn typos_fail_loudly() {
        assert!(toml::from_str::<ConfigWire>("[stor]\npath = \"x.db\"").is_err());
        let wire: ConfigWire =
            toml::from_str("[categories.synonyms]\nno_such_key = [\"x\"]").expect("valid toml");
        assert!(schema_from(wire.categories.as_ref()).is_err());
    }

    #[test]
    fn db_argument_wins_and_paths_become_sqlite_urls() {
        let settings = resolve(None, Some("/tmp/x/y.db")).expect("resolves");
        assert_eq!(settings.store.url, "sqlite:///tmp/x/y.db?mode=rwc");
        assert_eq!(settings.data_dir, PathBuf::from("/tmp/x"));
    }
}
