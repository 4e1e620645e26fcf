//! Bot accounts and API tokens end to end: a person makes a bot and a token for it; the token
//! works on REST and the WebSocket within its scopes only; revoked and expired tokens stop at
//! once (an open socket closes); tokens cannot manage accounts or mint tokens; people add bots
//! (strangers cannot reach one); every creation and revocation is audited; per-token rate
//! limits answer with `X-RateLimit-*` and `Retry-After`.

use std::time::Duration;

use client::Client;
use client::ws::SocketError;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use protocol::ErrorCode;
use protocol::bots::{CreateApiToken, CreateBot, CreatedApiToken, SetCommands, SlashCommandSpec, TokenScope};
use protocol::conversations::{EventKind, SendMessage};
use protocol::social::SendFriendRequestOutcome;
use protocol::users::AccountKind;
use protocol::ws::{ServerFrame, close};
use reqwest::{Method, StatusCode};
use sha2::{Digest, Sha256};

use crate::support::{Account, TestApp};

fn bot_request(username: &str) -> CreateBot {
    CreateBot { username: username.into(), display_name: "Help desk".into(), description: "Answers FAQs".into() }
}

fn token_request(bot: Option<protocol::UserId>, scopes: &[TokenScope]) -> CreateApiToken {
    CreateApiToken { name: "test".into(), scopes: scopes.to_vec(), expires_at: None, bot_id: bot }
}

/// A bot owned by `owner`, a token for it with `scopes`, and a client acting with it.
async fn bot_with_token(
    app: &TestApp,
    owner: &Account,
    scopes: &[TokenScope],
) -> (protocol::UserId, CreatedApiToken, Client) {
    let bot = owner.client.create_bot(&bot_request("helpdesk")).await.unwrap();
    assert_eq!(bot.user.kind, AccountKind::Bot);
    let token = owner.client.create_token(&token_request(Some(bot.user.id), scopes)).await.unwrap();
    let client = app.client.with_api_token(&token.token);
    (bot.user.id, token, client)
}

fn send(body: &str) -> SendMessage {
    SendMessage::new(uuid::Uuid::new_v4(), body)
}

/// Waits for the server to close `socket`; the close code.
async fn closed_with(socket: &mut client::ws::Socket) -> u16 {
    loop {
        match socket.next_within(Duration::from_secs(5)).await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the socket stayed open"),
            Err(SocketError::Closed { code, .. }) => return code,
            Err(e) => panic!("{e}"),
        }
    }
}

#[tokio::test]
async fn a_read_only_token_reads_but_cannot_send_on_rest_or_websocket() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let (bot_id, token, bot) = bot_with_token(&app, &alice, &[TokenScope::Read]).await;
    assert!(token.token.starts_with("cfb_") && token.token.len() == 50, "{}", token.token);

    // Alice adds the bot (accepted at once) and opens a DM with it.
    let added = alice.client.send_friend_request(bot_id).await.unwrap();
    assert!(matches!(added, SendFriendRequestOutcome::Accepted { .. }), "{added:?}");
    let dm = alice.client.open_dm(bot_id).await.unwrap();
    alice.client.send_message(dm.id, &send("hello bot")).await.unwrap();

    // Reading works: the bot sees itself, the conversation and the message.
    let me = bot.me().await.unwrap();
    assert_eq!((me.id, me.kind), (bot_id, AccountKind::Bot));
    let history = bot.messages(dm.id, None, None).await.unwrap();
    assert_eq!(history.items.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(), ["hello bot"]);

    // Writing does not, over REST or the WebSocket.
    let refused = bot.send_message(dm.id, &send("hi")).await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::InsufficientScope), "{refused}");
    assert!(matches!(&refused, client::ClientError::Api { status: StatusCode::FORBIDDEN, .. }), "{refused}");
    let (mut socket, _ready) = bot.connect().await.unwrap();
    let refused = socket.send_message(dm.id, "hi over ws").await.unwrap_err();
    assert!(matches!(&refused, SocketError::Refused { code: ErrorCode::InsufficientScope, .. }), "{refused:?}");
    let history = alice.client.messages(dm.id, None, None).await.unwrap();
    assert_eq!(history.items.len(), 1, "nothing was stored");

    // A send-scoped token for the same bot sends both ways.
    let sender = alice.client.create_token(&token_request(Some(bot_id), &[TokenScope::Read, TokenScope::Send])).await;
    let sender = app.client.with_api_token(&sender.unwrap().token);
    sender.send_message(dm.id, &send("hello Alice (REST)")).await.unwrap();
    let (mut socket, _ready) = sender.connect().await.unwrap();
    let sent = socket.send_message(dm.id, "hello Alice (ws)").await.unwrap();
    assert_eq!(sent.sender_id, bot_id);
    let bodies: Vec<String> =
        alice.client.messages(dm.id, None, None).await.unwrap().items.into_iter().map(|m| m.body).collect();
    assert!(
        bodies.contains(&"hello Alice (REST)".to_owned()) && bodies.contains(&"hello Alice (ws)".to_owned()),
        "{bodies:?}"
    );

    // Without `manage`, a send token cannot change anything else.
    let refused = sender.create_group("bots only", &[]).await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::InsufficientScope));
}

