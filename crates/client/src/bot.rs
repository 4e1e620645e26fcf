//! A small bot framework on top of [`Session`]: slash commands the bot declares in every
//! conversation it is in (so members' apps autocomplete them), mentions and plain messages.
//! [`BotRunner::run`] handles each invocation and each new message from someone else once (the
//! session's resume procedure makes "once" hold across disconnects).
//!
//! A command handler is asynchronous and gets a REST client acting as the bot, so it may call
//! out (open a group, look someone up) before answering with a message or, for a declared
//! command, ephemerally (seen by the invoker only). Mention and message handlers are plain
//! functions returning the answer text, sent as a reply. Handlers run one at a time, in the
//! order things arrived.

use std::collections::{HashMap, HashSet};
use std::future::Future;

use futures_util::future::BoxFuture;
use protocol::bots::{SetCommands, SlashCommandSpec};
use protocol::conversations::{ConversationKind, ConversationSummary, EventKind, Message, SendMessage};
use protocol::ws::ServerFrame;
use protocol::{ConversationId, UserId};
use uuid::Uuid;

use crate::session::{Session, SessionError, SessionEvent};
use crate::{Client, ClientError};

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

/// A message handed to a mention or message handler.
#[derive(Clone, Debug)]
pub struct Incoming {
    /// The message as stored.
    pub message: Message,
    /// Whether its sender mentioned the bot.
    pub mentions_me: bool,
    /// Whether it is in a direct conversation with the bot (where no mention is needed).
    pub direct: bool,
}

/// A command someone invoked: through the slash-command API (a `command_invoked` event), or
/// by sending a message that starts with `/name` (from a client that sends it as text).
#[derive(Clone, Debug)]
pub struct Invocation {
    /// Where.
    pub conversation: ConversationId,
    /// The command, lower-cased, and what followed it.
    pub command: Command,
    /// Who invoked it.
    pub by: UserId,
    /// The bot itself.
    pub me: UserId,
    /// The seq of the `command_invoked` event, or of the message that typed the command.
    pub seq: i64,
    /// The message, when the command was typed as text rather than invoked.
    pub message: Option<Message>,
}

/// What a command handler answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A normal message in the conversation (a reply, when the command was a message).
    Message(String),
    /// Seen only by the invoker, never stored; a command typed as text gets a normal reply
    /// instead, since only an invocation can be answered ephemerally.
    Ephemeral(String),
    /// No answer.
    Nothing,
}

/// Something that went wrong without ending the run (the bot goes on).
#[derive(Debug, thiserror::Error)]
pub enum BotTrouble {
    /// The commands could not be declared in a conversation (another bot there took a name,
    /// or the account is a person's, who cannot declare commands).
    #[error("declaring the commands in {conversation}: {error}")]
    Declare {
        /// Where.
        conversation: ConversationId,
        /// Why.
        error: ClientError,
    },
    /// An answer was refused (too long, the ephemeral window passed, the bot was removed).
    #[error("answering in {conversation}: {error}")]
    Answer {
        /// Where.
        conversation: ConversationId,
        /// Why.
        error: String,
    },
}

type Handler = Box<dyn FnMut(&Incoming) -> Option<String> + Send>;
type CommandHandler = Box<dyn FnMut(Invocation, Client) -> BoxFuture<'static, Answer> + Send>;
type TroubleHandler = Box<dyn FnMut(&BotTrouble) + Send>;

/// Dispatches a session's invocations and new messages to handlers and sends their answers.
pub struct BotRunner {
    session: Session,
    me: Option<UserId>,
    specs: Vec<SlashCommandSpec>,
    commands: HashMap<String, CommandHandler>,
    on_mention: Option<Handler>,
    on_message: Option<Handler>,
    on_trouble: Option<TroubleHandler>,
    /// Conversations the commands were declared in (each once per run).
    declared: HashSet<ConversationId>,
    /// The bot's direct conversations.
    direct: HashSet<ConversationId>,
}

impl std::fmt::Debug for BotRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotRunner").field("commands", &self.commands.keys()).finish_non_exhaustive()
    }
}

impl BotRunner {
    /// A bot acting through `session` (its own messages are never handled).
    pub fn new(session: Session) -> Self {
        Self {
            session,
            me: None,
            specs: Vec::new(),
            commands: HashMap::new(),
            on_mention: None,
            on_message: None,
            on_trouble: None,
            declared: HashSet::new(),
            direct: HashSet::new(),
        }
    }

