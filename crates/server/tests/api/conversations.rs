//! Conversations and messages over REST: DMs only between friends, groups and their roles,
//! idempotent sends, edits and tombstones, history pages, the gap-free event log, unread
//! counts, search, and 404 for non-members on every route.

use protocol::conversations::{ConversationKind, EventKind, MemberRole, SendMessage};
use protocol::{ConversationId, ErrorCode, MessageId};
use reqwest::{Method, StatusCode};
use uuid::Uuid;

use crate::support::{Account, TestApp};

fn code(result: Result<impl std::fmt::Debug, client::ClientError>) -> ErrorCode {
    result.unwrap_err().code().expect("an API error with a code")
}

fn text(body: &str) -> SendMessage {
    SendMessage::new(Uuid::new_v4(), body)
}

async fn say(who: &Account, conversation: ConversationId, body: &str) -> protocol::conversations::Message {
    who.client.send_message(conversation, &text(body)).await.unwrap()
}

#[tokio::test]
async fn dms_open_only_between_friends_and_are_reused() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    assert_eq!(code(alice.client.open_dm(bob.id()).await), ErrorCode::Forbidden);
    assert_eq!(code(alice.client.open_dm(alice.id()).await), ErrorCode::Unprocessable);
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    assert_eq!(dm.kind, ConversationKind::Dm);
    assert_eq!(dm.peer.as_ref().unwrap().id, bob.id());
    assert_eq!(dm.member_count, 2);
    // Either side opening it again gets the same conversation.
    let again = bob.client.open_dm(alice.id()).await.unwrap();
    assert_eq!(again.id, dm.id);
    assert_eq!(again.peer.unwrap().id, alice.id());
    let response = bob
        .client
        .request(Method::POST, "/api/v1/conversations")
        .unwrap()
        .json(&serde_json::json!({"kind": "dm", "user_id": alice.id()}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "an existing DM answers 200, not 201");
}

#[tokio::test]
async fn groups_are_created_with_friends_only_and_validated() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol, stranger) = (
        app.register("alice").await,
        app.register("bob").await,
        app.register("carol").await,
        app.register("dave").await,
    );
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    assert_eq!(code(alice.client.create_group("  ", &[bob.id()]).await), ErrorCode::InvalidInput);
    assert_eq!(code(alice.client.create_group(&"x".repeat(101), &[bob.id()]).await), ErrorCode::InvalidInput);
    assert_eq!(code(alice.client.create_group("Trip", &[bob.id(), stranger.id()]).await), ErrorCode::Unprocessable);
    let group = alice.client.create_group(" Trip ", &[bob.id(), carol.id(), bob.id()]).await.unwrap();
    assert_eq!(group.title, "Trip");
    assert_eq!(group.member_count, 3);
    assert_eq!(group.my_role, MemberRole::Owner);
    let detail = bob.client.conversation(group.id).await.unwrap();
    assert_eq!(detail.conversation.my_role, MemberRole::Member);
    assert_eq!(detail.members[0].user.id, alice.id(), "owners first");
    assert_eq!(detail.members.len(), 3);
}

#[tokio::test]
async fn non_members_get_404_on_every_conversation_route() {
    let app = TestApp::spawn().await;
    let (alice, bob, mallory) = (app.register("alice").await, app.register("bob").await, app.register("mallory").await);
    app.befriend(&alice, &bob).await;
    app.befriend(&mallory, &bob).await;
    let group = alice.client.create_group("Secret", &[bob.id()]).await.unwrap();
    let message = say(&alice, group.id, "hidden").await;
    let c = group.id;
    let m = &mallory.client;
    assert_eq!(code(m.conversation(c).await), ErrorCode::NotFound);
    assert_eq!(code(m.rename_conversation(c, "mine").await), ErrorCode::NotFound);
    assert_eq!(code(m.add_members(c, &[bob.id()]).await), ErrorCode::NotFound);
    assert_eq!(code(m.remove_member(c, bob.id()).await), ErrorCode::NotFound);
    assert_eq!(code(m.set_role(c, bob.id(), MemberRole::Admin).await), ErrorCode::NotFound);
    assert_eq!(code(m.leave(c).await), ErrorCode::NotFound);
    assert_eq!(code(m.messages(c, None, None).await), ErrorCode::NotFound);
    assert_eq!(code(m.events(c, 0, None).await), ErrorCode::NotFound);
    assert_eq!(code(m.send_message(c, &text("let me in")).await), ErrorCode::NotFound);
    assert_eq!(code(m.edit_message(c, message.id, "changed").await), ErrorCode::NotFound);
    assert_eq!(code(m.delete_message(c, message.id).await), ErrorCode::NotFound);
    assert_eq!(code(m.mark_read(c, 1).await), ErrorCode::NotFound);
    // An id that exists nowhere looks the same.
    let nowhere = ConversationId(Uuid::new_v4());
    assert_eq!(code(m.messages(nowhere, None, None).await), ErrorCode::NotFound);
    assert_eq!(code(m.send_message(nowhere, &text("hello?")).await), ErrorCode::NotFound);
    // And nothing changed.
    let history = alice.client.messages(c, None, None).await.unwrap();
    assert_eq!(history.items.len(), 1);
    assert_eq!(history.items[0].body, "hidden");
    assert_eq!(alice.client.conversation(c).await.unwrap().conversation.title, "Secret");
}

