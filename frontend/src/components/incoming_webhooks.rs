//! A group's incoming webhooks, in its details panel for its owners and admins only (the
//! server refuses anyone else): the list (name, who made it, when), creating one, whose secret
//! URL is shown once with a copy button and a curl example, and revoking one after a
//! confirmation.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::webhooks::{CreatedIncomingWebhook, IncomingWebhook, IncomingWebhooks, MAX_WEBHOOK_NAME_CHARS};
use protocol::{ConversationId, ErrorCode, UserId};

use crate::api::{self, ApiError};
use crate::components::remove_button::RemoveButton;
use crate::components::secret_once::SecretOnce;
use crate::locale::{error_text, t, t_string, td_string, use_i18n};
use crate::state::chat::Chat;
use crate::state::session::Session;
use crate::time;

type Webhooks = LocalResource<Result<IncomingWebhooks, ApiError>>;

/// The full URL a program posts to: the server answers a path, and the app is served from the
/// same origin as the API.
fn full_url(path: &str) -> String {
    let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
    format!("{origin}{path}")
}

/// A curl command posting one message through `url`, to paste into a CI job. Its message is
/// an example of what a program posts, code rather than the app's words: it stays English.
fn curl_example(url: &str) -> String {
    format!(
        "curl -X POST '{url}' \\\n  -H 'Content-Type: application/json' \\\n  -d '{{\"body\": \"Deploy finished\", \"username\": \"CI\"}}'"
    )
}

/// The webhooks section of group `id`; `names` are its members' display names, to say who
/// made each webhook. `created` holds a webhook just made until its URL is dismissed: it
/// belongs to the panel, because the panel rebuilds this section whenever the members change,
/// and the URL, shown once, must not vanish with it.
#[component]
pub fn IncomingWebhooksSection(
    id: ConversationId,
    names: HashMap<UserId, String>,
    created: RwSignal<Option<CreatedIncomingWebhook>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let webhooks: Webhooks = LocalResource::new(move || api::webhooks::incoming(session, id));
    let names = StoredValue::new(names);
    view! {
        <section class="webhooks" aria-labelledby="webhooks-title" data-testid="webhooks">
            <h3 id="webhooks-title">{t!(i18n, integrations.webhooks_title)}</h3>
            <p class="lede small">{t!(i18n, integrations.webhooks_lede)}</p>
            // SecretOnce's texts are plain strings: rebuilt when the language changes.
            {move || created.get().map(|made| {
                let url = full_url(&made.path);
                let example = curl_example(&url);
                view! {
                    <SecretOnce title=t_string!(i18n, integrations.webhook_created, name = made.webhook.name).to_string()
                        secret=url copy_label=t_string!(i18n, integrations.copy_url)
                        secret_label=t_string!(i18n, integrations.new_url_label) testid="new-webhook"
                        done=Callback::new(move |()| created.set(None))>
                        <p class="small">{t!(i18n, integrations.post_with)}</p>
                        <pre class="code-example" data-testid="webhook-example">{example}</pre>
                    </SecretOnce>
                }
            })}
            <Transition fallback=move || view! { <p class="empty">{t!(i18n, common.loading)}</p> }>
                {move || webhooks.get().map(|result| match result {
                    Err(e) => view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> }.into_any(),
                    Ok(list) if list.items.is_empty() => {
                        view! { <p class="empty">{t!(i18n, integrations.no_webhooks)}</p> }.into_any()
                    }
                    Ok(list) => view! {
                        <ul class="list webhook-list">
                            {list.items.into_iter().map(|webhook| {
                                let maker = names.with_value(|n| n.get(&webhook.created_by).cloned());
                                view! { <WebhookItem id webhook maker webhooks/> }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Transition>
            <NewWebhook id webhooks created/>
        </section>
    }
}

/// The form that makes a webhook.
#[component]
fn NewWebhook(
    id: ConversationId,
    webhooks: Webhooks,
    created: RwSignal<Option<CreatedIncomingWebhook>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = name.get_untracked().trim().to_owned();
        if chosen.is_empty() {
            // The app's own refusal: `Unknown` keeps these words (error_text).
            error.set(Some(ApiError {
                code: Some(ErrorCode::Unknown),
                field: None,
                message: td_string!(i18n.get_locale_untracked(), integrations.webhook_name_needed).to_owned(),
            }));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::webhooks::create_incoming(session, id, chosen).await {
                Ok(made) => {
                    name.set(String::new());
                    error.set(None);
                    created.set(Some(made));
                    webhooks.refetch();
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="inline-form new-webhook" on:submit=create novalidate>
            <input aria-label=move || t_string!(i18n, integrations.webhook_name)
                placeholder=move || t_string!(i18n, integrations.webhook_name_placeholder) data-testid="webhook-name"
                maxlength=MAX_WEBHOOK_NAME_CHARS.to_string() prop:value=move || name.get()
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                on:input=move |ev| name.set(event_target_value(&ev))/>
            <button type="submit" class="secondary" disabled=move || busy.get()>{t!(i18n, integrations.create_webhook)}</button>
        </form>
        {move || error.get().map(|e| view! { <p class="form-error small" role="alert">{error_text(&e, i18n.get_locale())}</p> })}
    }
}

/// One webhook, with its revoke button.
#[component]
fn WebhookItem(
    id: ConversationId,
    webhook: IncomingWebhook,
    maker: Option<String>,
    webhooks: Webhooks,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let chat = expect_context::<Chat>();
    let webhook_id = webhook.id;
    let revoke = Callback::new(move |error: RwSignal<Option<ApiError>>| {
        spawn_local(async move {
            match api::webhooks::revoke_incoming(session, id, webhook_id).await {
                Ok(()) => webhooks.refetch(),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    // Made by the person themself: "Made by you", which languages word apart from a name.
    let maker =
        (Some(webhook.created_by) != chat.me()).then(|| maker.unwrap_or_else(|| chat.name_of(webhook.created_by)));
    let when = time::date_time(webhook.created_at.timestamp_millis() as f64);
    let made_by = move || match &maker {
        Some(maker) => t_string!(i18n, integrations.made_by, maker, when = when.clone()).to_string(),
        None => t_string!(i18n, integrations.made_by_you, when = when.clone()).to_string(),
    };
    let name = webhook.name.clone();
    view! {
        <li class="webhook-item" data-testid="webhook" data-name=webhook.name.clone()>
            <div class="webhook-main">
                <span class="webhook-name">{webhook.name.clone()}</span>
                <span class="webhook-meta small">{made_by}</span>
            </div>
            <RemoveButton remove=revoke
                label=move || t_string!(i18n, integrations.revoke_ellipsis).to_owned()
                name={
                    let name = name.clone();
                    move || t_string!(i18n, integrations.revoke_named, name = name.clone()).to_string()
                }
                question=move || t_string!(i18n, integrations.revoke_webhook_title, name = name.clone()).to_string()
                action=move || t_string!(i18n, integrations.revoke_webhook).to_owned()
                explanation=move || t_string!(i18n, integrations.revoke_webhook_text).to_owned()/>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_curl_example_posts_json_to_the_url() {
        let example = curl_example("https://chat.example.com/api/v1/hooks/1/s3cret");
        assert!(example.starts_with("curl -X POST 'https://chat.example.com/api/v1/hooks/1/s3cret'"), "{example}");
        assert!(example.contains("Content-Type: application/json"));
        assert!(example.contains(r#"{"body": "Deploy finished", "username": "CI"}"#), "{example}");
    }
}
