//! Finding people, the friend-request lifecycle, friendships and blocks, with every refused case.

use protocol::ErrorCode;
use protocol::social::SendFriendRequestOutcome;

use crate::support::{Account, TestApp};

fn code(result: Result<impl std::fmt::Debug, client::ClientError>) -> ErrorCode {
    result.unwrap_err().code().expect("an API error with a code")
}

async fn request(from: &Account, to: &Account) -> uuid::Uuid {
    match from.client.send_friend_request(to.id()).await.unwrap() {
        SendFriendRequestOutcome::Pending { request } => request.id,
        other => panic!("expected a pending request, got {other:?}"),
    }
}

async fn befriend(a: &Account, b: &Account) {
    let id = request(a, b).await;
    b.client.accept_friend_request(id).await.unwrap();
}

fn usernames(page: &protocol::users::Page<protocol::users::PublicUser>) -> Vec<&str> {
    page.items.iter().map(|u| u.username.as_str()).collect()
}

#[tokio::test]
async fn search_finds_by_username_or_display_name_prefix_and_paginates() {
    let app = TestApp::spawn().await;
    let me = app.register("searcher").await;
    for name in ["sam", "samantha", "samuel", "bob"] {
        app.register(name).await;
    }
    let page = me.client.search_users("SAM", None, None).await.unwrap();
    assert_eq!(usernames(&page), ["sam", "samantha", "samuel"]);
    // Display names count too ("Bob" was registered with display name "Bob").
    assert_eq!(usernames(&me.client.search_users("bo", None, None).await.unwrap()), ["bob"]);
    // Not yourself.
    assert!(usernames(&me.client.search_users("search", None, None).await.unwrap()).is_empty());
    // Wildcards are literal.
    assert!(me.client.search_users("%", None, None).await.unwrap().items.is_empty());
    // Pages of two.
    let first = me.client.search_users("sam", Some(2), None).await.unwrap();
    assert_eq!(usernames(&first), ["sam", "samantha"]);
    let second = me.client.search_users("sam", Some(2), first.next_cursor.as_deref()).await.unwrap();
    assert_eq!(usernames(&second), ["samuel"]);
    assert_eq!(code(me.client.search_users("", None, None).await), ErrorCode::InvalidInput);
    assert_eq!(code(me.client.search_users(&"a".repeat(65), None, None).await), ErrorCode::InvalidInput);
}

#[tokio::test]
async fn a_request_accepted_makes_friends_on_both_sides() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let id = request(&alice, &bob).await;
    assert_eq!(alice.client.friend_requests().await.unwrap().outgoing[0].id, id);
    let incoming = bob.client.friend_requests().await.unwrap().incoming;
    assert_eq!((incoming.len(), incoming[0].from.id), (1, alice.id()));

    let friend = bob.client.accept_friend_request(id).await.unwrap();
    assert_eq!(friend.user.id, alice.id());
    assert_eq!(alice.client.friends().await.unwrap().items[0].user.id, bob.id());
    assert_eq!(bob.client.friends().await.unwrap().items[0].user.id, alice.id());
    assert!(bob.client.friend_requests().await.unwrap().incoming.is_empty());
    assert!(alice.client.friend_requests().await.unwrap().outgoing.is_empty());
}

#[tokio::test]
async fn declined_request_cannot_be_accepted() {
    let app = TestApp::spawn().await;
    let (alice, carol) = (app.register("alice").await, app.register("carol").await);
    let id = request(&alice, &carol).await;
    carol.client.decline_friend_request(id).await.unwrap();
    assert_eq!(code(carol.client.accept_friend_request(id).await), ErrorCode::NotFound);
    assert!(alice.client.friends().await.unwrap().items.is_empty());
    assert!(alice.client.friend_requests().await.unwrap().outgoing.is_empty());
    // Declining does not prevent asking again later.
    request(&alice, &carol).await;
}

#[tokio::test]
async fn only_the_sender_cancels_and_only_the_recipient_answers() {
    let app = TestApp::spawn().await;
    let (alice, bob, eve) = (app.register("alice").await, app.register("bob").await, app.register("eve").await);
    let id = request(&alice, &bob).await;
    assert_eq!(code(alice.client.accept_friend_request(id).await), ErrorCode::NotFound);
    assert_eq!(code(eve.client.accept_friend_request(id).await), ErrorCode::NotFound);
    assert_eq!(code(eve.client.decline_friend_request(id).await), ErrorCode::NotFound);
    assert_eq!(code(bob.client.cancel_friend_request(id).await), ErrorCode::NotFound);
    alice.client.cancel_friend_request(id).await.unwrap();
    assert!(bob.client.friend_requests().await.unwrap().incoming.is_empty());
    assert_eq!(code(bob.client.accept_friend_request(id).await), ErrorCode::NotFound);
}

#[tokio::test]
async fn duplicate_self_and_repeat_requests_are_refused() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    request(&alice, &bob).await;
    assert_eq!(code(alice.client.send_friend_request(bob.id()).await), ErrorCode::Conflict);
    assert_eq!(alice.client.friend_requests().await.unwrap().outgoing.len(), 1);
    assert_eq!(code(alice.client.send_friend_request(alice.id()).await), ErrorCode::Unprocessable);
    let unknown = protocol::UserId(uuid::Uuid::now_v7());
    assert_eq!(code(alice.client.send_friend_request(unknown).await), ErrorCode::NotFound);
    let id = bob.client.friend_requests().await.unwrap().incoming[0].id;
    bob.client.accept_friend_request(id).await.unwrap();
    assert_eq!(code(alice.client.send_friend_request(bob.id()).await), ErrorCode::Conflict);
}

