//! Two-factor authentication end to end: set-up with the password, the first code putting it
//! in force with ten recovery codes, sign-in asking for a code, each code and each recovery
//! code accepted once, turning it off; and the policy requiring it of administrators.

use protocol::auth::{RecoveryCodes, TwoFactorSetup, TwoFactorStatus};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use totp_rs::Totp;

use crate::support::{Account, TestApp};

async fn call(account: &Account, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
    let response = account.client.request(method, path).unwrap().json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn login(app: &TestApp, username: &str, password: &str, code: Option<&str>) -> (StatusCode, Value) {
    let mut body = json!({"username": username, "password": password});
    if let Some(code) = code {
        body["totp_code"] = json!(code);
    }
    let response = app.http.post(app.at("/api/v1/auth/login")).json(&body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

async fn status(account: &Account) -> TwoFactorStatus {
    let request = account.client.request(Method::GET, "/api/v1/users/me/two-factor").unwrap();
    request.send().await.unwrap().json().await.unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// Sets up and enables two-factor authentication; returns the app's generator and the codes.
async fn turn_on(account: &Account) -> (Totp, Vec<String>) {
    let (status, setup) =
        call(account, Method::POST, "/api/v1/users/me/two-factor/setup", json!({"password": account.password})).await;
    assert_eq!(status, StatusCode::OK, "{setup}");
    let setup: TwoFactorSetup = serde_json::from_value(setup).unwrap();
    let totp = Totp::from_url(&setup.otpauth_url).unwrap();
    let code = totp.generate(now()).to_string();
    let (status, codes) =
        call(account, Method::POST, "/api/v1/users/me/two-factor/enable", json!({"code": code})).await;
    assert_eq!(status, StatusCode::OK, "{codes}");
    (totp, serde_json::from_value::<RecoveryCodes>(codes).unwrap().codes)
}

#[tokio::test]
async fn sign_in_asks_for_a_code_and_accepts_each_code_once() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    assert!(!status(&alice).await.enabled);

    // Set-up confirms the password and hands over what an authenticator app reads.
    let (code, body) =
        call(&alice, Method::POST, "/api/v1/users/me/two-factor/setup", json!({"password": "wrong"})).await;
    assert_eq!((code, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("wrong_password")));
    let (code, setup) =
        call(&alice, Method::POST, "/api/v1/users/me/two-factor/setup", json!({"password": alice.password})).await;
    assert_eq!(code, StatusCode::OK);
    let setup: TwoFactorSetup = serde_json::from_value(setup).unwrap();
    assert!(setup.otpauth_url.starts_with("otpauth://totp/Confab:alice?"), "{}", setup.otpauth_url);
    assert!(setup.qr_code.starts_with("data:image/png;base64,"));
    let totp = Totp::from_url(&setup.otpauth_url).unwrap();
    assert_eq!(totp.secret().to_base32(), setup.secret);
    // Not in force until a code proves the app has it.
    assert_eq!(login(&app, "alice", &alice.password, None).await.0, StatusCode::OK);
    let right = totp.generate(now()).to_string();
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 500_000) % 1_000_000);
    let (code, body) = call(&alice, Method::POST, "/api/v1/users/me/two-factor/enable", json!({"code": wrong})).await;
    assert_eq!((code, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_credentials")));
    let (code, codes) = call(&alice, Method::POST, "/api/v1/users/me/two-factor/enable", json!({"code": right})).await;
    assert_eq!(code, StatusCode::OK, "{codes}");
    let recovery = serde_json::from_value::<RecoveryCodes>(codes).unwrap().codes;
    assert_eq!(recovery.len(), 10);
    assert_eq!(status(&alice).await, TwoFactorStatus { enabled: true, recovery_codes_left: 10 });

    // Sign-in now needs a code.
    let (code, body) = login(&app, "alice", &alice.password, None).await;
    assert_eq!(
        (code, body["error"].as_str(), body["field"].as_str()),
        (StatusCode::FORBIDDEN, Some("two_factor_required"), Some("totp_code"))
    );
    assert!(body.get("access_token").is_none());
    // The code used to enable it is spent; the next step's code works once.
    assert_eq!(login(&app, "alice", &alice.password, Some(&right)).await.0, StatusCode::UNAUTHORIZED);
    let next = totp.generate(now() + 30).to_string();
    let (code, body) = login(&app, "alice", &alice.password, Some(&next)).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert!(body["access_token"].is_string());
    assert_eq!(login(&app, "alice", &alice.password, Some(&next)).await.0, StatusCode::UNAUTHORIZED, "replayed");
    // A wrong password never gets as far as the code.
    assert_eq!(login(&app, "alice", "not-it-at-all", Some(&next)).await.0, StatusCode::UNAUTHORIZED);

    // Guesses racing in parallel each count before they are checked: at most the account's
    // five failures get a try, the rest are told to wait, whatever the timing.
    let guesses = (0..20).map(|i| {
        let (app_http, url) = (app.http.clone(), app.at("/api/v1/auth/login"));
        let body = json!({"username": "alice", "password": alice.password, "totp_code": format!("{:06}", (i * 7919) % 1_000_000)});
        async move { app_http.post(url).json(&body).send().await.unwrap().status() }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let tried = answers.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let limited = answers.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(tried + limited, 20, "{answers:?}");
    assert!(tried <= 5, "{tried} guesses were checked");
    // A right code is refused too until the window passes: the account is locked, not the code.
    let later = totp.generate(now() + 30).to_string();
    assert_eq!(login(&app, "alice", &alice.password, Some(&later)).await.0, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn recovery_codes_work_once_and_turning_it_off_takes_a_code() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let (_totp, recovery) = turn_on(&alice).await;

    // A recovery code, typed loosely, works once.
    let typed = recovery[0].to_uppercase().replace('-', " ");
    assert_eq!(login(&app, "alice", &alice.password, Some(&typed)).await.0, StatusCode::OK);
    assert_eq!(login(&app, "alice", &alice.password, Some(&recovery[0])).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(status(&alice).await.recovery_codes_left, 9);

    // Turning it off takes the password and a code.
    let off = json!({"password": alice.password, "code": "nope-nope1"});
    assert_eq!(call(&alice, Method::DELETE, "/api/v1/users/me/two-factor", off).await.0, StatusCode::UNAUTHORIZED);
    let off = json!({"password": alice.password, "code": recovery[1]});
    assert_eq!(call(&alice, Method::DELETE, "/api/v1/users/me/two-factor", off).await.0, StatusCode::NO_CONTENT);
    assert_eq!(login(&app, "alice", &alice.password, None).await.0, StatusCode::OK);
    assert!(!status(&alice).await.enabled);
}

#[tokio::test]
async fn administrators_can_be_required_to_use_a_second_factor() {
    let app = TestApp::spawn().await;
    let root = app.register("root").await;
    let other = app.register("other").await;
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    for admin in [&root, &other] {
        db::queries::admin::set_role(&mut conn, admin.id(), protocol::users::Role::Admin).await.unwrap();
    }
    drop(conn);
    let require = json!({"require_two_factor_for_admins": true});

    // Not without having it oneself.
    let (code, body) = call(&root, Method::PUT, "/api/v1/admin/security", require.clone()).await;
    assert_eq!((code, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("two_factor_required")));
    turn_on(&root).await;
    let (code, body) = call(&root, Method::PUT, "/api/v1/admin/security", require).await;
    assert_eq!(code, StatusCode::OK, "{body}");

    // The other admin is kept out of administration until they turn theirs on.
    let (code, body) = call(&other, Method::GET, "/api/v1/admin/users", Value::Null).await;
    assert_eq!((code, body["error"].as_str()), (StatusCode::FORBIDDEN, Some("two_factor_required")));
    assert_eq!(call(&root, Method::GET, "/api/v1/admin/users", Value::Null).await.0, StatusCode::OK);
    turn_on(&other).await;
    assert_eq!(call(&other, Method::GET, "/api/v1/admin/users", Value::Null).await.0, StatusCode::OK);

    let (_, audit) = call(&root, Method::GET, "/api/v1/admin/audit?limit=5", Value::Null).await;
    assert!(audit["items"].as_array().unwrap().iter().any(|e| e["action"] == "security.set"), "{audit}");
}

#[tokio::test]
async fn an_operator_resets_a_lost_second_factor_from_the_command_line() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    turn_on(&alice).await;
    assert_eq!(login(&app, "alice", &alice.password, None).await.0, StatusCode::FORBIDDEN);

    let reset = |who: &'static str| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_confab"));
        command.args(["admin", "reset-two-factor", who, "--data-dir"]).arg(crate::support::unique_dir("reset"));
        command.env("DATABASE_URL", app.db.url()).env("RUST_LOG", "warn");
        tokio::task::spawn_blocking(move || command.output().unwrap())
    };
    let done = reset("alice").await.unwrap();
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    assert_eq!(login(&app, "alice", &alice.password, None).await.0, StatusCode::OK);
    // Nothing to reset: said, and a failure.
    let again = reset("alice").await.unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("no two-factor authentication"));
}
