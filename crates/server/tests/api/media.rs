//! Media through the `client` crate: uploads sniffed, limited and stored once per SHA-256;
//! pictures stored upright without their EXIF (GPS included) and bombs refused; attachments
//! sent through the one write path and delivered live and in history; downloads only for
//! members (404 for strangers, ex-members, forged or expired tokens and deleted messages),
//! with Range support; blobs removed from disk or S3 when their last message goes.

use std::time::Duration;

use protocol::conversations::{EventKind, SendMessage};
use protocol::media::{Attachment, Location, MediaAccess, MediaKind};
use protocol::ws::ServerFrame;
use protocol::{ConversationId, ErrorCode};
use server::media::janitor;
use uuid::Uuid;

use crate::s3_server::{self, S3Server};
use crate::support::{Account, TestApp};

const WAIT: Duration = Duration::from_secs(10);
/// Bytes that must not survive in a stored picture (they sit in its EXIF block).
const GPS_MARK: &[u8] = b"GPSLatitude 48.858370 N";

fn code(result: Result<impl std::fmt::Debug, client::ClientError>) -> ErrorCode {
    result.unwrap_err().code().expect("an API error with a code")
}

fn with_files(body: &str, attachments: &[&Attachment]) -> SendMessage {
    SendMessage {
        client_msg_id: Uuid::new_v4(),
        body: body.to_owned(),
        reply_to: None,
        mentions: Vec::new(),
        attachments: attachments.iter().map(|a| a.id).collect(),
        location: None,
    }
}

/// Alice and Bob, friends, and their DM.
async fn pair(app: &TestApp) -> (Account, Account, ConversationId) {
    let (alice, bob) = (app.register("alice").await, app.register("bob").await);
    app.befriend(&alice, &bob).await;
    let dm = alice.client.open_dm(bob.id()).await.unwrap();
    (alice, bob, dm.id)
}

/// A 40 × 20 JPEG whose EXIF says "rotate 90° clockwise" and carries a GPS note.
fn sideways_jpeg_with_gps() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(40, 20, |x, _| image::Rgb([u8::try_from(x * 6).unwrap(), 80, 160]));
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).encode_image(&picture).unwrap();
    // TIFF, little-endian: one IFD with Orientation = 6, then the GPS note as trailing bytes.
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    tiff.extend_from_slice(&[1, 0]); // one entry
    tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]); // Orientation SHORT 1 = 6
    tiff.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    tiff.extend_from_slice(GPS_MARK);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let length = u16::try_from(app1.len() + 2).unwrap().to_be_bytes();
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xff, 0xe1, length[0], length[1]]);
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A PNG header claiming 10,000 × 10,000 pixels (a decompression bomb's promise).
fn png_bomb() -> Vec<u8> {
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        let mut out = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
        out
    };
    let mut header = 10_000u32.to_be_bytes().to_vec();
    header.extend_from_slice(&10_000u32.to_be_bytes());
    header.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &header));
    png.extend(chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]));
    png.extend(chunk(b"IEND", &[]));
    png
}

fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..size).map(|i| u8::try_from(i % 251).unwrap()));
    bytes
}

