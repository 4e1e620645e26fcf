//! API tokens in the settings: creating one for oneself or one of one's bots (a name, scopes as
//! checkboxes, an optional last day), its secret shown this once with a copy button, the list
//! of live tokens (account, scopes, last use, expiry), and revoking one after a confirmation.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::UserId;
use protocol::bots::{ApiToken, Bot, CreateApiToken, CreatedApiToken, TokenScope};

use crate::api::{self, ApiError};
use crate::components::bot_badge::BotBadge;
use crate::components::bots_settings::{Outcome, field_error, outcome_view};
use crate::components::field::Field;
use crate::components::remove_button::RemoveButton;
use crate::components::secret_once::SecretOnce;
use crate::locale::{Locale, error_text, t, t_string, td_string, use_i18n};
use crate::state::session::Session;
use crate::time;

/// What each scope allows, in the words the checkboxes use, in `language`.
fn scope_hint(scope: TokenScope, language: Locale) -> &'static str {
    match scope {
        TokenScope::Read => td_string!(language, integrations.scope_read_hint),
        TokenScope::Send => td_string!(language, integrations.scope_send_hint),
        TokenScope::Manage => td_string!(language, integrations.scope_manage_hint),
    }
}

/// A scope's label, in `language`.
fn scope_label(scope: TokenScope, language: Locale) -> &'static str {
    match scope {
        TokenScope::Read => td_string!(language, integrations.scope_read),
        TokenScope::Send => td_string!(language, integrations.scope_send),
        TokenScope::Manage => td_string!(language, integrations.scope_manage),
    }
}

/// A last day that is not a date (the form then asks for one, or for none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct NotADay;

