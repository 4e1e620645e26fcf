//! API tokens in the settings: creating one for oneself or one of one's bots (a name, scopes as
//! checkboxes, an optional last day), its secret shown this once with a copy button, the list
//! of live tokens (account, scopes, last use, expiry), and revoking one after a confirmation.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::UserId;
use protocol::bots::{ApiToken, Bot, CreateApiToken, CreatedApiToken, TokenScope};

use crate::api::{self, ApiError};
use crate::clipboard;
use crate::components::bot_badge::BotBadge;
use crate::components::bots_settings::{Outcome, field_error, outcome_view};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::field::Field;
use crate::state::session::Session;
use crate::time;

/// What each scope allows, in the words the checkboxes use.
fn scope_hint(scope: TokenScope) -> &'static str {
    match scope {
        TokenScope::Read => "Read profiles, conversations and history; receive live events.",
        TokenScope::Send => "Send, edit and delete messages, react, mark as read, upload.",
        TokenScope::Manage => "Friends, blocks, groups and members, the profile, webhooks.",
    }
}

/// A scope's label.
fn scope_label(scope: TokenScope) -> &'static str {
    match scope {
        TokenScope::Read => "Read",
        TokenScope::Send => "Send",
        TokenScope::Manage => "Manage",
    }
}

/// The calendar day of a `<input type="date">` value (`YYYY-MM-DD`): `Ok(None)` when empty.
fn parse_day(text: &str) -> Result<Option<(u32, u32, u32)>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return Err("Pick a date, or leave it empty".to_owned());
    };
    match (year.parse::<u32>(), month.parse::<u32>(), day.parse::<u32>()) {
        (Ok(y), Ok(m @ 1..=12), Ok(d @ 1..=31)) => Ok(Some((y, m, d))),
        _ => Err("Pick a date, or leave it empty".to_owned()),
    }
}

/// The last second of `day` in the browser's timezone, as the server's time: a token set to
/// end on a day still works through all of that day where its owner lives.
fn end_of_day((year, month, day): (u32, u32, u32)) -> Option<chrono::DateTime<chrono::Utc>> {
    let month = i32::try_from(month).ok()? - 1;
    let day = i32::try_from(day).ok()?;
    let at = js_sys::Date::new_with_year_month_day_hr_min_sec(year, month, day, 23, 59, 59).get_time();
    chrono::DateTime::from_timestamp_millis(at as i64)
}

/// Today as `YYYY-MM-DD` in the browser's timezone, the earliest last day the picker offers.
fn today() -> String {
    let now = js_sys::Date::new_0();
    format!("{:04}-{:02}-{:02}", now.get_full_year(), now.get_month() + 1, now.get_date())
}

