//! Accounts and sessions: registration rules, login, rate limits, token rotation and reuse,
//! logout, sessions, password change, profile edits, account deletion, bad input.

use protocol::ErrorCode;
use protocol::users::UpdateProfileRequest;
use reqwest::StatusCode;

use crate::support::TestApp;

fn code(result: Result<impl std::fmt::Debug, client::ClientError>) -> ErrorCode {
    result.unwrap_err().code().expect("an API error with a code")
}

/// A wrong confirming password is a 403 about `field`, not a 401: a client must not take it
/// for an ended session (refresh, retry, sign out) but show it beside the field.
fn assert_wrong_password(result: Result<(), client::ClientError>, field: &str) {
    let error = result.unwrap_err();
    let client::ClientError::Api { status, body } = &error else { panic!("{error}") };
    assert_eq!(*status, StatusCode::FORBIDDEN, "{error}");
    assert_eq!(body.error, ErrorCode::WrongPassword, "{error}");
    assert_eq!(body.field.as_deref(), Some(field), "{error}");
}

#[tokio::test]
async fn registering_signs_in_and_shows_the_profile() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    assert_eq!(alice.auth.expires_in, 900);
    assert!(alice.auth.refresh_token.is_some());
    let me = alice.client.me().await.unwrap();
    assert_eq!(me.username, "alice");
    assert_eq!(me.display_name, "Alice");
    assert!(me.avatar_color.starts_with('#'));
}

#[tokio::test]
async fn invalid_registrations_are_refused_and_create_nothing() {
    let app = TestApp::spawn().await;
    let cases = [
        ("ab", "Ab", "long enough pw", "username"),
        ("bad name", "Bad", "long enough pw", "username"),
        (&"x".repeat(33) as &str, "X", "long enough pw", "username"),
        ("carol", "   ", "long enough pw", "display_name"),
        ("carol", "Carol", "short", "password"),
    ];
    for (username, display, password, field) in cases {
        let err = app.client.register(username, display, password).await.unwrap_err();
        assert_eq!(err.code(), Some(ErrorCode::InvalidInput), "{username}: {err}");
        // The field at fault is named in the body, and the message still starts with it.
        let client::ClientError::Api { body, .. } = &err else { panic!("{err}") };
        assert_eq!(body.field.as_deref(), Some(field), "{err}");
        assert!(body.message.starts_with(&format!("{field}: ")), "{err}");
    }
    // 257 characters: one over the limit, counted in characters as the OpenAPI document counts.
    let huge = "é".repeat(protocol::auth::limits::PASSWORD_MAX_CHARS + 1);
    assert_eq!(code(app.client.register("carol", "Carol", &huge).await), ErrorCode::InvalidInput);
    assert_eq!(code(app.client.login("carol", "long enough pw").await), ErrorCode::InvalidCredentials);
}

#[tokio::test]
async fn usernames_are_unique_ignoring_case() {
    let app = TestApp::spawn().await;
    app.register("Dave").await;
    let taken = app.client.register("dave", "Other", "password123").await.unwrap_err();
    assert_eq!(taken.code(), Some(ErrorCode::UsernameTaken));
    let client::ClientError::Api { body, .. } = &taken else { panic!("{taken}") };
    assert_eq!(body.field.as_deref(), Some("username"));
}

#[tokio::test]
async fn login_accepts_any_case_and_refuses_wrong_passwords_without_saying_which_part_was_wrong() {
    let app = TestApp::spawn().await;
    let erin = app.register("erin").await;
    let session = app.client.login("ERIN", &erin.password).await.unwrap();
    assert_eq!(session.user.id, erin.id());
    let wrong_password = app.client.login("erin", "not-the-password").await.unwrap_err();
    let unknown_user = app.client.login("nobody-here", "not-the-password").await.unwrap_err();
    assert_eq!(wrong_password.code(), Some(ErrorCode::InvalidCredentials));
    assert_eq!(wrong_password.to_string(), unknown_user.to_string(), "no hint which usernames exist");
}

