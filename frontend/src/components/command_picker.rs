//! Slash commands in the composer: text starting with `/` opens, while the caret is still in the
//! command's name, a list of the conversation's commands whose names start with what was typed
//! (arrow keys, Enter or Tab to pick, Esc to close) that completes `/name `; sending `/name args`
//! whose name is one of them invokes the command instead of sending a message.

use leptos::prelude::*;
use protocol::bots::SlashCommand;

use crate::components::bot_badge::BotBadge;
use crate::locale::{t_string, use_i18n};

/// Most commands the list offers at once (typing more of the name narrows it).
const SHOWN: usize = 8;

/// The characters of a command name, as the server accepts them (upper case is typed too, and
/// matched without case).
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-')
}

/// The command name being typed before `caret` (a byte offset in `text`): what follows the
/// leading `/`, while the caret has not left the name (no space yet).
pub fn command_query(text: &str, caret: usize) -> Option<&str> {
    let typed = text.get(..caret)?.strip_prefix('/')?;
    typed.chars().all(is_name_char).then_some(typed)
}

/// The commands whose names start with `typed` (any case), alphabetically.
pub fn matching<'a>(commands: &'a [SlashCommand], typed: &str) -> Vec<&'a SlashCommand> {
    let typed = typed.to_ascii_lowercase();
    let mut found: Vec<&SlashCommand> = commands.iter().filter(|c| c.name.starts_with(&typed)).collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found.truncate(SHOWN);
    found
}

/// `/name args` read from composer text: the name (lower-cased, as commands are declared) and
/// the trimmed arguments; `None` when the text does not start with a well-formed `/name`.
pub fn parse_invocation(text: &str) -> Option<(String, &str)> {
    let rest = text.strip_prefix('/')?;
    let (name, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    (!name.is_empty() && name.chars().all(is_name_char)).then(|| (name.to_ascii_lowercase(), args.trim()))
}

/// Text with the command name typed at its start replaced by `/name` and one space, ready for
/// the arguments; also the byte offset the caret goes to (after that space).
pub fn complete(text: &str, name: &str) -> (String, usize) {
    let rest = text.strip_prefix('/').unwrap_or(text);
    let after = rest.find(char::is_whitespace).map_or("", |end| &rest[end..]);
    let completed = format!("/{name}");
    let caret = completed.len() + 1;
    // An existing space after the name (arguments written before the name was finished) is
    // kept as the separator rather than doubled.
    let separator = if after.is_empty() || !after.starts_with(' ') { " " } else { "" };
    (format!("{completed}{separator}{after}"), caret)
}

/// The list of commands, shown above the composer while a command's name is typed.
#[component]
pub fn CommandPicker(
    /// The commands offered, alphabetically.
    #[prop(into)]
    offered: Signal<Vec<SlashCommand>>,
    /// Which one the arrow keys point at.
    #[prop(into)]
    selected: Signal<usize>,
    /// Called with the command picked by a click or a tap.
    pick: Callback<SlashCommand>,
) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        let offered = offered.get();
        (!offered.is_empty()).then(|| {
            let items = offered
                .into_iter()
                .enumerate()
                .map(|(i, command)| {
                    let chosen = move || selected.get() == i;
                    let name = format!("/{}", command.name);
                    let description = command.description.clone();
                    let bot = command.bot.display_name.clone();
                    view! {
                        <li role="option" id=format!("command-{i}") aria-selected=move || chosen().to_string()
                            class="command-option" class:chosen=chosen data-testid="command-option"
                            data-command=command.name.clone()
                            // mousedown, not click: the textarea must keep its focus.
                            on:mousedown=move |ev| { ev.prevent_default(); pick.run(command.clone()); }>
                            <span class="command-name">{name}</span>
                            {(!description.is_empty()).then(|| view! { <span class="command-description">{description}</span> })}
                            <span class="command-bot">{bot}<BotBadge/></span>
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="command-picker" id="command-list" role="listbox" aria-label=move || t_string!(i18n, composer.slash_commands)>{items}</ul> }
        })
    }
}

#[cfg(test)]
mod tests {
    use protocol::UserId;
    use protocol::users::{AccountKind, PublicUser};
    use uuid::Uuid;

    use super::*;

    fn command(name: &str) -> SlashCommand {
        SlashCommand {
            name: name.into(),
            description: format!("About {name}"),
            bot: PublicUser {
                id: UserId(Uuid::from_u128(7)),
                username: "helper".into(),
                display_name: "Helper".into(),
                bio: String::new(),
                avatar_color: "#000".into(),
                created_at: Default::default(),
                avatar: None,
                kind: AccountKind::Bot,
            },
        }
    }

    #[test]
    fn a_command_is_typed_only_at_the_start_and_until_the_first_space() {
        assert_eq!(command_query("/", 1), Some(""));
        assert_eq!(command_query("/fa", 3), Some("fa"));
        assert_eq!(command_query("/faq", 2), Some("f"), "the caret inside the name");
        assert_eq!(command_query("/faq shipping", 13), None, "the caret is in the arguments");
        assert_eq!(command_query("/faq ", 5), None);
        assert_eq!(command_query("see /faq", 8), None, "not at the start");
        assert_eq!(command_query(" /faq", 5), None);
        assert_eq!(command_query("/home/me", 8), None, "a path is no command name");
        assert_eq!(command_query("hello", 5), None);
        assert_eq!(command_query("/é", 3), None);
        assert_eq!(command_query("/faq", 99), None, "a caret past the end");
    }

    #[test]
    fn commands_match_by_the_start_of_their_name_alphabetically() {
        let commands = [command("ticket"), command("faq"), command("fact"), command("status")];
        let names = |typed: &str| matching(&commands, typed).iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(""), ["fact", "faq", "status", "ticket"]);
        assert_eq!(names("f"), ["fact", "faq"]);
        assert_eq!(names("FAQ"), ["faq"], "typed in capitals");
        assert_eq!(names("aq"), Vec::<String>::new(), "the start only");
        assert_eq!(names("faqs"), Vec::<String>::new());
        let many: Vec<_> = (0..20).map(|n| command(&format!("c{n:02}"))).collect();
        assert_eq!(matching(&many, "c").len(), SHOWN);
    }

    #[test]
    fn an_invocation_is_a_name_then_its_arguments() {
        assert_eq!(parse_invocation("/faq shipping"), Some(("faq".into(), "shipping")));
        assert_eq!(parse_invocation("/faq"), Some(("faq".into(), "")));
        assert_eq!(parse_invocation("/FAQ  shipping costs \n"), Some(("faq".into(), "shipping costs")));
        assert_eq!(parse_invocation("/faq\nline two"), Some(("faq".into(), "line two")));
        assert_eq!(parse_invocation("/ faq"), None);
        assert_eq!(parse_invocation("/"), None);
        assert_eq!(parse_invocation("/home/me is full"), None);
        assert_eq!(parse_invocation("faq /faq"), None);
        assert_eq!(parse_invocation(" /faq"), None);
    }

    #[test]
    fn picking_completes_the_name_and_leaves_room_for_arguments() {
        assert_eq!(complete("/", "faq"), ("/faq ".into(), 5));
        assert_eq!(complete("/f", "faq"), ("/faq ".into(), 5));
        assert_eq!(complete("/f shipping", "faq"), ("/faq shipping".into(), 5), "the space is kept, not doubled");
        assert_eq!(complete("/f\nshipping", "faq"), ("/faq \nshipping".into(), 5));
    }
}
