//! Probes, the OpenAPI document and API-wide error behaviour.

use protocol::ErrorCode;

use crate::support::TestApp;

#[tokio::test]
async fn healthz_reports_ok_and_the_server_version() {
    let app = TestApp::spawn().await;
    let health = app.client.health().await.unwrap();
    assert_eq!(health.status, "ok");
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn readyz_is_ready_when_the_database_answers() {
    let app = TestApp::spawn().await;
    let ready = app.client.ready().await.unwrap();
    assert_eq!(ready.status, "ready");
}

#[tokio::test]
async fn readyz_reports_database_unavailable_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.client.ready().await.unwrap();
    // Drop the database under the running server (terminating its connections).
    let admin = app.db.admin_url();
    let name = app.db.name().to_owned();
    {
        use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
        let mut conn = AsyncPgConnection::establish(&admin).await.unwrap();
        diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut conn).await.unwrap();
    }
    let err = app.client.ready().await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::DatabaseUnavailable), "{err}");
    let health = app.client.health().await.unwrap();
    assert_eq!(health.status, "ok", "liveness does not depend on the database");
}

#[tokio::test]
async fn unknown_api_routes_answer_a_json_404_not_the_web_app() {
    let app = TestApp::spawn().await;
    let response = app.http.get(app.at("/api/v1/no-such-thing")).send().await.unwrap();
    assert_eq!(response.status(), 404);
    let body: protocol::ErrorBody = response.json().await.unwrap();
    assert_eq!(body.error, ErrorCode::NotFound);
}

#[tokio::test]
async fn openapi_document_describes_the_routes_and_error_codes() {
    let app = TestApp::spawn().await;
    let doc = app.client.openapi().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let expected = [
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/docs", "get"),
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/sessions", "get"),
        ("/api/v1/auth/sessions/{id}", "delete"),
        ("/api/v1/users/me", "get"),
        ("/api/v1/users/me", "patch"),
        ("/api/v1/users/me", "delete"),
        ("/api/v1/users/me/password", "put"),
        ("/api/v1/users", "get"),
        ("/api/v1/users/{id}", "get"),
        ("/api/v1/friends", "get"),
        ("/api/v1/friends/{user_id}", "delete"),
        ("/api/v1/friend-requests", "get"),
        ("/api/v1/friend-requests", "post"),
        ("/api/v1/friend-requests/{id}/accept", "post"),
        ("/api/v1/friend-requests/{id}/decline", "post"),
        ("/api/v1/friend-requests/{id}", "delete"),
        ("/api/v1/blocks", "get"),
        ("/api/v1/blocks/{user_id}", "put"),
        ("/api/v1/blocks/{user_id}", "delete"),
    ];
    for (path, method) in expected {
        let operation = &doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} missing from {:?}", paths.keys().collect::<Vec<_>>());
        assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} has no responses");
    }
    // Request and response bodies are typed by the protocol crate.
    let register = &doc["paths"]["/api/v1/auth/register"]["post"];
    assert!(
        register["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap()
            .ends_with("/RegisterRequest")
    );
    assert!(register["responses"]["409"].is_object(), "error responses are documented");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["paths"]["/readyz"]["get"]["responses"]["503"].is_object());
    let codes = &doc["components"]["schemas"]["ErrorCode"]["enum"];
    assert!(codes.as_array().unwrap().iter().any(|c| c == "database_unavailable"), "{codes}");
}

#[tokio::test]
async fn docs_page_is_readable_html_listing_the_routes() {
    let app = TestApp::spawn().await;
    let response = app.http.get(app.at("/api/v1/docs")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(html.contains("Confab API"));
    assert!(html.contains("<code>/readyz</code>"));
    assert!(!html.contains("<script"), "the docs page needs no scripts");
}

#[tokio::test]
async fn a_method_a_path_does_not_take_is_405_with_allow() {
    let app = TestApp::spawn().await;
    let id = uuid::Uuid::now_v7();
    let response = app.http.put(app.at(&format!("/api/v1/conversations/{id}/messages"))).send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, POST");
    let body: protocol::ErrorBody = response.json().await.unwrap();
    assert_eq!(body.error, ErrorCode::MethodNotAllowed);
    // A path that does not exist at all stays a 404.
    let missing = app.http.put(app.at(&format!("/api/v1/conversations/{id}/nothing"))).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn the_served_document_states_the_limits_the_server_enforces() {
    let app = TestApp::spawn().await;
    let doc = app.client.openapi().await.unwrap();
    let username = &doc["components"]["schemas"]["RegisterRequest"]["properties"]["username"];
    let limits = format!("{{{},{}}}", protocol::auth::limits::USERNAME_MIN, protocol::auth::limits::USERNAME_MAX);
    assert!(username["pattern"].as_str().unwrap().contains(&limits), "{username}");
    // Statuses from the layers around handlers are declared on every operation they reach.
    let get_conversation = &doc["paths"]["/api/v1/conversations/{id}"]["get"]["responses"];
    for status in ["400", "401", "403", "429", "500", "503"] {
        assert!(get_conversation[status].is_object(), "GET /conversations/{{id}} does not declare {status}");
    }
    // A name one character over the documented limit is refused with the field named.
    let too_long = "a".repeat(protocol::auth::limits::USERNAME_MAX + 1);
    let response = app
        .http
        .post(app.at("/api/v1/auth/register"))
        .json(&serde_json::json!({"username": too_long, "display_name": "A", "password": "long enough password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: protocol::ErrorBody = response.json().await.unwrap();
    assert_eq!(body.field.as_deref(), Some("username"));
}

#[tokio::test]
async fn the_frame_schema_is_served_and_names_every_frame_type() {
    let app = TestApp::spawn().await;
    let response = app.http.get(app.at("/api/v1/frames.schema.json")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/schema+json");
    let schema: serde_json::Value = response.json().await.unwrap();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    let client_frames = schema["$defs"]["ClientFrame"].to_string();
    for frame in ["authenticate", "send_message", "edit_message", "delete_message", "mark_read", "typing", "ping"] {
        assert!(client_frames.contains(&format!("[\"{frame}\"]")), "ClientFrame lacks {frame}");
    }
    let server_frames = schema["$defs"]["ServerFrame"].to_string();
    for frame in ["ready", "ack", "error", "event", "presence", "friend_added", "user_updated"] {
        assert!(server_frames.contains(&format!("[\"{frame}\"]")), "ServerFrame lacks {frame}");
    }
}
