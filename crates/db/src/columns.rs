//! Typed text columns: a conversation's kind, a member's role, an account's kind and a user's
//! role are stored as text that the columns' CHECK constraints limit to known names, and read
//! and written as the `protocol` enums through these wrappers, so no row type or query carries
//! them as strings. Ids are `uuid` columns that rows hold as `protocol`'s typed ids through
//! [`StoredId`] (`protocol` is compiled to wasm and knows nothing of diesel).

use std::io::Write;

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Text, Uuid as SqlUuid};
use protocol::bots::ApiTokenId;
use protocol::conversations::{ConversationKind, MemberRole};
use protocol::media::MediaId;
use protocol::users::{AccountKind, Role};
use protocol::{ConversationId, MessageId, UserId};
use uuid::Uuid;

/// `conversations.kind`: `dm` or `group`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromSqlRow, AsExpression)]
#[diesel(sql_type = Text)]
pub struct StoredKind(pub ConversationKind);

/// `conversation_members.role`: `owner`, `admin` or `member`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromSqlRow, AsExpression)]
#[diesel(sql_type = Text)]
pub struct StoredRole(pub MemberRole);

/// `users.kind`: `person` or `bot`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromSqlRow, AsExpression)]
#[diesel(sql_type = Text)]
pub struct StoredAccountKind(pub AccountKind);

/// `users.role`: `user` or `admin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromSqlRow, AsExpression)]
#[diesel(sql_type = Text)]
pub struct StoredUserRole(pub Role);

impl StoredUserRole {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self.0 {
            Role::User => "user",
            Role::Admin => "admin",
        }
    }
}

impl FromSql<Text, Pg> for StoredUserRole {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        match bytes.as_bytes() {
            b"user" => Ok(Self(Role::User)),
            b"admin" => Ok(Self(Role::Admin)),
            other => Err(format!("unknown user role {:?}", String::from_utf8_lossy(other)).into()),
        }
    }
}

impl ToSql<Text, Pg> for StoredUserRole {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(self.name().as_bytes())?;
        Ok(IsNull::No)
    }
}

impl From<StoredUserRole> for Role {
    fn from(role: StoredUserRole) -> Self {
        role.0
    }
}

impl StoredAccountKind {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self.0 {
            AccountKind::Person => "person",
            AccountKind::Bot => "bot",
        }
    }
}

impl FromSql<Text, Pg> for StoredAccountKind {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        match bytes.as_bytes() {
            b"person" => Ok(Self(AccountKind::Person)),
            b"bot" => Ok(Self(AccountKind::Bot)),
            other => Err(format!("unknown account kind {:?}", String::from_utf8_lossy(other)).into()),
        }
    }
}

impl ToSql<Text, Pg> for StoredAccountKind {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(self.name().as_bytes())?;
        Ok(IsNull::No)
    }
}

impl StoredKind {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self.0 {
            ConversationKind::Dm => "dm",
            ConversationKind::Group => "group",
        }
    }
}

impl StoredRole {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self.0 {
            MemberRole::Owner => "owner",
            MemberRole::Admin => "admin",
            MemberRole::Member => "member",
        }
    }
}

impl FromSql<Text, Pg> for StoredKind {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        match bytes.as_bytes() {
            b"dm" => Ok(Self(ConversationKind::Dm)),
            b"group" => Ok(Self(ConversationKind::Group)),
            other => Err(format!("unknown conversation kind {:?}", String::from_utf8_lossy(other)).into()),
        }
    }
}

impl FromSql<Text, Pg> for StoredRole {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        match bytes.as_bytes() {
            b"owner" => Ok(Self(MemberRole::Owner)),
            b"admin" => Ok(Self(MemberRole::Admin)),
            b"member" => Ok(Self(MemberRole::Member)),
            other => Err(format!("unknown member role {:?}", String::from_utf8_lossy(other)).into()),
        }
    }
}

impl ToSql<Text, Pg> for StoredKind {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(self.name().as_bytes())?;
        Ok(IsNull::No)
    }
}

impl ToSql<Text, Pg> for StoredRole {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(self.name().as_bytes())?;
        Ok(IsNull::No)
    }
}

impl From<StoredKind> for ConversationKind {
    fn from(kind: StoredKind) -> Self {
        kind.0
    }
}

impl From<StoredRole> for MemberRole {
    fn from(role: StoredRole) -> Self {
        role.0
    }
}

/// A `uuid` column read or written as one of `protocol`'s typed ids: a row field
/// `#[diesel(deserialize_as = StoredId, serialize_as = StoredId)] pub id: UserId` is a
/// `UserId` to every caller, and a plain `uuid` to the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromSqlRow, AsExpression)]
#[diesel(sql_type = SqlUuid)]
pub struct StoredId(pub Uuid);

impl FromSql<SqlUuid, Pg> for StoredId {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        <Uuid as FromSql<SqlUuid, Pg>>::from_sql(bytes).map(Self)
    }
}

impl ToSql<SqlUuid, Pg> for StoredId {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        <Uuid as ToSql<SqlUuid, Pg>>::to_sql(&self.0, out)
    }
}

/// Both ways between [`StoredId`] and each typed id.
macro_rules! stored_id {
    ($($id:ty),*) => {$(
        impl From<StoredId> for $id {
            fn from(stored: StoredId) -> Self {
                Self(stored.0)
            }
        }

        impl From<$id> for StoredId {
            fn from(id: $id) -> Self {
                Self(id.0)
            }
        }
    )*};
}

stored_id!(UserId, ConversationId, MessageId, MediaId, ApiTokenId);
