//! Web Push end to end against a push service the test runs on loopback (the server reaches it
//! through `--egress-allow`): a browser's subscription (a key pair and secret made here, as a
//! browser makes them) is woken for a message while its user has no app connected; the push is
//! encrypted to that browser (decrypted here), signed with the server's VAPID key (verified
//! here); a connected user, a muted conversation and a signed-out session get none, a mention
//! in a muted one does; a subscription the service says is gone is deleted.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use protocol::ErrorCode;
use protocol::conversations::{SendMessage, UpdateConversationSettings};
use protocol::push::{PushKeys, PushNotification, PushSubscription};
use uuid::Uuid;

use crate::support::{Account, TestApp};

/// One request the push service got.
#[derive(Clone, Debug)]
struct Pushed {
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Pushed {
    fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
    }
}

/// A push service on loopback: records every request, answers 410 on paths ending in `/gone`
/// and 201 elsewhere.
struct PushService {
    base: String,
    received: Arc<Mutex<Vec<Pushed>>>,
    handle: actix_web::dev::ServerHandle,
}

impl PushService {
    async fn start() -> Self {
        let received: Arc<Mutex<Vec<Pushed>>> = Arc::default();
        let shared = received.clone();
        let server = HttpServer::new(move || {
            let shared = shared.clone();
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let shared = shared.clone();
                async move {
                    let headers = req
                        .headers()
                        .iter()
                        .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
                        .collect();
                    let path = req.path().to_owned();
                    let gone = path.ends_with("/gone");
                    shared.lock().unwrap().push(Pushed { path, headers, body: body.to_vec() });
                    if gone { HttpResponse::Gone().finish() } else { HttpResponse::Created().finish() }
                }
            }))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1".parse::<IpAddr>().unwrap(), 0))
        .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self { base: format!("http://127.0.0.1:{port}"), received, handle }
    }

    fn received_at(&self, path: &str) -> Vec<Pushed> {
        self.received.lock().unwrap().iter().filter(|p| p.path == path).cloned().collect()
    }

    /// Waits up to `wait` for the `count`th push to `path`.
    async fn wait_for(&self, path: &str, count: usize, wait: Duration) -> Vec<Pushed> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let got = self.received_at(path);
            if got.len() >= count || tokio::time::Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for PushService {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// What a browser keeps of its subscription: the key to decrypt with, and its secret.
struct Browser {
    secret: p256::SecretKey,
    auth: [u8; 16],
    path: String,
    subscription: PushSubscription,
}

impl Browser {
    fn new(service: &PushService, path: &str) -> Self {
        let secret = loop {
            let mut bytes = [0_u8; 32];
            rand::fill(&mut bytes);
            if let Ok(secret) = p256::SecretKey::from_slice(&bytes) {
                break secret;
            }
        };
        let mut auth = [0_u8; 16];
        rand::fill(&mut auth);
        let public = secret.public_key().to_encoded_point(false);
        let subscription = PushSubscription {
            endpoint: format!("{}{path}", service.base),
            keys: PushKeys { p256dh: URL_SAFE_NO_PAD.encode(public.as_bytes()), auth: URL_SAFE_NO_PAD.encode(auth) },
        };
        Self { secret, auth, path: path.to_owned(), subscription }
    }

    /// Decrypts a push as the browser does.
    fn open(&self, pushed: &Pushed) -> PushNotification {
        let auth = web_push_native::Auth::clone_from_slice(&self.auth);
        let plain = web_push_native::decrypt(pushed.body.clone(), &self.secret, &auth).expect("decrypts");
        serde_json::from_slice(&plain).unwrap()
    }
}

/// Checks a push's VAPID signature against the server's public key and the service's origin.
fn assert_signed(pushed: &Pushed, public_key: &str, origin: &str) {
    let authorization = pushed.header("authorization");
    let (token, key) = authorization.strip_prefix("vapid t=").unwrap().split_once(", k=").unwrap();
    assert_eq!(key, public_key);
    let point = URL_SAFE_NO_PAD.decode(key).unwrap();
    let (x, y) = (URL_SAFE_NO_PAD.encode(&point[1..33]), URL_SAFE_NO_PAD.encode(&point[33..]));
    let key = jsonwebtoken::DecodingKey::from_ec_components(&x, &y).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&[origin]);
    validation.set_required_spec_claims(&["exp", "aud"]);
    jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation).expect("a valid VAPID signature");
}

