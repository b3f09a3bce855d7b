//! A full disk: `heartland serve` keeps its SQLite database and data directory on
//! a small filesystem the test mounts (tmpfs, 16 MiB; mounting needs root, which the test
//! command has — elsewhere `./scripts/test` skips this test by name). When the disk fills,
//! writes answer 503 `storage_unavailable` with a clear log line and change nothing; reads go
//! on; once space is freed writes go through again. The server never dies, and the database file
//! is intact with every acknowledged write. (A read-only remount cannot be tested this way: the
//! kernel refuses it while the server holds the database open for writing; the read-only
//! errors' mapping to 503 is a unit test of `error::storage_refused`.)

use crate::crash::{create_officer, start_logging, token};
use crate::helpers::bodies;
use reqwest::StatusCode;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs of `size` mounted on a fresh directory, unmounted when dropped.
struct SmallDisk {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("disk");
        std::fs::create_dir(&path).expect("mount point");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .status()
            .expect("mount");
        assert!(
            ok.success(),
            "mounting a tmpfs needs root (./scripts/test skips this test otherwise)"
        );
        SmallDisk { _dir: dir, path }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

/// Writes a file of zeros until the filesystem has no room left.
fn fill(path: &Path) {
    let mut f = std::fs::File::create(path).expect("filler");
    let chunk = vec![0u8; 64 * 1024];
    while f.write_all(&chunk).and_then(|_| f.flush()).is_ok() {}
    let _ = f.sync_all();
}

#[tokio::test]
async fn sqlite_a_full_disk_answers_503_and_loses_nothing() {
    let disk = SmallDisk::mount("16m");
    let data = disk.path.join("data");
    let db_path = data.join("heartland.db");
    let url = db_path.to_string_lossy().to_string();
    let log = tempfile::NamedTempFile::new().expect("log");
    let server = start_logging(&url, &data, &[], Some(log.path())).await;
    create_officer(&url, "ola@mora.se");
    let token = token(&server.base).await;
    let client = reqwest::Client::new();
    let post = |body: serde_json::Value, what: &'static str| {
        let (client, base, token) = (client.clone(), server.base.clone(), token.clone());
        async move {
            let r = client
                .post(format!("{base}/api/v1/{what}"))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                .expect("the server answers");
            let status = r.status();
            let retry = r.headers().get("retry-after").is_some();
            let v: serde_json::Value = r.json().await.expect("json");
            (status, v, retry)
        }
    };
    let (status, org, _) = post(
        bodies::company("Sågen i Mora AB", "SE-2062"),
        "organisations",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{org}");
    let org = org["id"].as_str().expect("id").to_string();
    let mut acknowledged = Vec::new();

    // The disk fills: writes go on while SQLite has room in its files, then answer 503.
    fill(&disk.path.join("filler"));
    let mut refused = None;
    for _ in 0..2000 {
        let (status, v, retry) = post(bodies::need(&org, "SE-2062"), "needs").await;
        if status == StatusCode::CREATED {
            acknowledged.push(v["id"].as_str().expect("id").to_string());
            continue;
        }
        refused = Some((status, v, retry));
        break;
    }
    let (status, v, retry) = refused.expect("a write was refused once the disk was full");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert_eq!(v["error"]["code"], "storage_unavailable", "{v}");
    assert!(retry, "503 says when to try again");
    let logged = std::fs::read_to_string(log.path()).expect("log");
    assert!(
        logged.contains("the database refused a write (disk full or read-only)")
            && logged.contains("full"),
        "a clear log line: {logged}"
    );
    // Reads go on, and the service says it is alive.
    if let Some(id) = acknowledged.first() {
        let r = client
            .get(format!("{}/api/v1/needs/{id}", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("read");
        assert_eq!(r.status(), StatusCode::OK);
    }
    let healthz = async || {
        client
            .get(format!("{}/healthz", server.base))
            .send()
            .await
            .expect("healthz")
            .status()
    };
    assert_eq!(healthz().await, StatusCode::OK);

    // Space freed: writes go through again.
    std::fs::remove_file(disk.path.join("filler")).expect("free");
    let (status, v, _) = post(bodies::need(&org, "SE-2062"), "needs").await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    acknowledged.push(v["id"].as_str().expect("id").to_string());

    // The server lived through it; stopped, its file is intact and holds every acknowledged
    // write.
    assert_eq!(healthz().await, StatusCode::OK);
    server.kill_9();
    let db = heartland::db::Db::connect(&url, 1).expect("open");
    let integrity = heartland::backup::integrity(&mut db.conn().expect("conn")).expect("check");
    assert_eq!(integrity, "ok");
    drop(db);
    let ids = crate::backup::need_ids(&url);
    for id in &acknowledged {
        assert!(ids.contains(id), "acknowledged need {id} is in the file");
    }
}
