//! A small bot framework on top of [`Session`]: register handlers for `/commands`, mentions
//! and plain messages, and [`BotRunner::run`] answers each new message from someone else once
//! (the session's resume procedure makes "once" hold across disconnects), as a reply to it.
//!
//! Handlers are plain synchronous functions returning the answer text (or `None` to stay
//! quiet): enough for FAQ or lookup bots; a bot that must call out first can read
//! [`Session::next_event`] itself and use the same [`parse_command`].

use std::collections::HashMap;

use protocol::UserId;
use protocol::conversations::{EventKind, Message, SendMessage};
use uuid::Uuid;

use crate::session::{Session, SessionError, SessionEvent};

/// A `/command` at the start of a message: `/faq opening hours` is `faq` with `opening hours`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// The name, lower-cased, without the slash.
    pub name: String,
    /// The rest of the message, trimmed (may be empty).
    pub args: String,
}

/// Reads a command from a message body: a `/` followed by 1–32 letters, digits, `_` or `-`,
/// then a space or the end. Anything else (`/ hello`, `//`, a path like `/usr/bin`) is text.
pub fn parse_command(body: &str) -> Option<Command> {
    let rest = body.trim_start().strip_prefix('/')?;
    let (name, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let valid =
        (1..=32).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    valid.then(|| Command { name: name.to_ascii_lowercase(), args: args.trim().to_owned() })
}

/// A message handed to a handler.
#[derive(Clone, Debug)]
pub struct Incoming {
    /// The message as stored.
    pub message: Message,
    /// Whether its sender mentioned the bot.
    pub mentions_me: bool,
}

type Handler = Box<dyn FnMut(&Incoming) -> Option<String> + Send>;
type CommandHandler = Box<dyn FnMut(&Incoming, &Command) -> Option<String> + Send>;

/// Dispatches a session's new messages to handlers and sends their answers.
pub struct BotRunner {
    session: Session,
    me: Option<UserId>,
    commands: HashMap<String, CommandHandler>,
    on_mention: Option<Handler>,
    on_message: Option<Handler>,
}

impl std::fmt::Debug for BotRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotRunner").field("commands", &self.commands.keys()).finish_non_exhaustive()
    }
}

impl BotRunner {
    /// A bot acting through `session` (its own messages are never handled).
    pub fn new(session: Session) -> Self {
        Self { session, me: None, commands: HashMap::new(), on_mention: None, on_message: None }
    }

    /// Answers `/name ...` (case-insensitive). Commands come before mentions and messages.
    pub fn command(
        mut self,
        name: &str,
        handler: impl FnMut(&Incoming, &Command) -> Option<String> + Send + 'static,
    ) -> Self {
        self.commands.insert(name.to_ascii_lowercase(), Box::new(handler));
        self
    }

    /// Answers messages that mention the bot (and are not a registered command).
    pub fn on_mention(mut self, handler: impl FnMut(&Incoming) -> Option<String> + Send + 'static) -> Self {
        self.on_mention = Some(Box::new(handler));
        self
    }

    /// Answers every other message (direct messages to a bot usually need no mention).
    pub fn on_message(mut self, handler: impl FnMut(&Incoming) -> Option<String> + Send + 'static) -> Self {
        self.on_message = Some(Box::new(handler));
        self
    }

    /// Runs until the session ends, returning why.
    pub async fn run(mut self) -> SessionError {
        loop {
            let item = match self.session.next_event().await {
                Ok(item) => item,
                Err(ended) => return ended,
            };
            let message = match item {
                SessionEvent::Connected { ready, .. } => {
                    if let protocol::ws::ServerFrame::Ready { user, .. } = *ready {
                        self.me = Some(user.id);
                    }
                    continue;
                }
                SessionEvent::Event(event) => match event.kind {
                    EventKind::MessageCreated { message } => message,
                    _ => continue,
                },
                SessionEvent::Frame(_) => continue,
            };
            if Some(message.sender_id) == self.me || message.deleted_at.is_some() {
                continue;
            }
            let incoming = Incoming { mentions_me: self.me.is_some_and(|me| message.mentions.contains(&me)), message };
            let Some(answer) = self.dispatch(&incoming) else { continue };
            let mut reply = SendMessage::new(Uuid::new_v4(), answer);
            reply.reply_to = Some(incoming.message.id);
            match self.session.send(incoming.message.conversation_id, reply).await {
                Ok(_) | Err(SessionError::Refused { .. }) => {}
                Err(ended) => return ended,
            }
        }
    }

    fn dispatch(&mut self, incoming: &Incoming) -> Option<String> {
        if let Some(command) = parse_command(&incoming.message.body)
            && let Some(handler) = self.commands.get_mut(&command.name)
        {
            return handler(incoming, &command);
        }
        if incoming.mentions_me
            && let Some(handler) = self.on_mention.as_mut()
        {
            return handler(incoming);
        }
        self.on_message.as_mut().and_then(|handler| handler(incoming))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_a_slash_and_a_word_at_the_start() {
        assert_eq!(
            parse_command("/faq opening hours "),
            Some(Command { name: "faq".into(), args: "opening hours".into() })
        );
        assert_eq!(parse_command("  /FAQ"), Some(Command { name: "faq".into(), args: String::new() }));
        assert_eq!(
            parse_command("/ticket\tmy order"),
            Some(Command { name: "ticket".into(), args: "my order".into() })
        );
        assert_eq!(parse_command("/usr/bin is a path"), None);
        assert_eq!(parse_command("/ hello"), None);
        assert_eq!(parse_command("hello /faq"), None);
        assert_eq!(parse_command(&format!("/{}", "a".repeat(33))), None);
    }
}