/// The token section inside "Bots and API tokens".
#[component]
pub fn ApiTokensSettings(
    bots: LocalResource<Result<Vec<Bot>, ApiError>>,
    tokens: LocalResource<Result<Vec<ApiToken>, ApiError>>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    // The secret just made, shown until the person says they have it.
    let created = RwSignal::new(None::<CreatedApiToken>);
    let bot_list = move || bots.get().and_then(|r| r.ok()).unwrap_or_default();
    let me = move || session.user.get().map(|m| (m.id, m.username));

    view! {
        <h3 id="tokens-title">"API tokens"</h3>
        <p class="lede small">
            "Send a token as " <code class="nowrap">"Authorization: Bearer cfb_…"</code>
            " on REST calls or in the WebSocket's authenticate frame. A token cannot change passwords, "
            "two-factor authentication, sessions, tokens or bots."
        </p>
        {move || created.get().map(|token| view! { <NewSecret token created/> })}
        <NewToken bots=Signal::derive(bot_list) tokens created/>
        <h4>"Live tokens"</h4>
        <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || tokens.get().map(|result| match result {
                Err(e) => view! { <p class="form-error" role="alert">{e.message}</p> }.into_any(),
                Ok(list) if list.is_empty() => view! { <p class="empty">"No live tokens."</p> }.into_any(),
                Ok(list) => {
                    let bots = bot_list();
                    let me = me();
                    view! {
                        <ul class="list token-list" data-testid="tokens">
                            {list.into_iter().map(|token| {
                                let account = account_of(token.account_id, me.as_ref(), &bots);
                                view! { <TokenItem token account tokens/> }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// Whose a token is, as shown: the person themself, or a bot (badged).
#[derive(Clone, Debug, PartialEq)]
enum Account {
    Me(String),
    Bot(String),
    Unknown,
}

fn account_of(id: UserId, me: Option<&(UserId, String)>, bots: &[Bot]) -> Account {
    if let Some((my_id, username)) = me
        && *my_id == id
    {
        return Account::Me(username.clone());
    }
    bots.iter().find(|b| b.user.id == id).map_or(Account::Unknown, |b| Account::Bot(b.user.display_name.clone()))
}

/// The secret of a token just created: shown this once, with a copy button.
#[component]
fn NewSecret(token: CreatedApiToken, created: RwSignal<Option<CreatedApiToken>>) -> impl IntoView {
    let copied = RwSignal::new(None::<Result<(), String>>);
    let secret = token.token.clone();
    let copy = move |_| {
        let secret = secret.clone();
        spawn_local(async move {
            let result = clipboard::copy(&secret).await;
            let worked = result.is_ok();
            copied.set(Some(result));
            if worked {
                gloo_timers::future::TimeoutFuture::new(2_000).await;
                copied.set(None);
            }
        });
    };
    view! {
        <div class="notice warning new-secret" role="status" data-testid="new-token">
            <p><strong>{format!("Token “{}” created. Copy it now: you won’t see it again.", token.info.name)}</strong></p>
            <p class="small">"Confab keeps only a fingerprint of it. If you lose it, revoke it and make a new one."</p>
            <div class="secret-row">
                <code class="secret" data-testid="token-secret" aria-label="The new API token">{token.token.clone()}</code>
                <button type="button" class="secondary small" on:click=copy>
                    {move || if matches!(copied.get(), Some(Ok(()))) { "Copied ✓" } else { "Copy token" }}
                </button>
            </div>
            {move || copied.get().and_then(|r| r.err()).map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
            <button type="button" class="small" on:click=move |_| created.set(None)>"I have copied it"</button>
        </div>
    }
}

/// The form that creates a token.
#[component]
fn NewToken(
    bots: Signal<Vec<Bot>>,
    tokens: LocalResource<Result<Vec<ApiToken>, ApiError>>,
    created: RwSignal<Option<CreatedApiToken>>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let name = RwSignal::new(String::new());
    // The bot's id, or empty for the person's own account.
    let account = RwSignal::new(String::new());
    let scopes = RwSignal::new(vec![TokenScope::Read, TokenScope::Send]);
    let expiry = RwSignal::new(String::new());
    let state: Outcome = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let local_expiry_error = RwSignal::new(None::<String>);

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        local_expiry_error.set(None);
        let expires_at = match parse_day(&expiry.get_untracked()) {
            Ok(day) => day.and_then(end_of_day),
            Err(message) => {
                local_expiry_error.set(Some(message));
                return;
            }
        };
        let bot_id = account.with_untracked(|a| a.parse::<uuid::Uuid>().ok().map(UserId));
        let mut chosen = scopes.get_untracked();
        chosen.sort();
        let token = CreateApiToken { name: name.get_untracked().trim().to_owned(), scopes: chosen, expires_at, bot_id };
        busy.set(true);
        spawn_local(async move {
            match api::bots::create_token(session, token).await {
                Ok(token) => {
                    name.set(String::new());
                    expiry.set(String::new());
                    state.set(None);
                    created.set(Some(token));
                    tokens.refetch();
                }
                Err(e) => state.set(Some(Err(e))),
            }
            busy.set(false);
        });
    };
    let scopes_error = field_error(state, "scopes");
    let account_error = field_error(state, "bot_id");
    let expiry_error =
        Signal::derive(move || local_expiry_error.get().or_else(|| field_error(state, "expires_at").get()));
    let my_name = move || session.user.get().map(|m| format!("Me (@{})", m.username)).unwrap_or_else(|| "Me".into());

    view! {
        <form class="new-token" on:submit=create novalidate aria-labelledby="new-token-title">
            <h4 id="new-token-title">"New token"</h4>
            <div class="field-grid">
                <Field label="Token name" name="token_name" value=name error=field_error(state, "name")
                    hint="To recognise it later, e.g. “support bot on server 2”"/>
                <div class="field" class:invalid=move || account_error.get().is_some()>
                    <label for="field-token-account">"Acts as"</label>
                    <select id="field-token-account" prop:value=move || account.get()
                        on:change=move |ev| account.set(event_target_value(&ev))
                        aria-describedby="field-token-account-error">
                        <option value="">{my_name}</option>
                        {move || bots.get().into_iter().map(|bot| view! {
                            <option value=bot.user.id.0.to_string()>{format!("{} (bot)", bot.user.display_name)}</option>
                        }).collect_view()}
                    </select>
                    <p class="field-message" id="field-token-account-error" role="alert">{move || account_error.get()}</p>
                </div>
            </div>
            <fieldset class="scopes" class:invalid=move || scopes_error.get().is_some()
                aria-describedby="token-scopes-error">
                <legend>"Scopes"</legend>
                {TokenScope::ALL.into_iter().map(|scope| {
                    let id = format!("token-scope-{}", scope.name());
                    view! {
                        <div class="scope">
                            <input type="checkbox" id=id.clone() value=scope.name()
                                prop:checked=move || scopes.with(|s| s.contains(&scope))
                                on:change=move |_| scopes.update(|s| if let Some(at) = s.iter().position(|x| *x == scope) {
                                    s.remove(at);
                                } else {
                                    s.push(scope);
                                })/>
                            <label for=id>
                                <span class="scope-name">{scope_label(scope)}</span>
                                <span class="scope-hint">{scope_hint(scope)}</span>
                            </label>
                        </div>
                    }
                }).collect_view()}
                <p class="field-message" id="token-scopes-error" role="alert">{move || scopes_error.get()}</p>
            </fieldset>
            <div class="field expiry" class:invalid=move || expiry_error.get().is_some()>
                <label for="field-token-expiry">"Last day (optional)"</label>
                <input id="field-token-expiry" type="date" min=today() prop:value=move || expiry.get()
                    on:input=move |ev| expiry.set(event_target_value(&ev))
                    aria-describedby="field-token-expiry-message"
                    aria-invalid=move || if expiry_error.get().is_some() { "true" } else { "false" }/>
                <p class="field-message" id="field-token-expiry-message" role="alert">
                    {move || expiry_error.get().unwrap_or_else(|| "Works until the end of that day. Empty: until revoked.".to_owned())}
                </p>
            </div>
            {outcome_view(state)}
            <button type="submit" disabled=move || busy.get()>"Create token"</button>
        </form>
    }
}

/// One live token, with its revoke button.
#[component]
fn TokenItem(
    token: ApiToken,
    account: Account,
    tokens: LocalResource<Result<Vec<ApiToken>, ApiError>>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let confirming = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let id = token.id;
    let revoke = Callback::new(move |()| {
        confirming.set(false);
        spawn_local(async move {
            match api::bots::revoke_token(session, id).await {
                Ok(()) => tokens.refetch(),
                Err(e) => error.set(Some(e.message)),
            }
        });
    });
    let who = match account {
        Account::Me(username) => view! { <span>{format!("You (@{username})")}</span> }.into_any(),
        Account::Bot(name) => view! { <span class="name-line">{name}<BotBadge/></span> }.into_any(),
        Account::Unknown => view! { <span>"Another account"</span> }.into_any(),
    };
    let used = token.last_used_at.map_or_else(
        || "Never used".to_owned(),
        |at| format!("Last used {}", time::date_time(at.timestamp_millis() as f64)),
    );
    let expires = token.expires_at.map_or_else(
        || "No expiry".to_owned(),
        |at| format!("Expires {}", time::date_time(at.timestamp_millis() as f64)),
    );
    let title = format!("Revoke the token “{}”?", token.name);
    let name = token.name.clone();
    view! {
        <li class="token-item" data-testid="token" data-name=token.name.clone()>
            <div class="token-main">
                <span class="token-name">{token.name.clone()}</span>
                <span class="token-account">"Acts as " {who}</span>
                <span class="pills" aria-label="Scopes">
                    {token.scopes.iter().map(|s| view! { <span class="pill">{scope_label(*s)}</span> }).collect_view()}
                </span>
                <span class="token-times">{used}" · "{expires}</span>
            </div>
            <button type="button" class="danger small" aria-label=format!("Revoke {name}…")
                on:click=move |_| confirming.set(true)>"Revoke…"</button>
            {move || error.get().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
            <Show when=move || confirming.get()>
                <ConfirmDialog title=title.clone() action="Revoke token" confirm=revoke
                    cancel=Callback::new(move |()| confirming.set(false))>
                    <p>"Programs using it are refused at once, and its open connections close. This cannot be undone."</p>
                </ConfirmDialog>
            </Show>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_date_means_no_expiry() {
        assert_eq!(parse_day(""), Ok(None));
        assert_eq!(parse_day("  "), Ok(None));
    }

    #[test]
    fn a_picked_date_is_read_as_its_day() {
        assert_eq!(parse_day("2027-03-09"), Ok(Some((2027, 3, 9))));
    }

    #[test]
    fn a_malformed_date_is_refused_beside_the_field() {
        assert!(parse_day("2027-13-01").is_err());
        assert!(parse_day("tomorrow").is_err());
        assert!(parse_day("2027-03").is_err());
    }

    #[test]
    fn a_token_names_its_account() {
        let me = (UserId(uuid::Uuid::from_u128(1)), "alice".to_owned());
        assert_eq!(account_of(me.0, Some(&me), &[]), Account::Me("alice".into()));
        assert_eq!(account_of(UserId(uuid::Uuid::from_u128(2)), Some(&me), &[]), Account::Unknown);
    }
}
