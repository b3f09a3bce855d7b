//! An administrator's management of accounts: who has which role, and which municipalities
//! each officer acts for.

use crate::helpers::{bodies, TestApp};
use reqwest::StatusCode;
use serde_json::json;

async fn an_admin_finds_accounts_and_makes_an_officer(app: &TestApp) {
    let admin = app.staff("admin@region.se", "admin", &[]).await;
    let officer = app
        .staff("handlaggare@mora.se", "officer", &["SE-2062"])
        .await;
    let candidate = app
        .register("anna.svensson@example.se", "candidate", &[])
        .await;
    let lars = app.register("lars@trysil.no", "company", &[]).await;

    // Only an administrator sees the accounts.
    for token in [&officer, &candidate, &lars] {
        let a = app.get("/api/v1/admin/users", token).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.body);
    }

    // Part of an email, any case; no password hash in the answer.
    let found = app.get("/api/v1/admin/users?q=SVENSSON", &admin).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    let items = found.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{}", found.body);
    assert_eq!(items[0]["email"], "anna.svensson@example.se");
    assert_eq!(items[0]["role"], "candidate");
    assert!(items[0].get("password_hash").is_none());
    let officers = app.get("/api/v1/admin/users?role=officer", &admin).await;
    let emails: Vec<&str> = officers.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|u| u["email"].as_str())
        .collect();
    assert_eq!(emails, ["handlaggare@mora.se"]);
    assert_eq!(
        officers.body["items"][0]["municipalities"],
        json!(["SE-2062"])
    );
    // Pages follow each other without repeating anyone.
    let first = app.get("/api/v1/admin/users?limit=2", &admin).await;
    let cursor = first.body["next_cursor"].as_str().expect("a next page");
    let second = app
        .get(
            &format!("/api/v1/admin/users?limit=2&cursor={cursor}"),
            &admin,
        )
        .await;
    let all: Vec<&str> = [&first, &second]
        .iter()
        .flat_map(|a| a.body["items"].as_array().expect("items"))
        .filter_map(|u| u["email"].as_str())
        .collect();
    assert_eq!(
        all,
        [
            "admin@region.se",
            "anna.svensson@example.se",
            "handlaggare@mora.se",
            "lars@trysil.no"
        ]
    );
    assert!(second.body["next_cursor"].is_null());
    let bad = app
        .get("/api/v1/admin/users?role=king&limit=0", &admin)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = bad.error_fields();
    fields.sort();
    assert_eq!(fields, ["limit", "role"]);

    let lars_id = app.get("/api/v1/admin/users?q=lars", &admin).await.body["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let path = format!("/api/v1/admin/users/{lars_id}/role");
    // Refused, and nothing changes: an officer with no municipality, one that does not exist,
    // a role that does not exist, an officer who would give roles.
    let audits = app.count("audit_log WHERE action = 'role_granted'").await;
    for (body, field) in [
        (json!({"role": "officer"}), "municipalities"),
        (
            json!({"role": "officer", "municipalities": ["SE-9999"]}),
            "municipalities[0]",
        ),
        (json!({"role": "king"}), "role"),
        (
            json!({"role": "company", "municipalities": ["SE-2062"]}),
            "municipalities",
        ),
    ] {
        let a = app.put(&path, &admin, body.clone()).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(a.error_fields(), [field], "{}", a.body);
    }
    let by_officer = app
        .put(
            &path,
            &officer,
            json!({"role": "officer", "municipalities": ["SE-2062"]}),
        )
        .await;
    assert_eq!(by_officer.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/api/v1/reports/indicators", &lars).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'role_granted'").await,
        audits
    );

    // Made an officer for Trysil and Mora: the indicators open to him at once.
    let made = app
        .put(
            &path,
            &admin,
            json!({"role": "officer", "municipalities": ["SE-2062", "NO-3421", "SE-2062"]}),
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert_eq!(made.body["role"], "officer");
    assert_eq!(made.body["municipalities"], json!(["NO-3421", "SE-2062"]));
    assert_eq!(
        app.get("/api/v1/reports/indicators", &lars).await.status,
        StatusCode::OK
    );
    // His scope is what was given: a need in Mora is his to change, one in Røros is not.
    let company = app.register("eva@sagen.se", "company", &[]).await;
    let mora_org = app
        .create(
            "organisations",
            &company,
            bodies::company("Sågen AB", "SE-2062"),
        )
        .await;
    let mora = app
        .create("needs", &company, bodies::need(&mora_org, "SE-2062"))
        .await;
    let roros = app
        .create("needs", &company, bodies::need(&mora_org, "NO-5025"))
        .await;
    let patch = json!({"title": "Ny rubrik"});
    assert_eq!(
        app.patch(&format!("/api/v1/needs/{mora}"), &lars, patch.clone())
            .await
            .status,
        StatusCode::OK
    );
    assert_ne!(
        app.patch(&format!("/api/v1/needs/{roros}"), &lars, patch)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.count("audit_log WHERE action = 'role_granted'").await,
        audits + 1
    );

    // Back to a company: the municipalities go with the role.
    let back = app.put(&path, &admin, json!({"role": "company"})).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    assert_eq!(back.body["municipalities"], json!([]));
    assert_eq!(
        app.count("officer_scopes").await,
        1,
        "only the Mora officer's"
    );
    assert_eq!(
        app.get("/api/v1/reports/indicators", &lars).await.status,
        StatusCode::FORBIDDEN
    );

    // An administrator does not take away their own role (someone must be left to give it).
    let me = app.get("/api/v1/me", &admin).await;
    let my_id = me.body["id"].as_str().expect("id");
    let own = app
        .put(
            &format!("/api/v1/admin/users/{my_id}/role"),
            &admin,
            json!({"role": "company"}),
        )
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(own.error_fields(), ["role"]);
    assert_eq!(
        app.get("/api/v1/admin/users", &admin).await.status,
        StatusCode::OK
    );
    let unknown = app
        .put(
            "/api/v1/admin/users/no-such-user/role",
            &admin,
            json!({"role": "company"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

crate::on_both_backends!(an_admin_finds_accounts_and_makes_an_officer);
