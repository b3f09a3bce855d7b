//! What the storage promises beside the API: the change feed and outbox written with the
//! change, an append-only audit log, concurrent writes on SQLite, the demo region.

use crate::helpers::{bodies, TestApp};
use diesel::RunQueryDsl;
use reqwest::StatusCode;
use serde_json::json;

async fn changes_feed_the_index_and_outbox_in_the_same_transaction(app: &TestApp) {
    let officer = app.staff("officer@mora.se", "officer", &["SE-2062"]).await;
    let events = app.count("index_events").await;
    let mut body = bodies::candidate("SE-2062");
    body["person"] = json!({"name": "Rania Haddad", "email": "rania@example.se", "locale": "sv"});
    body["consents"] = json!(["matching_ktp", "contact"]);
    let id = app.create("candidates", &officer, body).await;
    assert_eq!(app.count("index_events").await, events + 1);
    assert_eq!(
        app.count("outbox").await,
        1,
        "the person is told an officer recorded their profile"
    );
    assert_eq!(app.count("consents").await, 2);
    assert_eq!(app.count("audit_log").await, 1);
    // A rejected change writes nothing beside it either.
    let refused = app
        .patch(
            &format!("/api/v1/candidates/{id}"),
            &officer,
            json!({"status": "somewhere"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("index_events").await, events + 1);
    let changed = app
        .patch(
            &format!("/api/v1/candidates/{id}"),
            &officer,
            json!({"status": "inactive"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(app.count("index_events").await, events + 2);
    let deleted = app
        .delete(&format!("/api/v1/candidates/{id}"), &officer)
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(app.count("index_events").await, events + 3);
    // Deleting it again finds nothing and writes nothing.
    let again = app
        .delete(&format!("/api/v1/candidates/{id}"), &officer)
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(app.count("index_events").await, events + 3);
}

async fn the_audit_log_refuses_update_and_delete(app: &TestApp) {
    app.staff("officer@mora.se", "officer", &["SE-2062"]).await;
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        let mut c = db.conn().expect("conn");
        diesel::sql_query("INSERT INTO audit_log (at, action, subject_kind, detail) VALUES (CURRENT_TIMESTAMP, 'test', 'user', '{}')")
            .execute(&mut *c)
            .expect("append");
        assert!(diesel::sql_query("UPDATE audit_log SET action = 'changed'").execute(&mut *c).is_err());
        assert!(diesel::sql_query("DELETE FROM audit_log").execute(&mut *c).is_err());
    })
    .await
    .expect("audit");
    assert_eq!(app.count("audit_log").await, 1);
}

async fn an_organisation_with_needs_cannot_be_deleted(app: &TestApp) {
    let officer = app.staff("officer@mora.se", "officer", &["SE-2062"]).await;
    let org = app
        .create(
            "organisations",
            &officer,
            bodies::company("Sågen AB", "SE-2062"),
        )
        .await;
    app.create("needs", &officer, bodies::need(&org, "SE-2062"))
        .await;
    let a = app
        .delete(&format!("/api/v1/organisations/{org}"), &officer)
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.body);
    assert_eq!(
        app.get(&format!("/api/v1/organisations/{org}"), &officer)
            .await
            .status,
        StatusCode::OK
    );
}

async fn concurrent_writes_all_succeed(app: &TestApp) {
    let officer = app.staff("officer@mora.se", "officer", &["SE-2062"]).await;
    let org = app
        .create(
            "organisations",
            &officer,
            bodies::company("Sågen AB", "SE-2062"),
        )
        .await;
    let writes = (0..40).map(|i| {
        let mut body = bodies::need(&org, "SE-2062");
        body["title"] = json!(format!("Behov {i}"));
        let (officer, app) = (officer.clone(), app);
        async move { app.post("/api/v1/needs", &officer, body).await.status }
    });
    let statuses = futures_util::future::join_all(writes).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED),
        "{statuses:?}"
    );
    assert_eq!(app.count("needs").await, 40);
}

