//! The settings section "Webhook subscriptions": the person's outgoing subscriptions (where
//! their conversations' events are POSTed, signed) with each one's health (active, failing
//! since when and why, disabled), subscribing a URL (its signing secret shown once with a copy
//! button), and deleting one after a confirmation.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::webhooks::{
    CreateSubscription, CreatedSubscription, MAX_SUBSCRIPTIONS, Subscription, Subscriptions, WebhookEventKind,
};

use crate::api::{self, ApiError};
use crate::components::bots_settings::{Outcome, field_error, outcome_view};
use crate::components::field::Field;
use crate::components::remove_button::RemoveButton;
use crate::components::secret_once::SecretOnce;
use crate::locale::{Locale, error_text, t, t_string, td_string, use_i18n};
use crate::state::session::Session;
use crate::time;

/// The fragment that scrolls to this section.
pub const ANCHOR: &str = "webhooks";

/// The kinds a person may pick (`Unknown` only stands for a newer server's kinds).
const KINDS: [WebhookEventKind; 3] = [WebhookEventKind::Message, WebhookEventKind::Mention, WebhookEventKind::Command];

type List = LocalResource<Result<Subscriptions, ApiError>>;

fn kind_label(kind: WebhookEventKind, language: Locale) -> &'static str {
    match kind {
        WebhookEventKind::Message => td_string!(language, integrations.kind_message),
        WebhookEventKind::Mention => td_string!(language, integrations.kind_mention),
        WebhookEventKind::Command => td_string!(language, integrations.kind_command),
        WebhookEventKind::Unknown => td_string!(language, integrations.kind_other),
    }
}

fn kind_hint(kind: WebhookEventKind, language: Locale) -> &'static str {
    match kind {
        WebhookEventKind::Message => td_string!(language, integrations.kind_message_hint),
        WebhookEventKind::Mention => td_string!(language, integrations.kind_mention_hint),
        WebhookEventKind::Command => td_string!(language, integrations.kind_command_hint),
        WebhookEventKind::Unknown => "",
    }
}

/// A moment as the person reads it (the browser's timezone).
fn local(at: chrono::DateTime<chrono::Utc>) -> String {
    time::date_time(at.timestamp_millis() as f64)
}

/// How a subscription is doing, in words of `language` (times written by `at`; the server's
/// reasons as it gave them), and the `data-status` its line is coloured by.
fn health(
    subscription: &Subscription,
    at: impl Fn(chrono::DateTime<chrono::Utc>) -> String,
    language: Locale,
) -> (&'static str, String) {
    if let Some(disabled) = subscription.disabled_at {
        let why = subscription
            .disabled_reason
            .clone()
            .unwrap_or_else(|| td_string!(language, integrations.health_kept_failing).to_owned());
        return ("disabled", td_string!(language, integrations.health_disabled, when = at(disabled), why).to_string());
    }
    match (subscription.failing_since, &subscription.last_error) {
        (Some(since), Some(error)) => {
            ("failing", td_string!(language, integrations.health_failing_error, when = at(since), error).to_string())
        }
        (Some(since), None) => {
            ("failing", td_string!(language, integrations.health_failing, when = at(since)).to_string())
        }
        (None, _) => ("active", td_string!(language, integrations.health_active).to_owned()),
    }
}

