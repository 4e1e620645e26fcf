//! Rows as diesel reads and writes them. Conversion to `protocol` types lives here too, so
//! handlers never see a column.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use protocol::UserId;
use protocol::media::{Attachment, MediaId};
use protocol::users::{AccountKind, Me, PublicUser, Role};
use uuid::Uuid;

use crate::columns::{StoredAccountKind, StoredId, StoredUserRole};
use crate::schema::{sessions, users};

/// A row of `users`.
#[derive(Clone, Debug, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    /// Id.
    #[diesel(deserialize_as = Uuid)]
    pub id: UserId,
    /// Handle, as typed at sign-up.
    pub username: String,
    /// Name shown to others.
    pub display_name: String,
    /// Self-description.
    pub bio: String,
    /// `#rrggbb`.
    pub avatar_color: String,
    /// argon2id PHC string (empty for deleted accounts).
    pub password_hash: String,
    /// An ordinary user or an operator.
    #[diesel(deserialize_as = StoredUserRole)]
    pub role: Role,
    /// Set while an operator has disabled the account.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Set once the account is deleted (the row stays for message authorship).
    pub deleted_at: Option<DateTime<Utc>>,
    /// Last activity.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Their profile photo (an upload of theirs).
    pub avatar_id: Option<Uuid>,
    /// A person or a bot.
    pub kind: StoredAccountKind,
}

impl User {
    /// A person or a bot.
    pub fn kind(&self) -> AccountKind {
        self.kind.0
    }

    /// Whether this is a bot account.
    pub fn is_bot(&self) -> bool {
        self.kind() == AccountKind::Bot
    }

    /// An ordinary user or an operator (kept as a method for callers that read it through one).
    pub fn role(&self) -> Role {
        self.role
    }

    /// The owner's view.
    pub fn to_me(&self) -> Me {
        Me {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            bio: self.bio.clone(),
            avatar_color: self.avatar_color.clone(),
            role: self.role(),
            created_at: self.created_at,
            avatar: self.avatar(),
            kind: self.kind(),
        }
    }

    /// Everyone else's view.
    pub fn to_public(&self) -> PublicUser {
        PublicUser {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            bio: self.bio.clone(),
            avatar_color: self.avatar_color.clone(),
            created_at: self.created_at,
            avatar: self.avatar(),
            kind: self.kind(),
        }
    }

    /// Where their profile photo's thumbnail is fetched (with a media access token).
    fn avatar(&self) -> Option<String> {
        self.avatar_id.map(|id| Attachment::thumbnail_url_of(MediaId(id)))
    }
}

/// A new account.
#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    /// Id (UUIDv7: time-ordered, index-friendly).
    #[diesel(serialize_as = StoredId)]
    pub id: UserId,
    /// Handle.
    pub username: &'a str,
    /// Display name.
    pub display_name: &'a str,
    /// Avatar colour.
    pub avatar_color: &'a str,
    /// argon2id hash (empty for a bot: no password verifies it).
    pub password_hash: &'a str,
    /// A person or a bot.
    pub kind: StoredAccountKind,
}

/// A row of `sessions`.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
pub struct Session {
    /// Id (the `sid` claim of access tokens).
    pub id: Uuid,
    /// Owner.
    #[diesel(deserialize_as = Uuid)]
    pub user_id: UserId,
    /// Device description.
    pub user_agent: String,
    /// Address it signed in from.
    pub ip: String,
    /// Sign-in time.
    pub created_at: DateTime<Utc>,
    /// Last refresh.
    pub last_used_at: DateTime<Utc>,
    /// End of the refresh window.
    pub expires_at: DateTime<Utc>,
    /// Set when signed out or revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}