#[tokio::test]
async fn message_text_is_kept_exactly_and_checked() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    let exotic = "  e\u{301}te\u{301} 👩‍👩‍👧 مرحبا\n\t<b>not html</b> &amp; ?  ";
    let stored = say(&alice, dm.id, exotic).await;
    assert_eq!(stored.body, exotic);
    let longest = "🦀".repeat(4_000);
    assert_eq!(say(&alice, dm.id, &longest).await.body, longest);
    assert_eq!(code(alice.client.send_message(dm.id, &text(&"a".repeat(4_001))).await), ErrorCode::InvalidInput);
    assert_eq!(code(alice.client.send_message(dm.id, &text(" \n\t ")).await), ErrorCode::InvalidInput);
    assert_eq!(code(alice.client.send_message(dm.id, &text("")).await), ErrorCode::InvalidInput);
    assert_eq!(code(alice.client.send_message(dm.id, &text("nul \u{0} byte")).await), ErrorCode::InvalidInput);
    let history = bob.client.messages(dm.id, None, None).await.unwrap();
    assert_eq!(history.items.len(), 2, "refused sends stored nothing");
    assert_eq!(history.items[1].body, exotic);
}

#[tokio::test]
async fn sends_are_idempotent_per_sender() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    let other = alice.client.open_dm(carol.id()).await.unwrap();
    let message = text("only once");
    let path = format!("/api/v1/conversations/{}/messages", dm.id);
    let first = alice.client.request(Method::POST, &path).unwrap().json(&message).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: protocol::conversations::Message = first.json().await.unwrap();
    let retry = alice.client.request(Method::POST, &path).unwrap().json(&message).send().await.unwrap();
    assert_eq!(retry.status(), StatusCode::OK);
    let retry: protocol::conversations::Message = retry.json().await.unwrap();
    assert_eq!(retry, first);
    // Concurrent retries also store one message.
    let racing = text("racing");
    let (a, b) = tokio::join!(alice.client.send_message(dm.id, &racing), alice.client.send_message(dm.id, &racing));
    assert_eq!(a.unwrap().id, b.unwrap().id);
    // The same id from another sender is another message.
    let bobs = bob.client.send_message(dm.id, &message).await.unwrap();
    assert_ne!(bobs.id, first.id);
    // Reusing an id in another conversation is refused.
    assert_eq!(code(alice.client.send_message(other.id, &message).await), ErrorCode::Conflict);
    let history = bob.client.messages(dm.id, None, None).await.unwrap();
    assert_eq!(history.items.len(), 3);
    let events = bob.client.all_events(dm.id, 0).await.unwrap();
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2, 3, 4], "no seq was burnt by a retry");
}

