use crate::helpers::TestApp;
use reqwest::{Method, StatusCode};

async fn the_service_says_it_is_alive_and_ready(app: &TestApp) {
    let live = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(live.status, StatusCode::OK);
    // Ready once the search index has been built; until then 503, saying why.
    let started = std::time::Instant::now();
    let ready = loop {
        let r = app.request(Method::GET, "/readyz", None, None).await;
        if r.status == StatusCode::OK || started.elapsed() > std::time::Duration::from_secs(10) {
            break r;
        }
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
        assert_eq!(r.body["reason"], "the search index is being built");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    assert_eq!(ready.body["status"], "ready");
    assert_eq!(ready.body["index"]["ready"], true);
    assert!(ready.headers.contains_key("x-request-id"));
    assert_eq!(ready.headers["x-content-type-options"], "nosniff");
}

async fn unknown_paths_and_methods_get_api_errors(app: &TestApp) {
    let a = app
        .request(Method::GET, "/api/v1/nothing-here", None, None)
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert_eq!(a.error_code(), "no_route");
    assert!(!a.body["error"]["request_id"]
        .as_str()
        .unwrap_or_default()
        .is_empty());
    let b = app
        .request(Method::DELETE, "/api/v1/needs", None, None)
        .await;
    assert_eq!(b.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(b.error_code(), "method_not_allowed");
}

crate::on_both_backends!(
    the_service_says_it_is_alive_and_ready,
    unknown_paths_and_methods_get_api_errors,
);
