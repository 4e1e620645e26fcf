//! Administration: 403 for everyone else on every admin route, disabling a user closing their
//! socket at once and refusing their login and refresh, the last admin, retention keeping
//! resync gap-free, moderation reaching live clients, and the audit log.

use std::time::Duration;

use client::ws::SocketError;
use protocol::admin::{
    AdminConversation, AdminUser, AdminUserDetail, AuditEntry, ConversationExport, Retention, Stats,
};
use protocol::conversations::{EventKind, SendMessage};
use protocol::users::{Page, Role};
use protocol::ws::{ServerFrame, close};
use protocol::{ErrorBody, ErrorCode};
use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::support::{Account, TestApp};

async fn make_admin(app: &TestApp, account: &Account) {
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    db::queries::admin::set_role(&mut conn, account.id(), protocol::users::Role::Admin).await.unwrap();
}

async fn call(account: &Account, method: Method, path: &str, body: Option<serde_json::Value>) -> reqwest::Response {
    let mut request = account.client.request(method, path).unwrap();
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn ok<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> T {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap()
}

async fn error(response: reqwest::Response) -> (StatusCode, ErrorCode) {
    let status = response.status();
    let body: ErrorBody = response.json().await.unwrap();
    (status, body.error)
}

async fn audit(admin: &Account) -> Vec<AuditEntry> {
    let page: Page<AuditEntry> = ok(call(admin, Method::GET, "/api/v1/admin/audit?limit=200", None).await).await;
    page.items
}

#[tokio::test]
async fn non_admins_get_403_on_every_admin_route() {
    let app = TestApp::spawn().await;
    let user = app.register("plain").await;
    let id = Uuid::new_v4();
    let routes: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, "/api/v1/admin/users".into(), None),
        (
            Method::POST,
            "/api/v1/admin/users".into(),
            Some(json!({"username":"x1y","display_name":"X","password":"long-enough-pw"})),
        ),
        (Method::GET, format!("/api/v1/admin/users/{id}"), None),
        (Method::PATCH, format!("/api/v1/admin/users/{id}"), Some(json!({"display_name":"X"}))),
        (Method::POST, format!("/api/v1/admin/users/{id}/password"), Some(json!({"password":"long-enough-pw"}))),
        (Method::POST, format!("/api/v1/admin/users/{id}/disable"), None),
        (Method::POST, format!("/api/v1/admin/users/{id}/enable"), None),
        (Method::DELETE, format!("/api/v1/admin/users/{id}"), None),
        (Method::PUT, format!("/api/v1/admin/users/{id}/role"), Some(json!({"role":"admin"}))),
        (Method::GET, "/api/v1/admin/conversations".into(), None),
        (Method::GET, format!("/api/v1/admin/conversations/{id}/messages"), None),
        (Method::DELETE, format!("/api/v1/admin/conversations/{id}/messages/{id}"), None),
        (Method::GET, format!("/api/v1/admin/conversations/{id}/export"), None),
        (Method::GET, "/api/v1/admin/retention".into(), None),
        (Method::PUT, "/api/v1/admin/retention".into(), Some(json!({"days": 1}))),
        (Method::GET, "/api/v1/admin/stats".into(), None),
        (Method::GET, "/api/v1/admin/audit".into(), None),
    ];
    for (method, path, body) in &routes {
        let response = call(&user, method.clone(), path, body.clone()).await;
        assert_eq!(error(response).await, (StatusCode::FORBIDDEN, ErrorCode::Forbidden), "{method} {path}");
        let anonymous = app.http.request(method.clone(), app.at(path)).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
    }
    // The role is read on every request: a promotion works at once, without a new token.
    make_admin(&app, &user).await;
    assert_eq!(call(&user, Method::GET, "/api/v1/admin/stats", None).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn disabling_a_user_closes_their_socket_and_refuses_login_and_refresh() {
    let app = TestApp::spawn().await;
    let (admin, bob) = (app.register("admin").await, app.register("bob").await);
    make_admin(&app, &admin).await;
    let (mut socket, _) = bob.client.connect().await.unwrap();
    let started = std::time::Instant::now();
    let disabled: AdminUser =
        ok(call(&admin, Method::POST, &format!("/api/v1/admin/users/{}/disable", bob.id()), None).await).await;
    assert!(disabled.disabled_at.is_some());
    let code = loop {
        match socket.next_within(Duration::from_secs(5)).await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the socket stayed open"),
            Err(SocketError::Closed { code, .. }) => break code,
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(code, close::ACCOUNT_DISABLED);
    assert!(started.elapsed() < Duration::from_secs(1), "closed after {:?}", started.elapsed());
    let login = app.client.login("bob", &bob.password).await.unwrap_err();
    assert_eq!(login.code(), Some(ErrorCode::AccountDisabled));
    let refresh = app.client.refresh(bob.auth.refresh_token.as_deref().unwrap()).await.unwrap_err();
    assert_eq!(refresh.code(), Some(ErrorCode::AccountDisabled));
    assert_eq!(bob.client.me().await.unwrap_err().code(), Some(ErrorCode::AccountDisabled));
    let reconnect = bob.client.connect().await;
    assert!(matches!(reconnect, Err(SocketError::Refused { code: ErrorCode::AccountDisabled, .. })), "{reconnect:?}");
    // Enabled again, they sign in.
    let _: AdminUser =
        ok(call(&admin, Method::POST, &format!("/api/v1/admin/users/{}/enable", bob.id()), None).await).await;
    app.client.login("bob", &bob.password).await.unwrap();
    let actions: Vec<String> = audit(&admin).await.into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["user.enable", "user.disable"]);
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_and_users_are_managed() {
    let app = TestApp::spawn().await;
    let (root, carol) = (app.register("root").await, app.register("carol").await);
    make_admin(&app, &root).await;
    let demote = json!({"role": "user"});
    let response =
        call(&root, Method::PUT, &format!("/api/v1/admin/users/{}/role", root.id()), Some(demote.clone())).await;
    assert_eq!(error(response).await, (StatusCode::CONFLICT, ErrorCode::Conflict));
    let promoted: AdminUser = ok(call(
        &root,
        Method::PUT,
        &format!("/api/v1/admin/users/{}/role", carol.id()),
        Some(json!({"role":"admin"})),
    )
    .await)
    .await;
    assert_eq!(promoted.role, Role::Admin);
    let _: AdminUser =
        ok(call(&carol, Method::PUT, &format!("/api/v1/admin/users/{}/role", root.id()), Some(demote.clone())).await)
            .await;
    let response = call(&carol, Method::PUT, &format!("/api/v1/admin/users/{}/role", carol.id()), Some(demote)).await;
    assert_eq!(error(response).await.1, ErrorCode::Conflict, "Carol is the last admin now");
    // Create, find, rename, reset the password of, and delete a user.
    let created: AdminUser = ok(call(
        &carol,
        Method::POST,
        "/api/v1/admin/users",
        Some(json!({"username": "newbie", "display_name": "New Bie", "password": "first-password-1"})),
    )
    .await)
    .await;
    let duplicate = call(
        &carol,
        Method::POST,
        "/api/v1/admin/users",
        Some(json!({"username": "NEWBIE", "display_name": "x", "password": "first-password-1"})),
    )
    .await;
    assert_eq!(error(duplicate).await.1, ErrorCode::UsernameTaken);
    let found: Page<AdminUser> = ok(call(&carol, Method::GET, "/api/v1/admin/users?q=new", None).await).await;
    assert_eq!(found.items.iter().map(|u| u.id).collect::<Vec<_>>(), vec![created.id]);
    let admins: Page<AdminUser> = ok(call(&carol, Method::GET, "/api/v1/admin/users?status=admin", None).await).await;
    assert_eq!(admins.items.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), ["carol"]);
    let bad = call(&carol, Method::GET, "/api/v1/admin/users?status=weird", None).await;
    assert_eq!(error(bad).await.1, ErrorCode::InvalidInput);
    let renamed: AdminUser = ok(call(
        &carol,
        Method::PATCH,
        &format!("/api/v1/admin/users/{}", created.id),
        Some(json!({"display_name": "Renamed"})),
    )
    .await)
    .await;
    assert_eq!(renamed.display_name, "Renamed");
    let newbie = app.client.login("newbie", "first-password-1").await.unwrap();
    let newbie_client = app.client.authenticated(&newbie.access_token);
    let reset = call(
        &carol,
        Method::POST,
        &format!("/api/v1/admin/users/{}/password", created.id),
        Some(json!({"password": "second-password-2"})),
    )
    .await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert_eq!(newbie_client.me().await.unwrap_err().code(), Some(ErrorCode::Unauthenticated), "sessions revoked");
    app.client.login("newbie", "second-password-2").await.unwrap();
    let detail: AdminUserDetail =
        ok(call(&carol, Method::GET, &format!("/api/v1/admin/users/{}", created.id), None).await).await;
    assert_eq!(detail.sessions, 1);
    let deleted = call(&carol, Method::DELETE, &format!("/api/v1/admin/users/{}", created.id), None).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.client.login("newbie", "second-password-2").await.unwrap_err().code(),
        Some(ErrorCode::InvalidCredentials)
    );
    let actions: Vec<String> = audit(&carol).await.into_iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        ["user.delete", "user.reset_password", "user.update", "user.create", "user.set_role", "user.set_role"],
        "every admin action is audited, newest first"
    );
    let entry = &audit(&carol).await[0];
    assert_eq!(entry.actor.id, carol.id());
    assert_eq!(entry.target_id, Some(created.id.0));
    assert_eq!(entry.ip, "127.0.0.1");
    // The log cannot be rewritten, even directly in the database.
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    let tamper = diesel_async::RunQueryDsl::execute(diesel::sql_query("DELETE FROM audit_log"), &mut conn).await;
    assert!(tamper.is_err(), "the audit log refused a delete");
}

