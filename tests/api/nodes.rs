//! Several nodes on one PostgreSQL: three `heartland serve` processes, each with its own data
//! directory and search index, share sessions and tokens, the outbox (leases), the jobs, the
//! rate limits and the link key. A mixed load goes through them in turn; one is killed with
//! `kill -9` mid-load and restarted. Then: every acknowledged write is in the database, every
//! node's index equals it once writes stop, every email went once (at most one duplicate for
//! the crash), a link signed by one node opens on the others, and a rate limit counts across
//! nodes.

use crate::crash::{caught_up, database_state, start_with, Server};
use crate::helpers::{bodies, spawn_app, Backend};
use crate::smtp::SmtpServer;
use heartland_index::{Kind, SearchIndex};
use reqwest::StatusCode;
use serde_json::json;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the load saw: the needs acknowledged (201), the introductions proposed, and any answer
/// of 500 or more (there must be none: a killed node refuses connections, it does not err).
#[derive(Default)]
struct Seen {
    needs: Vec<String>,
    introductions: usize,
    server_errors: Vec<String>,
}

struct Load {
    company: String,
    officer: String,
    org: String,
    need: String,
    candidate: String,
}

/// Sends requests to the nodes in turn until `stop`: a need written, every fourth one proposed
/// to the candidate (two emails), and the first need's ranked matches read.
async fn load(
    bases: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
    l: Arc<Load>,
    lane: usize,
) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    let mut i = lane;
    while !stop.load(Ordering::SeqCst) {
        let base = {
            let bases = bases.lock().expect("bases");
            bases[i % bases.len()].clone()
        };
        i += 1;
        let mut body = bodies::need(&l.org, "SE-2062");
        body["title"] = json!(format!("Dataanalys {lane}-{i}"));
        let Ok(r) = client
            .post(format!("{base}/api/v1/needs"))
            .bearer_auth(&l.company)
            .json(&body)
            .send()
            .await
        else {
            // The killed node: not acknowledged, so nothing is owed.
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        let status = r.status();
        let v: serde_json::Value = r.json().await.unwrap_or_default();
        if status.is_server_error() {
            seen.lock()
                .expect("seen")
                .server_errors
                .push(format!("POST need: {status} {v}"));
            continue;
        }
        let Some(id) = v["id"].as_str().map(str::to_string) else {
            continue;
        };
        seen.lock().expect("seen").needs.push(id.clone());
        if i % 4 == 0 {
            let proposal = json!({"track": "ktp", "a": {"kind": "need", "id": id},
                                  "b": {"kind": "candidate", "id": l.candidate},
                                  "note": "Hej! Ni verkar passa bra ihop."});
            if let Ok(r) = client
                .post(format!("{base}/api/v1/introductions"))
                .bearer_auth(&l.officer)
                .json(&proposal)
                .send()
                .await
            {
                let status = r.status();
                let mut s = seen.lock().expect("seen");
                if status == StatusCode::CREATED {
                    s.introductions += 1;
                } else if status.is_server_error() {
                    s.server_errors.push(format!("POST introduction: {status}"));
                }
            }
        }
        if let Ok(r) = client
            .get(format!("{base}/api/v1/needs/{}/matches", l.need))
            .bearer_auth(&l.officer)
            .send()
            .await
        {
            if r.status().is_server_error() {
                let s = r.status();
                seen.lock()
                    .expect("seen")
                    .server_errors
                    .push(format!("GET matches: {s}"));
            }
        }
    }
}

fn node_env(smtp: &SmtpServer) -> Vec<(&'static str, String)> {
    vec![
        ("HEARTLAND_SMTP_URL", smtp.url()),
        ("HEARTLAND_MAIL_POLL_SECONDS", "1".into()),
        ("HEARTLAND_MAIL_RETRY_BASE_SECONDS", "1".into()),
        ("HEARTLAND_MAIL_LEASE_SECONDS", "10".into()),
        // The link key is configuration every node shares (else each makes its own).
        (
            "HEARTLAND_LINK_SECRET",
            "three-nodes-share-this-link-key-of-64-characters-at-least-ok".into(),
        ),
    ]
}

