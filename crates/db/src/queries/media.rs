//! Uploads and their blobs: storing an upload (claiming its blobs under their row locks),
//! reading the attachments of messages, the download check (member, message not deleted),
//! quotas, and finding what the media janitor may remove. Attaching happens only in the one
//! write path (`changes`), in the transaction that stores the message.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Interval, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use protocol::conversations::{Event, Message};
use protocol::media::{Attachment, MediaId, MediaKind};
use protocol::users::Role;
use protocol::{MessageId, UserId};
use uuid::Uuid;

use crate::columns::{StoredId, StoredUserRole};
use crate::prepared::prepared;
use crate::schema::media;

/// A row of `media`: one upload.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = media, check_for_backend(diesel::pg::Pg))]
pub struct MediaRow {
    /// Id.
    #[diesel(deserialize_as = StoredId, serialize_as = StoredId)]
    pub id: MediaId,
    /// Who uploaded it (the only one who may attach it).
    #[diesel(deserialize_as = StoredId, serialize_as = StoredId)]
    pub uploader_id: UserId,
    /// `MediaKind::name`.
    pub kind: String,
    /// Sniffed type.
    pub content_type: String,
    /// The uploader's file name.
    pub name: String,
    /// Stored bytes.
    pub size: i64,
    /// Blob of the stored bytes.
    pub sha256: String,
    /// Pixels (images).
    pub width: Option<i32>,
    /// Pixels (images).
    pub height: Option<i32>,
    /// Voice messages' length.
    pub duration_ms: Option<i32>,
    /// Voice messages' levels.
    pub waveform: Option<Vec<u8>>,
    /// Placeholder (images).
    pub thumbhash: Option<String>,
    /// Blob of the thumbnail (images).
    pub thumbnail_sha256: Option<String>,
    /// The message it is attached to.
    pub message_id: Option<Uuid>,
    /// Its place among the message's attachments.
    pub position: Option<i16>,
    /// Uploaded at.
    pub created_at: DateTime<Utc>,
}

impl MediaRow {
    /// As messages carry it.
    pub fn to_attachment(&self) -> Attachment {
        let id = self.id;
        Attachment {
            id,
            kind: MediaKind::from_name(&self.kind).unwrap_or(MediaKind::File),
            content_type: self.content_type.clone(),
            name: self.name.clone(),
            size: u64::try_from(self.size).unwrap_or_default(),
            sha256: self.sha256.clone(),
            width: self.width.and_then(|w| u32::try_from(w).ok()),
            height: self.height.and_then(|h| u32::try_from(h).ok()),
            duration_ms: self.duration_ms.and_then(|d| u32::try_from(d).ok()),
            waveform: self.waveform.clone().unwrap_or_default(),
            thumbhash: self.thumbhash.clone(),
            url: Attachment::url_of(id),
            thumbnail: self.thumbnail_sha256.as_ref().map(|_| Attachment::thumbnail_url_of(id)),
        }
    }
}

/// A blob an upload needs: its hash and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blob {
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
}

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Text)]
    sha256: String,
    #[diesel(sql_type = Bool)]
    inserted: bool,
}

/// Claims `blobs` for an upload inside the caller's transaction: each blob's row is created
/// or locked until commit, so the janitor cannot remove it meanwhile. Answers the hashes that
/// are new, whose bytes the caller must put in the store before committing (a row that
/// exists means its bytes are stored: that is how an upload of known bytes stores nothing).
pub async fn claim_blobs(conn: &mut AsyncPgConnection, blobs: &[Blob]) -> QueryResult<Vec<String>> {
    let rows: Vec<Claimed> = prepared(
        "INSERT INTO media_blobs (sha256, size) SELECT * FROM unnest($1::text[], $2::int8[]) \
         ON CONFLICT (sha256) DO UPDATE SET size = EXCLUDED.size \
         RETURNING sha256, (xmax = 0) AS inserted",
    )
    .bind::<Array<Text>, _>(blobs.iter().map(|b| b.sha256.as_str()).collect::<Vec<_>>())
    .bind::<Array<BigInt>, _>(blobs.iter().map(|b| b.size).collect::<Vec<_>>())
    .load(conn)
    .await?;
    Ok(rows.into_iter().filter(|r| r.inserted).map(|r| r.sha256).collect())
}