#[tokio::test]
async fn moderation_removes_messages_live_and_exports_history() {
    let app = TestApp::spawn().await;
    let (admin, alice, bob) = (app.register("admin").await, app.register("alice").await, app.register("bob").await);
    make_admin(&app, &admin).await;
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    let (mut bob_socket, _) = bob.client.connect().await.unwrap();
    let bad = alice.client.send_message(dm.id, &SendMessage::new(Uuid::new_v4(), "spam spam")).await.unwrap();
    let list: Page<AdminConversation> = ok(call(&admin, Method::GET, "/api/v1/admin/conversations", None).await).await;
    assert_eq!(list.items.len(), 1);
    assert_eq!(list.items[0].message_count, 1);
    assert_eq!(list.items[0].member_count, 2);
    let removed: protocol::conversations::Message =
        ok(call(&admin, Method::DELETE, &format!("/api/v1/admin/conversations/{}/messages/{}", dm.id, bad.id), None)
            .await)
        .await;
    assert!(removed.deleted_at.is_some() && removed.moderated);
    let deletion = loop {
        match bob_socket.next_within(Duration::from_secs(5)).await.unwrap() {
            Some(ServerFrame::Event { event }) if matches!(event.kind, EventKind::MessageDeleted { .. }) => {
                break event;
            }
            Some(_) => continue,
            None => panic!("no deletion arrived"),
        }
    };
    assert!(matches!(deletion.kind, EventKind::MessageDeleted { moderated: true, by, .. } if by == admin.id()));
    let export: ConversationExport =
        ok(call(&admin, Method::GET, &format!("/api/v1/admin/conversations/{}/export", dm.id), None).await).await;
    assert_eq!(export.messages.len(), 1);
    assert!(export.messages[0].deleted_at.is_some(), "tombstones are exported as such");
    let history = bob.client.messages(dm.id, None, None).await.unwrap();
    assert!(history.items[0].moderated, "a reload still shows the removal as moderation");
    assert_eq!(export.members.len(), 2);
    let actions: Vec<String> = audit(&admin).await.into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["conversation.export", "message.remove"]);
    // Stats see it all.
    let stats: Stats = ok(call(&admin, Method::GET, "/api/v1/admin/stats", None).await).await;
    assert_eq!(stats.users_total, 3);
    assert_eq!(stats.messages_total, 1);
    assert_eq!(stats.conversations, 1);
    assert_eq!(stats.websocket_connections, 1);
    assert!(stats.database_bytes > 0);
}

