//! Settings: defaults in code, then an optional `heartland.toml`, then `HEARTLAND_*`
//! environment variables (and `DATABASE_URL`), then command-line flags. Secrets are wrapped so
//! that printing the settings never shows them.

use secrecy::{ExposeSecret, SecretString};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Settings {
    /// Address to listen on.
    pub bind: String,
    /// Holds the SQLite file, the search index and written mail.
    pub data_dir: PathBuf,
    /// `postgres://…` or a SQLite path; unset means `<data_dir>/heartland.db`.
    pub database_url: Option<SecretString>,
    /// The address people reach the service at, for links in emails. Unset: the address the
    /// server listens on (right for the demo; set it when a proxy or a domain is in front).
    pub base_url: Option<String>,
    /// Sender of emails; its domain also names Message-IDs.
    pub mail_from: String,
    /// `smtp://…`; unset means emails are written as files under `<data_dir>/mail`.
    pub smtp_url: Option<SecretString>,
    /// How long an API token lives.
    pub token_ttl_hours: i64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The largest CSV file an import takes (default 32 MiB: some 50,000 profiles).
    pub import_max_bytes: usize,
    /// The programme's targets for a period (0: none): enterprises supported per track (KTP and
    /// procurement: organisations; mentoring: newcomers with a business), and participants.
    pub target_enterprises_ktp: u64,
    pub target_enterprises_mentoring: u64,
    pub target_enterprises_procurement: u64,
    pub target_participants: u64,
    /// The minimum share of the under-represented gender among participants.
    pub gender_minimum: f64,
    /// An active profile, need or offer untouched this many days is asked "still current?".
    pub freshness_days: i64,
    /// Without an answer this many days after asking, it goes `stale` (out of matching).
    pub freshness_answer_days: i64,
    /// Weekly digests go out on this day (1 = Monday … 7 = Sunday), from this hour of the
    /// person's morning (Europe/Stockholm or Europe/Oslo) until noon; a digest missed then
    /// (the service was down) goes on a later morning of the same week.
    pub digest_weekday: u8,
    pub digest_hour: u8,
    /// Newsletters leave the outbox at most this many per minute.
    pub newsletter_per_minute: u32,
    /// `required` (unset means required) or `optional`: whether officers and admins must use a
    /// second factor (TOTP). `serve --demo` makes it `optional` unless it is set.
    pub staff_second_factor: Option<String>,
    /// The privacy notice (`/privacy`): who controls the data, how to reach them and the data
    /// protection officer, and the processors (`;`-separated).
    pub privacy_controller: String,
    pub privacy_contact: String,
    pub privacy_dpo: String,
    pub privacy_processors: String,
    /// Where feedback on accessibility goes (`/accessibility`).
    pub accessibility_contact: String,
    /// Single sign-on: the municipalities' OpenID Connect providers, as a JSON list (see
    /// `crate::sso::Provider`). Unset: none.
    pub oidc_providers: Option<String>,
    pub db_pool_size: u32,
    /// Password hashes verified at once; more wait, so a storm of sign-ins cannot starve the
    /// blocking pool.
    pub password_hash_concurrency: usize,
    /// Key of the signed accept/decline links in emails. Unset: a random key kept in
    /// `<data_dir>/link.key` (set it when several nodes share one database).
    pub link_secret: Option<SecretString>,
    /// Days an introduction waits for answers before it expires.
    pub introduction_ttl_days: i64,
    /// Days after the proposal on which a party who has not answered is reminded, e.g. `3,7`.
    pub reminder_days: String,
    /// Unanswered introductions a person may have; more are refused until they answer.
    pub max_pending_introductions: i64,
    /// Tries of an email before it is marked failed (temporary failures only).
    pub mail_max_attempts: i32,
    /// First wait before a retry, in seconds; doubled at each try, at most an hour.
    pub mail_retry_base_seconds: i64,
    /// How often the mailer looks for due emails and due reminders (it is also woken at once
    /// when an email is queued).
    pub mail_poll_seconds: u64,
    /// How long a send may hold an email before another try may take it over.
    pub mail_lease_seconds: i64,
    /// Timeout of one SMTP conversation, in seconds.
    pub smtp_timeout_seconds: u64,
    /// Days after which the content of sent emails is purged.
    pub mail_retention_days: i64,
    /// A browser session ends after this many minutes without a request…
    pub session_idle_minutes: i64,
    /// …and this many hours after sign-in, whatever happens.
    pub session_absolute_hours: i64,
    /// Served over TLS by a proxy in front (the session cookie is then `Secure` and `__Host-`,
    /// and HSTS is sent), as when `base_url` starts with `https://`.
    pub tls_proxy: bool,
    /// Proxies whose `X-Forwarded-For` is believed (comma-separated addresses); from anyone
    /// else the header is ignored.
    pub trusted_proxies: String,
    /// Whether sign-in, registration, password reset and token creation are rate limited.
    pub rate_limits: bool,
    /// Profiles untouched this long are anonymised (their people warned 30 days ahead).
    pub retention_months: i64,
    /// The bearer token `/metrics` asks for; unset, `/metrics` is off (404).
    pub metrics_token: Option<SecretString>,
    /// `/readyz` answers 503 while the search index is further behind the database than this.
    pub ready_max_lag_seconds: u64,
}