/// The whole section.
#[component]
pub fn WebhookSubscriptionsSettings() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let list: List = LocalResource::new(move || api::webhooks::subscriptions(session));
    let created = RwSignal::new(None::<CreatedSubscription>);
    view! {
        <section class="card subscriptions-settings" id=ANCHOR aria-labelledby="subscriptions-title">
            <h2 id="subscriptions-title">{t!(i18n, integrations.subscriptions_title)}</h2>
            <p class="lede small">{t!(i18n, integrations.subscriptions_lede, <code> = <code class="nowrap"/>)}</p>
            <p class="lede small" data-testid="bot-subscription-help">
                {t!(i18n, integrations.bot_subscription_help, <code> = <code class="nowrap"/>)}
            </p>
            // SecretOnce's texts are plain strings: rebuilt when the language changes.
            {move || created.get().map(|made| view! {
                <SecretOnce title=t_string!(i18n, integrations.subscribed)
                    secret=made.secret.clone() copy_label=t_string!(i18n, integrations.copy_signing_secret)
                    secret_label=t_string!(i18n, integrations.new_signing_secret_label) testid="new-subscription"
                    done=Callback::new(move |()| created.set(None))/>
            })}
            <Transition fallback=move || view! { <p class="empty">{t!(i18n, common.loading)}</p> }>
                {move || list.get().map(|result| match result {
                    Err(e) => view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> }.into_any(),
                    Ok(found) if found.items.is_empty() => {
                        view! { <p class="empty">{t!(i18n, integrations.no_subscriptions)}</p> }.into_any()
                    }
                    Ok(found) => view! {
                        <ul class="list subscription-list" data-testid="subscriptions">
                            {found.items.into_iter().map(|subscription| view! { <SubscriptionItem subscription list/> }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Transition>
            <NewSubscription list created/>
        </section>
    }
}

/// The form that subscribes a URL.
#[component]
fn NewSubscription(list: List, created: RwSignal<Option<CreatedSubscription>>) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let url = RwSignal::new(String::new());
    let kinds = RwSignal::new(vec![WebhookEventKind::Message]);
    let state: Outcome = RwSignal::new(None);
    let busy = RwSignal::new(false);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut events = kinds.get_untracked();
        events.sort();
        let subscription = CreateSubscription { url: url.get_untracked().trim().to_owned(), events };
        busy.set(true);
        spawn_local(async move {
            match api::webhooks::subscribe(session, subscription).await {
                Ok(made) => {
                    url.set(String::new());
                    state.set(None);
                    created.set(Some(made));
                    list.refetch();
                }
                Err(e) => state.set(Some(Err(e))),
            }
            busy.set(false);
        });
    };
    let events_error = field_error(state, "events");
    view! {
        <form class="new-subscription" on:submit=create novalidate aria-labelledby="new-subscription-title">
            <h3 id="new-subscription-title">{t!(i18n, integrations.new_subscription)}</h3>
            // Field's texts are plain strings: rebuilt when the language changes.
            {move || view! {
                <Field label=t_string!(i18n, integrations.https_url) name="subscription_url" kind="url" value=url
                    error=field_error(state, "url") hint=t_string!(i18n, integrations.https_url_hint) code=true/>
            }}
            <fieldset class="scopes" class:invalid=move || events_error.get().is_some()
                aria-describedby="subscription-events-error">
                <legend>{t!(i18n, integrations.events)}</legend>
                {KINDS.into_iter().map(|kind| {
                    let id = format!("subscription-kind-{}", kind.as_str());
                    view! {
                        <div class="scope">
                            <input type="checkbox" id=id.clone() value=kind.as_str()
                                prop:checked=move || kinds.with(|k| k.contains(&kind))
                                on:change=move |_| kinds.update(|k| if let Some(at) = k.iter().position(|x| *x == kind) {
                                    k.remove(at);
                                } else {
                                    k.push(kind);
                                })/>
                            <label for=id>
                                <span class="scope-name">{move || kind_label(kind, i18n.get_locale())}</span>
                                <span class="scope-hint">{move || kind_hint(kind, i18n.get_locale())}</span>
                            </label>
                        </div>
                    }
                }).collect_view()}
                <p class="field-message" id="subscription-events-error" role="alert">{move || events_error.get()}</p>
            </fieldset>
            {outcome_view(state)}
            <button type="submit" disabled=move || busy.get()>{t!(i18n, integrations.subscribe)}</button>
            <p class="lede small">{t!(i18n, integrations.max_subscriptions, max = MAX_SUBSCRIPTIONS)}</p>
        </form>
    }
}

/// One subscription with its health and its delete button.
#[component]
fn SubscriptionItem(subscription: Subscription, list: List) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let id = subscription.id;
    let delete = Callback::new(move |error: RwSignal<Option<ApiError>>| {
        spawn_local(async move {
            match api::webhooks::unsubscribe(session, id).await {
                Ok(()) => list.refetch(),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    let (status, _) = health(&subscription, local, i18n.get_locale_untracked());
    let words = {
        let subscription = subscription.clone();
        move || health(&subscription, local, i18n.get_locale()).1
    };
    let url = subscription.url.clone();
    view! {
        <li class="subscription-item" data-testid="subscription" data-url=subscription.url.clone() data-status=status>
            <div class="subscription-main">
                <code class="subscription-url">{subscription.url.clone()}</code>
                <span class="pills" aria-label=move || t_string!(i18n, integrations.events)>
                    {subscription.events.iter().map(|&k| view! { <span class="pill">{move || kind_label(k, i18n.get_locale())}</span> }).collect_view()}
                </span>
                <span class="subscription-health" data-status=status data-testid="subscription-health">{words}</span>
            </div>
            <RemoveButton remove=delete
                label=move || t_string!(i18n, integrations.delete_ellipsis).to_owned()
                name={
                    let url = url.clone();
                    move || t_string!(i18n, integrations.delete_subscription_named, url = url.clone()).to_string()
                }
                question=move || t_string!(i18n, integrations.delete_subscription_title, url = url.clone()).to_string()
                action=move || t_string!(i18n, integrations.delete_subscription).to_owned()
                explanation=move || t_string!(i18n, integrations.delete_subscription_text).to_owned()/>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscription() -> Subscription {
        Subscription {
            id: uuid::Uuid::from_u128(1),
            url: "https://hooks.example.com/confab".into(),
            events: vec![WebhookEventKind::Message],
            created_at: chrono::DateTime::from_timestamp(1_765_000_000, 0).unwrap_or_default(),
            failing_since: None,
            last_error: None,
            disabled_at: None,
            disabled_reason: None,
        }
    }

    #[test]
    fn a_healthy_subscription_is_active() {
        assert_eq!(health(&subscription(), |t| t.to_rfc3339(), Locale::en), ("active", "Active".to_owned()));
    }

    #[test]
    fn a_failing_subscription_says_why_and_a_disabled_one_wins() {
        let since = chrono::DateTime::from_timestamp(1_765_000_000, 0).unwrap_or_default();
        let failing =
            Subscription { failing_since: Some(since), last_error: Some("HTTP 502".into()), ..subscription() };
        let (status, words) = health(&failing, |t| t.to_rfc3339(), Locale::en);
        assert_eq!(status, "failing");
        assert!(words.starts_with("Failing since ") && words.ends_with(": HTTP 502"), "{words}");
        let disabled =
            Subscription { disabled_at: Some(since), disabled_reason: Some("failed for a day".into()), ..failing };
        let (status, words) = health(&disabled, |t| t.to_rfc3339(), Locale::en);
        assert_eq!(status, "disabled");
        assert!(words.ends_with(": failed for a day"), "{words}");
        let (_, words) = health(&disabled, |t| t.to_rfc3339(), Locale::de);
        assert!(words.starts_with("Deaktiviert am ") && words.ends_with(": failed for a day"), "{words}");
    }
}
