//! Rich messages over REST and the WebSocket: reactions toggled and counted, pins (admins in
//! groups, anyone in a DM, at most 50), mentions of members only, forwarding into the caller's
//! own conversations without a link back, all of them events that reach clients live and on
//! resync; and history pages that carry the group's changes as lines.

use std::time::Duration;

use protocol::conversations::{Event, EventKind, ForwardMessage, Message, SendMessage};
use protocol::ws::ServerFrame;
use protocol::{ConversationId, ErrorCode, UserId};
use uuid::Uuid;

use crate::support::{Account, TestApp};

const WAIT: Duration = Duration::from_secs(10);

fn code(result: Result<impl std::fmt::Debug, client::ClientError>) -> ErrorCode {
    result.unwrap_err().code().expect("an API error with a code")
}

fn text(body: &str) -> SendMessage {
    SendMessage::new(Uuid::new_v4(), body)
}

async fn say(who: &Account, conversation: ConversationId, body: &str) -> Message {
    who.client.send_message(conversation, &text(body)).await.unwrap()
}

/// `(emoji, reactors)` of a message, in the order the emoji were first used.
fn tally(message: &Message) -> Vec<(String, Vec<UserId>)> {
    message.reactions.iter().map(|r| (r.emoji.clone(), r.user_ids.clone())).collect()
}

/// A group of Alice (owner) with Bob and Carol, all friends of Alice.
async fn crew(app: &TestApp) -> (Account, Account, Account, ConversationId) {
    let (alice, bob, carol) = (app.register("alice").await, app.register("bob").await, app.register("carol").await);
    app.befriend(&alice, &bob).await;
    app.befriend(&alice, &carol).await;
    let group = alice.client.create_group("Crew", &[bob.id(), carol.id()]).await.unwrap();
    (alice, bob, carol, group.id)
}

async fn last_seq(who: &Account, conversation: ConversationId) -> i64 {
    who.client.conversation(conversation).await.unwrap().conversation.last_seq
}

/// The next event frame on `socket`, skipping presence, typing and read frames.
async fn next_event(socket: &mut client::ws::Socket) -> Event {
    loop {
        match tokio::time::timeout(WAIT, socket.next()).await.expect("an event in time").unwrap() {
            ServerFrame::Event { event } => return event,
            _ => continue,
        }
    }
}