async fn fetch(who: &Account, url: &str, access: &MediaAccess) -> (u16, Vec<u8>) {
    let response = who.client.download(url, access).await.unwrap();
    (response.status().as_u16(), response.bytes().await.unwrap().to_vec())
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Waits until the media store no longer holds `sha256` (the janitor runs after deletions).
async fn until_removed(app: &TestApp, sha256: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while app.state.media.store.contains(sha256).await.unwrap() {
        assert!(tokio::time::Instant::now() < deadline, "blob {sha256} still stored");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The janitor deletes the file inside the transaction that forgets its row: the row goes
    // when that commits, a moment after the file.
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    while db::queries::media::blob_exists(&mut conn, sha256).await.unwrap() {
        assert!(tokio::time::Instant::now() < deadline, "blob {sha256} removed but still recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_photo_is_stored_upright_without_its_exif_and_reaches_the_other_member_live() {
    let app = TestApp::spawn().await;
    let (alice, bob, dm) = pair(&app).await;
    let original = sideways_jpeg_with_gps();
    assert!(contains(&original, GPS_MARK));
    let (mut socket, _) = bob.client.connect().await.unwrap();

    let photo = alice.client.upload("../../holiday.jpg", original, None).await.unwrap();
    assert_eq!(
        (photo.kind, photo.content_type.as_str(), photo.name.as_str()),
        (MediaKind::Image, "image/jpeg", "holiday.jpg")
    );
    assert_eq!((photo.width, photo.height), (Some(20), Some(40)), "the EXIF orientation is applied");
    assert!(photo.thumbnail.is_some() && photo.thumbhash.is_some());
    let sent = alice.client.send_message(dm, &with_files("", &[&photo])).await.unwrap();
    assert_eq!(sent.body, "", "a message may be its attachments alone");
    assert_eq!(sent.attachments, vec![photo.clone()]);

    let delivered = loop {
        match tokio::time::timeout(WAIT, socket.next()).await.unwrap().unwrap() {
            ServerFrame::Event { event } => match event.kind {
                EventKind::MessageCreated { message } => break message,
                _ => continue,
            },
            _ => continue,
        }
    };
    assert_eq!(delivered.attachments, vec![photo.clone()], "delivered live with its attachment");
    let history = bob.client.messages(dm, None, None).await.unwrap();
    assert_eq!(history.items[0].attachments, vec![photo.clone()], "and in history");

    let access = bob.client.media_access().await.unwrap();
    let (status, stored) = fetch(&bob, &photo.url, &access).await;
    assert_eq!(status, 200);
    assert!(!contains(&stored, GPS_MARK), "the GPS note is gone from the stored picture");
    assert!(!contains(&stored, b"Exif\0\0"), "no EXIF block at all");
    let decoded = image::load_from_memory(&stored).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (20, 40));
    let (status, thumbnail) = fetch(&bob, photo.thumbnail.as_deref().unwrap(), &access).await;
    assert_eq!(status, 200);
    assert_eq!(image::guess_format(&thumbnail).unwrap(), image::ImageFormat::Jpeg);
}

#[tokio::test]
async fn only_members_download_and_only_while_the_message_stands() {
    let app = TestApp::spawn().await;
    let (alice, bob, _) = pair(&app).await;
    let carol = app.register("carol").await;
    app.befriend(&alice, &carol).await;
    let group = alice.client.create_group("Trip", &[bob.id(), carol.id()]).await.unwrap().id;
    let mallory = app.register("mallory").await;
    let file = alice.client.upload("plan café.pdf", pdf(4000), None).await.unwrap();
    assert_eq!((file.kind, file.content_type.as_str()), (MediaKind::File, "application/pdf"));

    // Before it is attached, only its uploader sees it.
    let (mallory_access, bob_access) =
        (mallory.client.media_access().await.unwrap(), bob.client.media_access().await.unwrap());
    assert_eq!(fetch(&bob, &file.url, &bob_access).await.0, 404);
    assert_eq!(fetch(&alice, &file.url, &alice.client.media_access().await.unwrap()).await.0, 200);
    let message = alice.client.send_message(group, &with_files("the plan", &[&file])).await.unwrap();

    let response = bob.client.download(&file.url, &bob_access).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
    let disposition = header("content-disposition").unwrap();
    assert!(disposition.starts_with("attachment"), "a PDF is never shown inline: {disposition}");
    assert!(disposition.contains("filename*=UTF-8''plan%20caf%C3%A9.pdf"), "its own name: {disposition}");
    assert!(header("content-security-policy").unwrap().contains("sandbox"));
    assert_eq!(response.bytes().await.unwrap().to_vec(), pdf(4000));

    assert_eq!(fetch(&mallory, &file.url, &mallory_access).await.0, 404, "a stranger");
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    db::queries::admin::set_role(&mut conn, mallory.id(), protocol::users::Role::Admin).await.unwrap();
    drop(conn);
    assert_eq!(fetch(&mallory, &file.url, &mallory_access).await.0, 200, "an operator reads every history");
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    db::queries::admin::set_role(&mut conn, mallory.id(), protocol::users::Role::User).await.unwrap();
    drop(conn);
    let forged = MediaAccess { token: bob_access.token.replace('A', "B"), ..bob_access.clone() };
    assert_eq!(fetch(&bob, &file.url, &forged).await.0, 404, "a forged token");
    let no_token = app.http.get(app.at(&file.url)).send().await.unwrap();
    assert_eq!(no_token.status().as_u16(), 404, "no token");
    let expired = app.state.media.access.issue(bob.id(), chrono::Utc::now() - chrono::Duration::hours(2));
    assert_eq!(fetch(&bob, &file.url, &expired).await.0, 404, "an expired token");

    bob.client.leave(group).await.unwrap();
    assert_eq!(fetch(&bob, &file.url, &bob_access).await.0, 404, "an ex-member");
    let carol_access = carol.client.media_access().await.unwrap();
    assert_eq!(fetch(&carol, &file.url, &carol_access).await.0, 200);
    alice.client.delete_message(group, message.id).await.unwrap();
    assert_eq!(fetch(&carol, &file.url, &carol_access).await.0, 404, "a deleted message's file");
}

#[tokio::test]
async fn a_range_request_answers_206_with_exactly_those_bytes() {
    let app = TestApp::spawn().await;
    let (alice, _, dm) = pair(&app).await;
    let bytes = pdf(10_000);
    let file = alice.client.upload("big.pdf", bytes.clone(), None).await.unwrap();
    alice.client.send_message(dm, &with_files("", &[&file])).await.unwrap();
    let access = alice.client.media_access().await.unwrap();
    let url = app.at(&Attachment::with_access(&file.url, &access));

    let part = app.http.get(&url).header("Range", "bytes=100-199").send().await.unwrap();
    assert_eq!(part.status().as_u16(), 206);
    let total = bytes.len();
    assert_eq!(part.headers()["content-range"].to_str().unwrap(), format!("bytes 100-199/{total}"));
    assert_eq!(part.bytes().await.unwrap().to_vec(), bytes[100..200].to_vec());
    let tail = app.http.get(&url).header("Range", "bytes=-10").send().await.unwrap();
    assert_eq!(tail.status().as_u16(), 206);
    assert_eq!(tail.bytes().await.unwrap().to_vec(), bytes[total - 10..].to_vec());
    let outside = app.http.get(&url).header("Range", format!("bytes={}-", total + 5)).send().await.unwrap();
    assert_eq!(outside.status().as_u16(), 416);
}

#[tokio::test]
async fn the_same_bytes_are_stored_once_and_removed_with_the_last_message_using_them() {
    let app = TestApp::spawn().await;
    let (alice, bob, dm) = pair(&app).await;
    let bytes = pdf(3000);
    let first = alice.client.upload("a.pdf", bytes.clone(), None).await.unwrap();
    let second = bob.client.upload("b.pdf", bytes, None).await.unwrap();
    assert_eq!(first.sha256, second.sha256);
    assert_ne!(first.id, second.id);
    let blob = app.state.settings.data_dir.join("media/blobs").join(&first.sha256[0..2]).join(&first.sha256[2..4]);
    assert_eq!(std::fs::read_dir(&blob).unwrap().count(), 1, "stored once");

    let one = alice.client.send_message(dm, &with_files("", &[&first])).await.unwrap();
    let other = bob.client.send_message(dm, &with_files("", &[&second])).await.unwrap();
    alice.client.delete_message(dm, one.id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.state.media.store.contains(&first.sha256).await.unwrap(), "still used by Bob's message");
    bob.client.delete_message(dm, other.id).await.unwrap();
    until_removed(&app, &first.sha256).await;
    assert!(!blob.join(&first.sha256).exists(), "gone from disk");
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    assert!(!db::queries::media::blob_exists(&mut conn, &first.sha256).await.unwrap());
}

#[tokio::test]
async fn attaching_checks_ownership_and_each_upload_goes_to_one_message() {
    let app = TestApp::spawn().await;
    let (alice, bob, dm) = pair(&app).await;
    let bobs = bob.client.upload("b.pdf", pdf(10), None).await.unwrap();
    let refused = alice.client.send_message(dm, &with_files("mine now", &[&bobs])).await;
    assert_eq!(code(refused), ErrorCode::Unprocessable, "another's upload");
    let mine = alice.client.upload("a.pdf", pdf(20), None).await.unwrap();
    alice.client.send_message(dm, &with_files("", &[&mine])).await.unwrap();
    assert_eq!(code(alice.client.send_message(dm, &with_files("again", &[&mine])).await), ErrorCode::Unprocessable);
    assert_eq!(code(alice.client.send_message(dm, &with_files("", &[])).await), ErrorCode::InvalidInput, "empty");
    let eleven: Vec<Attachment> = {
        let mut all = Vec::new();
        for n in 0..11 {
            all.push(alice.client.upload("n.pdf", pdf(n), None).await.unwrap());
        }
        all
    };
    let refs: Vec<&Attachment> = eleven.iter().collect();
    assert_eq!(code(alice.client.send_message(dm, &with_files("", &refs)).await), ErrorCode::InvalidInput);
    let ten = alice.client.send_message(dm, &with_files("ten", &refs[..10])).await.unwrap();
    assert_eq!(
        ten.attachments.iter().map(|a| a.id).collect::<Vec<_>>(),
        refs[..10].iter().map(|a| a.id).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn size_quota_and_picture_limits_refuse_clearly_and_store_nothing() {
    let app = TestApp::spawn_with(|s| {
        s.media_max_bytes = 2048;
        s.media_quota_bytes = 3000;
    })
    .await;
    let alice = app.register("alice").await;
    assert_eq!(code(alice.client.upload("big.pdf", pdf(2100), None).await), ErrorCode::PayloadTooLarge);
    // Announced far past the limit: refused from its Content-Length, before the body is read.
    assert_eq!(code(alice.client.upload("huge.pdf", pdf(200_000), None).await), ErrorCode::PayloadTooLarge);
    alice.client.upload("one.pdf", pdf(1500), None).await.unwrap();
    assert_eq!(code(alice.client.upload("two.pdf", pdf(1500), None).await), ErrorCode::QuotaExceeded);
    let bomb = alice.client.upload("bomb.png", png_bomb(), None).await;
    assert_eq!(code(bomb), ErrorCode::Unprocessable, "10,000 × 10,000 is refused, not decoded");
    assert_eq!(code(alice.client.upload("empty.txt", Vec::new(), None).await), ErrorCode::InvalidInput);
    let usage = alice.client.media_usage().await.unwrap();
    assert_eq!((usage.used, usage.quota), (1509, 3000), "only the accepted upload counts");
}

#[tokio::test]
async fn the_s3_backend_stores_serves_and_removes_blobs_in_a_real_bucket() {
    let s3 = S3Server::start("confab-media");
    let endpoint = s3.endpoint.clone();
    let app = TestApp::spawn_with(|s| {
        s.media_url = Some("s3://confab-media/tests".to_owned());
        s.s3_endpoint = Some(endpoint);
        s.s3_region = s3_server::REGION.to_owned();
        s.s3_access_key_id = Some(s3_server::ACCESS_KEY_ID.to_owned());
        s.s3_secret_access_key = Some(s3_server::SECRET_ACCESS_KEY.to_owned().into());
    })
    .await;
    let (alice, bob, dm) = pair(&app).await;
    let photo = alice.client.upload("p.jpg", sideways_jpeg_with_gps(), None).await.unwrap();
    let message = alice.client.send_message(dm, &with_files("", &[&photo])).await.unwrap();
    assert!(!app.state.settings.data_dir.join("media").exists(), "nothing under the data dir's media/");
    let access = bob.client.media_access().await.unwrap();
    let (status, stored) = fetch(&bob, &photo.url, &access).await;
    assert_eq!(status, 200);
    assert_eq!(stored.len() as u64, photo.size);
    assert!(app.state.media.store.contains(&photo.sha256).await.unwrap());
    alice.client.delete_message(dm, message.id).await.unwrap();
    until_removed(&app, &photo.sha256).await;
    let swept = janitor::sweep(&app.state.pool, &app.state.media.store).await.unwrap();
    assert_eq!(swept, janitor::Swept::default(), "nothing left to remove");
}

/// Runs `sql` with `ids` as `$1`.
async fn age(app: &TestApp, sql: &str, ids: Vec<Uuid>) {
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(sql).bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(ids),
        &mut conn,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn retention_and_unattached_expiry_remove_the_files_nothing_uses() {
    let app = TestApp::spawn().await;
    let (alice, bob, dm) = pair(&app).await;
    let kept = alice.client.upload("kept.pdf", pdf(100), None).await.unwrap();
    let old = alice.client.upload("old.pdf", pdf(200), None).await.unwrap();
    let forgotten = bob.client.upload("never-sent.pdf", pdf(300), None).await.unwrap();
    alice.client.send_message(dm, &with_files("new", &[&kept])).await.unwrap();
    let expiring = alice.client.send_message(dm, &with_files("old", &[&old])).await.unwrap();

    age(&app, "UPDATE messages SET created_at = now() - interval '10 days' WHERE id = ANY($1)", vec![expiring.id.0])
        .await;
    age(&app, "UPDATE media SET created_at = now() - interval '25 hours' WHERE id = ANY($1)", vec![forgotten.id.0])
        .await;
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    db::queries::admin::set_role(&mut conn, alice.id(), protocol::users::Role::Admin).await.unwrap();
    drop(conn);
    let policy = alice.client.request(reqwest::Method::PUT, "/api/v1/admin/retention").unwrap();
    assert!(policy.json(&serde_json::json!({"days": 7})).send().await.unwrap().status().is_success());
    // Setting the policy sweeps at once; the sweep after it finds nothing more.
    assert_eq!(server::admin::retention::sweep(&app.state).await.unwrap(), 0);
    until_removed(&app, &old.sha256).await;

    // The janitor woken by the expiry may have run already: either way, the day-old upload is
    // gone after a sweep.
    janitor::sweep(&app.state.pool, &app.state.media.store).await.unwrap();
    assert!(!app.state.media.store.contains(&forgotten.sha256).await.unwrap(), "the upload never attached for a day");
    let mut conn = db::pool::checkout(&app.state.pool).await.unwrap();
    assert!(!db::queries::media::blob_exists(&mut conn, &forgotten.sha256).await.unwrap());
    drop(conn);
    assert!(app.state.media.store.contains(&kept.sha256).await.unwrap(), "a file in use stays");
    let access = bob.client.media_access().await.unwrap();
    assert_eq!(fetch(&bob, &kept.url, &access).await.0, 200);
}

#[tokio::test]
async fn a_forwarded_file_is_the_forwarders_copy_of_the_same_bytes() {
    let app = TestApp::spawn().await;
    let (alice, bob, dm) = pair(&app).await;
    let carol = app.register("carol").await;
    app.befriend(&bob, &carol).await;
    let elsewhere = bob.client.open_dm(carol.id()).await.unwrap().id;
    let file = alice.client.upload("menu.pdf", pdf(500), None).await.unwrap();
    let original = alice.client.send_message(dm, &with_files("", &[&file])).await.unwrap();
    let request =
        protocol::conversations::ForwardMessage { conversation_ids: vec![elsewhere], client_msg_id: Uuid::new_v4() };
    let copy = bob.client.forward(dm, original.id, &request).await.unwrap().items.remove(0);
    let again = bob.client.forward(dm, original.id, &request).await.unwrap().items.remove(0);
    assert_eq!(copy.id, again.id, "forwarding again with the same key stores nothing twice");
    let forwarded = &copy.attachments[0];
    assert_ne!(forwarded.id, file.id, "a copy of its own");
    assert_eq!((forwarded.sha256.as_str(), forwarded.name.as_str()), (file.sha256.as_str(), "menu.pdf"));
    let access = carol.client.media_access().await.unwrap();
    assert_eq!(fetch(&carol, &forwarded.url, &access).await.0, 200);
    assert_eq!(fetch(&carol, &file.url, &access).await.0, 404, "the original stays the source's");
    alice.client.delete_message(dm, original.id).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fetch(&carol, &forwarded.url, &access).await.0, 200, "the copy outlives the original");
}

#[tokio::test]
async fn a_shared_location_is_a_message_that_goes_with_its_deletion() {
    let app = TestApp::spawn().await;
    let (alice, bob, dm) = pair(&app).await;
    let here = Location { latitude: 48.858370, longitude: 2.294481, accuracy_m: Some(12) };
    let share = |location: Location| SendMessage { location: Some(location), ..with_files("", &[]) };
    let sent = alice.client.send_message(dm, &share(here)).await.unwrap();
    assert_eq!((sent.body.as_str(), sent.location), ("", Some(here)), "a location needs no text");
    let seen = bob.client.messages(dm, None, None).await.unwrap();
    assert_eq!(seen.items[0].location, Some(here));
    let events = bob.client.all_events(dm, 0).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| matches!(&e.kind, EventKind::MessageCreated { message } if message.location == Some(here)))
    );

    let nowhere = alice.client.send_message(dm, &share(Location { latitude: 91.0, ..here })).await;
    assert_eq!(code(nowhere), ErrorCode::InvalidInput);
    let deleted = alice.client.delete_message(dm, sent.id).await.unwrap();
    assert_eq!(deleted.location, None);
    let after = bob.client.messages(dm, None, None).await.unwrap();
    assert_eq!(after.items[0].location, None, "a deleted message keeps no position");
}

#[tokio::test]
async fn the_personal_export_lists_the_users_files_with_a_token_to_fetch_them() {
    let app = TestApp::spawn().await;
    let (alice, bob, dm) = pair(&app).await;
    let sent = alice.client.upload("sent.pdf", pdf(64), None).await.unwrap();
    let draft = alice.client.upload("draft.pdf", pdf(32), None).await.unwrap();
    bob.client.upload("bobs.pdf", pdf(16), None).await.unwrap();
    alice.client.send_message(dm, &with_files("see", &[&sent])).await.unwrap();
    let response = alice.client.request(reqwest::Method::GET, "/api/v1/users/me/export").unwrap().send().await.unwrap();
    let export: protocol::admin::PersonalExport = response.json().await.unwrap();
    let names: Vec<&str> = export.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["sent.pdf", "draft.pdf"], "her files, not Bob's");
    assert_eq!(export.messages[0].attachments, vec![sent.clone()]);
    for file in [&sent, &draft] {
        let (status, bytes) = fetch(&alice, &file.url, &export.media_access).await;
        assert_eq!((status, bytes.len() as u64), (200, file.size));
    }
}

#[tokio::test]
async fn a_profile_photo_is_a_picture_upload_everyone_signed_in_can_see() {
    let app = TestApp::spawn().await;
    let (alice, bob, dm) = pair(&app).await;
    let stranger = app.register("stranger").await;
    let photo = alice.client.upload("me.jpg", sideways_jpeg_with_gps(), None).await.unwrap();
    let pdf_upload = alice.client.upload("cv.pdf", pdf(10), None).await.unwrap();
    let set = |who: &Account, id| {
        let request = who.client.request(reqwest::Method::PUT, "/api/v1/users/me/avatar").unwrap();
        request.json(&serde_json::json!({ "media_id": id }))
    };
    let refused = set(&alice, pdf_upload.id).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 422, "a PDF is no photo");
    let theirs = set(&bob, photo.id).send().await.unwrap();
    assert_eq!(theirs.status().as_u16(), 422, "nor is someone else's picture");
    let me: protocol::users::Me = set(&alice, photo.id).send().await.unwrap().json().await.unwrap();
    assert_eq!(me.avatar.as_deref(), photo.thumbnail.as_deref());

    let seen = stranger.client.user(alice.id()).await.unwrap();
    assert_eq!(seen.avatar, me.avatar, "others see it on her profile");
    let access = stranger.client.media_access().await.unwrap();
    assert_eq!(fetch(&stranger, seen.avatar.as_deref().unwrap(), &access).await.0, 200);
    let attach = alice.client.send_message(dm, &with_files("", &[&photo])).await;
    assert_eq!(code(attach), ErrorCode::Unprocessable, "it is not attached to messages as well");

    // Kept past the day that unattached uploads get, while in use.
    age(&app, "UPDATE media SET created_at = now() - interval '2 days' WHERE id = ANY($1)", vec![photo.id.0]).await;
    janitor::sweep(&app.state.pool, &app.state.media.store).await.unwrap();
    assert_eq!(fetch(&stranger, seen.avatar.as_deref().unwrap(), &access).await.0, 200);
    let cleared =
        alice.client.request(reqwest::Method::DELETE, "/api/v1/users/me/avatar").unwrap().send().await.unwrap();
    assert!(cleared.json::<protocol::users::Me>().await.unwrap().avatar.is_none());
    janitor::sweep(&app.state.pool, &app.state.media.store).await.unwrap();
    assert!(!app.state.media.store.contains(&photo.sha256).await.unwrap(), "a replaced photo goes");
}

#[tokio::test]
async fn a_group_photo_is_set_by_its_admins_through_the_log_and_seen_only_by_members() {
    let app = TestApp::spawn().await;
    let (alice, bob, dm) = pair(&app).await;
    let stranger = app.register("stranger").await;
    let group = alice.client.create_group("Trip", &[bob.id()]).await.unwrap().id;
    let picture = alice.client.upload("trip.jpg", sideways_jpeg_with_gps(), None).await.unwrap();
    let set = |who: &Account, conversation: ConversationId, id| {
        let path = format!("/api/v1/conversations/{conversation}/photo");
        who.client.request(reqwest::Method::PUT, &path).unwrap().json(&serde_json::json!({ "media_id": id }))
    };
    let bobs = bob.client.upload("mine.jpg", sideways_jpeg_with_gps(), None).await.unwrap();
    assert_eq!(set(&bob, group, bobs.id).send().await.unwrap().status().as_u16(), 403, "members do not");
    assert_eq!(set(&alice, dm, picture.id).send().await.unwrap().status().as_u16(), 422, "DMs have none");
    let (mut socket, _) = bob.client.connect().await.unwrap();
    let summary: protocol::conversations::ConversationSummary =
        set(&alice, group, picture.id).send().await.unwrap().json().await.unwrap();
    assert_eq!(summary.photo.as_deref(), picture.thumbnail.as_deref());
    let live = loop {
        match tokio::time::timeout(WAIT, socket.next()).await.unwrap().unwrap() {
            ServerFrame::Event { event } if matches!(event.kind, EventKind::PhotoChanged { .. }) => break event,
            _ => continue,
        }
    };
    assert!(
        matches!(live.kind, EventKind::PhotoChanged { ref photo, by } if *photo == summary.photo && by == alice.id())
    );
    let listed = bob.client.conversation(group).await.unwrap().conversation;
    assert_eq!(listed.photo, summary.photo, "members see it in the list");
    let lines = bob.client.messages(group, None, None).await.unwrap().events;
    assert!(lines.iter().any(|e| matches!(e.kind, EventKind::PhotoChanged { .. })), "and as a line in history");

    let url = summary.photo.unwrap();
    assert_eq!(fetch(&bob, &url, &bob.client.media_access().await.unwrap()).await.0, 200);
    assert_eq!(fetch(&stranger, &url, &stranger.client.media_access().await.unwrap()).await.0, 404, "not a stranger");
    let removed =
        alice.client.request(reqwest::Method::DELETE, &format!("/api/v1/conversations/{group}/photo")).unwrap();
    let after: protocol::conversations::ConversationSummary = removed.send().await.unwrap().json().await.unwrap();
    assert!(after.photo.is_none());
}

#[tokio::test]
async fn a_new_profile_photo_reaches_friends_live() {
    let app = TestApp::spawn().await;
    let (alice, bob, _) = pair(&app).await;
    let (mut socket, _) = bob.client.connect().await.unwrap();
    let photo = alice.client.upload("me.jpg", sideways_jpeg_with_gps(), None).await.unwrap();
    let request = alice.client.request(reqwest::Method::PUT, "/api/v1/users/me/avatar").unwrap();
    request.json(&serde_json::json!({ "media_id": photo.id })).send().await.unwrap();
    let updated = loop {
        match tokio::time::timeout(WAIT, socket.next()).await.expect("the change in time").unwrap() {
            ServerFrame::UserUpdated { user } => break user,
            _ => continue,
        }
    };
    assert_eq!((updated.id, updated.avatar), (alice.id(), photo.thumbnail));
}

#[tokio::test]
async fn without_a_tile_server_no_map_is_offered_and_images_stay_on_our_origin() {
    let app = TestApp::spawn().await;
    assert_eq!(app.client.server_settings().await.unwrap().map, None);
    for path in ["/", "/chat/some-conversation", "/api/v1/settings"] {
        let response = app.http.get(app.at(path)).send().await.unwrap();
        let csp = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("img-src 'self' data:;"), "{path}: {csp}");
    }
}

#[tokio::test]
async fn a_configured_tile_server_reaches_the_web_app_and_its_origin_only_is_allowed_for_images() {
    let template = "https://tiles.example.org/osm/{z}/{x}/{y}.png";
    let app = TestApp::spawn_with(|s| {
        s.map_tiles_url = Some(server::map_tiles::MapTilesUrl::parse(template).unwrap());
        s.map_attribution = Some("© OpenStreetMap contributors".to_owned());
    })
    .await;
    let map = app.client.server_settings().await.unwrap().map.expect("a map is offered");
    assert_eq!(map.url_template, template);
    assert_eq!(map.attribution.as_deref(), Some("© OpenStreetMap contributors"));
    for path in ["/", "/chat/some-conversation", "/api/v1/settings"] {
        let response = app.http.get(app.at(path)).send().await.unwrap();
        let csp = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("img-src 'self' data: https://tiles.example.org;"), "{path}: {csp}");
        // Only images: scripts, styles and connections stay on our own origin.
        assert_eq!(csp.matches("tiles.example.org").count(), 1, "{path}: {csp}");
    }
}
