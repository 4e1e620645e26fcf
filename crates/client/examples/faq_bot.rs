//! A customer-service bot: it answers questions from a FAQ file and opens a ticket with a human
//! agent on request, built on the SDK's resilient session and bot framework (`client::bot`).
//!
//! The FAQ file has one entry per line, `topic: answer` (blank lines and `#` comments
//! skipped). In every conversation it is in, the bot declares two slash commands, which
//! members' apps autocomplete:
//!
//! - `/faq TOPIC` answers with that topic's entry for everyone to read; `/faq` alone (or an
//!   unknown topic) lists the topics for the invoker's eyes only.
//! - `/ticket WHAT YOU NEED` opens a group "Ticket: …" with the invoker and the next agent of
//!   `CONFAB_AGENTS` (usernames, comma-separated, taken in turn; each must have added the bot
//!   as a friend, as must the invoker), introduces them, makes the agent the group's admin and
//!   leaves: the hand-over. The invoker is told where, privately.
//!
//! A direct message, or a mention in a group, naming a topic gets that topic's answer.
//!
//! ```sh
//! CONFAB_URL=https://chat.example.com CONFAB_TOKEN=cfb_... CONFAB_AGENTS=ann,bo \
//!     cargo run -p client --example faq_bot -- faq.txt
//! ```
//!
//! `CONFAB_CA_PEM` may name a PEM file of an extra CA to trust (a private server's).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use client::Client;
use client::bot::{Answer, BotRunner, Invocation};
use client::session::{Credentials, Session, SessionConfig};
use protocol::conversations::{MAX_TITLE_CHARS, MemberRole, SendMessage};
use protocol::users::PublicUser;

/// Topics (lower-cased) and their answers, in file order of topics' names.
fn read_faq(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| line.split_once(':'))
        .map(|(topic, answer)| (topic.trim().to_lowercase(), answer.trim().to_owned()))
        .filter(|(topic, answer)| !topic.is_empty() && !answer.is_empty())
        .collect()
}

/// The first topic named in `text`, with its answer.
fn entry_for<'a>(faq: &'a BTreeMap<String, String>, text: &str) -> Option<(&'a String, &'a String)> {
    let text = text.to_lowercase();
    faq.iter().find(|(topic, _)| text.contains(topic.as_str()))
}

/// `/faq`: an entry for everyone, or the list of topics for the invoker.
fn faq_answer(faq: &BTreeMap<String, String>, args: &str) -> Answer {
    let topics = faq.keys().map(String::as_str).collect::<Vec<_>>().join(", ");
    if args.is_empty() {
        return Answer::Ephemeral(format!(
            "Ask me about: {topics}. For example: `/faq {}`",
            faq.keys().next().map_or("", |t| t)
        ));
    }
    match entry_for(faq, args) {
        Some((topic, answer)) => Answer::Message(format!("**{topic}**: {answer}")),
        None => Answer::Ephemeral(format!("I have no answer about \"{args}\". Topics: {topics}.")),
    }
}

/// The agents, taken in turn.
struct Agents {
    usernames: Vec<String>,
    next: AtomicUsize,
}

impl Agents {
    fn from_env() -> Self {
        let list = std::env::var("CONFAB_AGENTS").unwrap_or_default();
        let usernames = list.split(',').map(str::trim).filter(|u| !u.is_empty()).map(str::to_lowercase).collect();
        Self { usernames, next: AtomicUsize::new(0) }
    }

    /// The next agent's account, found by username; `None` if there is none (or none exists).
    async fn next(&self, rest: &Client, except: protocol::UserId) -> Option<PublicUser> {
        for _ in 0..self.usernames.len() {
            let turn = self.next.fetch_add(1, Ordering::Relaxed) % self.usernames.len();
            let username = &self.usernames[turn];
            let found = rest.search_users(username, Some(5), None).await.ok()?;
            if let Some(agent) = found.items.into_iter().find(|u| u.username == *username && u.id != except) {
                return Some(agent);
            }
        }
        None
    }
}