#[tokio::test]
async fn repeated_login_failures_are_rate_limited_with_retry_after() {
    let app = TestApp::spawn().await;
    let frank = app.register("frank").await;
    for _ in 0..5 {
        assert_eq!(code(app.client.login("frank", "wrong-password").await), ErrorCode::InvalidCredentials);
    }
    let response = app
        .http
        .post(app.at("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "frank", "password": frank.password}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after > 0 && retry_after <= 900, "{retry_after}");
    let body: protocol::ErrorBody = response.json().await.unwrap();
    assert_eq!(body.error, ErrorCode::RateLimited);
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_refresh_token_ends_the_session() {
    let app = TestApp::spawn().await;
    let gina = app.register("gina").await;
    let first = gina.auth.refresh_token.clone().unwrap();
    let second = app.client.refresh(&first).await.unwrap();
    let second_refresh = second.refresh_token.clone().unwrap();
    assert_ne!(second_refresh, first);
    let rotated = app.client.authenticated(&second.access_token);
    rotated.me().await.unwrap();

    // The spent token again: refused, and the whole session is revoked.
    assert_eq!(code(app.client.refresh(&first).await), ErrorCode::Unauthenticated);
    assert_eq!(code(rotated.me().await), ErrorCode::Unauthenticated);
    assert_eq!(code(app.client.refresh(&second_refresh).await), ErrorCode::Unauthenticated);
    assert_eq!(code(app.client.refresh("made-up-token").await), ErrorCode::Unauthenticated);
}

#[tokio::test]
async fn logout_ends_the_session_at_once() {
    let app = TestApp::spawn().await;
    let hank = app.register("hank").await;
    hank.client.logout().await.unwrap();
    assert_eq!(code(hank.client.me().await), ErrorCode::Unauthenticated);
    assert_eq!(code(app.client.refresh(hank.auth.refresh_token.as_deref().unwrap()).await), ErrorCode::Unauthenticated);
}

#[tokio::test]
async fn sessions_are_listed_and_another_device_can_be_signed_out() {
    let app = TestApp::spawn().await;
    let ivy = app.register("ivy").await;
    let other = app.client.login("ivy", &ivy.password).await.unwrap();
    let other_client = app.client.authenticated(&other.access_token);
    let sessions = ivy.client.sessions().await.unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s.current).count(), 1);
    assert_eq!(sessions.iter().find(|s| s.current).unwrap().id, ivy.auth.session_id);
    assert!(sessions.iter().all(|s| s.user_agent.starts_with("confab-client/")));

    ivy.client.revoke_session(other.session_id).await.unwrap();
    assert_eq!(code(other_client.me().await), ErrorCode::Unauthenticated);
    ivy.client.me().await.unwrap();
    assert_eq!(ivy.client.sessions().await.unwrap().len(), 1);

    // Someone else's session is not yours to revoke: 404.
    let jack = app.register("jack").await;
    assert_eq!(code(jack.client.revoke_session(ivy.auth.session_id).await), ErrorCode::NotFound);
}

#[tokio::test]
async fn changing_the_password_signs_out_other_sessions() {
    let app = TestApp::spawn().await;
    let kim = app.register("kim").await;
    let laptop = app.client.login("kim", &kim.password).await.unwrap();
    assert_wrong_password(kim.client.change_password("wrong-current", "new-password-2").await, "current_password");
    kim.client.me().await.expect("a wrong current password leaves the session signed in");
    assert_eq!(code(kim.client.change_password(&kim.password, "short").await), ErrorCode::InvalidInput);
    kim.client.change_password(&kim.password, "new-password-2").await.unwrap();
    kim.client.me().await.unwrap();
    assert_eq!(code(app.client.authenticated(&laptop.access_token).me().await), ErrorCode::Unauthenticated);
    assert_eq!(code(app.client.login("kim", &kim.password).await), ErrorCode::InvalidCredentials);
    app.client.login("kim", "new-password-2").await.unwrap();
}

#[tokio::test]
async fn profile_edits_are_validated_and_kept() {
    let app = TestApp::spawn().await;
    let lea = app.register("lea").await;
    let long_bio = UpdateProfileRequest { bio: Some("x".repeat(501)), ..Default::default() };
    assert_eq!(code(lea.client.update_me(&long_bio).await), ErrorCode::InvalidInput);
    let bad_color = UpdateProfileRequest { avatar_color: Some("blue".into()), ..Default::default() };
    assert_eq!(code(lea.client.update_me(&bad_color).await), ErrorCode::InvalidInput);
    let edit = UpdateProfileRequest {
        display_name: Some("Léa 🌿".into()),
        bio: Some("Plants & code".into()),
        avatar_color: Some("#30A46C".into()),
    };
    let me = lea.client.update_me(&edit).await.unwrap();
    assert_eq!(
        (me.display_name.as_str(), me.bio.as_str(), me.avatar_color.as_str()),
        ("Léa 🌿", "Plants & code", "#30a46c")
    );
    assert_eq!(lea.client.me().await.unwrap(), me);
}

#[tokio::test]
async fn deleting_the_account_needs_the_password_and_frees_the_username() {
    let app = TestApp::spawn().await;
    let max = app.register("max").await;
    let nia = app.register("nia").await;
    assert_wrong_password(max.client.delete_account("wrong").await, "password");
    max.client.me().await.expect("a wrong password deletes nothing and keeps the session");
    max.client.delete_account(&max.password).await.unwrap();
    assert_eq!(code(max.client.me().await), ErrorCode::Unauthenticated);
    assert_eq!(code(app.client.login("max", &max.password).await), ErrorCode::InvalidCredentials);
    assert_eq!(code(nia.client.user(max.id()).await), ErrorCode::NotFound);
    assert!(nia.client.search_users("max", None, None).await.unwrap().items.is_empty());
    app.register("max").await;
}

#[tokio::test]
async fn bad_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let omar = app.register("omar").await;
    let token = omar.auth.access_token.clone();
    let mut tampered = token.clone();
    tampered.insert(token.len() / 2, 'x');
    let parts: Vec<&str> = token.split('.').collect();
    let alg_none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts[1]);
    for bad in [tampered.as_str(), alg_none.as_str(), "garbage", ""] {
        assert_eq!(code(app.client.authenticated(bad).me().await), ErrorCode::Unauthenticated, "{bad}");
    }
    assert_eq!(code(app.client.me().await), ErrorCode::Unauthenticated, "no header at all");
}