impl Settings {
    /// Loads the settings, reading `heartland.toml` from `config_file` when given, else from
    /// the working directory when it is there.
    pub fn load(config_file: Option<&Path>) -> anyhow::Result<Settings> {
        let file = config_file.unwrap_or_else(|| Path::new("heartland.toml"));
        let mut builder = config::Config::builder()
            .set_default("bind", "127.0.0.1:8080")?
            .set_default("data_dir", "data")?
            .set_default(
                "mail_from",
                "Heartland Match <noreply@heartland-match.example>",
            )?
            .set_default("token_ttl_hours", 24 * 30)?
            .set_default("max_body_bytes", 1024 * 1024)?
            .set_default("import_max_bytes", 32 * 1024 * 1024)?
            .set_default("freshness_days", 90)?
            .set_default("target_enterprises_ktp", 0)?
            .set_default("target_enterprises_mentoring", 0)?
            .set_default("target_enterprises_procurement", 0)?
            .set_default("target_participants", 0)?
            .set_default("gender_minimum", 0.4)?
            .set_default("freshness_answer_days", 30)?
            .set_default("digest_weekday", 1)?
            .set_default("digest_hour", 7)?
            .set_default("newsletter_per_minute", 120)?
            .set_default(
                "privacy_controller",
                "Heartland Match – the cross-border programme's office (demo: set HEARTLAND_PRIVACY_CONTROLLER)",
            )?
            .set_default("privacy_contact", "privacy@heartland-match.example")?
            .set_default("privacy_dpo", "dpo@heartland-match.example")?
            .set_default(
                "privacy_processors",
                "the hosting provider of this service; the email provider that delivers its emails",
            )?
            .set_default("accessibility_contact", "accessibility@heartland-match.example")?
            .set_default("db_pool_size", 16)?
            .set_default("password_hash_concurrency", 2)?
            .set_default("introduction_ttl_days", 14)?
            .set_default("reminder_days", "3,7")?
            .set_default("max_pending_introductions", 5)?
            .set_default("mail_max_attempts", 8)?
            .set_default("mail_retry_base_seconds", 30)?
            .set_default("mail_poll_seconds", 5)?
            .set_default("mail_lease_seconds", 120)?
            .set_default("smtp_timeout_seconds", 30)?
            .set_default("mail_retention_days", 30)?
            .set_default("session_idle_minutes", 30)?
            .set_default("session_absolute_hours", 12)?
            .set_default("tls_proxy", false)?
            .set_default("trusted_proxies", "")?
            .set_default("rate_limits", true)?
            .set_default("retention_months", 24)?
            .set_default("ready_max_lag_seconds", 30)?
            .add_source(config::File::from(file).required(config_file.is_some()))
            .add_source(config::Environment::with_prefix("HEARTLAND").try_parsing(true));
        if let Ok(url) = std::env::var("DATABASE_URL") {
            builder = builder.set_override("database_url", url)?;
        }
        let settings: Settings = builder.build()?.try_deserialize()?;
        if let Some(v) = &settings.staff_second_factor {
            if !matches!(v.trim(), "required" | "optional") {
                anyhow::bail!(
                    "HEARTLAND_STAFF_SECOND_FACTOR must be required or optional, not {v:?}"
                );
            }
        }
        Ok(settings)
    }

