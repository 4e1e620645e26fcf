//! Bot pictures: the owner gives a bot one of their own picture uploads and takes it away
//! again; the bot's friends see the change live (and a rename too); a non-owner learns nothing
//! (the same 404 as an unknown bot), someone else's upload is refused, an API token cannot do
//! it, the change is audited, and the media janitor keeps the picture while the bot shows it.

use std::time::Duration;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use protocol::social::SendFriendRequestOutcome;
use protocol::ws::ServerFrame;
use protocol::{ErrorBody, ErrorCode, UserId};
use reqwest::Method;
use server::media::janitor;

use crate::support::{Account, TestApp};

const WAIT: Duration = Duration::from_secs(10);

/// A small picture (a 24 × 24 PNG gradient).
fn picture() -> Vec<u8> {
    let pixels = image::RgbImage::from_fn(24, 24, |x, y| {
        image::Rgb([u8::try_from(x * 10).unwrap(), 90, u8::try_from(y * 10).unwrap()])
    });
    let mut png = Vec::new();
    pixels.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    png
}

/// `PUT` (with a media id) or `DELETE` (without) of `/bots/{bot}/avatar` by `who`.
async fn avatar_call(who: &Account, bot: UserId, media_id: Option<protocol::media::MediaId>) -> reqwest::Response {
    let path = format!("/api/v1/bots/{bot}/avatar");
    let request = match media_id {
        Some(id) => who.client.request(Method::PUT, &path).unwrap().json(&serde_json::json!({ "media_id": id })),
        None => who.client.request(Method::DELETE, &path).unwrap(),
    };
    request.send().await.unwrap()
}

async fn error_of(response: reqwest::Response) -> (u16, ErrorBody) {
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn the_owner_gives_a_bot_a_picture_its_friends_see_live_and_takes_it_away() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let bot = alice.make_bot("helpdesk", "Help desk").await;
    let added = bob.client.send_friend_request(bot.user.id).await.unwrap();
    assert!(matches!(added, SendFriendRequestOutcome::Accepted { .. }), "{added:?}");
    let (mut socket, _) = bob.client.connect().await.unwrap();

    let photo = alice.client.upload("bot.png", picture(), None).await.unwrap();
    let set = alice.client.set_bot_avatar(bot.user.id, Some(photo.id)).await.unwrap();
    assert_eq!(set.user.avatar.as_deref(), photo.thumbnail.as_deref(), "the answer shows the new picture");
    assert!(set.user.avatar.is_some());

    // Bob, the bot's friend, sees it at once, and on the bot's profile.
    let updated = loop {
        match tokio::time::timeout(WAIT, socket.next()).await.expect("the change in time").unwrap() {
            ServerFrame::UserUpdated { user } if user.id == bot.user.id => break user,
            _ => continue,
        }
    };
    assert_eq!(updated.avatar, set.user.avatar);
    assert_eq!(bob.client.user(bot.user.id).await.unwrap().avatar, set.user.avatar);
    assert_eq!(alice.client.bots().await.unwrap()[0].user.avatar, set.user.avatar, "the owner's list shows it");

    // The janitor keeps an upload older than a day while a bot shows it.
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    diesel::sql_query("UPDATE media SET created_at = now() - interval '2 days' WHERE id = $1")
        .bind::<diesel::sql_types::Uuid, _>(photo.id.0)
        .execute(&mut conn)
        .await
        .unwrap();
    janitor::sweep(&app.state.pool, &app.state.media.store).await.unwrap();
    assert!(app.state.media.store.contains(&photo.sha256).await.unwrap(), "the bot's picture stays");

    // Removing it: initials again, live, and the picture nobody uses goes.
    let removed = alice.client.set_bot_avatar(bot.user.id, None).await.unwrap();
    assert!(removed.user.avatar.is_none());
    let cleared = loop {
        match tokio::time::timeout(WAIT, socket.next()).await.expect("the removal in time").unwrap() {
            ServerFrame::UserUpdated { user } if user.id == bot.user.id => break user,
            _ => continue,
        }
    };
    assert!(cleared.avatar.is_none());
    janitor::sweep(&app.state.pool, &app.state.media.store).await.unwrap();
    assert!(!app.state.media.store.contains(&photo.sha256).await.unwrap(), "an unused picture goes");

    // Both changes are audited, with the owner as the actor and the bot as the target.
    use db::schema::audit_log;
    let actions: Vec<(String, uuid::Uuid, Option<uuid::Uuid>)> = audit_log::table
        .filter(audit_log::action.like("bot.avatar%"))
        .order(audit_log::created_at.asc())
        .select((audit_log::action, audit_log::actor_id, audit_log::target_id))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        actions,
        [
            ("bot.avatar_set".to_owned(), alice.id().0, Some(bot.user.id.0)),
            ("bot.avatar_remove".to_owned(), alice.id().0, Some(bot.user.id.0)),
        ]
    );
}

