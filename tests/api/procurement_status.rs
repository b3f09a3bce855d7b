//! A procurement's status moves forward only, and into `dialogue` only by opening the
//! dialogue (the invitations go with it): a PATCH cannot skip the equal treatment.

use crate::helpers::{bodies, TestApp};
use reqwest::StatusCode;
use serde_json::json;

pub async fn a_procurement_moves_forward_only_and_opens_its_dialogue_only_one_way(app: &TestApp) {
    let officer = app
        .staff("eva.handlaggare@mora.example", "officer", &["SE-2062"])
        .await;
    let buyer = app
        .create(
            "organisations",
            &officer,
            bodies::municipality_org("SE-2062"),
        )
        .await;
    let id = app
        .create(
            "procurements",
            &officer,
            bodies::procurement(&buyer, "SE-2062"),
        )
        .await;
    let path = format!("/api/v1/procurements/{id}");
    let a = app
        .patch(&path, &officer, json!({"status": "dialogue"}))
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.body);
    assert!(a.body.to_string().contains("/dialogue"), "{}", a.body);
    let unchanged = app.get(&path, &officer).await;
    assert_eq!(unchanged.body["status"], "planned");
    let other = app
        .create(
            "procurements",
            &officer,
            bodies::procurement(&buyer, "SE-2062"),
        )
        .await;
    // Opened the one way, then gone to tender by a PATCH: the record says when it closed.
    let dialogue = format!("/api/v1/procurements/{other}/dialogue");
    let a = app
        .post(
            &dialogue,
            &officer,
            json!({"notice": {"sv": "Vi vill höra om lokala råvaror."}}),
        )
        .await;
    assert!(a.status.is_success(), "{}", a.body);
    let a = app
        .patch(
            &format!("/api/v1/procurements/{other}"),
            &officer,
            json!({"status": "tendered"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let record = app.get(&format!("{dialogue}/record"), &officer).await;
    assert!(record.body["tendered_at"].is_string(), "{}", record.body);
    // Straight to tender is a step forward; back is not.
    let a = app
        .patch(&path, &officer, json!({"status": "tendered"}))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    let a = app
        .patch(&path, &officer, json!({"status": "planned"}))
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.body);
    let a = app
        .patch(&path, &officer, json!({"status": "closed"}))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
}

crate::on_both_backends!(a_procurement_moves_forward_only_and_opens_its_dialogue_only_one_way);