#[tokio::test]
async fn reactions_are_toggled_per_user_and_emoji_and_counted() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol, group) = crew(&app).await;
    let message = say(&alice, group, "lunch?").await;
    let thumbs = "\u{1f44d}";
    bob.client.react(group, message.id, thumbs, true).await.unwrap();
    carol.client.react(group, message.id, thumbs, true).await.unwrap();
    // An unqualified heart is the same reaction as the fully qualified one.
    let after = bob.client.react(group, message.id, "\u{2764}", true).await.unwrap();
    let heart = "\u{2764}\u{fe0f}".to_owned();
    assert_eq!(tally(&after), [(thumbs.to_owned(), vec![bob.id(), carol.id()]), (heart.clone(), vec![bob.id()])]);

    let before = last_seq(&alice, group).await;
    let again = bob.client.react(group, message.id, "\u{2764}\u{fe0f}", true).await.unwrap();
    assert_eq!(tally(&again), tally(&after), "reacting twice changes nothing");
    assert_eq!(last_seq(&alice, group).await, before, "and appends no event");

    let taken_back = bob.client.react(group, message.id, thumbs, false).await.unwrap();
    assert_eq!(tally(&taken_back), [(thumbs.to_owned(), vec![carol.id()]), (heart.clone(), vec![bob.id()])]);
    let history = alice.client.messages(group, None, None).await.unwrap();
    let shown = history.items.iter().find(|m| m.id == message.id).unwrap();
    assert_eq!(tally(shown), tally(&taken_back), "history shows the reactions as they are");

    let kinds: Vec<_> = (alice.client.all_events(group, before - 1).await.unwrap().into_iter())
        .map(|e| match e.kind {
            EventKind::ReactionAdded { user_id, emoji, .. } => format!("+{emoji} {}", user_id == bob.id()),
            EventKind::ReactionRemoved { user_id, emoji, .. } => format!("-{emoji} {}", user_id == bob.id()),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(kinds, [format!("+{heart} true"), format!("-{thumbs} true")]);

    for not_an_emoji in ["lol", "\u{1f44d}\u{1f44d}", "x\u{1f44d}"] {
        let refused = bob.client.react(group, message.id, not_an_emoji, true).await;
        assert_eq!(code(refused), ErrorCode::Unprocessable, "{not_an_emoji:?}");
    }
    // A deleted message keeps no reactions and takes none.
    let tombstone = alice.client.delete_message(group, message.id).await.unwrap();
    assert!(tombstone.reactions.is_empty());
    assert_eq!(code(carol.client.react(group, message.id, thumbs, true).await), ErrorCode::Unprocessable);
    let history = alice.client.messages(group, None, None).await.unwrap();
    assert!(history.items.iter().all(|m| m.reactions.is_empty()), "the reaction rows went with the text");
}

#[tokio::test]
async fn a_message_carries_at_most_twenty_different_reactions() {
    let app = TestApp::spawn().await;
    let (alice, bob, _carol, group) = crew(&app).await;
    let message = say(&alice, group, "rate me").await;
    let faces: Vec<&str> = emojis::Group::SmileysAndEmotion.emojis().map(|e| e.as_str()).take(21).collect();
    for face in &faces[..20] {
        alice.client.react(group, message.id, face, true).await.unwrap();
    }
    let refused = bob.client.react(group, message.id, faces[20], true).await;
    assert_eq!(code(refused), ErrorCode::Unprocessable);
    let joined = bob.client.react(group, message.id, faces[0], true).await.unwrap();
    assert_eq!(joined.reactions.len(), 20, "joining an existing reaction is still allowed");
    assert_eq!(joined.reactions[0].user_ids, [alice.id(), bob.id()]);
}

#[tokio::test]
async fn strangers_cannot_react_pin_forward_or_read_pins_and_learn_nothing() {
    let app = TestApp::spawn().await;
    let (alice, _bob, _carol, group) = crew(&app).await;
    let mallory = app.register("mallory").await;
    let message = say(&alice, group, "members only").await;
    let nowhere = ConversationId(Uuid::new_v4());
    for conversation in [group, nowhere] {
        assert_eq!(code(mallory.client.react(conversation, message.id, "\u{1f44d}", true).await), ErrorCode::NotFound);
        assert_eq!(code(mallory.client.pin(conversation, message.id, true).await), ErrorCode::NotFound);
        assert_eq!(code(mallory.client.pins(conversation).await), ErrorCode::NotFound);
        let forward = ForwardMessage { conversation_ids: vec![group], client_msg_id: Uuid::new_v4() };
        assert_eq!(code(mallory.client.forward(conversation, message.id, &forward).await), ErrorCode::NotFound);
    }
    let history = alice.client.messages(group, None, None).await.unwrap();
    assert!(history.items.iter().all(|m| m.reactions.is_empty() && m.pin.is_none()));
}

#[tokio::test]
async fn reactions_and_pins_reach_members_live_and_on_resync() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol, group) = crew(&app).await;
    let message = say(&alice, group, "pin me").await;
    let (mut carol_socket, _) = carol.client.connect().await.unwrap();
    let (bob_socket, _) = bob.client.connect().await.unwrap();
    let bob_knows = last_seq(&bob, group).await;
    bob_socket.close().await;

    alice.client.react(group, message.id, "\u{1f389}", true).await.unwrap();
    alice.client.pin(group, message.id, true).await.unwrap();
    let live = [next_event(&mut carol_socket).await, next_event(&mut carol_socket).await];
    assert!(matches!(&live[0].kind, EventKind::ReactionAdded { emoji, user_id, .. }
        if emoji == "\u{1f389}" && *user_id == alice.id()));
    assert!(
        matches!(live[1].kind, EventKind::MessagePinned { message_id, by } if message_id == message.id && by == alice.id())
    );
    assert_eq!(live[1].seq, live[0].seq + 1);

    // Bob was away: the catch-up read gives him both, and the message as it is now.
    let missed = bob.client.all_events(group, bob_knows).await.unwrap();
    assert_eq!(missed.iter().map(|e| e.seq).collect::<Vec<_>>(), [live[0].seq, live[1].seq]);
    let from_start = bob.client.all_events(group, 0).await.unwrap();
    let created = from_start.iter().find_map(|e| match &e.kind {
        EventKind::MessageCreated { message: m } if m.id == message.id => Some(m),
        _ => None,
    });
    let created = created.expect("the message's creation");
    assert_eq!(created.reactions.len(), 1, "a replayed message shows its reactions now");
    assert_eq!(created.pin.map(|p| p.by), Some(alice.id()));
    let pins = bob.client.pins(group).await.unwrap();
    assert_eq!(pins.items.iter().map(|m| m.id).collect::<Vec<_>>(), [message.id]);
    assert!(pins.users.iter().any(|u| u.id == alice.id()));
}