#[tokio::test]
async fn only_authors_edit_and_deletes_leave_tombstones() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    let group = alice.client.create_group("Team", &[bob.id(), carol.id()]).await.unwrap();
    let bobs = say(&bob, group.id, "typo hree").await;
    assert_eq!(code(alice.client.edit_message(group.id, bobs.id, "hacked").await), ErrorCode::Forbidden);
    let edited = bob.client.edit_message(group.id, bobs.id, "typo here").await.unwrap();
    assert_eq!(edited.body, "typo here");
    assert!(edited.edited_at.is_some());
    assert_eq!(code(bob.client.edit_message(group.id, bobs.id, "  ").await), ErrorCode::InvalidInput);
    // A plain member cannot delete someone else's message; the owner can (moderation).
    let carols = say(&carol, group.id, "carol's").await;
    assert_eq!(code(bob.client.delete_message(group.id, carols.id).await), ErrorCode::Forbidden);
    let tombstone = alice.client.delete_message(group.id, carols.id).await.unwrap();
    assert!(tombstone.deleted_at.is_some());
    assert_eq!(tombstone.body, "");
    // Own message, and deleting twice changes nothing more.
    bob.client.delete_message(group.id, bobs.id).await.unwrap();
    let again = bob.client.delete_message(group.id, bobs.id).await.unwrap();
    assert!(again.deleted_at.is_some());
    assert_eq!(code(bob.client.edit_message(group.id, bobs.id, "back").await), ErrorCode::Unprocessable);
    let history = carol.client.messages(group.id, None, None).await.unwrap();
    assert_eq!(history.items.len(), 2, "tombstones stay in history");
    assert!(history.items.iter().all(|m| m.deleted_at.is_some() && m.body.is_empty()));
    let moderated: Vec<bool> = history.items.iter().map(|m| m.moderated).collect();
    assert_eq!(moderated.iter().filter(|m| **m).count(), 1, "history still says which one a moderator removed");
    let events = carol.client.all_events(group.id, 0).await.unwrap();
    let deletions: Vec<bool> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::MessageDeleted { moderated, .. } => Some(moderated),
            _ => None,
        })
        .collect();
    assert_eq!(deletions, vec![true, false], "the owner's deletion is marked as moderation; the author's is not");
    // In a DM, nobody deletes the other's messages.
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    let mine = say(&alice, dm.id, "mine").await;
    assert_eq!(code(bob.client.delete_message(dm.id, mine.id).await), ErrorCode::Forbidden);
    let unknown = MessageId(Uuid::new_v4());
    assert_eq!(code(alice.client.delete_message(dm.id, unknown).await), ErrorCode::NotFound);
}

#[tokio::test]
async fn history_pages_newest_first_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    for n in 0..7 {
        say(if n % 2 == 0 { &alice } else { &bob }, dm.id, &format!("message {n}")).await;
    }
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = bob.client.messages(dm.id, before, Some(3)).await.unwrap();
        assert!(page.items.len() <= 3);
        assert!(page.users.iter().any(|u| u.id == alice.id()), "authors come with the page");
        seen.extend(page.items.iter().map(|m| m.body.clone()));
        match page.next_before_seq {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    let expected: Vec<String> = (0..7).rev().map(|n| format!("message {n}")).collect();
    assert_eq!(seen, expected);
    let clamped = bob.client.messages(dm.id, None, Some(100_000)).await.unwrap();
    assert_eq!(clamped.items.len(), 7);
    let bad = bob.client.request(Method::GET, &format!("/api/v1/conversations/{}/messages?limit=-1", dm.id)).unwrap();
    assert_eq!(bad.send().await.unwrap().status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_event_log_is_gap_free_and_replays_edits_and_deletes() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    let group = alice.client.create_group("Log", &[bob.id()]).await.unwrap();
    let first = say(&alice, group.id, "first").await;
    let second = say(&bob, group.id, "second").await;
    alice.client.edit_message(group.id, first.id, "first, edited").await.unwrap();
    bob.client.delete_message(group.id, second.id).await.unwrap();
    alice.client.rename_conversation(group.id, "Renamed").await.unwrap();
    alice.client.add_members(group.id, &[carol.id()]).await.unwrap();
    let events = carol.client.all_events(group.id, 0).await.unwrap();
    let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=7).collect::<Vec<_>>());
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match &e.kind {
            EventKind::ConversationCreated { .. } => "created",
            EventKind::MessageCreated { .. } => "message",
            EventKind::MessageEdited { .. } => "edited",
            EventKind::MessageDeleted { .. } => "deleted",
            EventKind::ConversationRenamed { .. } => "renamed",
            EventKind::MemberAdded { .. } => "added",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["created", "message", "message", "edited", "deleted", "renamed", "added"]);
    // Replayed message events show the message as it is now: never the deleted text.
    let EventKind::MessageCreated { message } = &events[2].kind else { panic!("{:?}", events[2]) };
    assert_eq!(message.body, "");
    assert!(message.deleted_at.is_some());
    let EventKind::MessageCreated { message } = &events[1].kind else { panic!("{:?}", events[1]) };
    assert_eq!(message.body, "first, edited");
    // Paging by after_seq returns each event once.
    let page = carol.client.events(group.id, 3, Some(2)).await.unwrap();
    assert_eq!(page.items.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![4, 5]);
    assert!(page.has_more);
    assert_eq!(page.last_seq, 7);
    assert_eq!(code(carol.client.events(group.id, -1, None).await), ErrorCode::InvalidInput);
}