#[tokio::test]
async fn asking_someone_who_already_asked_you_accepts_both() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    request(&alice, &bob).await;
    match bob.client.send_friend_request(alice.id()).await.unwrap() {
        SendFriendRequestOutcome::Accepted { friend } => assert_eq!(friend.user.id, alice.id()),
        other => panic!("expected an immediate friendship, got {other:?}"),
    }
    assert_eq!(alice.client.friends().await.unwrap().items.len(), 1);
    assert!(alice.client.friend_requests().await.unwrap().outgoing.is_empty());
    assert!(bob.client.friend_requests().await.unwrap().outgoing.is_empty());
}

#[tokio::test]
async fn unfriending_ends_it_for_both() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    befriend(&alice, &bob).await;
    bob.client.unfriend(alice.id()).await.unwrap();
    assert!(alice.client.friends().await.unwrap().items.is_empty());
    assert_eq!(code(alice.client.unfriend(bob.id()).await), ErrorCode::NotFound);
}

#[tokio::test]
async fn blocking_ends_friendship_and_requests_and_refuses_new_ones_both_ways() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    befriend(&alice, &bob).await;
    request(&carol, &alice).await;
    alice.client.block(bob.id()).await.unwrap();
    alice.client.block(carol.id()).await.unwrap();
    alice.client.block(carol.id()).await.unwrap(); // idempotent

    assert!(alice.client.friends().await.unwrap().items.is_empty());
    assert!(bob.client.friends().await.unwrap().items.is_empty());
    assert!(carol.client.friend_requests().await.unwrap().outgoing.is_empty());
    assert_eq!(alice.client.blocks().await.unwrap().len(), 2);

    // The blocked user is told nothing: the blocker looks absent.
    assert_eq!(code(bob.client.send_friend_request(alice.id()).await), ErrorCode::NotFound);
    assert_eq!(code(bob.client.user(alice.id()).await), ErrorCode::NotFound);
    assert!(bob.client.search_users("alice", None, None).await.unwrap().items.is_empty());
    // The blocker is told to unblock first.
    assert_eq!(code(alice.client.send_friend_request(bob.id()).await), ErrorCode::Unprocessable);
    // Blocked users are not listed to the blocker in search either.
    assert!(alice.client.search_users("bob", None, None).await.unwrap().items.is_empty());

    alice.client.unblock(bob.id()).await.unwrap();
    assert_eq!(code(alice.client.unblock(bob.id()).await), ErrorCode::NotFound);
    assert_eq!(usernames(&bob.client.search_users("alice", None, None).await.unwrap()), ["alice"]);
    bob.client.user(alice.id()).await.unwrap();
    request(&bob, &alice).await;
    assert_eq!(code(alice.client.block(alice.id()).await), ErrorCode::Unprocessable);
}

#[tokio::test]
async fn malformed_ids_are_a_400_and_every_social_route_needs_a_session() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let response =
        alice.client.request(reqwest::Method::GET, "/api/v1/users/not-a-uuid").unwrap().send().await.unwrap();
    assert_eq!(response.status(), 400);
    for (method, path) in [
        (reqwest::Method::GET, "/api/v1/friends"),
        (reqwest::Method::GET, "/api/v1/friend-requests"),
        (reqwest::Method::GET, "/api/v1/blocks"),
        (reqwest::Method::GET, "/api/v1/users?q=al"),
        (reqwest::Method::GET, "/api/v1/users/me"),
    ] {
        let response = app.client.request(method, path).unwrap().send().await.unwrap();
        assert_eq!(response.status(), 401, "{path}");
    }
}

#[tokio::test]
async fn friends_pages_cover_every_friend_once() {
    let app = TestApp::spawn().await;
    let alice = app.register("alice").await;
    let mut expected = Vec::new();
    for name in ["bob", "carol", "dave"] {
        let friend = app.register(name).await;
        befriend(&alice, &friend).await;
        expected.push(friend.id());
    }
    let first: protocol::users::Page<protocol::social::Friend> = decode_page(&alice, None).await;
    assert_eq!(first.items.len(), 2);
    let cursor = first.next_cursor.clone().expect("a second page");
    let second = decode_page(&alice, Some(&cursor)).await;
    assert_eq!(second.items.len(), 1);
    assert!(second.next_cursor.is_none());
    let mut seen: Vec<_> = first.items.iter().chain(&second.items).map(|f| f.user.id).collect();
    seen.sort();
    expected.sort();
    assert_eq!(seen, expected);
}

async fn decode_page(account: &Account, cursor: Option<&str>) -> protocol::users::Page<protocol::social::Friend> {
    let mut request = account.client.request(reqwest::Method::GET, "/api/v1/friends").unwrap().query(&[("limit", "2")]);
    if let Some(cursor) = cursor {
        request = request.query(&[("cursor", cursor)]);
    }
    client::decode(request.send().await.unwrap()).await.unwrap()
}