#[tokio::test]
async fn postgres_three_nodes_share_one_database() {
    let Some(app) = spawn_app(Backend::Postgres).await else {
        return;
    };
    // The in-process app only sets up; the three nodes do the sending and the jobs.
    app.mailer.stop();
    app.jobs.stop();
    let w = crate::introductions::world(&app).await;
    let smtp = SmtpServer::start("none");
    let env = node_env(&smtp);
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().expect("dir")).collect();
    let mut nodes: Vec<Server> = Vec::new();
    for d in &dirs {
        nodes.push(start_with(&app.database_url, d.path(), &env).await);
    }
    let bases = Arc::new(Mutex::new(
        nodes.iter().map(|n| n.base.clone()).collect::<Vec<_>>(),
    ));
    let (stop, seen) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(Mutex::new(Seen::default())),
    );
    let l = Arc::new(Load {
        company: w.company.clone(),
        officer: w.officer.clone(),
        org: w.org.clone(),
        need: w.need.clone(),
        candidate: w.candidate_id.clone(),
    });
    let lanes: Vec<_> = (0..4)
        .map(|lane| {
            tokio::spawn(load(
                bases.clone(),
                stop.clone(),
                seen.clone(),
                l.clone(),
                lane,
            ))
        })
        .collect();

    // Mid-load, node 1 dies hard and comes back on its own data directory.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let killed = nodes.remove(1);
    killed.kill_9();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let back = start_with(&app.database_url, dirs[1].path(), &env).await;
    bases.lock().expect("bases")[1] = back.base.clone();
    nodes.insert(1, back);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, Ordering::SeqCst);
    for lane in lanes {
        lane.await.expect("lane");
    }
    let (acknowledged, introductions, errors) = {
        let s = seen.lock().expect("seen");
        (s.needs.clone(), s.introductions, s.server_errors.clone())
    };
    assert!(errors.is_empty(), "no node answered 5xx: {errors:?}");
    assert!(
        acknowledged.len() >= 30 && introductions >= 5,
        "too little load to mean anything: {} needs, {introductions} introductions",
        acknowledged.len()
    );

    // Every acknowledged write is in the database.
    let (db_ids, last_seq) = database_state(&app).await;
    for id in &acknowledged {
        assert!(
            db_ids.binary_search(id).is_ok(),
            "acknowledged need {id} is missing"
        );
    }

    // Every email went out, each once — at most one duplicate for the one crash (a node killed
    // between the SMTP server's "250" and its own "sent" sends again once the lease ends).
    smtp.settle_outbox_within(&app, Duration::from_secs(60))
        .await;
    let sent = app.count("outbox WHERE status = 'sent'").await;
    let failed = app.count("outbox WHERE status = 'failed'").await;
    assert_eq!(failed, 0, "no email failed");
    let messages = smtp.all_messages();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for m in &messages {
        let id = m.header("Message-ID").first().map(|s| s.to_string());
        *by_id.entry(id.expect("a Message-ID")).or_default() += 1;
    }
    let duplicates: usize = by_id.values().map(|n| n - 1).sum();
    assert_eq!(by_id.len() as i64, sent, "every sent email arrived");
    assert!(duplicates <= 1, "{duplicates} duplicates for one crash");
    let requests = messages
        .iter()
        .filter(|m| m.to.iter().any(|t| t == crate::introductions::CANDIDATE))
        .filter(|m| m.links("http").iter().any(|l| l.contains("/accept?")))
        .count();
    assert!(
        requests >= introductions,
        "each proposal asked the candidate: {requests} of {introductions}"
    );

    // A link one node signed opens on every node: the key is shared configuration.
    let link = messages
        .iter()
        .flat_map(|m| m.links("http"))
        .find(|l| l.contains("/accept?"))
        .expect("an accept link");
    let path = link.splitn(4, '/').nth(3).expect("a path").to_string();
    let client = reqwest::Client::new();
    for n in &nodes {
        let r = client
            .get(format!("{}/{path}", n.base))
            .send()
            .await
            .expect("link");
        assert_eq!(r.status(), StatusCode::OK, "the link opens on {}", n.base);
    }

    // A rate limit counts across nodes: ten wrong passwords per account in ten minutes, tried
    // four times on each node, give 429 from the eleventh on, whichever node answers.
    let mut statuses = Vec::new();
    for i in 0..12 {
        let r = client
            .post(format!("{}/api/v1/auth/token", nodes[i % 3].base))
            .json(&json!({"email": "nobody@mora.example", "password": "not the password at all"}))
            .send()
            .await
            .expect("token");
        statuses.push(r.status().as_u16());
    }
    assert_eq!(
        statuses,
        [vec![401; 10], vec![429; 2]].concat(),
        "the eleventh attempt is refused"
    );

    // Once writes stop, every node's index reaches the database's last change, within a bound.
    for n in &nodes {
        caught_up(&n.base, last_seq, Duration::from_secs(30)).await;
    }
    for n in nodes {
        n.kill_9();
    }
    for d in &dirs {
        let (index, _) = SearchIndex::open(&d.path().join("index")).expect("open the index");
        assert_eq!(index.ids(Kind::Need), db_ids, "the index in {:?}", d.path());
    }
}