#[tokio::test]
async fn a_token_without_read_cannot_open_a_websocket() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let (_, _, bot) = bot_with_token(&app, &alice, &[TokenScope::Send]).await;
    let refused = bot.connect().await.unwrap_err();
    assert!(matches!(&refused, SocketError::Refused { code: ErrorCode::InsufficientScope, .. }), "{refused:?}");
}

#[tokio::test]
async fn a_revoked_token_is_refused_at_once_and_its_socket_closes() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let (_, token, bot) = bot_with_token(&app, &alice, &[TokenScope::Read, TokenScope::Send]).await;
    let (mut socket, _) = bot.connect().await.unwrap();
    bot.me().await.unwrap();

    alice.client.revoke_token(token.info.id).await.unwrap();
    assert_eq!(closed_with(&mut socket).await, close::SESSION_ENDED);
    assert_eq!(bot.me().await.unwrap_err().code(), Some(ErrorCode::Unauthenticated));
    let again = bot.connect().await.unwrap_err();
    assert!(matches!(&again, SocketError::Refused { code: ErrorCode::Unauthenticated, .. }), "{again:?}");
    assert!(alice.client.tokens().await.unwrap().is_empty(), "a revoked token is not listed");
    // Revoking twice, or someone else's token, is a 404.
    assert_eq!(alice.client.revoke_token(token.info.id).await.unwrap_err().code(), Some(ErrorCode::NotFound));

    // Creation and revocation are in the audit log, with the owner as the actor.
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    use db::schema::audit_log;
    let actions: Vec<(String, uuid::Uuid)> = audit_log::table
        .filter(audit_log::action.like("token.%").or(audit_log::action.like("bot.%")))
        .order(audit_log::created_at.asc())
        .select((audit_log::action, audit_log::actor_id))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        actions,
        [
            ("bot.create".to_owned(), alice.id().0),
            ("token.create".to_owned(), alice.id().0),
            ("token.revoke".to_owned(), alice.id().0)
        ]
    );
}

#[tokio::test]
async fn an_expired_token_is_refused_on_rest_and_websocket() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let expires_at = chrono::Utc::now() + chrono::Duration::seconds(2);
    let token = alice
        .client
        .create_token(&CreateApiToken { expires_at: Some(expires_at), ..token_request(None, &[TokenScope::Read]) })
        .await
        .unwrap();
    let script = app.client.with_api_token(&token.token);
    assert_eq!(script.me().await.unwrap().id, alice.id(), "a personal token acts as its owner");
    tokio::time::sleep_until(tokio::time::Instant::now() + Duration::from_millis(2_200)).await;
    assert_eq!(script.me().await.unwrap_err().code(), Some(ErrorCode::Unauthenticated));
    let refused = script.connect().await.unwrap_err();
    assert!(matches!(&refused, SocketError::Refused { code: ErrorCode::Unauthenticated, .. }), "{refused:?}");

    // An expiry in the past is refused at creation.
    let past = CreateApiToken { expires_at: Some(chrono::Utc::now()), ..token_request(None, &[TokenScope::Read]) };
    assert_eq!(alice.client.create_token(&past).await.unwrap_err().field(), Some("expires_at"));
}