/// The calendar day of a `<input type="date">` value (`YYYY-MM-DD`): `Ok(None)` when empty.
fn parse_day(text: &str) -> Result<Option<(u32, u32, u32)>, NotADay> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return Err(NotADay);
    };
    match (year.parse::<u32>(), month.parse::<u32>(), day.parse::<u32>()) {
        (Ok(y), Ok(m @ 1..=12), Ok(d @ 1..=31)) => Ok(Some((y, m, d))),
        _ => Err(NotADay),
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
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    // The secret just made, shown until the person says they have it.
    let created = RwSignal::new(None::<CreatedApiToken>);
    let bot_list = move || bots.get().and_then(|r| r.ok()).unwrap_or_default();
    let me = move || session.user.get().map(|m| (m.id, m.username));

    view! {
        <h3 id="tokens-title">{t!(i18n, integrations.tokens_title)}</h3>
        <p class="lede small">{t!(i18n, integrations.tokens_lede, <code> = <code class="nowrap"/>)}</p>
        // SecretOnce's texts are plain strings: rebuilt when the language changes.
        {move || created.get().map(|token| view! {
            <SecretOnce title=t_string!(i18n, integrations.token_created, name = token.info.name).to_string()
                secret=token.token copy_label=t_string!(i18n, integrations.copy_token)
                secret_label=t_string!(i18n, integrations.new_token_label) testid="new-token"
                done=Callback::new(move |()| created.set(None))>
                <p class="small">{t!(i18n, integrations.token_fingerprint)}</p>
            </SecretOnce>
        })}
        <NewToken bots=Signal::derive(bot_list) tokens created/>
        <h4>{t!(i18n, integrations.live_tokens)}</h4>
        <Transition fallback=move || view! { <p class="empty">{t!(i18n, common.loading)}</p> }>
            {move || tokens.get().map(|result| match result {
                Err(e) => view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> }.into_any(),
                Ok(list) if list.is_empty() => view! { <p class="empty">{t!(i18n, integrations.no_live_tokens)}</p> }.into_any(),
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

/// The form that creates a token.
#[component]
fn NewToken(
    bots: Signal<Vec<Bot>>,
    tokens: LocalResource<Result<Vec<ApiToken>, ApiError>>,
    created: RwSignal<Option<CreatedApiToken>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let name = RwSignal::new(String::new());
    // The bot's id, or empty for the person's own account.
    let account = RwSignal::new(String::new());
    let scopes = RwSignal::new(vec![TokenScope::Read, TokenScope::Send]);
    let expiry = RwSignal::new(String::new());
    let state: Outcome = RwSignal::new(None);
    let busy = RwSignal::new(false);
    // The last day typed is not a date (checked here, before the server sees it).
    let not_a_day = RwSignal::new(false);

    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        not_a_day.set(false);
        let expires_at = match parse_day(&expiry.get_untracked()) {
            Ok(day) => day.and_then(end_of_day),
            Err(NotADay) => {
                not_a_day.set(true);
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
    let server_expiry_error = field_error(state, "expires_at");
    let expiry_error = Signal::derive(move || {
        if not_a_day.get() {
            Some(t_string!(i18n, integrations.pick_a_date).to_owned())
        } else {
            server_expiry_error.get()
        }
    });
    let my_name = move || match session.user.get() {
        Some(m) => t_string!(i18n, integrations.me_username, username = m.username).to_string(),
        None => t_string!(i18n, integrations.me).to_owned(),
    };

    view! {
        <form class="new-token" on:submit=create novalidate aria-labelledby="new-token-title">
            <h4 id="new-token-title">{t!(i18n, integrations.new_token)}</h4>
            <div class="field-grid">
                // Field's texts are plain strings: rebuilt when the language changes.
                {move || view! {
                    <Field label=t_string!(i18n, integrations.token_name) name="token_name" value=name
                        error=field_error(state, "name") hint=t_string!(i18n, integrations.token_name_hint)/>
                }}
                <div class="field" class:invalid=move || account_error.get().is_some()>
                    <label for="field-token-account">{t!(i18n, integrations.acts_as)}</label>
                    <select id="field-token-account" prop:value=move || account.get()
                        on:change=move |ev| account.set(event_target_value(&ev))
                        aria-describedby="field-token-account-error">
                        <option value="">{my_name}</option>
                        {move || bots.get().into_iter().map(|bot| view! {
                            <option value=bot.user.id.0.to_string()>
                                {t_string!(i18n, integrations.bot_option, name = bot.user.display_name).to_string()}
                            </option>
                        }).collect_view()}
                    </select>
                    <p class="field-message" id="field-token-account-error" role="alert">{move || account_error.get()}</p>
                </div>
            </div>
            <fieldset class="scopes" class:invalid=move || scopes_error.get().is_some()
                aria-describedby="token-scopes-error">
                <legend>{t!(i18n, integrations.scopes)}</legend>
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
                                <span class="scope-name">{move || scope_label(scope, i18n.get_locale())}</span>
                                <span class="scope-hint">{move || scope_hint(scope, i18n.get_locale())}</span>
                            </label>
                        </div>
                    }
                }).collect_view()}
                <p class="field-message" id="token-scopes-error" role="alert">{move || scopes_error.get()}</p>
            </fieldset>
            <div class="field expiry" class:invalid=move || expiry_error.get().is_some()>
                <label for="field-token-expiry">{t!(i18n, integrations.last_day)}</label>
                <input id="field-token-expiry" type="date" min=today() prop:value=move || expiry.get()
                    on:input=move |ev| expiry.set(event_target_value(&ev))
                    aria-describedby="field-token-expiry-message"
                    aria-invalid=move || if expiry_error.get().is_some() { "true" } else { "false" }/>
                <p class="field-message" id="field-token-expiry-message" role="alert">
                    {move || expiry_error.get().unwrap_or_else(|| t_string!(i18n, integrations.last_day_hint).to_owned())}
                </p>
            </div>
            {outcome_view(state)}
            <button type="submit" disabled=move || busy.get()>{t!(i18n, integrations.create_token)}</button>
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
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let id = token.id;
    let revoke = Callback::new(move |error: RwSignal<Option<ApiError>>| {
        spawn_local(async move {
            match api::bots::revoke_token(session, id).await {
                Ok(()) => tokens.refetch(),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    let who = move || match account.clone() {
        Account::Me(username) => {
            view! { <span>{t_string!(i18n, integrations.you_username, username).to_string()}</span> }.into_any()
        }
        Account::Bot(name) => view! { <span class="name-line">{name}<BotBadge/></span> }.into_any(),
        Account::Unknown => view! { <span>{t!(i18n, integrations.another_account)}</span> }.into_any(),
    };
    let (last_used, expires_at) = (token.last_used_at, token.expires_at);
    let used = move || match last_used {
        None => t_string!(i18n, integrations.never_used).to_owned(),
        Some(at) => {
            t_string!(i18n, integrations.last_used, when = time::date_time(at.timestamp_millis() as f64)).to_string()
        }
    };
    let expires = move || match expires_at {
        None => t_string!(i18n, integrations.no_expiry).to_owned(),
        Some(at) => {
            t_string!(i18n, integrations.expires, when = time::date_time(at.timestamp_millis() as f64)).to_string()
        }
    };
    let name = token.name.clone();
    view! {
        <li class="token-item" data-testid="token" data-name=token.name.clone()>
            <div class="token-main">
                <span class="token-name">{token.name.clone()}</span>
                <span class="token-account">{t!(i18n, integrations.token_acts_as, <who/> = who)}</span>
                <span class="pills" aria-label=move || t_string!(i18n, integrations.scopes)>
                    {token.scopes.iter().map(|&s| view! { <span class="pill">{move || scope_label(s, i18n.get_locale())}</span> }).collect_view()}
                </span>
                <span class="token-times">{used}" · "{expires}</span>
            </div>
            <RemoveButton remove=revoke
                label=move || t_string!(i18n, integrations.revoke_ellipsis).to_owned()
                name={
                    let name = name.clone();
                    move || t_string!(i18n, integrations.revoke_named, name = name.clone()).to_string()
                }
                question=move || t_string!(i18n, integrations.revoke_token_title, name = name.clone()).to_string()
                action=move || t_string!(i18n, integrations.revoke_token).to_owned()
                explanation=move || t_string!(i18n, integrations.revoke_token_text).to_owned()/>
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