async fn the_demo_region_loads_once_and_its_officers_see_matches_to_work_on(app: &TestApp) {
    let (db, mut settings) = (
        app.db.clone(),
        heartland::config::Settings::load(None).expect("settings"),
    );
    settings.data_dir = app.data_dir.clone();
    let loaded = tokio::task::spawn_blocking(move || {
        let first = heartland::demo::load(&db, &settings).expect("demo");
        let second = heartland::demo::load(&db, &settings).expect("demo again");
        (first, second)
    })
    .await
    .expect("demo");
    assert_eq!(loaded, (true, false));
    let officer = app
        .token(
            &format!("officer.mora@{}", heartland::demo::DEMO_DOMAIN),
            heartland::demo::DEMO_PASSWORD,
        )
        .await;
    for (collection, at_least) in [
        ("organisations", 10),
        ("needs", 6),
        ("candidates", 8),
        ("mentors", 5),
        ("procurements", 4),
        ("offers", 4),
    ] {
        let a = app
            .get(&format!("/api/v1/{collection}?limit=200"), &officer)
            .await;
        let n = a.body["items"].as_array().map(Vec::len).unwrap_or_default();
        assert!(n >= at_least, "{collection}: {n}");
    }
    let counties = app.get("/api/v1/needs?county=NO-50", &officer).await;
    assert!(
        !counties.body["items"].as_array().expect("items").is_empty(),
        "Trøndelag has needs"
    );
    // Matches to work on: the open needs of the officer's municipalities have ranked
    // candidates (once the indexer has read the demo region), and so do the newcomers who
    // look for a mentor.
    let mut in_scope = Vec::new();
    for m in ["SE-2062", "SE-2034", "SE-2039", "SE-2085"] {
        let a = app
            .get(
                &format!("/api/v1/needs?municipality={m}&status=open"),
                &officer,
            )
            .await;
        for item in a.body["items"].as_array().cloned().unwrap_or_default() {
            in_scope.push(item["id"].as_str().unwrap_or_default().to_string());
        }
    }
    assert!(!in_scope.is_empty(), "the Mora officer has open needs");
    let started = std::time::Instant::now();
    let with_matches = loop {
        let mut n = 0;
        for need in &in_scope {
            let a = app
                .get(&format!("/api/v1/needs/{need}/matches"), &officer)
                .await;
            assert_eq!(a.status, StatusCode::OK, "{}", a.body);
            if a.body["items"].as_array().is_some_and(|i| !i.is_empty()) {
                n += 1;
            }
        }
        if 2 * n >= in_scope.len() || started.elapsed() > std::time::Duration::from_secs(15) {
            break n;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(
        with_matches > 0 && 2 * with_matches >= in_scope.len(),
        "most open needs of the officer's municipalities have ranked candidates: \
         {with_matches} of {}",
        in_scope.len()
    );
}

crate::on_both_backends!(
    changes_feed_the_index_and_outbox_in_the_same_transaction,
    the_audit_log_refuses_update_and_delete,
    an_organisation_with_needs_cannot_be_deleted,
    concurrent_writes_all_succeed,
    the_demo_region_loads_once_and_its_officers_see_matches_to_work_on,
);

/// PostgreSQL's snapshot `xmax` is one past the highest *completed* transaction: a transaction
/// that took its id before another one that then committed a later change number may still be
/// running with an id at or above it. The feed's horizon must bound it, or the indexer would
/// take the number it holds for a rolled-back one and never index its change (seen once in the
/// 30-round crash test: a late commit missing from the index).
#[tokio::test]
async fn postgres_a_transaction_running_above_the_snapshot_xmax_still_holds_its_gap() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let Some(app) = crate::helpers::spawn_app(crate::helpers::Backend::Postgres).await else {
        return;
    };
    let url = app.database_url.clone();
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        #[derive(diesel::QueryableByName)]
        struct Xid {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            xid: i64,
        }
        let xid = |c: &mut diesel::PgConnection| -> i64 {
            diesel::sql_query("SELECT pg_current_xact_id()::text::bigint AS xid")
                .get_result::<Xid>(c)
                .expect("xid")
                .xid
        };
        let insert = "INSERT INTO index_events (entity_kind, entity_id, op, created_at) \
                      VALUES ('need', 'nothing', 'upsert', now() AT TIME ZONE 'utc');";
        let mut first = diesel::PgConnection::establish(&url).expect("connect");
        let mut holder = diesel::PgConnection::establish(&url).expect("connect");
        first.batch_execute("BEGIN").expect("begin");
        let _ = xid(&mut first);
        holder.batch_execute("BEGIN").expect("begin");
        let held = xid(&mut holder);
        holder.batch_execute(insert).expect("the held number");
        first.batch_execute(insert).expect("a later number");
        first.batch_execute("COMMIT").expect("commit");
        let mut conn = db.conn().expect("conn");
        let horizon = heartland::db::feed_horizon(&mut conn).expect("horizon");
        let xmax = horizon.xmax.expect("xmax");
        holder.batch_execute("ROLLBACK").expect("rollback");
        assert!(
            xmax > held,
            "the horizon's xmax {xmax} does not bound the running transaction {held}"
        );
    })
    .await
    .expect("horizon");
}