#[tokio::test]
async fn tokens_are_stored_only_as_hashes_and_a_changed_character_is_refused() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let token = alice.client.create_token(&token_request(None, &[TokenScope::Read])).await.unwrap();
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    use db::schema::api_tokens;
    let stored: Vec<Vec<u8>> = api_tokens::table.select(api_tokens::token_hash).load(&mut conn).await.unwrap();
    assert_eq!(stored, [Sha256::digest(token.token.as_bytes()).to_vec()]);

    let mut forged = token.token.clone().into_bytes();
    forged[10] = if forged[10] == b'a' { b'b' } else { b'a' };
    let forged = String::from_utf8(forged).unwrap();
    assert_eq!(app.client.with_api_token(&forged).me().await.unwrap_err().code(), Some(ErrorCode::Unauthenticated));
}

#[tokio::test]
async fn api_tokens_cannot_manage_accounts_sessions_tokens_or_bots() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let everything = [TokenScope::Read, TokenScope::Send, TokenScope::Manage];
    let token = alice.client.create_token(&token_request(None, &everything)).await.unwrap();
    let script = app.client.with_api_token(&token.token);
    let refusals = [
        script.create_token(&token_request(None, &[TokenScope::Read])).await.unwrap_err(),
        script.create_bot(&bot_request("sneaky")).await.unwrap_err(),
        script.tokens().await.unwrap_err(),
        script.change_password(&alice.password, "a-new-password-1").await.unwrap_err(),
        script.delete_account(&alice.password).await.unwrap_err(),
        script.sessions().await.unwrap_err(),
    ];
    for refused in refusals {
        assert_eq!(refused.code(), Some(ErrorCode::InsufficientScope), "{refused}");
    }
    assert!(alice.client.me().await.is_ok(), "the account is untouched");
    // What `manage` is for works.
    script
        .update_me(&protocol::users::UpdateProfileRequest { bio: Some("scripted".into()), ..Default::default() })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_stranger_cannot_message_a_bot_until_they_add_it_and_a_bot_cannot_add_anyone() {
    let app = TestApp::spawn().await;
    let (alice, mallory) = (app.register("alice").await, app.register("mallory").await);
    let everything = [TokenScope::Read, TokenScope::Send, TokenScope::Manage];
    let (bot_id, _, bot) = bot_with_token(&app, &alice, &everything).await;

    // Not added: no DM either way.
    let refused = mallory.client.open_dm(bot_id).await.unwrap_err();
    assert!(
        matches!(refused.code(), Some(ErrorCode::Forbidden | ErrorCode::NotFound | ErrorCode::Unprocessable)),
        "{refused}"
    );
    let refused = bot.open_dm(mallory.id()).await.unwrap_err();
    assert!(refused.code().is_some(), "{refused}");
    // A bot cannot send friend requests (it would reach strangers).
    let refused = bot.send_friend_request(mallory.id()).await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::Forbidden));
    assert!(mallory.client.friend_requests().await.unwrap().incoming.is_empty());

    // Once Mallory adds it, they talk; once Mallory blocks it, it cannot reach Mallory.
    mallory.client.send_friend_request(bot_id).await.unwrap();
    let dm = mallory.client.open_dm(bot_id).await.unwrap();
    bot.send_message(dm.id, &send("how can I help?")).await.unwrap();
    mallory.client.block(bot_id).await.unwrap();
    assert!(bot.send_message(dm.id, &send("still there?")).await.is_err());

    // A bot never signs in with a password.
    let login = app.client.login("helpdesk", "").await.unwrap_err();
    assert!(matches!(login.code(), Some(ErrorCode::InvalidCredentials | ErrorCode::InvalidInput)), "{login}");
}

#[tokio::test]
async fn deleting_a_bot_or_its_owner_stops_its_tokens() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let (bot_id, _, bot) = bot_with_token(&app, &alice, &[TokenScope::Read]).await;
    let second = alice.client.create_bot(&bot_request("second")).await.unwrap();
    let second_token =
        alice.client.create_token(&token_request(Some(second.user.id), &[TokenScope::Read])).await.unwrap();
    let second_client = app.client.with_api_token(&second_token.token);
    assert_eq!(alice.client.bots().await.unwrap().len(), 2);

    alice.client.delete_bot(bot_id).await.unwrap();
    assert_eq!(bot.me().await.unwrap_err().code(), Some(ErrorCode::Unauthenticated));
    assert_eq!(alice.client.bots().await.unwrap().len(), 1);

    alice.client.delete_account(&alice.password).await.unwrap();
    assert_eq!(
        second_client.me().await.unwrap_err().code(),
        Some(ErrorCode::Unauthenticated),
        "bots go with their owner"
    );
}

