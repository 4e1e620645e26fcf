//! The SDK's bot framework (`client::bot::BotRunner`) as a real bot with an API token: it
//! declares its slash commands in every conversation it is in, including one it joins while
//! running, and answers invocations with a message or ephemerally, commands typed as text
//! with a reply, and mentions; its handlers call the API as the bot.

use std::time::Duration;

use client::bot::{Answer, BotRunner, BotTrouble};
use client::session::{Credentials, Session, SessionConfig};
use protocol::ConversationId;
use protocol::bots::TokenScope;
use protocol::conversations::{Message, SendMessage};
use protocol::ws::ServerFrame;
use uuid::Uuid;

use crate::support::{Account, TestApp};

/// Polls `check` for up to 10 s until it returns `Some`.
async fn eventually<T, F: Future<Output = Option<T>>>(mut check: impl FnMut() -> F) -> Option<T> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(found) = check().await {
            return Some(found);
        }
        if tokio::time::Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The names of the commands `member` can invoke in `conversation`.
async fn commands_seen_by(member: &Account, conversation: ConversationId) -> Vec<String> {
    member.client.commands(conversation).await.unwrap().into_iter().map(|c| c.name).collect()
}

/// The bot's messages in `conversation`, oldest first.
async fn answers(reader: &Account, conversation: ConversationId, bot: protocol::UserId) -> Vec<Message> {
    let page = reader.client.messages(conversation, None, None).await.unwrap();
    let mut answers: Vec<_> = page.items.into_iter().filter(|m| m.sender_id == bot).collect();
    answers.sort_by_key(|m| m.seq);
    answers
}

#[tokio::test]
async fn a_bot_runner_declares_its_commands_where_it_is_and_answers_each_invocation_once() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    app.befriend(&alice, &bob).await;
    let bot_id = alice.make_bot("deskbot", "Desk").await.user.id;
    let token = alice.make_token(Some(bot_id), &[TokenScope::Read, TokenScope::Send, TokenScope::Manage]).await;
    alice.client.send_friend_request(bot_id).await.unwrap();
    let before = alice.client.create_group("Before", &[bob.id(), bot_id]).await.unwrap().id;

    let session =
        Session::start(&app.client, Credentials::Static(token.token.clone()), SessionConfig::default()).await.unwrap();
    let (troubles_tx, mut troubles) = tokio::sync::mpsc::unbounded_channel::<String>();
    let runner = BotRunner::new(session)
        .slash_command("hours", "Opening hours", |invocation, rest| async move {
            // The handler's client acts as the bot: it looks the invoker up.
            let Ok(who) = rest.user(invocation.by).await else { return Answer::Nothing };
            match invocation.command.args.as_str() {
                "" => Answer::Ephemeral(format!("Which day, {}?", who.display_name)),
                day => Answer::Message(format!("On {day} we open at 9, {}.", who.display_name)),
            }
        })
        .on_mention(|incoming| Some(format!("You called? ({})", incoming.message.body)))
        .on_trouble(move |trouble: &BotTrouble| {
            let _ = troubles_tx.send(trouble.to_string());
        });
    let running = tokio::spawn(runner.run());

    // Declared where the bot already was, and in a group it joins while running.
    let declared = eventually(|| async { (commands_seen_by(&bob, before).await == ["hours"]).then_some(()) }).await;
    assert!(declared.is_some(), "not declared in a conversation the bot was in");
    let after = alice.client.create_group("After", &[bob.id(), bot_id]).await.unwrap().id;
    let declared = eventually(|| async { (commands_seen_by(&alice, after).await == ["hours"]).then_some(()) }).await;
    assert!(declared.is_some(), "not declared in a conversation the bot joined");

    // An invocation answered with a message, for everyone.
    bob.client.invoke_command(before, "hours", "monday").await.unwrap();
    let answered =
        eventually(|| async { Some(answers(&alice, before, bot_id).await).filter(|a: &Vec<Message>| !a.is_empty()) })
            .await;
    assert_eq!(answered.unwrap()[0].body, "On monday we open at 9, Bob.");

    // An invocation answered ephemerally reaches the invoker's socket only.
    let (mut bob_socket, _) = bob.client.connect().await.unwrap();
    let (mut alice_socket, _) = alice.client.connect().await.unwrap();
    let invoked = bob.client.invoke_command(after, "hours", "").await.unwrap();
    let ephemeral = next_ephemeral(&mut bob_socket, Duration::from_secs(10)).await;
    assert_eq!(ephemeral, Some((invoked.seq, "Which day, Bob?".to_owned())));
    assert_eq!(next_ephemeral(&mut alice_socket, Duration::from_millis(500)).await, None);
    assert!(answers(&alice, after, bot_id).await.is_empty(), "an ephemeral answer was stored");

    // A command typed as text is answered as a reply to it, and a mention as well.
    let typed = alice.client.send_message(after, &SendMessage::new(Uuid::new_v4(), "/HOURS friday")).await.unwrap();
    let mut mention = SendMessage::new(Uuid::new_v4(), "hi @deskbot");
    mention.mentions = vec![bot_id];
    let mention = bob.client.send_message(after, &mention).await.unwrap();
    eventually(|| async { Some(answers(&alice, after, bot_id).await).filter(|a: &Vec<Message>| a.len() >= 2) }).await;
    // Each once: a moment more brings no second answer.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let replies: Vec<_> = answers(&alice, after, bot_id).await.into_iter().map(|m| (m.body, m.reply_to)).collect();
    assert_eq!(
        replies,
        [
            ("On friday we open at 9, Alice.".to_owned(), Some(typed.id)),
            ("You called? (hi @deskbot)".to_owned(), Some(mention.id)),
        ]
    );

    // Nothing went wrong along the way.
    running.abort();
    assert_eq!(troubles.try_recv().ok(), None);
}

/// The next ephemeral answer on `socket` within `wait`: its invocation's seq and body.
async fn next_ephemeral(socket: &mut client::ws::Socket, wait: Duration) -> Option<(i64, String)> {
    let deadline = tokio::time::Instant::now() + wait;
    while let Some(left) = deadline.checked_duration_since(tokio::time::Instant::now()) {
        match socket.next_within(left).await.unwrap()? {
            ServerFrame::EphemeralMessage { invocation_seq, body, .. } => return Some((invocation_seq, body)),
            _ => continue,
        }
    }
    None
}
