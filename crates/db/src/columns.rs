//! Typed text columns: a conversation's kind, a member's role and an account's kind are stored
//! as text that the
//! columns' CHECK constraints limit to known names, and read and written as the `protocol`
//! enums through these wrappers, so no row type or query carries them as strings.

use std::io::Write;

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::Text;
use protocol::conversations::{ConversationKind, MemberRole};
use protocol::users::AccountKind;

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