#[tokio::test]
async fn token_requests_are_rate_limited_with_headers() {
    let app = TestApp::spawn_with(|s| s.token_requests_per_sec = 2).await;
    let alice = app.register("alice").await;
    let token = alice.client.create_token(&token_request(None, &[TokenScope::Read])).await.unwrap();
    let script = app.client.with_api_token(&token.token);

    let first = script.request(Method::GET, "/api/v1/users/me").unwrap().send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let header =
        |r: &reqwest::Response, name: &str| r.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(header(&first, "x-ratelimit-limit").as_deref(), Some("4"), "a burst of twice the rate");
    assert_eq!(header(&first, "x-ratelimit-remaining").as_deref(), Some("3"));
    assert!(header(&first, "x-ratelimit-reset").is_some());

    let mut last = first;
    for _ in 0..4 {
        last = script.request(Method::GET, "/api/v1/users/me").unwrap().send().await.unwrap();
    }
    assert_eq!(last.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header(&last, "x-ratelimit-remaining").as_deref(), Some("0"));
    assert!(header(&last, "retry-after").is_some());
    // The owner's own session is not held back by the token's bucket.
    assert!(alice.client.me().await.is_ok());
    let no_headers = alice.client.request(Method::GET, "/api/v1/users/me").unwrap().send().await.unwrap();
    assert!(header(&no_headers, "x-ratelimit-limit").is_none());
}

/// Waits up to 5 s for a frame that `pick` accepts.
async fn frame_matching<T>(
    socket: &mut client::ws::Socket,
    mut pick: impl FnMut(ServerFrame) -> Option<T>,
) -> Option<T> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while let Some(left) = deadline.checked_duration_since(tokio::time::Instant::now()) {
        match socket.next_within(left).await.unwrap() {
            Some(frame) => {
                if let Some(found) = pick(frame) {
                    return Some(found);
                }
            }
            None => return None,
        }
    }
    None
}