async fn send(from: &Account, conversation: protocol::ConversationId, body: &str, mentions: Vec<protocol::UserId>) {
    let mut message = SendMessage::new(Uuid::new_v4(), body);
    message.mentions = mentions;
    from.client.send_message(conversation, &message).await.unwrap();
}

async fn subscriptions_of(app: &TestApp, user: protocol::UserId) -> i64 {
    use db::schema::push_subscriptions::dsl;
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    dsl::push_subscriptions.filter(dsl::user_id.eq(user.0)).count().get_result(&mut conn).await.unwrap()
}

#[tokio::test]
async fn a_message_wakes_the_subscribed_browsers_of_members_with_no_app_open() {
    let service = PushService::start().await;
    let app = TestApp::spawn_with(|s| s.egress_allow = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap().id;
    let team = alice.client.create_group("Team", &[bob.id()]).await.unwrap().id;
    let public_key = bob.client.vapid_key().await.unwrap().public_key;

    // Bad registrations change nothing.
    let mut bad = Browser::new(&service, "/push/bad").subscription;
    bad.keys.p256dh = URL_SAFE_NO_PAD.encode([4_u8; 65]);
    let refused = bob.client.subscribe_push(&bad).await.unwrap_err();
    assert_eq!((refused.code(), refused.field()), (Some(ErrorCode::Unprocessable), Some("keys.p256dh")));
    let mut private = Browser::new(&service, "/push/private").subscription;
    private.endpoint = "http://10.1.2.3/push".into();
    assert_eq!(bob.client.subscribe_push(&private).await.unwrap_err().code(), Some(ErrorCode::Unprocessable));
    assert_eq!(subscriptions_of(&app, bob.id()).await, 0);

    // Bob's browser subscribes; with no app of his connected, a DM wakes it. Alice (the sender)
    // has a browser too, which her own messages never wake.
    let browser = Browser::new(&service, "/push/bob");
    bob.client.subscribe_push(&browser.subscription).await.unwrap();
    let alices = Browser::new(&service, "/push/alice");
    alice.client.subscribe_push(&alices.subscription).await.unwrap();
    send(&alice, dm, "Dinner at 8?", vec![]).await;
    let pushed = service.wait_for(&browser.path, 1, Duration::from_secs(10)).await;
    assert_eq!(pushed.len(), 1, "no push arrived");
    let push = &pushed[0];
    assert_eq!(push.header("content-encoding"), "aes128gcm");
    assert_eq!(push.header("ttl"), "86400");
    assert_eq!(push.header("urgency"), "high", "a direct message is urgent");
    assert_signed(push, &public_key, &service.base);
    let notification = browser.open(push);
    assert_eq!(
        (notification.title.as_str(), notification.body.as_str(), notification.mention),
        ("Alice", "Dinner at 8?", false)
    );
    assert_eq!((notification.conversation_id, notification.url), (dm, format!("/chat/{dm}")));
    // Nobody else is woken: Alice sent it (her browser gets nothing) and Carol is not in the DM.
    assert_eq!(service.received.lock().unwrap().len(), 1);

    // With an app of Bob's connected, the app shows it: no push.
    let (socket, _) = bob.client.connect().await.unwrap();
    send(&alice, dm, "Are you there?", vec![]).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(service.received_at(&browser.path).len(), 1, "pushed while an app was connected");
    drop(socket);
    // Until the server has seen the app go, it would still count Bob as connected.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while app.state.presence.counts().await.connections > 0 {
        assert!(tokio::time::Instant::now() < deadline, "the closed app is still counted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A muted group stays quiet, but a mention in it still wakes him.
    let muted = UpdateConversationSettings {
        muted_until: Some(chrono::Utc::now() + chrono::Duration::hours(8)),
        archived: false,
    };
    bob.client.update_settings(team, &muted).await.unwrap();
    send(&alice, team, "Standup moved", vec![]).await;
    send(&alice, team, "@bob can you take it?", vec![bob.id()]).await;
    let pushed = service.wait_for(&browser.path, 2, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let bodies: Vec<_> = service.received_at(&browser.path).iter().skip(1).map(|p| browser.open(p)).collect();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert_eq!(
        (bodies[0].title.as_str(), bodies[0].body.as_str(), bodies[0].mention),
        ("Alice in Team", "@bob can you take it?", true)
    );
    assert_eq!(pushed[1].header("urgency"), "high", "a mention is urgent");

    // A subscription the push service says is gone is deleted.
    let gone = Browser::new(&service, "/push/carol/gone");
    carol.client.subscribe_push(&gone.subscription).await.unwrap();
    let carols = alice.client.open_dm(carol.id()).await.unwrap().id;
    send(&alice, carols, "Hi Carol", vec![]).await;
    assert_eq!(service.wait_for(&gone.path, 1, Duration::from_secs(10)).await.len(), 1);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while subscriptions_of(&app, carol.id()).await > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(subscriptions_of(&app, carol.id()).await, 0, "a gone subscription was kept");

    // Signing out ends the session's subscription: no more pushes to that browser.
    bob.client.logout().await.unwrap();
    assert_eq!(subscriptions_of(&app, bob.id()).await, 0);
    send(&alice, dm, "Good night", vec![]).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(service.received_at(&browser.path).len(), 2, "pushed to a signed-out browser");
    assert!(service.received_at(&alices.path).is_empty(), "the sender was woken by her own messages");
}

#[tokio::test]
async fn only_a_signed_in_person_registers_a_browser_and_forgets_it() {
    let service = PushService::start().await;
    let app = TestApp::spawn_with(|s| s.egress_allow = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let alice = app.register("alice").await;
    let browser = Browser::new(&service, "/push/alice");
    alice.client.subscribe_push(&browser.subscription).await.unwrap();
    // Registering again (new keys after the browser renewed them) keeps one subscription.
    let renewed = Browser::new(&service, "/push/alice");
    alice.client.subscribe_push(&renewed.subscription).await.unwrap();
    assert_eq!(subscriptions_of(&app, alice.id()).await, 1);

    // An API token may read the key but not register a browser.
    let token = alice.make_token(None, &[protocol::bots::TokenScope::Read, protocol::bots::TokenScope::Manage]).await;
    let script = app.client.with_api_token(&token.token);
    assert!(!script.vapid_key().await.unwrap().public_key.is_empty());
    let other = Browser::new(&service, "/push/script");
    assert_eq!(
        script.subscribe_push(&other.subscription).await.unwrap_err().code(),
        Some(ErrorCode::InsufficientScope)
    );

    alice.client.unsubscribe_push(&browser.subscription.endpoint).await.unwrap();
    assert_eq!(subscriptions_of(&app, alice.id()).await, 0);
    let again = alice.client.unsubscribe_push(&browser.subscription.endpoint).await.unwrap_err();
    assert_eq!(again.code(), Some(ErrorCode::NotFound));
}

#[tokio::test]
async fn a_browser_registered_through_one_server_is_woken_for_messages_written_by_another() {
    let service = PushService::start().await;
    let shared = |s: &mut server::config::Settings| {
        s.bus = server::bus::BusKind::Postgres;
        s.jwt_secret = Some("a-secret-shared-by-both-servers-0123456789".to_owned().into());
        s.egress_allow = vec!["127.0.0.1/32".parse().unwrap()];
    };
    let app = TestApp::spawn_with(shared).await;
    let peer = app.spawn_peer(shared).await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap().id;

    // Bob's browser registers with the peer; Alice's messages are written by the first server,
    // which started when no browser had registered anywhere.
    let browser = Browser::new(&service, "/push/bob-elsewhere");
    let bob_at_peer = peer.client.authenticated(&bob.auth.access_token);
    bob_at_peer.subscribe_push(&browser.subscription).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut n = 0;
    while service.received_at(&browser.path).is_empty() && tokio::time::Instant::now() < deadline {
        n += 1;
        send(&alice, dm, &format!("ping {n}"), vec![]).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let pushed = service.received_at(&browser.path);
    assert!(!pushed.is_empty(), "the first server never woke a browser registered through the peer");
    assert!(browser.open(&pushed[0]).body.starts_with("ping "));
}