    /// Answers `/name ...`: declared with `description` in every conversation the bot is in
    /// or joins (members' apps list it as they type `/`), and also taken from messages that
    /// start with `/name` (case-insensitive). Commands come before mentions and messages.
    /// `name` must be 1–32 of `a-z`, `0-9`, `_`, `-` (the server refuses the set otherwise).
    pub fn slash_command<F, Fut>(mut self, name: &str, description: &str, mut handler: F) -> Self
    where
        F: FnMut(Invocation, Client) -> Fut + Send + 'static,
        Fut: Future<Output = Answer> + Send + 'static,
    {
        let name = name.to_ascii_lowercase();
        self.specs.retain(|spec| spec.name != name);
        self.specs.push(SlashCommandSpec { name: name.clone(), description: description.to_owned() });
        self.commands.insert(name, Box::new(move |invocation, rest| Box::pin(handler(invocation, rest))));
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

    /// Hears about what went wrong without ending the run (to log it); unheard by default.
    pub fn on_trouble(mut self, handler: impl FnMut(&BotTrouble) + Send + 'static) -> Self {
        self.on_trouble = Some(Box::new(handler));
        self
    }

    /// Runs until the session ends, returning why.
    pub async fn run(mut self) -> SessionError {
        loop {
            let item = match self.session.next_event().await {
                Ok(item) => item,
                Err(ended) => return ended,
            };
            let outcome = match item {
                SessionEvent::Connected { ready, .. } => {
                    if let ServerFrame::Ready { user, conversations, .. } = *ready {
                        self.me = Some(user.id);
                        for conversation in conversations {
                            self.joined(&conversation).await;
                        }
                    }
                    Ok(())
                }
                SessionEvent::Frame(ServerFrame::ConversationAdded { conversation }) => {
                    self.joined(&conversation).await;
                    Ok(())
                }
                SessionEvent::Frame(ServerFrame::ConversationRemoved { conversation_id }) => {
                    // Declared again should the bot be added back.
                    self.declared.remove(&conversation_id);
                    Ok(())
                }
                SessionEvent::Frame(_) => Ok(()),
                SessionEvent::Event(event) => match event.kind {
                    EventKind::MessageCreated { message } => self.on_new_message(event.seq, message).await,
                    EventKind::CommandInvoked { command, args, by, bot_id } if Some(bot_id) == self.me => {
                        let invocation = Invocation {
                            conversation: event.conversation_id,
                            command: Command { name: command, args },
                            by,
                            me: bot_id,
                            seq: event.seq,
                            message: None,
                        };
                        self.invoke(invocation).await
                    }
                    _ => Ok(()),
                },
            };
            if let Err(ended) = outcome {
                return ended;
            }
        }
    }

    /// Notes a conversation the bot is in and declares the commands there, once per run.
    async fn joined(&mut self, summary: &ConversationSummary) {
        let conversation = summary.id;
        if summary.kind == ConversationKind::Dm {
            self.direct.insert(conversation);
        }
        if self.specs.is_empty() || !self.declared.insert(conversation) {
            return;
        }
        let set = SetCommands { commands: self.specs.clone() };
        if let Err(error) = self.session.rest().set_commands(conversation, &set).await {
            self.trouble(BotTrouble::Declare { conversation, error });
        }
    }

    async fn on_new_message(&mut self, seq: i64, message: Message) -> Result<(), SessionError> {
        let Some(me) = self.me else { return Ok(()) };
        if message.sender_id == me || message.deleted_at.is_some() {
            return Ok(());
        }
        if let Some(command) = parse_command(&message.body)
            && self.commands.contains_key(&command.name)
        {
            let invocation = Invocation {
                conversation: message.conversation_id,
                command,
                by: message.sender_id,
                me,
                seq,
                message: Some(message),
            };
            return self.invoke(invocation).await;
        }
        let direct = self.direct.contains(&message.conversation_id);
        let incoming = Incoming { mentions_me: message.mentions.contains(&me), direct, message };
        let handler = if incoming.mentions_me && self.on_mention.is_some() {
            self.on_mention.as_mut()
        } else {
            self.on_message.as_mut()
        };
        match handler.and_then(|handler| handler(&incoming)) {
            Some(answer) => self.reply(incoming.message.conversation_id, Some(incoming.message.id), answer).await,
            None => Ok(()),
        }
    }

    async fn invoke(&mut self, invocation: Invocation) -> Result<(), SessionError> {
        let Some(handler) = self.commands.get_mut(&invocation.command.name) else { return Ok(()) };
        let (conversation, seq) = (invocation.conversation, invocation.seq);
        let typed = invocation.message.as_ref().map(|message| message.id);
        match handler(invocation, self.session.rest()).await {
            Answer::Nothing => Ok(()),
            Answer::Message(text) => self.reply(conversation, typed, text).await,
            Answer::Ephemeral(text) if typed.is_some() => self.reply(conversation, typed, text).await,
            Answer::Ephemeral(text) => {
                if let Err(error) = self.session.rest().reply_ephemerally(conversation, seq, &text).await {
                    self.trouble(BotTrouble::Answer { conversation, error: error.to_string() });
                }
                Ok(())
            }
        }
    }

    /// Sends `text` (as a reply to `to`, if given); a refused answer is trouble, not the end.
    async fn reply(
        &mut self,
        conversation: ConversationId,
        to: Option<protocol::MessageId>,
        text: String,
    ) -> Result<(), SessionError> {
        let mut message = SendMessage::new(Uuid::new_v4(), text);
        message.reply_to = to;
        match self.session.send(conversation, message).await {
            Ok(_) => Ok(()),
            Err(SessionError::Refused { code, message }) => {
                self.trouble(BotTrouble::Answer { conversation, error: format!("{code:?}: {message}") });
                Ok(())
            }
            Err(ended) => Err(ended),
        }
    }

    fn trouble(&mut self, trouble: BotTrouble) {
        if let Some(handler) = self.on_trouble.as_mut() {
            handler(&trouble);
        }
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