    /// The database to open: `DATABASE_URL` when set, else the SQLite file in the data dir.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.expose_secret().is_empty() => url.expose_secret().to_string(),
            _ => self
                .data_dir
                .join("heartland.db")
                .to_string_lossy()
                .into_owned(),
        }
    }

    /// The address for links in emails, without a trailing slash.
    pub fn base_url(&self) -> String {
        match &self.base_url {
            Some(b) if !b.trim().is_empty() => b.trim().trim_end_matches('/').to_string(),
            _ => format!("http://{}", self.bind.replace("0.0.0.0", "localhost")),
        }
    }

    /// Whether people reach the service over TLS.
    pub fn tls(&self) -> bool {
        self.tls_proxy || self.base_url().starts_with("https://")
    }

    /// The session cookie's name: `__Host-` needs `Secure`, which needs TLS.
    pub fn session_cookie(&self) -> &'static str {
        if self.tls() {
            "__Host-hm_session"
        } else {
            "hm_session"
        }
    }

    /// The reminder days, in order (`3,7` → `[3, 7]`); what does not parse is left out.
    pub fn reminder_days(&self) -> Vec<i64> {
        let mut days: Vec<i64> = self
            .reminder_days
            .split(',')
            .filter_map(|d| d.trim().parse().ok())
            .filter(|d| *d > 0)
            .collect();
        days.sort_unstable();
        days.dedup();
        days
    }

    /// The key that signs links: the configured one, else the one kept in the data directory
    /// (made on first use).
    pub fn link_key(&self) -> anyhow::Result<Vec<u8>> {
        if let Some(s) = &self.link_secret {
            if !s.expose_secret().is_empty() {
                return Ok(s.expose_secret().as_bytes().to_vec());
            }
        }
        let path = self.data_dir.join("link.key");
        if let Ok(hex_key) = std::fs::read_to_string(&path) {
            if let Ok(key) = hex::decode(hex_key.trim()) {
                if key.len() >= 32 {
                    return Ok(key);
                }
            }
        }
        crate::private_files::create_dir(&self.data_dir)?;
        let key: [u8; 32] = rand::random();
        let tmp = path.with_extension("tmp");
        crate::private_files::write(&tmp, hex::encode(key).as_bytes())?;
        // Two processes starting at once: the first rename wins and both read it back.
        if !path.exists() {
            std::fs::rename(&tmp, &path)?;
        } else {
            let _ = std::fs::remove_file(&tmp);
        }
        let stored = std::fs::read_to_string(&path)?;
        Ok(hex::decode(stored.trim())?)
    }

    /// The sender's bare address (`Name <a@b>` → `a@b`), for calendar invitations.
    pub fn mail_from_address(&self) -> String {
        let from = self.mail_from.trim();
        match (from.rfind('<'), from.rfind('>')) {
            (Some(a), Some(b)) if a < b => from[a + 1..b].trim().to_string(),
            _ => from.to_string(),
        }
    }

    /// The domain of the sender address, for Message-IDs.
    pub fn mail_domain(&self) -> String {
        self.mail_from
            .rsplit('@')
            .next()
            .map(|d| d.trim_end_matches('>').to_string())
            .unwrap_or_else(|| "localhost".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let mut s = Settings::load(None).unwrap();
        s.database_url = Some(SecretString::from("postgres://u:hunter2@db/heartland"));
        let printed = format!("{s:?}");
        assert!(!printed.contains("hunter2"), "{printed}");
        assert_eq!(s.database_url(), "postgres://u:hunter2@db/heartland");
    }

    #[test]
    fn the_default_database_is_a_sqlite_file_in_the_data_dir() {
        let mut s = Settings::load(None).unwrap();
        s.database_url = None;
        assert!(s.database_url().ends_with("heartland.db"));
        assert_eq!(s.mail_domain(), "heartland-match.example");
    }
}