#[tokio::test]
async fn pins_belong_to_group_admins_and_to_both_sides_of_a_dm_and_stop_at_fifty() {
    let app = TestApp::spawn().await;
    let (alice, bob, _carol, group) = crew(&app).await;
    let message = say(&bob, group, "worth keeping").await;
    assert_eq!(code(bob.client.pin(group, message.id, true).await), ErrorCode::Forbidden, "a plain member");
    let pinned = alice.client.pin(group, message.id, true).await.unwrap();
    assert_eq!(pinned.pin.map(|p| p.by), Some(alice.id()));
    let seq = last_seq(&alice, group).await;
    alice.client.pin(group, message.id, true).await.unwrap();
    assert_eq!(last_seq(&alice, group).await, seq, "pinning twice appends nothing");
    // Deleting a pinned message unpins it.
    bob.client.delete_message(group, message.id).await.unwrap();
    assert!(alice.client.pins(group).await.unwrap().items.is_empty());
    assert_eq!(code(alice.client.pin(group, message.id, true).await), ErrorCode::Unprocessable);

    let dm = bob.client.open_dm(alice.id()).await.unwrap().id;
    let mut sent = Vec::new();
    for n in 0..51 {
        sent.push(say(&alice, dm, &format!("note {n}")).await);
    }
    for message in &sent[..50] {
        bob.client.pin(dm, message.id, true).await.unwrap();
    }
    assert_eq!(code(alice.client.pin(dm, sent[50].id, true).await), ErrorCode::Unprocessable, "the 51st pin");
    let unpinned = alice.client.pin(dm, sent[0].id, false).await.unwrap();
    assert!(unpinned.pin.is_none());
    alice.client.pin(dm, sent[50].id, true).await.unwrap();
    let pins = alice.client.pins(dm).await.unwrap();
    assert_eq!(pins.items.len(), 50);
    assert_eq!(pins.items[0].id, sent[50].id, "most recently pinned first");
}

#[tokio::test]
async fn mentions_name_members_only_and_are_kept_with_the_message() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol, group) = crew(&app).await;
    let stranger = app.register("dave").await;
    let mention = |who: Vec<UserId>| SendMessage { mentions: who, ..text("@bob look") };
    let sent = alice.client.send_message(group, &mention(vec![bob.id(), bob.id()])).await.unwrap();
    assert_eq!(sent.mentions, [bob.id()], "repeats are one mention");
    let seen = carol.client.messages(group, None, None).await.unwrap();
    assert_eq!(seen.items[0].mentions, [bob.id()]);

    let before = last_seq(&alice, group).await;
    let outsider = alice.client.send_message(group, &mention(vec![bob.id(), stranger.id()])).await;
    let error = outsider.unwrap_err();
    assert_eq!(error.code(), Some(ErrorCode::Unprocessable));
    assert_eq!(error.field(), Some("mentions"));
    let crowd: Vec<UserId> = (0..51).map(|_| UserId(Uuid::new_v4())).collect();
    assert_eq!(code(alice.client.send_message(group, &mention(crowd)).await), ErrorCode::InvalidInput);
    assert_eq!(last_seq(&alice, group).await, before, "a refused send stores nothing");
}

