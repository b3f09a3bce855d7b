//! The mailer: drains the `outbox` (see `db::outbox`). Each due email is leased, rendered from
//! its template in the recipient's language, sent over SMTP (lettre) or written as an `.eml`
//! file, and marked sent; a temporary failure (4xx, a refused or dropped connection, a
//! timeout) is retried with exponential backoff, a permanent one (5xx) fails at once with the
//! server's reply kept for the officer. The Message-ID was fixed when the email was queued,
//! so a retry sends the same message. The mailer only sends: what is due to be written (a
//! reminder, a warning) is queued by `crate::jobs`.

mod details;
mod letters;
pub mod templates;
pub mod views;

use crate::config::Settings;
use crate::db::{self, outbox::OutboxRow, Db, DbError};
use crate::worker::Worker;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Builds the message an outbox row stands for: the same bytes whichever transport sends it.
pub fn message(row: &OutboxRow, settings: &Settings) -> anyhow::Result<Message> {
    let params: serde_json::Value = serde_json::from_str(&row.params)?;
    let values = views::values(&row.template, &row.locale, &params, &settings.base_url());
    let rendered = templates::render(&row.template, &row.locale, &values)?;
    let from: Mailbox = settings
        .mail_from
        .parse()
        .map_err(|e| anyhow::anyhow!("HEARTLAND_MAIL_FROM is not an address: {e}"))?;
    let address = row
        .to_address
        .parse()
        .map_err(|e| anyhow::anyhow!("the recipient's address does not parse: {e}"))?;
    // The display name is encoded by lettre; line breaks are taken out first all the same.
    let name = params["recipient_name"]
        .as_str()
        .map(templates::one_line)
        .filter(|n| !n.is_empty());
    let body = MultiPart::alternative()
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(rendered.text),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(rendered.html),
        );
    let mut builder = Message::builder()
        .from(from)
        .to(Mailbox::new(name, address))
        .message_id(Some(row.message_id.clone()))
        .subject(rendered.subject);
    // Every email of one introduction names it, so that mail programs show them as one thread.
    if let Some(id) = &row.introduction_id {
        let domain = row
            .message_id
            .rsplit('@')
            .next()
            .unwrap_or("heartland-match.example>");
        builder = builder.references(format!("<introduction.{id}@{domain}"));
    }
    // What people asked for (digests, newsletters) carries its one-click way out (RFC 8058):
    // an HTTPS link in production, a POST to which withdraws exactly that purpose.
    if let Some(link) = params["unsubscribe_link"]
        .as_str()
        .filter(|l| !l.is_empty())
    {
        let link = templates::one_line(link);
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{link}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".into(),
            ));
    }
    // A calendar invitation (RFC 5545) goes as an attachment calendar programs import.
    Ok(match params["ics"].as_str() {
        Some(ics) => {
            let method = match params["ics_method"].as_str() {
                Some("CANCEL") => "CANCEL",
                _ => "REQUEST",
            };
            let kind =
                ContentType::parse(&format!("text/calendar; charset=UTF-8; method={method}"))
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            builder.multipart(
                MultiPart::mixed().multipart(body).singlepart(
                    Attachment::new("invitation.ics".into()).body(ics.to_string(), kind),
                ),
            )?
        }
        None => builder.multipart(body)?,
    })
}

/// Why a send did not go through.
#[derive(Debug)]
pub enum SendError {
    /// Worth trying again later (4xx, connection refused or dropped, timeout, full disk).
    Temporary(String),
    /// Will never go through as it is (5xx, an address that does not parse).
    Permanent(String),
}

/// Where emails go.
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files in this directory, one per email, named by its outbox id.
    Files(PathBuf),
}

impl Transport {
    /// SMTP when `smtp_url` is set, else files under `<data_dir>/mail`.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Transport> {
        match &settings.smtp_url {
            Some(url) if !url.expose_secret().is_empty() => {
                let builder =
                    AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                        .map_err(|e| anyhow::anyhow!("HEARTLAND_SMTP_URL is not usable: {e}"))?;
                Ok(Transport::Smtp(
                    builder
                        .timeout(Some(Duration::from_secs(settings.smtp_timeout_seconds)))
                        .build(),
                ))
            }
            _ => {
                // Made at start, so that the folder is there before the first email is.
                let dir = settings.data_dir.join("mail");
                crate::private_files::create_dir(&dir)
                    .map_err(|e| anyhow::anyhow!("cannot make {}: {e}", dir.display()))?;
                Ok(Transport::Files(dir))
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Transport::Smtp(_) => "SMTP".into(),
            Transport::Files(dir) => format!("files in {}", dir.display()),
        }
    }