#[tokio::test]
async fn malformed_and_oversized_bodies_get_clear_errors() {
    let app = TestApp::spawn().await;
    let post = |body: String| {
        app.http.post(app.at("/api/v1/auth/register")).header("content-type", "application/json").body(body).send()
    };
    let response = post("{not json".into()).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.json::<protocol::ErrorBody>().await.unwrap().error, ErrorCode::MalformedJson);
    let response = post(r#"{"username": 5, "display_name": "x", "password": "y"}"#.into()).await.unwrap();
    assert_eq!(response.json::<protocol::ErrorBody>().await.unwrap().error, ErrorCode::MalformedJson);
    let huge = format!(r#"{{"username": "{}", "display_name": "x", "password": "y"}}"#, "a".repeat(100_000));
    let response = post(huge).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.json::<protocol::ErrorBody>().await.unwrap().error, ErrorCode::PayloadTooLarge);
}

#[tokio::test]
async fn browsers_get_the_refresh_token_only_as_a_strict_http_only_cookie() {
    let app = TestApp::spawn().await;
    let pat = app.register("pat").await;
    let jar_client = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let response = jar_client
        .post(app.at("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "pat", "password": pat.password, "token_delivery": "cookie"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    for attribute in ["confab_refresh=", "HttpOnly", "SameSite=Strict", "Path=/api/v1/auth"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let body: protocol::auth::AuthResponse = response.json().await.unwrap();
    assert!(body.refresh_token.is_none(), "never readable by scripts");
    let refreshed = jar_client
        .post(app.at("/api/v1/auth/refresh"))
        .json(&serde_json::json!({"token_delivery": "cookie"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), StatusCode::OK);
    let refreshed: protocol::auth::AuthResponse = refreshed.json().await.unwrap();
    assert_eq!(refreshed.session_id, body.session_id);

    // Another tab racing with the spent cookie is refused, but the session survives.
    let old_cookie = cookie.split(';').next().unwrap().to_owned();
    let racing = app
        .http
        .post(app.at("/api/v1/auth/refresh"))
        .header("cookie", &old_cookie)
        .json(&serde_json::json!({"token_delivery": "cookie"}))
        .send()
        .await
        .unwrap();
    assert_eq!(racing.status(), StatusCode::UNAUTHORIZED);
    app.client.authenticated(&refreshed.access_token).me().await.unwrap();
    let again = jar_client
        .post(app.at("/api/v1/auth/refresh"))
        .json(&serde_json::json!({"token_delivery": "cookie"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK, "the tab holding the current cookie still refreshes");
}
