//! Webhooks, end to end: an incoming webhook's URL storing one message per idempotency key;
//! outgoing deliveries to a receiver this test runs on loopback (allowed with
//! `--egress-allow`), verified with its own implementation of the Standard Webhooks check,
//! retried after failures, in seq order, not repeated across a restart; a subscription failing
//! for its whole window disabled and its owner told; the egress guard refusing loopback
//! without the allowance and a redirect to an address outside it.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use protocol::conversations::{ConversationSummary, Message, SendMessage};
use protocol::webhooks::{
    CreatedIncomingWebhook, CreatedSubscription, IncomingWebhooks, Subscription, Subscriptions, WebhookDelivery,
    WebhookEventKind,
};
use protocol::ws::ServerFrame;
use reqwest::StatusCode;
use serde_json::json;
use sha2::Sha256;
use uuid::Uuid;

use crate::support::{Account, TestApp};

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    /// Whether the signature verified (checked before anything else).
    verified: bool,
    /// What the receiver answered.
    status: u16,
    delivery: Option<WebhookDelivery>,
}

/// A webhook receiver on a loopback address: checks every signature with the secret it is
/// given, records what came, answers 500 to the first `fail_first` requests (then 204), or
/// redirects everything to `redirect_to`.
struct Receiver {
    url: String,
    secret: Arc<Mutex<Option<String>>>,
    received: Arc<Mutex<Vec<Received>>>,
    handle: actix_web::dev::ServerHandle,
}

#[derive(Clone)]
struct ReceiverState {
    secret: Arc<Mutex<Option<String>>>,
    received: Arc<Mutex<Vec<Received>>>,
    fail_first: Arc<AtomicUsize>,
    redirect_to: Option<String>,
}

impl Receiver {
    async fn start(ip: &str, fail_first: usize, redirect_to: Option<String>) -> Self {
        let state = ReceiverState {
            secret: Arc::default(),
            received: Arc::default(),
            fail_first: Arc::new(AtomicUsize::new(fail_first)),
            redirect_to,
        };
        let shared = state.clone();
        let server = HttpServer::new(move || {
            App::new().app_data(web::Data::new(shared.clone())).default_service(web::to(receive))
        })
        .workers(1)
        .disable_signals()
        .bind((ip.parse::<IpAddr>().unwrap(), 0))
        .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self { url: format!("http://{ip}:{port}/hook"), secret: state.secret, received: state.received, handle }
    }