#[tokio::test]
async fn forwarding_copies_into_the_callers_conversations_without_a_link_back() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol, group) = crew(&app).await;
    let dm_bob = alice.client.open_dm(bob.id()).await.unwrap().id;
    let dm_carol = alice.client.open_dm(carol.id()).await.unwrap().id;
    let question = say(&alice, group, "first").await;
    let source = alice
        .client
        .send_message(group, &SendMessage { reply_to: Some(question.id), mentions: vec![bob.id()], ..text("the plan") })
        .await
        .unwrap();

    let request = ForwardMessage { conversation_ids: vec![dm_bob, dm_carol], client_msg_id: Uuid::new_v4() };
    let copies = alice.client.forward(group, source.id, &request).await.unwrap().items;
    assert_eq!(copies.iter().map(|m| m.conversation_id).collect::<Vec<_>>(), [dm_bob, dm_carol]);
    for copy in &copies {
        assert_eq!((copy.body.as_str(), copy.forwarded, copy.sender_id), ("the plan", true, alice.id()));
        assert!(copy.reply_to.is_none() && copy.mentions.is_empty(), "nothing points back: {copy:?}");
        assert_ne!(copy.id, source.id);
    }
    let again = alice.client.forward(group, source.id, &request).await.unwrap().items;
    assert_eq!(again.iter().map(|m| m.id).collect::<Vec<_>>(), copies.iter().map(|m| m.id).collect::<Vec<_>>());
    let seen = bob.client.messages(dm_bob, None, None).await.unwrap();
    assert_eq!(seen.items.len(), 1, "a retried forward stores nothing twice");
    assert!(seen.items[0].forwarded);

    // A target the caller is not in refuses the whole forward.
    let theirs = {
        app.befriend(&bob, &carol).await;
        bob.client.open_dm(carol.id()).await.unwrap().id
    };
    let into_theirs = ForwardMessage { conversation_ids: vec![dm_bob, theirs], client_msg_id: Uuid::new_v4() };
    let refused = alice.client.forward(group, source.id, &into_theirs).await;
    assert_eq!(code(refused), ErrorCode::NotFound);
    assert_eq!(bob.client.messages(dm_bob, None, None).await.unwrap().items.len(), 1, "not even the allowed one");
    assert!(bob.client.messages(theirs, None, None).await.unwrap().items.is_empty());
    // Bob can forward what he can read, but not a message of a conversation he is not in.
    let elsewhere = ForwardMessage { conversation_ids: vec![dm_bob], client_msg_id: Uuid::new_v4() };
    let carols = say(&alice, dm_carol, "just for carol").await;
    assert_eq!(code(bob.client.forward(dm_carol, carols.id, &elsewhere).await), ErrorCode::NotFound);
    assert_eq!(code(bob.client.forward(group, carols.id, &elsewhere).await), ErrorCode::NotFound);
    let none = ForwardMessage { conversation_ids: Vec::new(), client_msg_id: Uuid::new_v4() };
    assert_eq!(code(alice.client.forward(group, source.id, &none).await), ErrorCode::InvalidInput);
}

#[tokio::test]
async fn history_pages_carry_the_groups_changes_between_their_messages() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol, group) = crew(&app).await;
    let dave = app.register("dave").await;
    app.befriend(&alice, &dave).await;
    let first = say(&alice, group, "one").await;
    alice.client.rename_conversation(group, "Crew 2").await.unwrap();
    alice.client.add_members(group, &[dave.id()]).await.unwrap();
    say(&bob, group, "two").await;
    alice.client.remove_member(group, bob.id()).await.unwrap();
    alice.client.pin(group, first.id, true).await.unwrap();
    alice.client.react(group, first.id, "\u{1f44d}", true).await.unwrap();
    say(&carol, group, "three").await;

    let describe = |events: &[Event]| -> Vec<String> {
        events
            .iter()
            .map(|e| match &e.kind {
                EventKind::ConversationCreated { .. } => "created".to_owned(),
                EventKind::MemberAdded { user, .. } => format!("added {}", user.username),
                EventKind::ConversationRenamed { title, .. } => format!("renamed {title}"),
                EventKind::MemberRemoved { user_id, .. } => format!("removed {}", *user_id == bob.id()),
                EventKind::MessagePinned { .. } => "pinned".to_owned(),
                other => format!("unexpected {other:?}"),
            })
            .collect()
    };
    let whole = alice.client.messages(group, None, None).await.unwrap();
    assert_eq!(
        describe(&whole.events),
        ["created", "renamed Crew 2", "added dave", "removed true", "pinned"],
        "reactions and messages are not lines"
    );
    assert!(whole.events.windows(2).all(|w| w[0].seq < w[1].seq), "oldest first");
    assert!(whole.users.iter().any(|u| u.id == bob.id() && u.username == "bob"), "named users come with the page");

    // One message per page: every line lands on exactly one page, next to its messages.
    let mut pages = Vec::new();
    let mut before = None;
    loop {
        let page = alice.client.messages(group, before, Some(1)).await.unwrap();
        pages.push(page.clone());
        match page.next_before_seq {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    let mut lines: Vec<Event> = pages.iter().rev().flat_map(|p| p.events.clone()).collect();
    lines.sort_by_key(|e| e.seq);
    assert_eq!(lines, whole.events);
    let bodies: Vec<&str> = pages.iter().map(|p| p.items[0].body.as_str()).collect();
    assert_eq!(bodies, ["three", "two", "one"]);
    assert_eq!(describe(&pages[1].events), ["removed true", "pinned"], "the lines between \"two\" and \"three\"");
    assert_eq!(describe(&pages[2].events), ["created", "renamed Crew 2", "added dave"]);
}

#[tokio::test]
async fn mentions_are_counted_apart_from_unread_and_cleared_by_reading() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol, group) = crew(&app).await;
    say(&alice, group, "plain").await;
    let mention = |body: &str| SendMessage { mentions: vec![bob.id()], ..text(body) };
    alice.client.send_message(group, &mention("@bob one")).await.unwrap();
    let last = carol.client.send_message(group, &mention("@bob two")).await.unwrap();
    let unread = |who: &Account| {
        let client = who.client.clone();
        async move {
            let s = client.conversation(group).await.unwrap().conversation;
            (s.unread, s.unread_mentions)
        }
    };
    assert_eq!(unread(&bob).await, (3, 2));
    assert_eq!(unread(&carol).await, (2, 0), "mentions of someone else do not count");
    bob.client.mark_read(group, last.seq - 1).await.unwrap();
    assert_eq!(unread(&bob).await, (1, 1));
    bob.client.mark_read(group, last.seq).await.unwrap();
    assert_eq!(unread(&bob).await, (0, 0));
}

