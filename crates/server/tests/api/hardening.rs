//! Hardening against hostile or unlucky input: text PostgreSQL cannot store (NUL) refused with
//! 400 wherever it enters, token answers kept out of caches, a stranger told exactly the same
//! about a conversation they are not in as about one that does not exist (on every frame
//! type), oversized messages closed with 1009 however they are fragmented, and a database
//! outage during the WebSocket handshake answered "try again" (1001), not "bad token" (4001),
//! and client addresses taken from `X-Forwarded-For` only when a trusted proxy sent it.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use protocol::conversations::SendMessage;
use protocol::ws::{ClientFrame, close};
use protocol::{ConversationId, ErrorCode, MessageId};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use uuid::Uuid;

use crate::support::{Account, TestApp};

const WAIT: Duration = Duration::from_secs(15);

/// A raw request with a JSON body (as text, to put escapes in it exactly); status and body.
async fn raw(
    app: &TestApp,
    who: Option<&Account>,
    method: Method,
    path: &str,
    body: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = app.http.request(method, app.at(path));
    if let Some(account) = who {
        request = request.bearer_auth(&account.auth.access_token);
    }
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(body.to_owned());
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn assert_nul_refused((status, body): (StatusCode, Value), what: &str) {
    assert_ne!(body, Value::Null, "{what}: no JSON error body");
    assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {body}");
    assert_eq!(body["error"], "invalid_input", "{what}: {body}");
    assert!(body["message"].as_str().unwrap().contains("NUL"), "{what}: {body}");
}

#[tokio::test]
async fn nul_characters_are_refused_with_400_wherever_text_enters() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    let c = dm.id.0;

    // JSON bodies: signing in, the profile, a group's title, a message.
    let login = r#"{"username":"ali\u0000ce","password":"whatever-it-is"}"#;
    assert_nul_refused(raw(&app, None, Method::POST, "/api/v1/auth/login", Some(login)).await, "login username");
    let bio = r#"{"bio":"hello\u0000"}"#;
    assert_nul_refused(raw(&app, Some(&alice), Method::PATCH, "/api/v1/users/me", Some(bio)).await, "bio");
    let group = format!(r#"{{"kind":"group","title":"t\u0000","member_ids":["{}"]}}"#, bob.id().0);
    assert_nul_refused(raw(&app, Some(&alice), Method::POST, "/api/v1/conversations", Some(&group)).await, "title");
    let send = format!(r#"{{"client_msg_id":"{}","body":"a\u0000b"}}"#, Uuid::new_v4());
    let path = format!("/api/v1/conversations/{c}/messages");
    assert_nul_refused(raw(&app, Some(&alice), Method::POST, &path, Some(&send)).await, "message body");

    // Refused in the address, the answer is still a full one: request id, security headers.
    let refused =
        app.http.get(app.at("/api/v1/users?q=al%00")).bearer_auth(&alice.auth.access_token).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.headers().contains_key("x-request-id"));
    assert!(refused.headers().contains_key("content-security-policy"));

    // Query strings and paths: user search, message search, cursors, ids.
    for path in [
        "/api/v1/users?q=al%00".to_owned(),
        "/api/v1/search?q=hi%00there".to_owned(),
        "/api/v1/conversations?cursor=%00".to_owned(),
        format!("/api/v1/conversations/{c}/messages?before_seq=1%00"),
        format!("/api/v1/conversations/{c}%00/messages"),
    ] {
        assert_nul_refused(raw(&app, Some(&alice), Method::GET, &path, None).await, &path);
    }

    // A WebSocket frame: refused alone, the connection goes on.
    let (mut socket, _) = alice.client.connect().await.unwrap();
    let frame = format!(
        r#"{{"type":"send_message","req_id":7,"conversation_id":"{c}","message":{{"client_msg_id":"{}","body":"x\u0000"}}}}"#,
        Uuid::new_v4()
    );
    socket.send_text(frame).await.unwrap();
    match socket.next().await.unwrap() {
        protocol::ws::ServerFrame::Error { req_id, error, .. } => {
            assert_eq!((req_id, error), (Some(7), ErrorCode::InvalidInput));
        }
        other => panic!("expected an error frame, got {other:?}"),
    }
    socket.send_message(dm.id, "still here").await.unwrap();

    // Nothing with a NUL was stored; the backslash-u text a user typed is kept as typed.
    let typed = format!(r#"{{"client_msg_id":"{}","body":"a \\u0000 b"}}"#, Uuid::new_v4());
    let (status, stored) = raw(&app, Some(&alice), Method::POST, &path, Some(&typed)).await;
    assert_eq!(status, StatusCode::CREATED, "{stored}");
    assert_eq!(stored["body"], "a \\u0000 b");
    let history = alice.client.messages(dm.id, None, None).await.unwrap();
    let bodies: Vec<&str> = history.items.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["a \\u0000 b", "still here"]);
    assert_eq!(alice.client.me().await.unwrap().bio, "");
}

#[tokio::test]
async fn token_answers_are_never_cached() {
    let app = TestApp::spawn().await;
    let body = r#"{"username":"carol","display_name":"Carol","password":"carol-password-1"}"#;
    let register = app.http.post(app.at("/api/v1/auth/register")).header("content-type", "application/json").body(body);
    let registered = register.send().await.unwrap();
    assert_eq!(registered.status(), StatusCode::CREATED);
    assert_eq!(registered.headers()["cache-control"], "no-store");
    let refresh_token = registered.json::<Value>().await.unwrap()["refresh_token"].as_str().unwrap().to_owned();

    let login = json!({"username": "carol", "password": "carol-password-1"});
    let logged_in = app.http.post(app.at("/api/v1/auth/login")).json(&login).send().await.unwrap();
    assert_eq!(logged_in.status(), StatusCode::OK);
    assert_eq!(logged_in.headers()["cache-control"], "no-store");

    let refresh = json!({"refresh_token": refresh_token});
    let refreshed = app.http.post(app.at("/api/v1/auth/refresh")).json(&refresh).send().await.unwrap();
    assert_eq!(refreshed.status(), StatusCode::OK);
    assert_eq!(refreshed.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn a_stranger_learns_nothing_about_a_conversation_from_any_answer() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    let mallory = app.register("mallory").await;
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    let real = alice.client.send_message(dm.id, &SendMessage::new(Uuid::new_v4(), "private")).await.unwrap();
    let (real_c, real_m) = (dm.id.0, real.id.0);
    let (none_c, none_m) = (Uuid::new_v4(), Uuid::new_v4());

    // REST: the same status, code and message for a real conversation and an invented one.
    let edit = Some(r#"{"body":"mine now"}"#);
    for (method, body) in [(Method::PATCH, edit), (Method::DELETE, None)] {
        let real = raw(
            &app,
            Some(&mallory),
            method.clone(),
            &format!("/api/v1/conversations/{real_c}/messages/{real_m}"),
            body,
        )
        .await;
        let made_up = raw(
            &app,
            Some(&mallory),
            method.clone(),
            &format!("/api/v1/conversations/{none_c}/messages/{none_m}"),
            body,
        )
        .await;
        let mixed = raw(
            &app,
            Some(&mallory),
            method.clone(),
            &format!("/api/v1/conversations/{real_c}/messages/{none_m}"),
            body,
        )
        .await;
        assert_eq!(real.0, StatusCode::NOT_FOUND, "{method} {}", real.1);
        assert_eq!(real, made_up, "{method}");
        assert_eq!(real, mixed, "{method}");
    }

    // WebSocket: every frame type, twice in a row (a throttled typing notice included).
    let (mut socket, _) = mallory.client.connect().await.unwrap();
    for conversation in [ConversationId(real_c), ConversationId(none_c)] {
        let frames = |req_id: u64| {
            [
                ClientFrame::SendMessage {
                    req_id,
                    conversation_id: conversation,
                    message: SendMessage::new(Uuid::new_v4(), "x"),
                },
                ClientFrame::EditMessage {
                    req_id,
                    conversation_id: conversation,
                    message_id: MessageId(real_m),
                    body: "x".into(),
                },
                ClientFrame::DeleteMessage { req_id, conversation_id: conversation, message_id: MessageId(real_m) },
                ClientFrame::MarkRead { req_id, conversation_id: conversation, seq: 1 },
                ClientFrame::Typing { req_id, conversation_id: conversation },
                ClientFrame::Typing { req_id, conversation_id: conversation },
            ]
        };
        for frame in frames(1) {
            match socket.request(&frame).await {
                Err(client::ws::SocketError::Refused { code, message }) => {
                    assert_eq!((code, message.as_str()), (ErrorCode::NotFound, "conversation not found"), "{frame:?}");
                }
                other => panic!("{frame:?}: expected not found, got {other:?}"),
            }
        }
    }
    let history = alice.client.messages(dm.id, None, None).await.unwrap();
    assert_eq!(history.items.len(), 1);
    assert_eq!(history.items[0].body, "private");
}

/// Opens a WebSocket by hand, to send frames the SDK never would.
async fn raw_socket(
    app: &TestApp,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = app.url.replace("http://", "ws://") + "/api/v1/ws";
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

async fn close_code_of(
    socket: &mut tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
) -> u16 {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await.expect("closed in time") {
            Some(Ok(WsMessage::Close(Some(frame)))) => return frame.code.into(),
            Some(Ok(WsMessage::Close(None))) | None => panic!("closed without a code"),
            Some(Ok(_)) => {}
            Some(Err(e)) => panic!("socket error before the close frame: {e}"),
        }
    }
}

#[tokio::test]
async fn a_message_over_the_limit_closes_with_1009_even_in_fragments() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let mut socket = raw_socket(&app).await;
    let authenticate = json!({"type": "authenticate", "req_id": 1, "token": alice.auth.access_token});
    socket.send(WsMessage::text(authenticate.to_string())).await.unwrap();
    // Fragments each well under the limit, together over it.
    let part = "x".repeat(protocol::ws::MAX_CLIENT_FRAME_BYTES / 4);
    socket.send(WsMessage::Frame(Frame::message(part.clone(), OpCode::Data(Data::Text), false))).await.unwrap();
    for _ in 0..4 {
        socket.send(WsMessage::Frame(Frame::message(part.clone(), OpCode::Data(Data::Continue), false))).await.unwrap();
    }
    socket.send(WsMessage::Frame(Frame::message(part, OpCode::Data(Data::Continue), true))).await.unwrap();
    assert_eq!(close_code_of(&mut socket).await, close::TOO_BIG);
}

#[tokio::test]
async fn a_database_outage_during_the_handshake_means_try_again_not_bad_token() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;

    // The test's database stops taking connections, and its open ones are cut.
    let mut admin = <diesel_async::AsyncPgConnection as diesel_async::AsyncConnection>::establish(&app.db.admin_url())
        .await
        .unwrap();
    let name = app.db.name().to_owned();
    let sql = |s: String| diesel::sql_query(s);
    use diesel_async::RunQueryDsl;
    sql(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false")).execute(&mut admin).await.unwrap();
    sql(format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        .execute(&mut admin)
        .await
        .unwrap();

    let mut socket = raw_socket(&app).await;
    let authenticate = json!({"type": "authenticate", "req_id": 1, "token": alice.auth.access_token});
    socket.send(WsMessage::text(authenticate.to_string())).await.unwrap();
    assert_eq!(close_code_of(&mut socket).await, close::GOING_AWAY);

    // Back up: the same token is accepted.
    sql(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).execute(&mut admin).await.unwrap();
    let (_socket, ready) = alice.client.connect().await.unwrap();
    assert!(matches!(ready, protocol::ws::ServerFrame::Ready { .. }));
}

/// Disables `target` as `admin`, the request claiming to come from `forwarded_for`; returns
/// the address the audit log recorded.
async fn audited_address(app: &TestApp, admin: &Account, target: &Account, forwarded_for: &str) -> String {
    let disable = format!("/api/v1/admin/users/{}/disable", target.id().0);
    let response = admin
        .client
        .request(Method::POST, &disable)
        .unwrap()
        .header("x-forwarded-for", forwarded_for)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let (status, page) = raw(app, Some(admin), Method::GET, "/api/v1/admin/audit?limit=1", None).await;
    assert_eq!(status, StatusCode::OK);
    page["items"][0]["ip"].as_str().unwrap().to_owned()
}

async fn metrics_status(app: &TestApp, forwarded_for: Option<&str>) -> StatusCode {
    let mut request = app.http.get(app.at("/metrics"));
    if let Some(hops) = forwarded_for {
        request = request.header("x-forwarded-for", hops);
    }
    request.send().await.unwrap().status()
}

#[tokio::test]
async fn client_addresses_come_from_x_forwarded_for_only_through_a_trusted_proxy() {
    for (trusted, expected) in [(false, "127.0.0.1"), (true, "198.51.100.7")] {
        let app = TestApp::spawn_with(|s| {
            if trusted {
                s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
            }
        })
        .await;
        let admin = app.register("root").await;
        let target = app.register("target").await;
        let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
        db::queries::admin::set_role(&mut conn, admin.id(), protocol::users::Role::Admin).await.unwrap();
        drop(conn);
        // The client forged the first hop; the (trusted) proxy appended what it saw.
        assert_eq!(
            audited_address(&app, &admin, &target, "6.6.6.6, 198.51.100.7").await,
            expected,
            "trusted={trusted}"
        );

        // /metrics: a local scrape, yes; anything forwarded from outside, no.
        assert_eq!(metrics_status(&app, None).await, StatusCode::OK);
        assert_eq!(metrics_status(&app, Some("198.51.100.7")).await, StatusCode::FORBIDDEN);
        let local_hop = if trusted { StatusCode::OK } else { StatusCode::FORBIDDEN };
        assert_eq!(metrics_status(&app, Some("127.0.0.1")).await, local_hop);
        // An unreadable list through the proxy: the client is unknown, never the proxy itself.
        assert_eq!(metrics_status(&app, Some("x")).await, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_flood_of_frames_is_answered_rate_limited_and_the_connection_goes_on() {
    let app = TestApp::spawn_with(|s| {
        s.ws_frames_per_sec = 5;
        s.user_requests_per_sec = 8;
    })
    .await;
    let alice = app.register("alice").await;
    let bob = app.register("bob").await;
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();

    // One connection: a burst of twice its rate passes, the rest is refused, each with an answer.
    let (mut socket, _) = alice.client.connect().await.unwrap();
    for req_id in 1..=30 {
        socket.send(&ClientFrame::Ping { req_id }).await.unwrap();
    }
    let (mut acked, mut limited) = (0, 0);
    for _ in 1..=30 {
        match socket.next().await.unwrap() {
            protocol::ws::ServerFrame::Ack { .. } => acked += 1,
            protocol::ws::ServerFrame::Error { error: ErrorCode::RateLimited, req_id: Some(_), .. } => limited += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    // A burst of twice the rate; a token or two more may come back while the frames arrive.
    assert_eq!(acked + limited, 30);
    assert!((10..=12).contains(&acked), "{acked} acknowledged");

    // The user's own bucket (8/s, burst 16) is spent too: REST sends are refused with
    // Retry-After, and nothing of them is stored.
    let path = format!("/api/v1/conversations/{}/messages", dm.id.0);
    let (mut refused, mut stored) = (None, 0);
    for _ in 0..10 {
        let send = json!({"client_msg_id": Uuid::new_v4(), "body": "flood"});
        let response = alice.client.request(Method::POST, &path).unwrap().json(&send).send().await.unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(response.headers()["retry-after"].to_str().unwrap().to_owned());
            break;
        }
        assert_eq!(response.status(), StatusCode::CREATED);
        stored += 1;
    }
    assert!(refused.is_some_and(|secs| secs.parse::<u64>().unwrap() >= 1));

    // After a pause the same connection is served again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    socket.send_message(dm.id, "after the pause").await.unwrap();
    let history = alice.client.messages(dm.id, None, None).await.unwrap();
    assert_eq!(history.items[0].body, "after the pause");
    let floods = history.items.iter().filter(|m| m.body == "flood").count();
    assert_eq!(floods, stored, "exactly the accepted sends were stored, none of the refused");
}
