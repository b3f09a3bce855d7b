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
    /// The address people reach the service at, for links in emails.
    pub base_url: String,
    /// Sender of emails; its domain also names Message-IDs.
    pub mail_from: String,
    /// `smtp://…`; unset means emails are written as files under `<data_dir>/mail`.
    pub smtp_url: Option<SecretString>,
    /// How long an API token lives.
    pub token_ttl_hours: i64,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    pub db_pool_size: u32,
    /// Password hashes verified at once; more wait, so a storm of sign-ins cannot starve the
    /// blocking pool.
    pub password_hash_concurrency: usize,
}

impl Settings {
    /// Loads the settings, reading `heartland.toml` from `config_file` when given, else from
    /// the working directory when it is there.
    pub fn load(config_file: Option<&Path>) -> anyhow::Result<Settings> {
        let file = config_file.unwrap_or_else(|| Path::new("heartland.toml"));
        let mut builder = config::Config::builder()
            .set_default("bind", "127.0.0.1:8080")?
            .set_default("data_dir", "data")?
            .set_default("base_url", "http://127.0.0.1:8080")?
            .set_default(
                "mail_from",
                "Heartland Match <noreply@heartland-match.example>",
            )?
            .set_default("token_ttl_hours", 24 * 30)?
            .set_default("max_body_bytes", 1024 * 1024)?
            .set_default("db_pool_size", 16)?
            .set_default("password_hash_concurrency", 2)?
            .add_source(config::File::from(file).required(config_file.is_some()))
            .add_source(config::Environment::with_prefix("HEARTLAND").try_parsing(true));
        if let Ok(url) = std::env::var("DATABASE_URL") {
            builder = builder.set_override("database_url", url)?;
        }
        Ok(builder.build()?.try_deserialize()?)
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