#[tokio::test]
async fn muting_and_archiving_are_per_user_and_reach_their_other_devices() {
    use protocol::conversations::UpdateConversationSettings;

    let app = TestApp::spawn().await;
    let (alice, bob, _carol, group) = crew(&app).await;
    let (mut other_device, _) = bob.client.connect().await.unwrap();
    let (mut alice_socket, _) = alice.client.connect().await.unwrap();
    let week = chrono::Utc::now() + chrono::Duration::days(7);
    let muted = UpdateConversationSettings { muted_until: Some(week), archived: true };
    let stored = bob.client.update_settings(group, &muted).await.unwrap();
    assert_eq!(stored.muted_until.map(|t| t.timestamp()), Some(week.timestamp()));
    let archived_at = stored.archived_at.expect("archived");

    let frame = loop {
        match tokio::time::timeout(WAIT, other_device.next()).await.expect("a frame in time").unwrap() {
            frame @ ServerFrame::ConversationSettingsChanged { .. } => break frame,
            _ => continue,
        }
    };
    let ServerFrame::ConversationSettingsChanged { conversation_id, settings } = frame else { unreachable!() };
    assert_eq!((conversation_id, settings), (group, stored), "Bob's other device learns it live");
    let bobs = bob.client.conversation(group).await.unwrap().conversation.settings;
    assert_eq!(bobs.archived_at, Some(archived_at));
    assert!(bobs.muted_at(chrono::Utc::now()));
    let alices = alice.client.conversation(group).await.unwrap().conversation.settings;
    assert_eq!(alices, Default::default(), "Alice's settings are her own");
    let heard = tokio::time::timeout(Duration::from_millis(500), async {
        loop {
            if let Ok(ServerFrame::ConversationSettingsChanged { .. }) = alice_socket.next().await {
                return;
            }
        }
    });
    assert!(heard.await.is_err(), "nobody else hears of it");

    let past = UpdateConversationSettings { muted_until: Some(chrono::Utc::now()), archived: false };
    let refused = bob.client.update_settings(group, &past).await.unwrap_err();
    assert_eq!((refused.code(), refused.field()), (Some(ErrorCode::Unprocessable), Some("muted_until")));
    let stranger = app.register("mallory").await;
    let none = UpdateConversationSettings { muted_until: None, archived: false };
    assert_eq!(code(stranger.client.update_settings(group, &none).await), ErrorCode::NotFound);
    let back = bob.client.update_settings(group, &none).await.unwrap();
    assert_eq!(back, Default::default());
}