/// `/ticket`: a group with the invoker and an agent, introduced, then handed over.
async fn open_ticket(rest: Client, agents: &Agents, invocation: Invocation) -> Answer {
    let need = invocation.command.args.trim();
    if need.is_empty() {
        return Answer::Ephemeral("Tell me what you need, for example: `/ticket my parcel has not arrived`".into());
    }
    let Some(agent) = agents.next(&rest, invocation.by).await else {
        return Answer::Ephemeral("No agent is available right now; please try again later.".into());
    };
    let Ok(customer) = rest.user(invocation.by).await else { return Answer::Nothing };
    let title: String = format!("Ticket: {need}").chars().take(MAX_TITLE_CHARS).collect();
    let group = match rest.create_group(&title, &[invocation.by, agent.id]).await {
        Ok(group) => group,
        // Bots add people to groups as anyone does: only friends.
        Err(_) => {
            return Answer::Ephemeral(
                "I can only open a ticket with people who added me: add me as a friend, then try again.".into(),
            );
        }
    };
    let mut intro = SendMessage::new(
        uuid::Uuid::new_v4(),
        format!("@{} asked for help: \"{need}\". @{} will take it from here.", customer.username, agent.username),
    );
    intro.mentions = vec![customer.id, agent.id];
    let handed_over = async {
        rest.send_message(group.id, &intro).await?;
        rest.set_role(group.id, agent.id, MemberRole::Admin).await?;
        rest.leave(group.id).await
    };
    if handed_over.await.is_err() {
        return Answer::Ephemeral(format!(
            "I opened \"{title}\" but could not hand it over; {} is there.",
            agent.display_name
        ));
    }
    Answer::Ephemeral(format!("I opened \"{title}\" with {}, who will answer you there.", agent.display_name))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: faq_bot FAQ_FILE (with CONFAB_URL and CONFAB_TOKEN set)")?;
    let faq = Arc::new(read_faq(&std::fs::read_to_string(&path)?));
    if faq.is_empty() {
        return Err(format!("{path}: no `topic: answer` lines").into());
    }
    let url = std::env::var("CONFAB_URL").map_err(|_| "CONFAB_URL is not set")?;
    let token = std::env::var("CONFAB_TOKEN").map_err(|_| "CONFAB_TOKEN is not set (an API token, cfb_...)")?;
    let mut api = Client::new(&url)?;
    if let Ok(ca) = std::env::var("CONFAB_CA_PEM") {
        api = api.with_root_certificate_pem(&std::fs::read(ca)?)?;
    }
    let agents = Arc::new(Agents::from_env());
    let session = Session::start(&api, Credentials::Static(token), SessionConfig::default()).await?;
    eprintln!("faq_bot: connected to {url} with {} topics and {} agents", faq.len(), agents.usernames.len());

    let (for_command, for_mention, for_direct) = (faq.clone(), faq.clone(), faq);
    let ended = BotRunner::new(session)
        .slash_command("faq", "Answers a question: /faq TOPIC (alone: the topics)", move |invocation, _| {
            let answer = faq_answer(&for_command, &invocation.command.args);
            async move { answer }
        })
        .slash_command("ticket", "Opens a ticket with a human agent: /ticket WHAT YOU NEED", move |invocation, rest| {
            let agents = agents.clone();
            async move { open_ticket(rest, &agents, invocation).await }
        })
        .on_mention(move |incoming| entry_for(&for_mention, &incoming.message.body).map(|(_, answer)| answer.clone()))
        .on_message(move |incoming| {
            let (_, answer) = entry_for(&for_direct, &incoming.message.body).filter(|_| incoming.direct)?;
            Some(answer.clone())
        })
        .on_trouble(|trouble| eprintln!("faq_bot: {trouble}"))
        .run()
        .await;
    Err(format!("session ended: {ended}").into())
}