#[tokio::test]
async fn only_the_owner_with_their_own_picture_changes_a_bots_avatar() {
    let app = TestApp::spawn().await;
    let (alice, mallory) = (app.register("alice").await, app.register("mallory").await);
    let bot = alice.make_bot("helpdesk", "Help desk").await;
    let alices = alice.client.upload("alice.png", picture(), None).await.unwrap();
    let mallorys = mallory.client.upload("mallory.png", picture(), None).await.unwrap();

    // A non-owner gets exactly what an unknown bot answers.
    let (status, theirs) = error_of(avatar_call(&mallory, bot.user.id, Some(mallorys.id)).await).await;
    let (unknown_status, unknown) =
        error_of(avatar_call(&mallory, UserId(uuid::Uuid::now_v7()), Some(mallorys.id)).await).await;
    assert_eq!((status, theirs.error), (404, ErrorCode::NotFound));
    assert_eq!((status, theirs.message), (unknown_status, unknown.message), "nothing tells the two apart");
    assert_eq!(error_of(avatar_call(&mallory, bot.user.id, None).await).await.0, 404);
    // A person is no bot, even for themself.
    assert_eq!(error_of(avatar_call(&alice, alice.id(), Some(alices.id)).await).await.0, 404);

    // The owner may not use someone else's upload, nor a file that is no picture.
    let (status, refused) = error_of(avatar_call(&alice, bot.user.id, Some(mallorys.id)).await).await;
    assert_eq!((status, refused.error, refused.field.as_deref()), (422, ErrorCode::Unprocessable, Some("media_id")));
    let pdf = alice.client.upload("notes.pdf", b"%PDF-1.7\nnotes".to_vec(), None).await.unwrap();
    assert_eq!(error_of(avatar_call(&alice, bot.user.id, Some(pdf.id)).await).await.0, 422);

    // An API token (even the owner's, even the bot's) cannot: bots are managed from a session.
    let token = alice.make_token(None, &[protocol::bots::TokenScope::Read, protocol::bots::TokenScope::Manage]).await;
    let script =
        Account { client: app.client.with_api_token(&token.token), auth: alice.auth.clone(), password: String::new() };
    let (status, refused) = error_of(avatar_call(&script, bot.user.id, Some(alices.id)).await).await;
    assert_eq!((status, refused.error), (403, ErrorCode::InsufficientScope));

    // Nothing of that changed the bot.
    assert!(alice.client.bots().await.unwrap()[0].user.avatar.is_none());
    assert!(mallory.client.user(bot.user.id).await.unwrap().avatar.is_none());
}

#[tokio::test]
async fn a_renamed_bot_reaches_its_friends_live() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    let bot = alice.make_bot("helpdesk", "Help desk").await;
    bob.client.send_friend_request(bot.user.id).await.unwrap();
    let (mut socket, _) = bob.client.connect().await.unwrap();
    let changes = protocol::bots::UpdateBot { display_name: Some("Front desk".into()), description: None };
    alice.client.update_bot(bot.user.id, &changes).await.unwrap();
    let updated = loop {
        match tokio::time::timeout(WAIT, socket.next()).await.expect("the rename in time").unwrap() {
            ServerFrame::UserUpdated { user } if user.id == bot.user.id => break user,
            _ => continue,
        }
    };
    assert_eq!(updated.display_name, "Front desk");
}
