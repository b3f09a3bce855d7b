//! A real SMTP server for the tests: `tests/smtp/server.py` (aiosmtpd) on 127.0.0.1, started
//! per test, recording every message it accepts; optionally answering with faults.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The Python that has aiosmtpd: `HEARTLAND_TEST_PYTHON` (set by `scripts/test`), else python3.
fn python() -> String {
    std::env::var("HEARTLAND_TEST_PYTHON").unwrap_or_else(|_| "python3".into())
}

pub struct SmtpServer {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

/// One message as the server received it, decoded.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub raw: String,
    pub headers: Vec<(String, String)>,
}

impl Received {
    pub fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The links of the plain-text part that start with `prefix`.
    pub fn links(&self, prefix: &str) -> Vec<String> {
        self.text
            .split_whitespace()
            .filter(|w| w.starts_with(prefix))
            .map(str::to_string)
            .collect()
    }
}

impl SmtpServer {
    /// Starts the server; `fault` is `none`, `temp:N`, `perm` or `drop:N`.
    pub fn start(fault: &str) -> SmtpServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/server.py");
        let mut child = Command::new(python())
            .arg(&script)
            .args(["--dir", &dir.path().to_string_lossy(), "--fault", fault])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the test SMTP server (python3 with aiosmtpd: run ./scripts/test)");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the SMTP server's port");
        let port = line.trim().parse().unwrap_or_else(|_| {
            panic!(
                "the test SMTP server did not start (it needs aiosmtpd; ./scripts/test installs \
                 it and sets HEARTLAND_TEST_PYTHON): {line:?}"
            )
        });
        SmtpServer { child, port, dir }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, in order, but for the address confirmations that every
    /// registration sends (see [`SmtpServer::all_messages`]).
    pub fn messages(&self) -> Vec<Received> {
        self.all_messages()
            .into_iter()
            .filter(|m| !m.text.contains("/verify?token="))
            .collect()
    }

    /// Every message received so far, in order.
    pub fn all_messages(&self) -> Vec<Received> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect()
            })
            .unwrap_or_default();
        paths.sort();
        paths
            .iter()
            .map(|p| {
                let v: Value =
                    serde_json::from_str(&std::fs::read_to_string(p).expect("read")).expect("json");
                let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
                Received {
                    to: v["rcpt_tos"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|x| x.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                    subject: s("subject"),
                    text: s("text"),
                    html: s("html"),
                    raw: s("raw"),
                    headers: v["headers"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|h| {
                                    (
                                        h[0].as_str().unwrap_or_default().to_string(),
                                        h[1].as_str().unwrap_or_default().to_string(),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                }
            })
            .collect()
    }

    /// Waits until at least `n` messages have arrived (at most 15 s), and returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let got = self.messages();
            if got.len() >= n {
                return got;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "expected {n} messages, got {}: {:?}",
                got.len(),
                got.iter().map(|m| (&m.to, &m.subject)).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Returns what arrived once nothing more can: the app's jobs have run a whole pass of the
    /// due work (reminders, expiry) that began after this call, and then the mailer a whole
    /// pass that found nothing left to send. Not a fixed wait: a slow mailer makes it wait
    /// longer, never pass early.
    pub async fn settle(&self, app: &crate::helpers::TestApp) -> Vec<Received> {
        app.jobs_pass().await;
        let started = Instant::now();
        let from = app.mailer.idle_passes();
        while app.mailer.idle_passes() < from + 2 {
            app.mailer.wake();
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "the mailer did not finish a pass"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.messages()
    }

    /// Returns what arrived once the outbox holds nothing waiting or being sent (for a
    /// mailer in another process).
    pub async fn settle_outbox(&self, app: &crate::helpers::TestApp) -> Vec<Received> {
        self.settle_outbox_within(app, Duration::from_secs(15))
            .await
    }

    /// [`SmtpServer::settle_outbox`], waiting at most `bound` (a killed sender's lease must
    /// run out first).
    pub async fn settle_outbox_within(
        &self,
        app: &crate::helpers::TestApp,
        bound: Duration,
    ) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let open = app
                .count("outbox WHERE status IN ('pending', 'sending')")
                .await;
            if open == 0 {
                return self.messages();
            }
            assert!(started.elapsed() < bound, "{open} emails still waiting");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
