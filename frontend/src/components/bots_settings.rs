//! The settings section "Bots and API tokens": the person's bots (create, rename and
//! re-describe, give a picture, delete after a confirmation) and, below them, the tokens that let programs act
//! as the person or as one of those bots (`api_tokens_settings.rs`). Refusals are shown beside
//! the field the server names.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::bots::{BOT_DESCRIPTION_MAX_CHARS, Bot, CreateBot, MAX_BOTS_PER_OWNER, UpdateBot};

use crate::api::{self, ApiError};
use crate::components::api_tokens_settings::ApiTokensSettings;
use crate::components::avatar::Avatar;
use crate::components::bot_badge::BotBadge;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::field::Field;
use crate::components::photo_picker::{PhotoOf, PhotoPicker};
use crate::locale::{error_text, t, t_string, td_string, use_i18n};
use crate::state::session::Session;

/// The fragment that scrolls to this section.
pub const ANCHOR: &str = "bots";

/// What a form last heard: a success sentence, or the refusal (beside its field if it names one).
pub type Outcome = RwSignal<Option<Result<String, ApiError>>>;

/// The refusal's message if it concerns `field`, in the user's language.
pub fn field_error(state: Outcome, field: &'static str) -> Signal<Option<String>> {
    let i18n = use_i18n();
    Signal::derive(move || {
        let error = state.get().and_then(|r| r.err()).filter(|e| e.field.as_deref() == Some(field))?;
        Some(error_text(&error, i18n.get_locale()))
    })
}

/// The success sentence, or a refusal that names no field (those sit beside their field).
pub fn outcome_view(state: Outcome) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        state.get().and_then(|r| match r {
            Ok(message) => Some(view! { <p class="notice" role="status">{message}</p> }.into_any()),
            Err(e) if e.field.is_none() => {
                Some(view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> }.into_any())
            }
            Err(_) => None,
        })
    }
}

/// A description textarea with its counter, or the server's refusal in its place.
#[component]
fn DescriptionField(
    /// The element id, unique on the page.
    #[prop(into)]
    id: String,
    value: RwSignal<String>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let message_id = format!("{id}-message");
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id.clone()>{t!(i18n, integrations.description)}</label>
            <textarea id=id rows="2" maxlength=BOT_DESCRIPTION_MAX_CHARS.to_string()
                aria-describedby=message_id.clone()
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))></textarea>
            <p class="field-message" id=message_id>{move || error.get().unwrap_or_else(|| {
                // "12 / 500" under a description.
                let count = value.with(|v| v.chars().count());
                t_string!(i18n, integrations.description_length, count, max = BOT_DESCRIPTION_MAX_CHARS).to_string()
            })}</p>
        </div>
    }
}