#[tokio::test]
async fn a_slash_command_reaches_its_bot_as_an_event_and_the_ephemeral_answer_only_the_invoker() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    app.befriend(&alice, &bob).await;
    let everything = [TokenScope::Read, TokenScope::Send, TokenScope::Manage];
    let (bot_id, _, bot) = bot_with_token(&app, &alice, &everything).await;
    alice.client.send_friend_request(bot_id).await.unwrap();
    let group = alice.client.create_group("Support", &[bob.id(), bot_id]).await.unwrap();

    // Only a bot, and only a member, declares commands.
    let faq = SetCommands { commands: vec![SlashCommandSpec { name: "faq".into(), description: "Answers".into() }] };
    assert_eq!(alice.client.set_commands(group.id, &faq).await.unwrap_err().code(), Some(ErrorCode::Forbidden));
    let elsewhere = carol.client.create_group("Carol's", &[]).await.unwrap();
    assert_eq!(bot.set_commands(elsewhere.id, &faq).await.unwrap_err().code(), Some(ErrorCode::NotFound));
    let bad = SetCommands { commands: vec![SlashCommandSpec { name: "Not OK".into(), description: String::new() }] };
    assert_eq!(bot.set_commands(group.id, &bad).await.unwrap_err().code(), Some(ErrorCode::InvalidInput));
    bot.set_commands(group.id, &faq).await.unwrap();
    let listed = bob.client.commands(group.id).await.unwrap();
    assert_eq!(listed.iter().map(|c| (c.name.as_str(), c.bot.id)).collect::<Vec<_>>(), [("faq", bot_id)]);
    assert_eq!(
        carol.client.commands(group.id).await.unwrap_err().code(),
        Some(ErrorCode::NotFound),
        "a stranger learns nothing"
    );

    let (mut bot_socket, _) = bot.connect().await.unwrap();
    let (mut bob_socket, _) = bob.client.connect().await.unwrap();
    let (mut alice_socket, _) = alice.client.connect().await.unwrap();
    let invoked = bob.client.invoke_command(group.id, "faq", "shipping").await.unwrap();
    // Unknown commands and strangers are refused alike.
    assert_eq!(bob.client.invoke_command(group.id, "nope", "").await.unwrap_err().code(), Some(ErrorCode::NotFound));
    assert_eq!(carol.client.invoke_command(group.id, "faq", "").await.unwrap_err().code(), Some(ErrorCode::NotFound));

    // The bot gets the invocation as an event of the conversation, with its seq.
    let seen = frame_matching(&mut bot_socket, |frame| match frame {
        ServerFrame::Event { event } => match event.kind {
            EventKind::CommandInvoked { command, args, by, bot_id } => Some((event.seq, command, args, by, bot_id)),
            _ => None,
        },
        _ => None,
    })
    .await;
    assert_eq!(seen, Some((invoked.seq, "faq".to_owned(), "shipping".to_owned(), bob.id(), bot_id)));
    // It is in the log too, for a bot that was away.
    let events = bot.all_events(group.id, 0).await.unwrap();
    assert!(events.iter().any(|e| e.seq == invoked.seq && matches!(e.kind, EventKind::CommandInvoked { .. })));
    // And in the history page among the conversation's lines, so "Bob used /faq shipping" is
    // still shown after a reload, naming the bot as well.
    let history = alice.client.messages(group.id, None, None).await.unwrap();
    let line = history.events.iter().find(|e| e.seq == invoked.seq).map(|e| e.kind.clone());
    assert!(
        matches!(&line, Some(EventKind::CommandInvoked { command, args, by, .. }) if command == "faq" && args == "shipping" && *by == bob.id()),
        "the invocation is no line of the history page: {line:?}"
    );
    assert!(history.users.iter().any(|u| u.id == bot_id));

    // The ephemeral answer reaches Bob alone; only the invoked bot may give it.
    assert_eq!(
        alice.client.reply_ephemerally(group.id, invoked.seq, "not mine to answer").await.unwrap_err().code(),
        Some(ErrorCode::NotFound)
    );
    bot.reply_ephemerally(group.id, invoked.seq, "We ship worldwide.").await.unwrap();
    let answer = frame_matching(&mut bob_socket, |frame| match frame {
        ServerFrame::EphemeralMessage { invocation_seq, sender, body, .. } => Some((invocation_seq, sender.id, body)),
        _ => None,
    })
    .await;
    assert_eq!(answer, Some((invoked.seq, bot_id, "We ship worldwide.".to_owned())));
    let leaked =
        frame_matching(&mut alice_socket, |frame| matches!(frame, ServerFrame::EphemeralMessage { .. }).then_some(()))
            .await;
    assert!(leaked.is_none(), "another member saw the ephemeral answer");

    // A read-only token may not invoke; once the bot leaves, its commands stop answering.
    let reader = alice.client.create_token(&token_request(None, &[TokenScope::Read])).await.unwrap();
    let reader = app.client.with_api_token(&reader.token);
    assert_eq!(
        reader.invoke_command(group.id, "faq", "").await.unwrap_err().code(),
        Some(ErrorCode::InsufficientScope)
    );
    alice.client.remove_member(group.id, bot_id).await.unwrap();
    assert_eq!(bob.client.invoke_command(group.id, "faq", "").await.unwrap_err().code(), Some(ErrorCode::NotFound));
}

#[tokio::test]
async fn an_admin_sees_every_bot_with_its_owner_and_a_disabled_bot_stops_working() {
    let app = TestApp::spawn().await;
    let (admin, alice) = (app.register("admin").await, app.register("alice").await);
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    db::queries::admin::set_role(&mut conn, admin.id(), protocol::users::Role::Admin).await.unwrap();
    drop(conn);
    let (bot_id, token, bot) = bot_with_token(&app, &alice, &[TokenScope::Read]).await;

    // Operators only, and never with a token.
    let as_token = app.client.with_api_token(&token.token);
    let refused = as_token.request(Method::GET, "/api/v1/admin/bots").unwrap().send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let listed = admin.client.request(Method::GET, "/api/v1/admin/bots").unwrap().send().await.unwrap();
    assert_eq!(listed.status(), StatusCode::OK);
    let page: protocol::users::Page<protocol::bots::Bot> = listed.json().await.unwrap();
    assert_eq!(page.items.iter().map(|b| (b.user.id, b.owner_id)).collect::<Vec<_>>(), [(bot_id, alice.id())]);

    // Disabled like any account: its token stops at once.
    let disabled = admin.client.request(Method::POST, &format!("/api/v1/admin/users/{bot_id}/disable")).unwrap();
    assert!(disabled.send().await.unwrap().status().is_success());
    assert_eq!(bot.me().await.unwrap_err().code(), Some(ErrorCode::AccountDisabled));
}