#[tokio::test]
async fn the_list_orders_by_activity_and_counts_unread() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    let with_bob = alice.client.open_dm(bob.id()).await.unwrap();
    let with_carol = alice.client.open_dm(carol.id()).await.unwrap();
    say(&bob, with_bob.id, "one").await;
    say(&bob, with_bob.id, "two").await;
    say(&alice, with_bob.id, "mine does not count").await;
    let deleted = say(&bob, with_bob.id, "deleted does not count").await;
    bob.client.delete_message(with_bob.id, deleted.id).await.unwrap();
    say(&carol, with_carol.id, "newest").await;
    let list = alice.client.conversations(None).await.unwrap();
    let ids: Vec<ConversationId> = list.items.iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![with_carol.id, with_bob.id], "newest activity first");
    let bobs = &list.items[1];
    assert_eq!(bobs.unread, 2);
    assert_eq!(bobs.last_message.as_ref().unwrap().seq, deleted.seq);
    assert_eq!(list.items[0].last_message.as_ref().unwrap().body, "newest");
    // Read up to a seq; it never moves back and never beyond the last seq.
    let marker = alice.client.mark_read(with_bob.id, 1_000).await.unwrap();
    assert_eq!(marker.seq, bobs.last_seq, "clamped to last_seq");
    assert_eq!(alice.client.mark_read(with_bob.id, 1).await.unwrap().seq, marker.seq);
    let list = alice.client.conversations(None).await.unwrap();
    let bobs = list.items.iter().find(|c| c.id == with_bob.id).unwrap();
    assert_eq!(bobs.unread, 0);
    // Bob sees how far Alice has read (read ticks).
    let seen_by_bob = bob.client.conversations(None).await.unwrap();
    assert_eq!(seen_by_bob.items[0].others_read_seq, marker.seq);
    // Cursor pages.
    let page = alice.client.request(Method::GET, "/api/v1/conversations?limit=1").unwrap().send().await.unwrap();
    let page: protocol::users::Page<protocol::conversations::ConversationSummary> = page.json().await.unwrap();
    assert_eq!(page.items.len(), 1);
    let next = alice.client.conversations(page.next_cursor.as_deref()).await.unwrap();
    assert_eq!(next.items.len(), 1);
    assert_ne!(next.items[0].id, page.items[0].id);
    assert_eq!(code(alice.client.conversations(Some("garbage")).await), ErrorCode::InvalidInput);
}

#[tokio::test]
async fn owners_and_admins_manage_groups_and_ownership_passes_on() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol, dave) = (
        app.register("alice").await,
        app.register("bob").await,
        app.register("carol").await,
        app.register("dave").await,
    );
    for friend in [&bob, &carol, &dave] {
        app.befriend(&alice, friend).await;
    }
    let group = alice.client.create_group("Club", &[bob.id(), carol.id()]).await.unwrap();
    let g = group.id;
    // Members cannot manage.
    assert_eq!(code(bob.client.rename_conversation(g, "Bob's").await), ErrorCode::Forbidden);
    assert_eq!(code(bob.client.remove_member(g, carol.id()).await), ErrorCode::Forbidden);
    assert_eq!(code(bob.client.set_role(g, carol.id(), MemberRole::Admin).await), ErrorCode::Forbidden);
    // Admins add their friends only.
    let admin = alice.client.set_role(g, carol.id(), MemberRole::Admin).await.unwrap();
    assert_eq!(admin.role, MemberRole::Admin);
    assert_eq!(code(carol.client.add_members(g, &[dave.id()]).await), ErrorCode::Unprocessable);
    assert_eq!(code(alice.client.set_role(g, bob.id(), MemberRole::Owner).await), ErrorCode::Unprocessable);
    assert_eq!(code(carol.client.set_role(g, alice.id(), MemberRole::Member).await), ErrorCode::Forbidden);
    let detail = alice.client.add_members(g, &[dave.id()]).await.unwrap();
    assert_eq!(detail.members.len(), 4);
    // An admin removes plain members but not the owner.
    assert_eq!(code(carol.client.remove_member(g, alice.id()).await), ErrorCode::Forbidden);
    carol.client.remove_member(g, dave.id()).await.unwrap();
    assert_eq!(code(dave.client.messages(g, None, None).await), ErrorCode::NotFound, "removed members lose access");
    // The last owner leaving hands ownership to the longest-standing admin (Carol), not Bob.
    alice.client.leave(g).await.unwrap();
    let detail = bob.client.conversation(g).await.unwrap();
    let roles: Vec<(protocol::UserId, MemberRole)> = detail.members.iter().map(|m| (m.user.id, m.role)).collect();
    assert_eq!(roles, vec![(carol.id(), MemberRole::Owner), (bob.id(), MemberRole::Member)]);
    // With no admin left, the longest-standing member inherits.
    carol.client.leave(g).await.unwrap();
    let detail = bob.client.conversation(g).await.unwrap();
    assert_eq!(detail.members.len(), 1);
    assert_eq!(detail.members[0].role, MemberRole::Owner);
    assert_eq!(code(alice.client.conversation(g).await), ErrorCode::NotFound);
    // DMs have no members to manage or leave.
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    assert_eq!(code(alice.client.leave(dm.id).await), ErrorCode::Unprocessable);
    assert_eq!(code(alice.client.rename_conversation(dm.id, "x").await), ErrorCode::Unprocessable);
    let too_many: Vec<protocol::UserId> = (0..201).map(|_| protocol::UserId(Uuid::new_v4())).collect();
    assert_eq!(code(bob.client.add_members(g, &too_many).await), ErrorCode::InvalidInput);
}

