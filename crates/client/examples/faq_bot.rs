//! A customer-service bot that answers questions from a FAQ file, built on the SDK's
//! resilient session and bot framework (`client::bot`).
//!
//! The FAQ file has one entry per line, `topic: answer` (blank lines and `#` comments
//! skipped). The bot answers `/faq` with the topics, `/faq TOPIC` with its answer, and any
//! message that mentions it (or any direct message) naming a topic with that topic's answer.
//!
//! ```sh
//! CONFAB_URL=https://chat.example.com CONFAB_TOKEN=cfb_... \
//!     cargo run -p client --example faq_bot -- faq.txt
//! ```
//!
//! `CONFAB_CA_PEM` may name a PEM file of an extra CA to trust (a private server's).

use std::collections::BTreeMap;

use client::bot::{BotRunner, Incoming};
use client::session::{Credentials, Session, SessionConfig};

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

/// The answer of the first topic named in `text`, if any.
fn answer_for(faq: &BTreeMap<String, String>, text: &str) -> Option<String> {
    let text = text.to_lowercase();
    faq.iter().find(|(topic, _)| text.contains(topic.as_str())).map(|(_, answer)| answer.clone())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: faq_bot FAQ_FILE (with CONFAB_URL and CONFAB_TOKEN set)")?;
    let faq = read_faq(&std::fs::read_to_string(&path)?);
    if faq.is_empty() {
        return Err(format!("{path}: no `topic: answer` lines").into());
    }
    let url = std::env::var("CONFAB_URL").map_err(|_| "CONFAB_URL is not set")?;
    let token = std::env::var("CONFAB_TOKEN").map_err(|_| "CONFAB_TOKEN is not set (an API token, cfb_...)")?;
    let mut api = client::Client::new(&url)?;
    if let Ok(ca) = std::env::var("CONFAB_CA_PEM") {
        api = api.with_root_certificate_pem(&std::fs::read(ca)?)?;
    }
    let session = Session::start(&api, Credentials::Static(token), SessionConfig::default()).await?;
    eprintln!("faq_bot: connected to {url} with {} topics", faq.len());

    let topics = faq.keys().cloned().collect::<Vec<_>>().join(", ");
    let for_command = faq.clone();
    let for_mention = faq.clone();
    let ended = BotRunner::new(session)
        .command("faq", move |_: &Incoming, command| {
            if command.args.is_empty() {
                return Some(format!("Ask me about: {topics}. For example: /faq {}", for_command.keys().next()?));
            }
            Some(
                answer_for(&for_command, &command.args)
                    .unwrap_or_else(|| format!("I have no answer about \"{}\". Topics: {topics}.", command.args)),
            )
        })
        .on_mention(move |incoming| answer_for(&for_mention, &incoming.message.body))
        .on_message(move |incoming| answer_for(&faq, &incoming.message.body))
        .run()
        .await;
    Err(format!("session ended: {ended}").into())
}