    pub async fn send(&self, row: &OutboxRow, message: Message) -> Result<(), SendError> {
        match self {
            Transport::Smtp(smtp) => smtp.send(message).await.map(drop).map_err(|e| {
                let reply = e.to_string();
                if e.is_permanent() {
                    SendError::Permanent(reply)
                } else {
                    SendError::Temporary(reply)
                }
            }),
            Transport::Files(dir) => {
                let write = || -> std::io::Result<()> {
                    crate::private_files::create_dir(dir)?;
                    let tmp = dir.join(format!(".{}.tmp", row.id));
                    crate::private_files::write(&tmp, &message.formatted())?;
                    std::fs::rename(&tmp, dir.join(format!("{}.eml", row.id)))
                };
                write().map_err(|e| SendError::Temporary(format!("cannot write the file: {e}")))
            }
        }
    }
}

/// Whether a permanent failure is a mail server's refusal of the address (a 5xx reply that
/// names the mailbox or the recipient: 550, 551, 553, or an enhanced 5.1.x code), not of this
/// one message.
pub fn refused_address(reply: &str) -> bool {
    ["550", "551", "553", "5.1."]
        .iter()
        .any(|c| reply.contains(c))
}

/// How long to wait before try `attempt + 1`: `base · 2^(attempt-1)`, at most an hour.
pub fn backoff(base_seconds: i64, attempt: i32) -> time::Duration {
    let exp = attempt.clamp(1, 20) - 1;
    let secs = base_seconds.max(0).saturating_mul(1_i64 << exp).min(3600);
    time::Duration::seconds(secs)
}

/// The running mailer: one loop per process.
pub struct Mailer {
    worker: Arc<Worker>,
}

impl Mailer {
    /// Starts the loop on the current tokio runtime.
    pub fn start(db: Db, settings: Settings) -> anyhow::Result<Arc<Mailer>> {
        let transport = Arc::new(Transport::from_settings(&settings)?);
        tracing::info!(transport = %transport.describe(), "mailer started");
        let poll = Duration::from_secs(settings.mail_poll_seconds.max(1));
        let worker = Worker::start(poll, move || {
            let (db, settings, transport) = (db.clone(), settings.clone(), transport.clone());
            async move {
                match drain(&db, &settings, &transport).await {
                    Ok(sent) => sent == 0,
                    Err(e) => {
                        tracing::warn!(error = %e, "the mailer could not read the outbox");
                        true
                    }
                }
            }
        });
        Ok(Arc::new(Mailer { worker }))
    }
}

/// `wake` (look for due emails now, after queueing one), `idle_passes` (passes that found
/// nothing left to send: tests wait on two instead of sleeping), `stop`, `shutdown`.
impl std::ops::Deref for Mailer {
    type Target = Worker;
    fn deref(&self) -> &Worker {
        &self.worker
    }
}