    fn trust(&self, secret: &str) {
        *self.secret.lock().unwrap() = Some(secret.to_owned());
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The deliveries answered 2xx, in the order they came.
    fn accepted(&self) -> Vec<Received> {
        self.received().into_iter().filter(|r| (200..300).contains(&r.status)).collect()
    }

    async fn wait_for_accepted(&self, count: usize) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let accepted = self.accepted();
            if accepted.len() >= count {
                return accepted;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "only {} of {count} deliveries accepted: {:?}",
                accepted.len(),
                self.received()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

async fn receive(req: HttpRequest, body: web::Bytes, state: web::Data<ReceiverState>) -> HttpResponse {
    if let Some(target) = &state.redirect_to {
        state.received.lock().unwrap().push(Received {
            id: String::new(),
            verified: false,
            status: 307,
            delivery: None,
        });
        return HttpResponse::TemporaryRedirect().insert_header(("Location", target.as_str())).finish();
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let (id, timestamp, signatures) = (header("webhook-id"), header("webhook-timestamp"), header("webhook-signature"));
    let secret = state.secret.lock().unwrap().clone().unwrap_or_default();
    let verified = verify(&secret, &id, &timestamp, &signatures, &body);
    let failing = state.fail_first.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
    let status = if !verified {
        400
    } else if failing {
        500
    } else {
        204
    };
    let delivery = serde_json::from_slice(&body).ok();
    state.received.lock().unwrap().push(Received { id, verified, status, delivery });
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).body("receiver says no")
}

/// The Standard Webhooks check, written from the specification rather than from the server's
/// code: the key is the base64 after `whsec_`; the signed content is `id.timestamp.body`; the
/// header holds space-separated `v1,<base64>` signatures, one of which must match; the
/// timestamp must be within five minutes.
fn verify(secret: &str, id: &str, timestamp: &str, signatures: &str, body: &[u8]) -> bool {
    let Some(key) = secret.strip_prefix("whsec_").and_then(|k| STANDARD.decode(k).ok()) else { return false };
    let Ok(sent_at) = timestamp.parse::<i64>() else { return false };
    if (chrono::Utc::now().timestamp() - sent_at).abs() > 300 || id.is_empty() {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    let expected = mac.finalize().into_bytes();
    signatures.split(' ').filter_map(|s| s.strip_prefix("v1,")).filter_map(|s| STANDARD.decode(s).ok()).any(|sig| {
        let mut check = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        check.update(format!("{id}.{timestamp}.").as_bytes());
        check.update(body);
        sig.len() == expected.len() && check.verify_slice(&sig).is_ok()
    })
}

/// Alice's group with Bob, Alice owning it.
async fn group_of(app: &TestApp, alice: &Account, bob: &Account) -> ConversationSummary {
    app.befriend(alice, bob).await;
    alice.client.create_group("Ops", &[bob.id()]).await.unwrap()
}

async fn say(who: &Account, group: &ConversationSummary, body: &str) -> Message {
    who.client.send_message(group.id, &SendMessage::new(Uuid::new_v4(), body)).await.unwrap()
}

async fn subscribe(app: &TestApp, who: &Account, url: &str, events: &[&str]) -> reqwest::Response {
    app.http
        .post(app.at("/api/v1/webhooks/subscriptions"))
        .bearer_auth(&who.auth.access_token)
        .json(&json!({"url": url, "events": events}))
        .send()
        .await
        .unwrap()
}

async fn subscriptions(app: &TestApp, who: &Account) -> Vec<Subscription> {
    let response = app
        .http
        .get(app.at("/api/v1/webhooks/subscriptions"))
        .bearer_auth(&who.auth.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<Subscriptions>().await.unwrap().items
}

/// Waits until `who`'s only subscription satisfies `done`.
async fn wait_for_subscription(app: &TestApp, who: &Account, done: impl Fn(&Subscription) -> bool) -> Subscription {
    let started = Instant::now();
    loop {
        let list = subscriptions(app, who).await;
        if let Some(found) = list.iter().find(|s| done(s)) {
            return found.clone();
        }
        assert!(started.elapsed() < Duration::from_secs(30), "subscription never got there: {list:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Action {
        #[diesel(sql_type = diesel::sql_types::Text)]
        action: String,
    }
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    let rows: Vec<Action> =
        diesel::sql_query("SELECT action FROM audit_log ORDER BY created_at, id").load(&mut conn).await.unwrap();
    rows.into_iter().map(|r| r.action).collect()
}

#[tokio::test]
async fn an_incoming_webhook_stores_exactly_one_message_per_idempotency_key() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    let group = group_of(&app, &alice, &bob).await;
    let hooks = app.at(&format!("/api/v1/conversations/{}/webhooks", group.id.0));
    let create = |who: &Account| {
        app.http.post(&hooks).bearer_auth(&who.auth.access_token).json(&json!({"name": "Deploys"})).send()
    };

    // A plain member may not; a stranger cannot even tell the group exists.
    assert_eq!(create(&bob).await.unwrap().status(), StatusCode::FORBIDDEN);
    let stranger = create(&carol).await.unwrap();
    assert_eq!(stranger.status(), StatusCode::NOT_FOUND);
    assert_eq!(stranger.json::<serde_json::Value>().await.unwrap()["error"], "not_found");

    let created = create(&alice).await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: CreatedIncomingWebhook = created.json().await.unwrap();
    let listed: IncomingWebhooks =
        app.http.get(&hooks).bearer_auth(&alice.auth.access_token).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed.items, std::slice::from_ref(&created.webhook));
    assert!(!serde_json::to_string(&listed).unwrap().contains(created.path.rsplit('/').next().unwrap()));

    let post = |key: Option<&str>, body: serde_json::Value| {
        let mut request = app.http.post(app.at(&created.path)).json(&body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        request.send()
    };
    let first = post(Some("build-1"), json!({"body": "Build 1 deployed", "username": "CI"})).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Message = first.json().await.unwrap();
    assert_eq!(first.sender_id, created.webhook.account_id);
    assert_eq!(first.display_name.as_deref(), Some("CI"));
    // The same key again (a retry after a lost answer): nothing new, the same message.
    let again = post(Some("build-1"), json!({"body": "Build 1 deployed", "username": "CI"})).await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Message>().await.unwrap().id, first.id);
    // Five retries at once of another key store it once.
    let burst =
        futures_util::future::join_all((0..5).map(|_| post(Some("build-2"), json!({"body": "Build 2 deployed"}))));
    let ids: Vec<_> = futures_util::future::join_all(
        burst.await.into_iter().map(|r| async { r.unwrap().json::<Message>().await.unwrap().id }),
    )
    .await;
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    // A wrong secret is answered like a missing webhook, and stores nothing.
    let forged = app
        .http
        .post(app.at(&format!("/api/v1/hooks/{}/not-the-secret", created.webhook.id)))
        .json(&json!({"body": "x"}));
    assert_eq!(forged.send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let empty = post(None, json!({"body": "  "})).await.unwrap();
    assert_eq!(empty.status(), StatusCode::BAD_REQUEST);

    // Bob sees exactly the two messages, the first under the name it was posted with.
    let page = bob.client.messages(group.id, None, None).await.unwrap();
    let bodies: Vec<(&str, Option<&str>)> =
        page.items.iter().rev().map(|m| (m.body.as_str(), m.display_name.as_deref())).collect();
    assert_eq!(bodies, [("Build 1 deployed", Some("CI")), ("Build 2 deployed", None)]);
    let author =
        page.users.iter().find(|u| u.id == created.webhook.account_id).expect("the webhook's account is named");
    assert_eq!(author.display_name, "Deploys");

    // Revoked: the URL stops working; both are in the audit log.
    let revoke = app.http.delete(format!("{hooks}/{}", created.webhook.id)).bearer_auth(&alice.auth.access_token);
    assert_eq!(revoke.send().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(post(Some("build-3"), json!({"body": "Build 3"})).await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(audit_actions(&app).await, ["webhook.create", "webhook.revoke"]);
    assert_eq!(bob.client.messages(group.id, None, None).await.unwrap().items.len(), 2);
}

#[tokio::test]
async fn outgoing_deliveries_are_signed_retried_in_seq_order_and_not_repeated_across_a_restart() {
    let receiver = Receiver::start("127.0.0.1", 2, None).await;
    let settings = |s: &mut server::config::Settings| {
        s.egress_allow = vec!["127.0.0.1/32".parse().unwrap()];
        s.jwt_secret = Some("a-secret-shared-by-both-servers-0123456789".to_owned().into());
    };
    let app = TestApp::spawn_with(settings).await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let group = group_of(&app, &alice, &bob).await;
    say(&alice, &group, "before the subscription").await;

    let created = subscribe(&app, &bob, &receiver.url, &["message", "mention"]).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: CreatedSubscription = created.json().await.unwrap();
    assert!(created.secret.starts_with("whsec_"));
    receiver.trust(&created.secret);

    // Bob's own message is not delivered to him; Alice's three are (the second, mentioning
    // him, as a mention), the first after two failed attempts, and none overtakes it.
    say(&bob, &group, "mine").await;
    let mut sent = vec![say(&alice, &group, "message 1").await];
    let mention = SendMessage { mentions: vec![bob.id()], ..SendMessage::new(Uuid::new_v4(), "message 2, @bob") };
    sent.push(alice.client.send_message(group.id, &mention).await.unwrap());
    sent.push(say(&alice, &group, "message 3").await);
    let accepted = receiver.wait_for_accepted(3).await;
    let all = receiver.received();
    assert!(all.iter().all(|r| r.verified), "every delivery verifies: {all:?}");
    assert_eq!(all.iter().filter(|r| r.status == 500).count(), 2);
    assert!(all[..2].iter().all(|r| r.id == accepted[0].id), "the retries are of the first event, with its id");
    let seqs = |list: &[Received]| list.iter().map(|r| r.delivery.as_ref().unwrap().data.seq).collect::<Vec<_>>();
    assert_eq!(seqs(&accepted), sent.iter().map(|m| m.seq).collect::<Vec<_>>());
    let kinds: Vec<WebhookEventKind> = accepted.iter().map(|r| r.delivery.as_ref().unwrap().kind).collect();
    assert_eq!(kinds, [WebhookEventKind::Message, WebhookEventKind::Mention, WebhookEventKind::Message]);
    let first = accepted[0].delivery.as_ref().unwrap();
    assert_eq!(first.data.conversation_id, group.id);
    assert_eq!(first.data.subscription_id, created.subscription.id);
    assert!(
        matches!(&first.data.event.kind, protocol::conversations::EventKind::MessageCreated { message } if message.body == "message 1")
    );
    let healthy = subscriptions(&app, &bob).await;
    assert_eq!(healthy[0].failing_since, None, "a success clears the failure");

    // The server stops and another starts on the same database; two more messages.
    app.shutdown.clone().run("test restart").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let peer = app.spawn_peer(settings).await;
    let alice_there = alice.via(&peer.client);
    for n in 4..=5 {
        let message =
            alice_there.send_message(group.id, &SendMessage::new(Uuid::new_v4(), format!("message {n}"))).await;
        sent.push(message.unwrap());
    }
    receiver.wait_for_accepted(5).await;
    // Two sweeps more: nothing repeats.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let accepted = receiver.accepted();
    assert_eq!(seqs(&accepted), sent.iter().map(|m| m.seq).collect::<Vec<_>>(), "each once, in seq order");
    let mut ids: Vec<&str> = accepted.iter().map(|r| r.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 5);
}

#[tokio::test]
async fn a_subscription_failing_for_its_whole_window_is_disabled_and_its_owner_told() {
    let receiver = Receiver::start("127.0.0.1", usize::MAX, None).await;
    let app = TestApp::spawn_with(|s| {
        s.egress_allow = vec!["127.0.0.1/32".parse().unwrap()];
        s.webhook_retry_window = 2;
    })
    .await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let group = group_of(&app, &alice, &bob).await;
    let created: CreatedSubscription = subscribe(&app, &bob, &receiver.url, &["message"]).await.json().await.unwrap();
    receiver.trust(&created.secret);
    let (mut socket, _) = bob.client.connect().await.unwrap();

    say(&alice, &group, "anyone there?").await;
    let disabled = wait_for_subscription(&app, &bob, |s| s.disabled_at.is_some()).await;
    assert!(disabled.last_error.as_deref().unwrap().contains("500"), "{disabled:?}");
    assert!(disabled.disabled_reason.as_deref().unwrap().contains("2 s"), "{disabled:?}");
    let attempts = receiver.received().len();
    assert!(attempts >= 2, "retried before giving up: {attempts}");
    let told = loop {
        match socket.next_within(Duration::from_secs(10)).await.unwrap() {
            Some(ServerFrame::WebhookDisabled { subscription_id, reason }) => break (subscription_id, reason),
            Some(_) => continue,
            None => panic!("Bob was not told"),
        }
    };
    assert_eq!(told.0, created.subscription.id);
    // Nothing more is tried once it is disabled.
    say(&alice, &group, "still there?").await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(receiver.received().len(), attempts);
    assert!(audit_actions(&app).await.contains(&"webhook.disabled".to_owned()));
}

#[tokio::test]
async fn the_egress_guard_refuses_loopback_without_the_allowance_and_redirects_outside_it() {
    // Without an allowance, loopback is refused: at once for an address, at the connection for
    // a name, and the receiver never hears a thing.
    let receiver = Receiver::start("127.0.0.1", 0, None).await;
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let group = group_of(&app, &alice, &bob).await;
    let refused = subscribe(&app, &bob, &receiver.url, &["message"]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refusal: serde_json::Value = refused.json().await.unwrap();
    assert!(refusal["message"].as_str().unwrap().contains("--egress-allow"), "{refusal}");
    let https = subscribe(&app, &bob, &receiver.url.replace("http:", "https:"), &["message"]).await;
    assert!(https.text().await.unwrap().contains("loopback address"));
    let port = receiver.url.rsplit(':').next().unwrap().trim_end_matches("/hook");
    let by_name = subscribe(&app, &bob, &format!("https://localhost:{port}/hook"), &["message"]).await;
    assert_eq!(by_name.status(), StatusCode::CREATED, "a name is checked when it is resolved");
    say(&alice, &group, "hello").await;
    let failing = wait_for_subscription(&app, &bob, |s| s.last_error.is_some()).await;
    assert!(failing.last_error.as_deref().unwrap().contains("localhost is a loopback address"), "{failing:?}");
    assert!(receiver.received().is_empty());

    // Allowed 127.0.0.1 only: a receiver there redirecting to 127.0.0.2 (loopback, not allowed)
    // does not get its request through.
    let elsewhere = Receiver::start("127.0.0.2", 0, None).await;
    let redirecting = Receiver::start("127.0.0.1", 0, Some(elsewhere.url.clone())).await;
    let app = TestApp::spawn_with(|s| s.egress_allow = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let group = group_of(&app, &alice, &bob).await;
    let created: CreatedSubscription =
        subscribe(&app, &bob, &redirecting.url, &["message"]).await.json().await.unwrap();
    elsewhere.trust(&created.secret);
    say(&alice, &group, "hello").await;
    let failing = wait_for_subscription(&app, &bob, |s| s.last_error.is_some()).await;
    let error = failing.last_error.unwrap();
    assert!(error.contains("127.0.0.2") && error.contains("loopback"), "{error}");
    assert!(!redirecting.received().is_empty(), "the first hop was allowed");
    assert!(elsewhere.received().is_empty(), "the redirect's target was never reached");
}

#[tokio::test]
async fn two_servers_on_one_database_deliver_each_event_once() {
    let receiver = Receiver::start("127.0.0.1", 1, None).await;
    let settings = |s: &mut server::config::Settings| {
        s.bus = server::bus::BusKind::Postgres;
        s.egress_allow = vec!["127.0.0.1/32".parse().unwrap()];
        s.jwt_secret = Some("a-secret-shared-by-both-servers-0123456789".to_owned().into());
    };
    let app = TestApp::spawn_with(settings).await;
    let peer = app.spawn_peer(settings).await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let group = group_of(&app, &alice, &bob).await;
    let created: CreatedSubscription = subscribe(&app, &bob, &receiver.url, &["message"]).await.json().await.unwrap();
    receiver.trust(&created.secret);

    // Both servers' dispatchers are woken by every commit (the PostgreSQL bus carries each
    // server's events to both) and sweep; the cursor's lease lets only one deliver at a time.
    let alice_there = alice.via(&peer.client);
    let mut sent = Vec::new();
    for n in 0..20 {
        let message = SendMessage::new(Uuid::new_v4(), format!("message {n}"));
        let through = if n % 2 == 0 { &alice.client } else { &alice_there };
        sent.push(through.send_message(group.id, &message).await.unwrap().seq);
    }
    receiver.wait_for_accepted(20).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let accepted = receiver.accepted();
    let seqs: Vec<i64> = accepted.iter().map(|r| r.delivery.as_ref().unwrap().data.seq).collect();
    assert_eq!(seqs, sent, "each event once, in seq order");
    assert!(receiver.received().iter().all(|r| r.verified));
}

#[tokio::test]
async fn a_bot_subscribed_to_commands_gets_each_invocation_of_its_commands_signed() {
    use protocol::bots::{SetCommands, SlashCommandSpec, TokenScope};
    let receiver = Receiver::start("127.0.0.1", 0, None).await;
    let app = TestApp::spawn_with(|s| s.egress_allow = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let bot = alice.make_bot("helper", "Helper").await;
    let token =
        alice.make_token(Some(bot.user.id), &[TokenScope::Read, TokenScope::Send, TokenScope::Manage]).await.token;
    alice.client.send_friend_request(bot.user.id).await.unwrap();
    app.befriend(&alice, &bob).await;
    let group = alice.client.create_group("Support", &[bob.id(), bot.user.id]).await.unwrap();
    let as_bot = app.client.with_api_token(&token);
    let faq = SlashCommandSpec { name: "faq".into(), description: "Answers".into() };
    as_bot.set_commands(group.id, &SetCommands { commands: vec![faq] }).await.unwrap();

    // The bot subscribes with its own token, to its commands only.
    let created = app
        .http
        .post(app.at("/api/v1/webhooks/subscriptions"))
        .bearer_auth(&token)
        .json(&json!({"url": receiver.url, "events": ["command"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: CreatedSubscription = created.json().await.unwrap();
    receiver.trust(&created.secret);

    say(&bob, &group, "a plain message is not a command").await;
    let invoked = bob.client.invoke_command(group.id, "faq", "refunds").await.unwrap();
    let accepted = receiver.wait_for_accepted(1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.accepted().len(), 1, "only the invocation: {:?}", receiver.received());
    let delivery = accepted[0].delivery.as_ref().unwrap();
    assert!(accepted[0].verified);
    assert_eq!((delivery.kind, delivery.data.seq), (WebhookEventKind::Command, invoked.seq));
    assert!(matches!(
        &delivery.data.event.kind,
        protocol::conversations::EventKind::CommandInvoked { command, args, by, .. }
            if command == "faq" && args == "refunds" && *by == bob.id()
    ));
}