#[tokio::test]
async fn retention_removes_exactly_the_expired_messages_and_resync_stays_gap_free() {
    let app = TestApp::spawn().await;
    let (admin, alice, bob) = (app.register("admin").await, app.register("alice").await, app.register("bob").await);
    make_admin(&app, &admin).await;
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    let mut sent = Vec::new();
    for n in 0..4 {
        let message = SendMessage::new(Uuid::new_v4(), format!("message {n}"));
        sent.push(alice.client.send_message(dm.id, &message).await.unwrap());
    }
    // Age the first two by ten days.
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    let old = [sent[0].id.0, sent[1].id.0];
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE messages SET created_at = now() - interval '10 days' WHERE id = ANY($1)")
            .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(old.to_vec()),
        &mut conn,
    )
    .await
    .unwrap();
    drop(conn);
    let (mut bob_socket, _) = bob.client.connect().await.unwrap();
    let known = 5; // created + 4 messages
    let bad = call(&admin, Method::PUT, "/api/v1/admin/retention", Some(json!({"days": 0}))).await;
    assert_eq!(error(bad).await.1, ErrorCode::InvalidInput);
    let policy: Retention =
        ok(call(&admin, Method::PUT, "/api/v1/admin/retention", Some(json!({"days": 7}))).await).await;
    assert_eq!(policy.days, Some(7));
    let history = bob.client.messages(dm.id, None, None).await.unwrap();
    let bodies: Vec<&str> = history.items.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, ["message 3", "message 2"], "exactly the expired ones are gone");
    // Live clients get the deletions…
    let mut live = Vec::new();
    while live.len() < 2 {
        match bob_socket.next_within(Duration::from_secs(5)).await.unwrap() {
            Some(ServerFrame::Event { event }) => live.push(event),
            Some(_) => {}
            None => panic!("deletions did not arrive live: {live:?}"),
        }
    }
    // …and a client resyncing from before sees a gap-free log where they read as deletions.
    let events = bob.client.all_events(dm.id, 1).await.unwrap();
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), (2..=known + 2).collect::<Vec<_>>());
    for old in &sent[..2] {
        assert!(
            events
                .iter()
                .any(|e| matches!(e.kind, EventKind::MessageDeleted { message_id, .. } if message_id == old.id))
        );
        assert!(
            !events.iter().any(|e| matches!(&e.kind, EventKind::MessageCreated { message } if message.id == old.id))
        );
    }
    let stats: Stats = ok(call(&admin, Method::GET, "/api/v1/admin/stats", None).await).await;
    assert_eq!(stats.retention_days, Some(7));
    assert_eq!(stats.retention_removed_total, 2);
    assert!(stats.retention_last_run_at.is_some());
    assert_eq!(audit(&admin).await[0].action, "retention.set");
}

#[tokio::test]
async fn users_export_their_own_data() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    for body in ["one", "two"] {
        alice.client.send_message(dm.id, &SendMessage::new(Uuid::new_v4(), body)).await.unwrap();
    }
    bob.client.send_message(dm.id, &SendMessage::new(Uuid::new_v4(), "bob's")).await.unwrap();
    let response = call(&alice, Method::GET, "/api/v1/users/me/export", None).await;
    assert!(response.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let export: protocol::admin::PersonalExport = ok(response).await;
    assert_eq!(export.profile.id, alice.id());
    assert_eq!(export.friends.len(), 1);
    assert_eq!(export.conversations.len(), 1);
    assert_eq!(
        export.messages.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(),
        ["one", "two"],
        "only her own messages"
    );
}