#[tokio::test]
async fn dms_refuse_messages_once_friendship_ends() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    let with_bob = alice.client.open_dm(bob.id()).await.unwrap();
    let with_carol = alice.client.open_dm(carol.id()).await.unwrap();
    say(&bob, with_bob.id, "hi").await;
    alice.client.unfriend(bob.id()).await.unwrap();
    assert_eq!(code(bob.client.send_message(with_bob.id, &text("still there?")).await), ErrorCode::Forbidden);
    assert_eq!(code(alice.client.send_message(with_bob.id, &text("bye")).await), ErrorCode::Forbidden);
    assert_eq!(bob.client.messages(with_bob.id, None, None).await.unwrap().items.len(), 1, "history stays readable");
    carol.client.block(alice.id()).await.unwrap();
    assert_eq!(code(alice.client.send_message(with_carol.id, &text("hello")).await), ErrorCode::Forbidden);
    assert_eq!(code(carol.client.send_message(with_carol.id, &text("hello")).await), ErrorCode::Forbidden);
}

#[tokio::test]
async fn search_finds_words_only_in_your_conversations() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    app.befriend(&alice, &bob).await;
    app.befriend(&bob, &carol).await;
    let ours = alice.client.open_dm(bob.id()).await.unwrap();
    let theirs = bob.client.open_dm(carol.id()).await.unwrap();
    say(&bob, ours.id, "Bring the pineapple pizza tonight").await;
    say(&alice, ours.id, "no pizza for me").await;
    let gone = say(&alice, ours.id, "pineapple secret").await;
    alice.client.delete_message(ours.id, gone.id).await.unwrap();
    say(&carol, theirs.id, "pineapple in another chat").await;
    let hits = alice.client.search_messages("PINEAPPLE").await.unwrap();
    let bodies: Vec<&str> = hits.items.iter().map(|h| h.message.body.as_str()).collect();
    assert_eq!(bodies, vec!["Bring the pineapple pizza tonight"]);
    assert_eq!(hits.items[0].sender.id, bob.id());
    let both = alice.client.search_messages("pizza").await.unwrap();
    assert_eq!(both.items.len(), 2);
    let phrase = alice.client.search_messages("\"pineapple pizza\" -tonight").await.unwrap();
    assert!(phrase.items.is_empty());
    assert_eq!(code(alice.client.search_messages("   ").await), ErrorCode::InvalidInput);
    assert_eq!(code(alice.client.search_messages(&"a".repeat(201)).await), ErrorCode::InvalidInput);
}

#[tokio::test]
async fn replies_point_into_the_same_conversation() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    let other = alice.client.open_dm(carol.id()).await.unwrap();
    let question = say(&bob, dm.id, "lunch?").await;
    let answer = SendMessage { reply_to: Some(question.id), ..text("yes") };
    let stored = alice.client.send_message(dm.id, &answer).await.unwrap();
    assert_eq!(stored.reply_to, Some(question.id));
    let elsewhere = SendMessage { reply_to: Some(question.id), ..text("wrong place") };
    assert_eq!(code(alice.client.send_message(other.id, &elsewhere).await), ErrorCode::Unprocessable);
}