#[tokio::test]
async fn read_by_lists_exactly_the_members_whose_marker_passed_the_message() {
    let app = TestApp::spawn().await;
    let (alice, bob, carol, group) = crew(&app).await;
    let first = say(&alice, group, "first").await;
    let second = say(&alice, group, "second").await;
    bob.client.mark_read(group, second.seq).await.unwrap();
    carol.client.mark_read(group, first.seq).await.unwrap();
    let of = |m: &Message| {
        let client = alice.client.clone();
        let id = m.id;
        async move { client.readers(group, id).await.unwrap() }
    };
    let on_first = of(&first).await;
    let mut read: Vec<UserId> = on_first.read.iter().map(|r| r.user.id).collect();
    read.sort();
    let mut both = vec![bob.id(), carol.id()];
    both.sort();
    assert_eq!(read, both);
    assert!(on_first.unread.is_empty());
    assert!(on_first.read.iter().all(|r| r.read_at.is_some()));
    let on_second = of(&second).await;
    assert_eq!(on_second.read.iter().map(|r| r.user.id).collect::<Vec<_>>(), [bob.id()]);
    assert_eq!(on_second.unread.iter().map(|u| u.id).collect::<Vec<_>>(), [carol.id()]);
    let stranger = app.register("mallory").await;
    assert_eq!(code(stranger.client.readers(group, first.id).await), ErrorCode::NotFound);
}

#[tokio::test]
async fn read_by_says_who_has_a_message_on_a_device_but_has_not_read_it() {
    use protocol::ws::{AckResult, ClientFrame, DeliveredUpTo, MAX_DELIVERED_PER_FRAME};

    let app = TestApp::spawn().await;
    let (alice, bob, carol, group) = crew(&app).await;
    let first = say(&alice, group, "first").await;
    let (mut bob_app, _) = bob.client.connect().await.unwrap();
    let delivered = |req_id, up_to: Vec<DeliveredUpTo>| ClientFrame::Delivered { req_id, up_to };
    let upto = |seq| vec![DeliveredUpTo { conversation_id: group, seq }];

    // Bob's app acknowledges what it received; Carol has not opened hers.
    assert_eq!(bob_app.request(&delivered(1, upto(first.seq))).await.unwrap(), AckResult::Done {});
    let readers = alice.client.readers(group, first.id).await.unwrap();
    let mut unread: Vec<UserId> = readers.unread.iter().map(|u| u.id).collect();
    unread.sort();
    let mut both = vec![bob.id(), carol.id()];
    both.sort();
    assert_eq!(unread, both, "delivered is not read");
    assert_eq!(readers.delivered.iter().map(|d| d.user.id).collect::<Vec<_>>(), [bob.id()]);
    assert!(readers.delivered[0].delivered_at.is_some());

    // A marker cannot run ahead of the conversation: a claim past its last seq stops there,
    // so the next message is not "delivered" before it reaches him.
    bob_app.request(&delivered(2, upto(first.seq + 1_000))).await.unwrap();
    let second = say(&alice, group, "second").await;
    assert!(alice.client.readers(group, second.id).await.unwrap().delivered.is_empty());
    // Reading implies receiving: a read member is listed as read, not as delivered.
    bob.client.mark_read(group, second.seq).await.unwrap();
    let readers = alice.client.readers(group, second.id).await.unwrap();
    assert_eq!(readers.read.iter().map(|r| r.user.id).collect::<Vec<_>>(), [bob.id()]);
    assert!(readers.delivered.is_empty());

    // A stranger naming the group gets the same answer and changes nothing; too long a list is
    // refused.
    let stranger = app.register("mallory").await;
    let (mut stranger_app, _) = stranger.client.connect().await.unwrap();
    assert_eq!(stranger_app.request(&delivered(3, upto(second.seq))).await.unwrap(), AckResult::Done {});
    let many = vec![DeliveredUpTo { conversation_id: group, seq: 1 }; MAX_DELIVERED_PER_FRAME + 1];
    let refused = bob_app.request(&delivered(4, many)).await.unwrap_err();
    assert!(matches!(refused, client::ws::SocketError::Refused { code: ErrorCode::InvalidInput, .. }), "{refused:?}");
    let third = say(&alice, group, "third").await;
    carol.client.connect().await.unwrap().0.request(&delivered(5, upto(third.seq))).await.unwrap();
    let readers = alice.client.readers(group, third.id).await.unwrap();
    assert_eq!(readers.delivered.iter().map(|d| d.user.id).collect::<Vec<_>>(), [carol.id()]);
}