/// Records an upload (its blobs claimed in the same transaction).
pub async fn insert(conn: &mut AsyncPgConnection, row: &MediaRow) -> QueryResult<()> {
    diesel::insert_into(media::table).values(row.clone()).execute(conn).await.map(|_| ())
}

/// Bytes used by `user`'s uploads (each upload counts, even when its bytes are shared).
pub async fn used_bytes(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<u64> {
    #[derive(QueryableByName)]
    struct Used {
        #[diesel(sql_type = BigInt)]
        used: i64,
    }
    let found: Used = prepared("SELECT COALESCE(sum(size), 0)::int8 AS used FROM media WHERE uploader_id = $1")
        .bind::<SqlUuid, _>(user.0)
        .get_result(conn)
        .await?;
    Ok(u64::try_from(found.used).unwrap_or(0))
}

/// Every upload of `user`, oldest first (their personal data export).
pub async fn of_uploader(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<Vec<MediaRow>> {
    media::table
        .filter(media::uploader_id.eq(user.0))
        .order((media::created_at, media::id))
        .select(MediaRow::as_select())
        .load(conn)
        .await
}

/// The attachments of each of `messages` that has any, in their order.
pub async fn of_messages(
    conn: &mut AsyncPgConnection,
    messages: &[MessageId],
) -> QueryResult<HashMap<MessageId, Vec<Attachment>>> {
    if messages.is_empty() {
        return Ok(HashMap::new());
    }
    let messages: Vec<Uuid> = messages.iter().map(|id| id.0).collect();
    let rows: Vec<MediaRow> = media::table
        .filter(media::message_id.eq_any(messages))
        .order((media::message_id, media::position))
        .select(MediaRow::as_select())
        .load(conn)
        .await?;
    let mut found: HashMap<MessageId, Vec<Attachment>> = HashMap::new();
    for row in rows {
        if let Some(message) = row.message_id {
            found.entry(MessageId(message)).or_default().push(row.to_attachment());
        }
    }
    Ok(found)
}

/// Fills in the attachments of `messages`.
pub async fn fill(conn: &mut AsyncPgConnection, messages: &mut [Message]) -> QueryResult<()> {
    let ids: Vec<MessageId> = messages.iter().filter(|m| m.deleted_at.is_none()).map(|m| m.id).collect();
    let mut found = of_messages(conn, &ids).await?;
    for message in messages {
        message.attachments = found.remove(&message.id).unwrap_or_default();
    }
    Ok(())
}

/// Fills in the attachments of the messages that `events` carry.
pub async fn fill_events(conn: &mut AsyncPgConnection, events: &mut [Event]) -> QueryResult<()> {
    let mut carried: Vec<&mut Message> = events.iter_mut().filter_map(|e| e.kind.carried_message_mut()).collect();
    let ids: Vec<MessageId> = carried.iter().filter(|m| m.deleted_at.is_none()).map(|m| m.id).collect();
    let found = of_messages(conn, &ids).await?;
    for message in &mut carried {
        message.attachments = found.get(&message.id).cloned().unwrap_or_default();
    }
    Ok(())
}

/// The uploads named by sends, locked until commit so no two messages get one; those in use as
/// a profile or group photo are left out (they cannot be attached).
pub(crate) async fn lock_uploads(conn: &mut AsyncPgConnection, ids: &[MediaId]) -> QueryResult<Vec<MediaRow>> {
    let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
    use crate::schema::{conversations, users};
    let avatar = users::table.filter(users::avatar_id.eq(media::id.nullable()));
    let group_photo = conversations::table.filter(conversations::photo_id.eq(media::id.nullable()));
    media::table
        .filter(media::id.eq_any(ids))
        .filter(diesel::dsl::not(diesel::dsl::exists(avatar)))
        .filter(diesel::dsl::not(diesel::dsl::exists(group_photo)))
        .select(MediaRow::as_select())
        .for_update()
        .load(conn)
        .await
}

/// An upload `viewer` may download: attached to a message that is not deleted in a
/// conversation they are a member of (or in any conversation, for an operator, who reads every
/// history), someone's profile photo (every signed-in user sees those), the photo of a group
/// they are in, or their own upload. `None` for anything else, so a non-member learns nothing.
pub async fn viewable(conn: &mut AsyncPgConnection, id: MediaId, viewer: UserId) -> QueryResult<Option<MediaRow>> {
    use crate::schema::{conversation_members, conversations, messages, users};
    let (id, viewer) = (id.0, viewer.0);
    let member = conversation_members::table
        .filter(conversation_members::conversation_id.nullable().eq(messages::conversation_id.nullable()))
        .filter(conversation_members::user_id.eq(viewer));
    let avatar = users::table.filter(users::avatar_id.eq(media::id.nullable()));
    let group_photo = conversations::table
        .inner_join(conversation_members::table)
        .filter(conversations::photo_id.eq(media::id.nullable()))
        .filter(conversation_members::user_id.eq(viewer));
    let operator = users::table
        .filter(users::id.eq(viewer))
        .filter(users::role.eq(StoredUserRole(Role::Admin)))
        .filter(users::disabled_at.is_null())
        .filter(users::deleted_at.is_null());
    media::table
        .left_join(messages::table)
        .filter(media::id.eq(id))
        .filter(
            (media::message_id.is_null().and(media::uploader_id.eq(viewer)))
                .or(messages::id
                    .is_not_null()
                    .and(messages::deleted_at.is_null())
                    .and(diesel::dsl::exists(member).or(diesel::dsl::exists(operator))))
                .or(diesel::dsl::exists(avatar))
                .or(diesel::dsl::exists(group_photo)),
        )
        .select(MediaRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// `user`'s own picture upload `id` that is not attached to a message: one that may become a
/// profile or group photo.
pub async fn own_picture(conn: &mut AsyncPgConnection, id: MediaId, user: UserId) -> QueryResult<Option<MediaRow>> {
    media::table
        .filter(media::id.eq(id.0))
        .filter(media::uploader_id.eq(user.0))
        .filter(media::kind.eq(protocol::media::MediaKind::Image.name()))
        .filter(media::message_id.is_null())
        .select(MediaRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Removes uploads never attached within `after` of their upload, nor used as a profile or
/// group photo (a replaced one goes this way too); answers how many.
pub async fn expire_unattached(conn: &mut AsyncPgConnection, after: std::time::Duration) -> QueryResult<usize> {
    let interval =
        diesel::data_types::PgInterval::from_microseconds(i64::try_from(after.as_micros()).unwrap_or(i64::MAX));
    prepared(
        "DELETE FROM media AS m WHERE m.message_id IS NULL AND m.created_at < now() - $1 \
         AND NOT EXISTS (SELECT 1 FROM users AS u WHERE u.avatar_id = m.id) \
         AND NOT EXISTS (SELECT 1 FROM conversations AS c WHERE c.photo_id = m.id)",
    )
    .bind::<Interval, _>(interval)
    .execute(conn)
    .await
}

#[derive(QueryableByName)]
struct Hash {
    #[diesel(sql_type = Text)]
    sha256: String,
}

/// Inside the janitor's transaction: locks up to `limit` blobs no upload refers to (skipping
/// blobs an upload has locked), then answers those still unreferenced when looked at again
/// under the locks (a statement of its own, so it sees uploads committed meanwhile). The
/// caller removes their bytes, then [`forget_blobs`], then commits.
pub async fn lock_orphans(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<String>> {
    let locked: Vec<Hash> = prepared(
        "SELECT b.sha256 FROM media_blobs AS b \
         WHERE NOT EXISTS (SELECT 1 FROM media AS m WHERE m.sha256 = b.sha256) \
           AND NOT EXISTS (SELECT 1 FROM media AS m WHERE m.thumbnail_sha256 = b.sha256) \
         ORDER BY b.sha256 LIMIT $1 FOR UPDATE SKIP LOCKED",
    )
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    if locked.is_empty() {
        return Ok(Vec::new());
    }
    let hashes: Vec<String> = locked.into_iter().map(|h| h.sha256).collect();
    let still: Vec<Hash> = prepared(
        "SELECT h AS sha256 FROM unnest($1::text[]) AS h \
         WHERE NOT EXISTS (SELECT 1 FROM media AS m WHERE m.sha256 = h OR m.thumbnail_sha256 = h)",
    )
    .bind::<Array<Text>, _>(hashes)
    .load(conn)
    .await?;
    Ok(still.into_iter().map(|h| h.sha256).collect())
}

/// Removes the rows of blobs whose bytes are gone (locked by [`lock_orphans`]).
pub async fn forget_blobs(conn: &mut AsyncPgConnection, hashes: &[String]) -> QueryResult<usize> {
    prepared("DELETE FROM media_blobs WHERE sha256 = ANY($1)")
        .bind::<Array<Text>, _>(hashes.to_vec())
        .execute(conn)
        .await
}

/// Whether a blob row exists (tests and the admin check).
pub async fn blob_exists(conn: &mut AsyncPgConnection, sha256: &str) -> QueryResult<bool> {
    use crate::schema::media_blobs;
    diesel::select(diesel::dsl::exists(media_blobs::table.find(sha256))).get_result(conn).await
}

/// Copies the attachments of `source` as uploads of `forwarder`, unattached, once per key (one
/// key per forwarded copy), for the copies to attach. Each copy's id derives from its key and the
/// original's, so forwarding again with the same keys makes no second copy. Answers, per key,
/// the copies' ids in the original order.
pub async fn copy_for_forward(
    conn: &mut AsyncPgConnection,
    source: MessageId,
    forwarder: UserId,
    keys: &[Uuid],
) -> QueryResult<Vec<Vec<MediaId>>> {
    let originals: Vec<Uuid> =
        media::table.filter(media::message_id.eq(source.0)).order(media::position).select(media::id).load(conn).await?;
    let copies: Vec<Vec<Uuid>> =
        keys.iter().map(|key| originals.iter().map(|id| Uuid::new_v5(key, id.as_bytes())).collect()).collect();
    if !originals.is_empty() {
        let pairs = copies.iter().flat_map(|per_key| originals.iter().copied().zip(per_key.iter().copied()));
        let (from, to): (Vec<Uuid>, Vec<Uuid>) = pairs.unzip();
        prepared(
            "INSERT INTO media (id, uploader_id, kind, content_type, name, size, sha256, width, height, duration_ms, \
                                waveform, thumbhash, thumbnail_sha256, message_id, position, created_at) \
             SELECT v.copy, $3, m.kind, m.content_type, m.name, m.size, m.sha256, m.width, m.height, m.duration_ms, \
                    m.waveform, m.thumbhash, m.thumbnail_sha256, NULL, NULL, now() \
             FROM unnest($1::uuid[], $2::uuid[]) AS v(original, copy) JOIN media AS m ON m.id = v.original \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind::<Array<SqlUuid>, _>(from)
        .bind::<Array<SqlUuid>, _>(to)
        .bind::<SqlUuid, _>(forwarder.0)
        .execute(conn)
        .await?;
    }
    Ok(copies.into_iter().map(|ids| ids.into_iter().map(MediaId).collect()).collect())
}
