//! Building the population a scenario needs, through the real API and outside the measured
//! window: users (registered, or logged in when a previous run made them), friendships, and
//! groups of friends.

use std::sync::Arc;

use anyhow::Context;
use client::Client;
use protocol::auth::AuthResponse;
use protocol::social::SendFriendRequestOutcome;
use protocol::{ConversationId, ErrorCode, UserId};
use tokio::sync::Semaphore;

/// Every bench user's password.
pub const PASSWORD: &str = "bench-password-0";
/// Registrations or logins in flight (each costs an argon2 hash on the server).
const CONCURRENCY: usize = 8;
/// Token refreshes in flight (no hashing: one small transaction each).
const REFRESH_CONCURRENCY: usize = 32;

/// A signed-in bench user.
#[derive(Clone)]
pub struct Member {
    /// Their id.
    pub id: UserId,
    /// Their username.
    pub username: String,
    /// Their access token.
    pub token: String,
    /// Their refresh token (single use; replaced by [`refresh`]).
    pub refresh_token: String,
    /// A client calling as them.
    pub client: Client,
}

impl Member {
    fn signed_in(api: &Client, username: String, auth: AuthResponse) -> anyhow::Result<Self> {
        let refresh_token = auth.refresh_token.context("the server sent no refresh token in JSON")?;
        Ok(Self {
            id: auth.user.id,
            username,
            client: api.authenticated(&auth.access_token),
            token: auth.access_token,
            refresh_token,
        })
    }
}

/// Refreshes every member's tokens (a long preparation outlasts the access tokens, 15 min).
pub async fn refresh(api: &Client, members: &mut [Member]) -> anyhow::Result<()> {
    let sessions: Vec<(String, String)> =
        members.iter().map(|m| (m.username.clone(), m.refresh_token.clone())).collect();
    let refreshed = in_order(sessions, REFRESH_CONCURRENCY, |(username, refresh_token)| {
        let api = api.clone();
        async move {
            let auth = api.refresh(&refresh_token).await.with_context(|| format!("cannot refresh {username}"))?;
            Member::signed_in(&api, username, auth)
        }
    })
    .await?;
    for (member, fresh) in members.iter_mut().zip(refreshed) {
        *member = fresh;
    }
    Ok(())
}

/// Registers (or, if the name exists, logs in) `count` users named `{prefix}{n}`.
pub async fn users(api: &Client, prefix: &str, count: usize) -> anyhow::Result<Vec<Member>> {
    in_order(0..count, CONCURRENCY, |n| {
        let api = api.clone();
        let name = format!("{prefix}{n}");
        async move {
            let auth: AuthResponse = match api.register(&name, &name, PASSWORD).await {
                Ok(auth) => auth,
                Err(e) if e.code() == Some(ErrorCode::UsernameTaken) => api.login(&name, PASSWORD).await?,
                Err(e) => return Err(anyhow::Error::from(e).context(format!("cannot register {name}"))),
            };
            Member::signed_in(&api, name, auth)
        }
    })
    .await
}

/// Runs `work` on every item as its own task, at most `limit` at a time, and returns the
/// results in the items' order (the first failure ends it).
pub async fn in_order<T, R, Job>(
    items: impl IntoIterator<Item = T>,
    limit: usize,
    work: impl Fn(T) -> Job,
) -> anyhow::Result<Vec<R>>
where
    R: Send + 'static,
    Job: Future<Output = anyhow::Result<R>> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(limit.max(1)));
    let tasks: Vec<_> = items
        .into_iter()
        .map(|item| {
            let (permits, job) = (permits.clone(), work(item));
            tokio::spawn(async move {
                let _permit = permits.acquire_owned().await?;
                job.await
            })
        })
        .collect();
    let mut results = Vec::with_capacity(tasks.len());
    for task in tasks {
        results.push(task.await??);
    }
    Ok(results)
}

/// Makes `a` and `b` friends (idempotent).
pub async fn befriend(a: &Member, b: &Member) -> anyhow::Result<()> {
    match a.client.send_friend_request(b.id).await {
        Ok(SendFriendRequestOutcome::Pending { request }) => {
            b.client.accept_friend_request(request.id).await?;
        }
        Ok(SendFriendRequestOutcome::Accepted { .. }) => {}
        Err(e) if e.code() == Some(ErrorCode::Conflict) => {}
        Err(e) => return Err(e).context("cannot befriend"),
    }
    Ok(())
}

/// Creates `rooms` groups of `size` consecutive members each: the first of each befriends the
/// others and creates the group. Returns each group with the indexes of its members.
pub async fn groups(
    members: &[Member],
    rooms: usize,
    size: usize,
) -> anyhow::Result<Vec<(ConversationId, Vec<usize>)>> {
    anyhow::ensure!(members.len() >= rooms * size, "not enough users");
    let mut tasks = Vec::with_capacity(rooms);
    for room in 0..rooms {
        let slice: Vec<Member> = members[room * size..(room + 1) * size].to_vec();
        tasks.push(tokio::spawn(async move {
            let owner = &slice[0];
            for other in &slice[1..] {
                befriend(owner, other).await?;
            }
            let ids: Vec<UserId> = slice[1..].iter().map(|m| m.id).collect();
            let first = ids.len().min(protocol::conversations::MAX_MEMBERS_PER_REQUEST);
            let group = owner.client.create_group(&format!("bench room {room}"), &ids[..first]).await?;
            for chunk in ids[first..].chunks(protocol::conversations::MAX_MEMBERS_PER_REQUEST) {
                owner.client.add_members(group.id, chunk).await?;
            }
            Ok::<_, anyhow::Error>(group.id)
        }));
    }
    let mut out = Vec::with_capacity(rooms);
    for (room, task) in tasks.into_iter().enumerate() {
        out.push((task.await??, (room * size..(room + 1) * size).collect()));
    }
    Ok(out)
}

/// A prefix no earlier run used, so runs against one server do not collide.
pub fn fresh_prefix(label: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("b{label}{}_", nanos % 1_000_000_000)
}