/// Sends one batch of due emails; returns how many were leased.
async fn drain(db: &Db, settings: &Settings, transport: &Transport) -> Result<usize, DbError> {
    let lease = time::Duration::seconds(settings.mail_lease_seconds.max(10));
    let rows = db
        .write(move |c| db::outbox::lease(c, 20, lease).map_err(DbError::from))
        .await?;
    let n = rows.len();
    for row in rows {
        let result = match message(&row, settings) {
            Ok(m) => transport.send(&row, m).await,
            Err(e) => Err(SendError::Permanent(e.to_string())),
        };
        let (id, attempts, to) = (row.id.clone(), row.attempts, row.to_address.clone());
        let max = settings.mail_max_attempts.max(1);
        let base = settings.mail_retry_base_seconds;
        match &result {
            Ok(()) => tracing::info!(email = %id, template = %row.template, "email sent"),
            Err(SendError::Temporary(e)) => {
                tracing::warn!(email = %id, attempts, error = %e, "email not sent; will retry")
            }
            Err(SendError::Permanent(e)) => {
                tracing::warn!(email = %id, error = %e, "email failed for good")
            }
        }
        db.write(move |c| -> Result<(), DbError> {
            match result {
                Ok(()) => db::outbox::mark_sent(c, &id)?,
                Err(SendError::Temporary(e)) if attempts < max => {
                    db::outbox::mark_unsent(c, &id, &e, Some(backoff(base, attempts)))?
                }
                Err(SendError::Temporary(e)) => db::outbox::mark_unsent(
                    c,
                    &id,
                    &format!("gave up after {attempts} tries: {e}"),
                    None,
                )?,
                Err(SendError::Permanent(e)) => {
                    db::outbox::mark_unsent(c, &id, &e, None)?;
                    // A mail server that refused the address for good (5xx): no more digests
                    // or newsletters to it until the person corrects it.
                    if refused_address(&e) {
                        crate::db::bounces::mark(c, &to, &e)?;
                    }
                }
            }
            Ok(())
        })
        .await?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_stops_at_an_hour() {
        assert_eq!(backoff(30, 1).whole_seconds(), 30);
        assert_eq!(backoff(30, 2).whole_seconds(), 60);
        assert_eq!(backoff(30, 4).whole_seconds(), 240);
        assert_eq!(backoff(30, 30).whole_seconds(), 3600);
        assert_eq!(backoff(0, 3).whole_seconds(), 0);
    }
}

#[cfg(test)]
mod message_tests {
    use super::*;
    use serde_json::json;

    fn row(template: &str, locale: &str, params: serde_json::Value) -> OutboxRow {
        let at = time::macros::datetime!(2026-11-28 10:00:00);
        OutboxRow {
            id: "00000000-0000-0000-0000-000000000001".into(),
            recipient_user_id: None,
            to_address: "amal@example.org".into(),
            template: template.into(),
            locale: locale.into(),
            params: params.to_string(),
            message_id: "<00000000-0000-0000-0000-000000000001@heartland-match.example>".into(),
            status: "sending".into(),
            attempts: 1,
            next_attempt_at: at,
            last_error: None,
            created_at: at,
            sent_at: None,
            introduction_id: None,
            purged_at: None,
        }
    }

    /// The parameters every template might name, fixed (no ids or dates that change).
    fn sample() -> serde_json::Value {
        let mut v = json!({
            "introduction_id": "INTRODUCTION-ID",
            "recipient_name": "Amal Haddad",
            "officer_name": "Anna Handläggare",
            "officer_email": "anna@mora.example",
            "track": "ktp",
            "own_title": "Data analyst, Python, Arabic",
            "other_title": "Digitalisering av sågverket",
            "other_place": "Mora",
            "other_org": "Sagbruket i Mora AB",
            "note": "Ni verkar passa bra ihop – <b>hör av er</b>!",
            "factors": [
                {"name": "skills", "score": 1.0, "detail": "2 of 2 required skills"},
                {"name": "distance", "score": 0.8, "detail": "Mora → Røros 142 km, crosses the border"},
                {"name": "languages", "score": 0.5, "detail": "sv B2 (needs sv B2)"},
            ],
            "accept_link": "http://127.0.0.1:8080/introductions/ID/accept?party=b&expires=1&sig=SIG",
            "decline_link": "http://127.0.0.1:8080/introductions/ID/decline?party=b&expires=1&sig=SIG",
            "expires_on": "2026-12-12",
            "other_name": "Kari Nordmann",
            "other_email": "kari@sagbruk.example",
            "other_phone": "+47 72 41 00 00",
            "a_title": "Digitalisering av sågverket", "a_org": "Sagbruket i Mora AB",
            "a_name": "Kari Nordmann", "a_email": "kari@sagbruk.example",
            "b_title": "Data analyst, Python, Arabic", "b_org": "",
            "b_name": "Amal Haddad", "b_email": "amal@example.org",
            "link": "http://127.0.0.1:8080/me",
            "subject_title": "Sagbruket i Mora AB",
            "record_title": "Digitalisering av sågverket",
            "answer_days": 30,
            "due_on": "2027-05-01",
            "keep_link": "http://127.0.0.1:8080/still-current/need/ID/keep?expires=1&sig=SIG",
            "update_link": "http://127.0.0.1:8080/still-current/need/ID/update?expires=1&sig=SIG",
            "close_link": "http://127.0.0.1:8080/still-current/need/ID/close?expires=1&sig=SIG",
            "erase_on": "2027-01-31",
            "consents": ["matching_ktp", "contact"],
            "months": 3,
            "weekly_link": "http://127.0.0.1:8080/check-ins/ID/weekly?party=a&expires=1&sig=SIG",
            "monthly_link": "http://127.0.0.1:8080/check-ins/ID/monthly?party=a&expires=1&sig=SIG",
            "rarely_link": "http://127.0.0.1:8080/check-ins/ID/rarely?party=a&expires=1&sig=SIG",
            "stopped_link": "http://127.0.0.1:8080/check-ins/ID/stopped?party=a&expires=1&sig=SIG",
        });
        let dialogue = json!({
            "procurement_title": "Skoleskyss i Trysil 2027–2031",
            "buyer": "Trysil kommune",
            "notice": "Vi planlegger skoleskyss for 140 elever.\nMøt oss på dialogkonferansen.",
            "dialogue_deadline": "2027-02-15",
            "tender_planned": "2027-04-01",
            "items": [
                {"kind": "answer", "version": 1, "question": "Kan vi levere el-busser?", "text": "Ja, gjerne."},
                {"kind": "answer", "version": 2, "question": "Hvor mange ruter?", "text": "Sju ruter <alle morgener>."},
                {"kind": "summary", "version": 1, "question": null, "text": "Vi snakket om ladepunkter."},
            ],
            "what": "booked", "kind": "meeting", "starts_at": "2027-02-10T10:30", "minutes": 30,
            "place": "Trysil rådhus, møterom 2", "time_zone": "Europe/Oslo",
        });
        if let (Some(v), Some(d)) = (v.as_object_mut(), dialogue.as_object()) {
            v.extend(d.clone());
        }
        for a in ["yes", "no", "local", "cross_border", "both", "none"] {
            v[format!("{a}_link")] = json!(format!(
                "http://127.0.0.1:8080/follow-ups/ID/{a}?expires=1&sig=SIG"
            ));
        }
        v
    }

    fn settings() -> Settings {
        Settings::load(None).expect("settings")
    }

    #[test]
    fn no_field_can_add_a_header_or_a_recipient() {
        let mut p = sample();
        p["recipient_name"] = json!("Eve\r\nBcc: evil@example.org");
        p["other_title"] = json!("Title\r\nBcc: evil@example.org");
        let m = message(&row("introduction_request", "en", p), &settings()).expect("message");
        let to: Vec<String> = m.envelope().to().iter().map(|a| a.to_string()).collect();
        assert_eq!(to, vec!["amal@example.org"]);
        let raw = String::from_utf8(m.formatted()).expect("utf-8");
        assert!(
            !raw.lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
            "{raw}"
        );
        assert!(raw.contains(
            "Message-ID: <00000000-0000-0000-0000-000000000001@heartland-match.example>"
        ));
    }

    #[tokio::test]
    /// The file transport writes the whole message (what SMTP would carry is tested with a
    /// real SMTP server in `tests/api/smtp.rs`), readable by the service's user only.
    async fn the_file_transport_writes_the_whole_message_privately() {
        let dir = tempfile::tempdir().expect("dir");
        let r = row("introduction_request", "sv", sample());
        let m = message(&r, &settings()).expect("message");
        let expected = m.formatted();
        let mail = dir.path().join("mail");
        let files = Transport::Files(mail.clone());
        assert!(files.send(&r, m).await.is_ok());
        let path = mail.join(format!("{}.eml", r.id));
        let written = std::fs::read(&path).expect("eml");
        assert_eq!(written, expected);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &std::path::Path| {
                std::fs::metadata(p).expect("meta").permissions().mode() & 0o777
            };
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(&mail), 0o700);
        }
    }

    fn redact(s: &str) -> String {
        s.replace("\r\n", "\n")
    }

    /// Every template in every language against `tests/snapshots/email/` (regenerate with
    /// `UPDATE_SNAPSHOTS=1 cargo test -p heartland snapshots`, then read the diff).
    #[test]
    fn snapshots_of_every_email_in_every_language() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/email");
        let update = std::env::var("UPDATE_SNAPSHOTS").is_ok();
        let mut mismatched = Vec::new();
        for (name, _) in templates::TEMPLATES {
            for locale in templates::LOCALES {
                let values = views::values(name, locale, &sample(), "http://127.0.0.1:8080");
                let r = templates::render(name, locale, &values).expect("render");
                let got = redact(&format!(
                    "Subject: {}\n\n--- text ---\n{}\n--- html ---\n{}",
                    r.subject, r.text, r.html
                ));
                let path = dir.join(format!("{name}.{locale}.snap"));
                if update {
                    std::fs::create_dir_all(&dir).expect("dir");
                    std::fs::write(&path, &got).expect("write");
                    continue;
                }
                let want = std::fs::read_to_string(&path).unwrap_or_default();
                if want != got {
                    mismatched.push(path.display().to_string());
                }
            }
        }
        assert!(mismatched.is_empty(), "snapshots differ: {mismatched:?}");
    }
}