/// The whole section.
#[component]
pub fn BotsSettings() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let bots = LocalResource::new(move || api::bots::list(session));
    let tokens = LocalResource::new(move || api::bots::tokens(session));
    view! {
        <section class="card bots-settings" id=ANCHOR aria-labelledby="bots-title">
            <h2 id="bots-title">{t!(i18n, integrations.bots_title)}</h2>
            <p class="lede small">{t!(i18n, integrations.bots_lede, <badge/> = || view! { <BotBadge/> })}</p>
            <h3>{t!(i18n, integrations.your_bots)}</h3>
            <Transition fallback=move || view! { <p class="empty">{t!(i18n, common.loading)}</p> }>
                {move || bots.get().map(|result| match result {
                    Err(e) => view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="empty">{t!(i18n, integrations.no_bots)}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="list bot-list" data-testid="bots">
                            {list.into_iter().map(|bot| view! { <BotItem bot bots tokens/> }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Transition>
            <NewBot bots/>
            <ApiTokensSettings bots tokens/>
        </section>
    }
}

/// The form that creates a bot.
#[component]
fn NewBot(bots: LocalResource<Result<Vec<Bot>, ApiError>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let state: Outcome = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let bot = CreateBot {
            username: username.get_untracked().trim().to_owned(),
            display_name: display_name.get_untracked(),
            description: description.get_untracked(),
        };
        spawn_local(async move {
            let result = api::bots::create(session, bot).await.map(|bot| {
                username.set(String::new());
                display_name.set(String::new());
                description.set(String::new());
                bots.refetch();
                let (name, username) = (bot.user.display_name, bot.user.username);
                td_string!(i18n.get_locale_untracked(), integrations.bot_created, name, username).to_string()
            });
            state.set(Some(result));
            busy.set(false);
        });
    };
    view! {
        <form class="new-bot" on:submit=create novalidate aria-labelledby="new-bot-title">
            <h3 id="new-bot-title">{t!(i18n, integrations.new_bot)}</h3>
            // Field's texts are plain strings: rebuilt when the language changes.
            {move || view! {
                <div class="field-grid">
                    <Field label=t_string!(i18n, integrations.bot_username) name="bot_username" value=username
                        error=field_error(state, "username") hint=t_string!(i18n, integrations.bot_username_hint) code=true/>
                    <Field label=t_string!(i18n, integrations.bot_display_name) name="bot_display_name" value=display_name
                        error=field_error(state, "display_name")/>
                </div>
            }}
            <DescriptionField id="new-bot-description" value=description error=field_error(state, "description")/>
            {outcome_view(state)}
            <button type="submit" disabled=move || busy.get()>{t!(i18n, integrations.create_bot)}</button>
            <p class="lede small">{t!(i18n, integrations.max_bots, max = MAX_BOTS_PER_OWNER)}</p>
        </form>
    }
}

/// One bot: its names, description and picture, editable in place, and deletable after a
/// confirmation.
#[component]
fn BotItem(
    bot: Bot,
    bots: LocalResource<Result<Vec<Bot>, ApiError>>,
    tokens: LocalResource<Result<Vec<protocol::bots::ApiToken>, ApiError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let id = bot.user.id;
    let editing = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let display_name = RwSignal::new(bot.user.display_name.clone());
    let description = RwSignal::new(bot.description.clone());
    let state: Outcome = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let original = (bot.user.display_name.clone(), bot.description.clone());
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let changes = UpdateBot {
            display_name: Some(display_name.get_untracked()),
            description: Some(description.get_untracked()),
        };
        spawn_local(async move {
            match api::bots::update(session, id, changes).await {
                Ok(_) => {
                    editing.set(false);
                    bots.refetch();
                }
                Err(e) => state.set(Some(Err(e))),
            }
            busy.set(false);
        });
    };
    let cancel_edit = move |_| {
        display_name.set(original.0.clone());
        description.set(original.1.clone());
        state.set(None);
        editing.set(false);
    };
    let delete = Callback::new(move |()| {
        confirming.set(false);
        spawn_local(async move {
            match api::bots::delete(session, id).await {
                Ok(()) => {
                    bots.refetch();
                    tokens.refetch();
                }
                Err(e) => state.set(Some(Err(e))),
            }
        });
    });
    let name = bot.user.display_name.clone();
    let username = bot.user.username.clone();
    let disabled = bot.disabled_at.is_some();
    let user = bot.user.clone();
    let about = bot.description.clone();
    let has_photo = bot.user.avatar.is_some();
    // Unique on the page, which lists every bot (`Field` prefixes its name with "field-").
    let field_id = |what: &str| format!("bot-{}-{what}", id.0.simple());
    let (name_field, description_id) = (field_id("display_name"), format!("field-{}", field_id("description")));
    view! {
        <li class="bot-item" data-username=username.clone() data-testid="bot">
            <div class="user-row">
                <Avatar name=user.display_name.clone() color=user.avatar_color.clone() photo=user.avatar.clone()/>
                <a class="user-names" href=format!("/users/{}", user.id)>
                    <span class="name-line">
                        <span class="display-name">{name.clone()}</span>
                        <BotBadge/>
                        {disabled.then(|| view! { <span class="pill" data-status="disabled">{t!(i18n, integrations.bot_disabled)}</span> })}
                    </span>
                    <span class="username">"@"{username.clone()}</span>
                </a>
                <div class="row-actions">
                    <button type="button" class="secondary small" aria-expanded=move || editing.get().to_string()
                        aria-label={
                            let name = name.clone();
                            move || t_string!(i18n, integrations.edit_named, name = name.clone()).to_string()
                        }
                        on:click=move |_| editing.update(|e| *e = !*e)>{t!(i18n, integrations.edit)}</button>
                    <button type="button" class="danger small"
                        aria-label={
                            let name = name.clone();
                            move || t_string!(i18n, integrations.delete_named, name = name.clone()).to_string()
                        }
                        on:click=move |_| confirming.set(true)>{t!(i18n, integrations.delete_ellipsis)}</button>
                </div>
            </div>
            {(!about.is_empty()).then(|| view! { <p class="bot-description">{about.clone()}</p> })}
            <div class="bot-photo" role="group" data-testid="bot-photo"
                aria-label={
                    let name = name.clone();
                    move || t_string!(i18n, integrations.bot_picture, name = name.clone()).to_string()
                }>
                <PhotoPicker of=PhotoOf::Bot(id) has_photo=Signal::stored(has_photo)
                    saved=Callback::new(move |()| bots.refetch())/>
            </div>
            <Show when=move || editing.get()>
                <form class="bot-edit" on:submit=save novalidate>
                    {
                        let name_field = name_field.clone();
                        move || view! {
                            <Field label=t_string!(i18n, integrations.display_name) name=name_field.clone()
                                value=display_name error=field_error(state, "display_name")/>
                        }
                    }
                    <DescriptionField id=description_id.clone() value=description
                        error=field_error(state, "description")/>
                    <div class="form-actions">
                        <button type="submit" disabled=move || busy.get()>{t!(i18n, integrations.save)}</button>
                        <button type="button" class="secondary" on:click=cancel_edit.clone()>{t!(i18n, integrations.cancel)}</button>
                    </div>
                </form>
            </Show>
            {outcome_view(state)}
            <Show when=move || confirming.get()>
                <ConfirmDialog title=t_string!(i18n, integrations.delete_bot_title, name = name.clone()).to_string()
                    action=t_string!(i18n, integrations.delete_bot)
                    confirm=delete cancel=Callback::new(move |()| confirming.set(false))>
                    <p>{t!(i18n, integrations.delete_bot_text)}</p>
                </ConfirmDialog>
            </Show>
        </li>
    }
}