/// One group-committed batch of sends mixing every case: each send gets its own answer, a refusal
/// fails only itself, repeats inside the batch answer with the first, and seqs follow the
/// batch's order per conversation without gaps.
#[tokio::test]
async fn a_batch_of_sends_answers_each_on_its_own() {
    use db::queries::changes::{Command, NewMessage, Outcome, apply_batch};
    use db::queries::conversations::Refusal;

    let app = TestApp::spawn().await;
    let (alice, bob, dave) = (app.register("alice").await, app.register("bob").await, app.register("dave").await);
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &dave).await;
    let group = alice.client.create_group("Batch", &[bob.id()]).await.unwrap();
    let dm = alice.client.open_dm(dave.id()).await.unwrap();
    let elsewhere = say(&alice, dm.id, "in the DM").await;
    let new = |conversation: ConversationId, sender: &Account, key: Uuid, reply_to: Option<MessageId>| {
        Command::Send(NewMessage {
            client_msg_id: key,
            reply_to,
            ..NewMessage::text(conversation, sender.id(), format!("from {}", sender.auth.user.username))
        })
    };
    let repeated = Uuid::new_v4();
    let first_key = Uuid::new_v4();
    let batch = vec![
        new(group.id, &alice, first_key, None),
        new(group.id, &dave, Uuid::new_v4(), None), // not a member
        new(group.id, &bob, repeated, None),
        new(dm.id, &dave, Uuid::new_v4(), Some(elsewhere.id)),
        new(group.id, &bob, repeated, None), // the same send again, before it was answered
        new(group.id, &alice, Uuid::new_v4(), Some(elsewhere.id)), // a reply into another conversation
        new(dm.id, &bob, Uuid::new_v4(), None), // not a member of the DM
        new(group.id, &alice, elsewhere.client_msg_id, None), // a key already used in the DM
        new(group.id, &bob, Uuid::new_v4(), None),
    ];
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    let answers = apply_batch(&mut conn, &batch).await.unwrap();
    let sent = |answer: &Result<db::queries::changes::Applied, Refusal>| match answer {
        Ok(applied) => match &applied.outcome {
            Outcome::Sent { message, created, .. } => Ok((message.seq, *created)),
            other => panic!("a send answered {other:?}"),
        },
        Err(refusal) => Err(refusal.to_string()),
    };
    let seq_of = |i: usize| sent(&answers[i]);
    assert_eq!(seq_of(0), Ok((2, true)), "right after the group's creation event (seq 1)");
    assert!(matches!(answers[1], Err(Refusal::NotFound("conversation"))));
    assert_eq!(seq_of(2), Ok((3, true)));
    assert_eq!(seq_of(3), Ok((3, true)), "the DM's next seq, independent of the group's");
    assert_eq!(seq_of(4), Ok((3, false)), "a repeat answers with the first send's message");
    assert!(matches!(answers[5], Err(Refusal::UnprocessableField("reply_to", _))));
    assert!(matches!(answers[6], Err(Refusal::NotFound("conversation"))));
    assert!(matches!(answers[7], Err(Refusal::Conflict(_))));
    assert_eq!(seq_of(8), Ok((4, true)));
    // A client retrying after a lost ack, in a later batch beside a fresh send: the stored
    // message comes back (found inside the batch's transaction, read with its locks) and takes
    // no seq; the fresh send takes the next one.
    let retry = [new(group.id, &alice, first_key, None), new(group.id, &bob, Uuid::new_v4(), None)];
    let again = apply_batch(&mut conn, &retry).await.unwrap();
    assert_eq!(sent(&again[0]), Ok((2, false)), "the retried send answers with its stored message");
    assert_eq!(sent(&again[1]), Ok((5, true)));
    drop(conn);
    // What was stored is exactly what was acknowledged, in the event log too.
    let history = bob.client.messages(group.id, None, None).await.unwrap();
    let bodies: Vec<(i64, &str)> = history.items.iter().rev().map(|m| (m.seq, m.body.as_str())).collect();
    assert_eq!(bodies, [(2, "from alice"), (3, "from bob"), (4, "from bob"), (5, "from bob")]);
    let seqs: Vec<i64> = bob.client.all_events(group.id, 0).await.unwrap().iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
}