#[tokio::test]
async fn search_finds_word_prefixes_and_parts_of_words_still_ranked() {
    let app = TestApp::spawn().await;
    let (alice, bob, _carol, group) = crew(&app).await;
    say(&alice, group, "We have a problem with the heating").await;
    say(&bob, group, "Flights to Lisbon are cheap").await;
    say(&bob, group, "no problems here, prob fine").await;
    let bodies = |hits: protocol::conversations::SearchResults| {
        hits.items.into_iter().map(|h| h.message.body).collect::<Vec<_>>()
    };
    assert_eq!(bodies(alice.client.search_messages("Lisb").await.unwrap()), ["Flights to Lisbon are cheap"]);
    let prob = bodies(alice.client.search_messages("prob").await.unwrap());
    assert_eq!(prob.len(), 2);
    assert_eq!(prob[0], "no problems here, prob fine", "a whole-word match ranks first");
    let part = bodies(alice.client.search_messages("blem").await.unwrap());
    assert_eq!(part.len(), 2, "parts of words: {part:?}");
    assert!(alice.client.search_messages("\"problem with\" -heating").await.unwrap().items.is_empty());
    let stranger = app.register("mallory").await;
    assert!(stranger.client.search_messages("blem").await.unwrap().items.is_empty(), "only your conversations");

    // People: any word of the display name, not only the first.
    let robert = app.register("robert").await;
    robert
        .client
        .update_me(&protocol::users::UpdateProfileRequest {
            display_name: Some("Robert Annan".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let found = alice.client.search_users("ann", None, None).await.unwrap();
    assert!(found.items.iter().any(|u| u.id == robert.id()), "{:?}", found.items);
}

#[tokio::test]
async fn a_refused_websocket_send_names_the_wrong_field() {
    use protocol::ws::ClientFrame;

    let app = TestApp::spawn().await;
    let (alice, _bob, _carol, group) = crew(&app).await;
    let stranger = app.register("mallory").await;
    let (mut socket, _) = alice.client.connect().await.unwrap();
    let req_id = socket.next_req_id();
    let message = SendMessage { mentions: vec![stranger.id()], ..text("@mallory hi") };
    socket.send(&ClientFrame::SendMessage { req_id, conversation_id: group, message }).await.unwrap();
    let refused = loop {
        match tokio::time::timeout(WAIT, socket.next()).await.expect("an answer in time").unwrap() {
            ServerFrame::Error { req_id: Some(r), error, field, .. } if r == req_id => break (error, field),
            ServerFrame::Ack { req_id: r, .. } if r == req_id => panic!("a mention of a stranger was stored"),
            _ => continue,
        }
    };
    assert_eq!(refused, (ErrorCode::Unprocessable, Some("mentions".to_owned())));
}

#[tokio::test]
async fn a_groups_description_is_set_by_its_admins_and_shown_as_a_line() {
    let app = TestApp::spawn().await;
    let (alice, bob, _carol, group) = crew(&app).await;
    let described = alice.client.describe_conversation(group, "  Weekend trips and plans  ").await.unwrap();
    assert_eq!(described.description, "Weekend trips and plans");
    assert_eq!(bob.client.conversation(group).await.unwrap().conversation.description, "Weekend trips and plans");
    assert_eq!(code(bob.client.describe_conversation(group, "mine now").await), ErrorCode::Forbidden);
    let long = "x".repeat(501);
    let refused = alice.client.describe_conversation(group, &long).await.unwrap_err();
    assert_eq!((refused.code(), refused.field()), (Some(ErrorCode::InvalidInput), Some("description")));
    alice.client.describe_conversation(group, "").await.unwrap();
    let page = bob.client.messages(group, None, None).await.unwrap();
    let lines: Vec<String> = page
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::DescriptionChanged { description, by } if *by == alice.id() => Some(description.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(lines, ["Weekend trips and plans", ""]);
    assert_eq!(bob.client.conversation(group).await.unwrap().conversation.description, "");
    let dm = alice.client.open_dm(bob.id()).await.unwrap().id;
    assert_eq!(code(alice.client.describe_conversation(dm, "us").await), ErrorCode::Unprocessable);
}
