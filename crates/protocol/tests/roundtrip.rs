//! Property tests: every REST body survives JSON encoding and decoding unchanged, whatever its
//! text (any Unicode), ids and times, so server, client and browser always agree.

#![allow(clippy::unwrap_used, reason = "a failed unwrap fails the test")]

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use protocol::UserId;
use protocol::auth::{AuthResponse, RegisterRequest, SessionInfo, TokenDelivery};
use protocol::social::{Friend, FriendRequest, FriendRequests, SendFriendRequestOutcome};
use protocol::users::{AccountKind, Me, Page, PublicUser, Role};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

fn uuid() -> impl Strategy<Value = Uuid> {
    any::<u128>().prop_map(Uuid::from_u128)
}

fn time() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_102_444_800, 0u32..1_000_000_000).prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap())
}

fn public_user() -> impl Strategy<Value = PublicUser> {
    (uuid(), ".{0,40}", ".{0,80}", ".{0,200}", "#[0-9a-f]{6}", time(), any::<bool>()).prop_map(
        |(id, username, display_name, bio, avatar_color, created_at, bot)| PublicUser {
            id: UserId(id),
            username,
            display_name,
            bio,
            avatar_color,
            created_at,
            avatar: None,
            kind: if bot { AccountKind::Bot } else { AccountKind::Person },
        },
    )
}

fn me() -> impl Strategy<Value = Me> {
    (public_user(), any::<bool>()).prop_map(|(u, admin)| Me {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        bio: u.bio,
        avatar_color: u.avatar_color,
        role: if admin { Role::Admin } else { Role::User },
        created_at: u.created_at,
        avatar: None,
        kind: u.kind,
    })
}

fn friend_request() -> impl Strategy<Value = FriendRequest> {
    (uuid(), public_user(), public_user(), time()).prop_map(|(id, from, to, created_at)| FriendRequest {
        id,
        from,
        to,
        created_at,
    })
}

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) -> Result<(), TestCaseError> {
    let json = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&json).unwrap();
    prop_assert_eq!(&back, value);
    Ok(())
}

proptest! {
    #[test]
    fn auth_bodies_round_trip(
        me in me(), token in ".{0,300}", refresh in proptest::option::of("[A-Za-z0-9_-]{43}"),
        session in uuid(), expires in any::<u64>(), password in ".{0,64}", cookie in any::<bool>(),
    ) {
        round_trip(&AuthResponse { user: me.clone(), access_token: token, expires_in: expires, refresh_token: refresh, session_id: session })?;
        round_trip(&RegisterRequest {
            username: me.username, display_name: me.display_name, password,
            token_delivery: if cookie { TokenDelivery::Cookie } else { TokenDelivery::Json },
        })?;
    }

    #[test]
    fn session_lists_round_trip(id in uuid(), agent in ".{0,100}", a in time(), b in time(), current in any::<bool>()) {
        round_trip(&vec![SessionInfo { id, user_agent: agent, created_at: a, last_used_at: b, current }])?;
    }

    #[test]
    fn social_bodies_round_trip(
        incoming in proptest::collection::vec(friend_request(), 0..4),
        outgoing in proptest::collection::vec(friend_request(), 0..4),
        user in public_user(), since in time(), cursor in proptest::option::of(".{0,30}"),
    ) {
        round_trip(&FriendRequests { incoming: incoming.clone(), outgoing })?;
        round_trip(&Page { items: vec![Friend { user: user.clone(), since }], next_cursor: cursor })?;
        round_trip(&SendFriendRequestOutcome::Accepted { friend: Friend { user, since } })?;
        if let Some(request) = incoming.into_iter().next() {
            round_trip(&SendFriendRequestOutcome::Pending { request })?;
        }
    }
}

#[test]
fn send_outcome_is_tagged_for_clients_to_branch_on() {
    let json = serde_json::to_value(SendFriendRequestOutcome::Accepted {
        friend: Friend {
            user: PublicUser {
                id: UserId(Uuid::nil()),
                username: "a".into(),
                display_name: "A".into(),
                bio: String::new(),
                avatar_color: "#000000".into(),
                created_at: DateTime::from_timestamp(0, 0).unwrap(),
                avatar: None,
                kind: AccountKind::Person,
            },
            since: DateTime::from_timestamp(0, 0).unwrap(),
        },
    })
    .unwrap();
    assert_eq!(json["outcome"], "accepted");
}

#[test]
fn token_delivery_defaults_to_json_for_api_clients() {
    let body: RegisterRequest = serde_json::from_str(r#"{"username":"u","display_name":"U","password":"p"}"#).unwrap();
    assert_eq!(body.token_delivery, TokenDelivery::Json);
}
