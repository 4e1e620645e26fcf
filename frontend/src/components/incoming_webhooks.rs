//! A group's incoming webhooks, in its details panel for its owners and admins only (the
//! server refuses anyone else): the list (name, who made it, when), creating one, whose secret
//! URL is shown once with a copy button and a curl example, and revoking one after a
//! confirmation.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::webhooks::{CreatedIncomingWebhook, IncomingWebhook, IncomingWebhooks, MAX_WEBHOOK_NAME_CHARS};
use protocol::{ConversationId, UserId};

use crate::api::{self, ApiError};
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::secret_once::SecretOnce;
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

/// A curl command posting one message through `url`, to paste into a CI job.
fn curl_example(url: &str) -> String {
    format!(
        "curl -X POST '{url}' \\\n  -H 'Content-Type: application/json' \\\n  -d '{{\"body\": \"Deploy finished\", \"username\": \"CI\"}}'"
    )
}

/// The webhooks section of group `id`; `names` are its members' display names, to say who
/// made each webhook.
#[component]
pub fn IncomingWebhooksSection(id: ConversationId, names: HashMap<UserId, String>) -> impl IntoView {
    let session = expect_context::<Session>();
    let webhooks: Webhooks = LocalResource::new(move || api::webhooks::incoming(session, id));
    let created = RwSignal::new(None::<CreatedIncomingWebhook>);
    let names = StoredValue::new(names);
    view! {
        <section class="webhooks" aria-labelledby="webhooks-title" data-testid="webhooks">
            <h3 id="webhooks-title">"Webhooks"</h3>
            <p class="lede small">
                "A webhook lets a program (CI, monitoring) post into this group through a secret URL, "
                "without an account. Anyone with the URL can post, so keep it secret."
            </p>
            {move || created.get().map(|made| {
                let url = full_url(&made.path);
                let example = curl_example(&url);
                view! {
                    <SecretOnce title=format!("Webhook “{}” created. Copy its URL now: you won’t see it again.", made.webhook.name)
                        secret=url what="URL" testid="new-webhook" done=Callback::new(move |()| created.set(None))>
                        <p class="small">"Post a message with:"</p>
                        <pre class="code-example" data-testid="webhook-example">{example}</pre>
                    </SecretOnce>
                }
            })}
            <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
                {move || webhooks.get().map(|result| match result {
                    Err(e) => view! { <p class="form-error" role="alert">{e.message}</p> }.into_any(),
                    Ok(list) if list.items.is_empty() => view! { <p class="empty">"No webhooks yet."</p> }.into_any(),
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
    let session = expect_context::<Session>();
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = name.get_untracked().trim().to_owned();
        if chosen.is_empty() {
            error.set(Some("Give the webhook a name, e.g. “Deploys”.".into()));
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
                Err(e) => error.set(Some(e.message)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="inline-form new-webhook" on:submit=create novalidate>
            <input aria-label="Webhook name" placeholder="e.g. Deploys" data-testid="webhook-name"
                maxlength=MAX_WEBHOOK_NAME_CHARS.to_string() prop:value=move || name.get()
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                on:input=move |ev| name.set(event_target_value(&ev))/>
            <button type="submit" class="secondary" disabled=move || busy.get()>"Create webhook"</button>
        </form>
        {move || error.get().map(|e| view! { <p class="form-error small" role="alert">{e}</p> })}
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
    let session = expect_context::<Session>();
    let chat = expect_context::<Chat>();
    let confirming = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let webhook_id = webhook.id;
    let revoke = Callback::new(move |()| {
        confirming.set(false);
        spawn_local(async move {
            match api::webhooks::revoke_incoming(session, id, webhook_id).await {
                Ok(()) => webhooks.refetch(),
                Err(e) => error.set(Some(e.message)),
            }
        });
    });
    let maker = if Some(webhook.created_by) == chat.me() {
        "you".to_owned()
    } else {
        maker.unwrap_or_else(|| chat.name_of(webhook.created_by))
    };
    let when = time::date_time(webhook.created_at.timestamp_millis() as f64);
    let title = format!("Revoke the webhook “{}”?", webhook.name);
    view! {
        <li class="webhook-item" data-testid="webhook" data-name=webhook.name.clone()>
            <div class="webhook-main">
                <span class="webhook-name">{webhook.name.clone()}</span>
                <span class="webhook-meta small">{format!("Made by {maker} · {when}")}</span>
            </div>
            <button type="button" class="danger small" aria-label=format!("Revoke {}…", webhook.name)
                on:click=move |_| confirming.set(true)>"Revoke…"</button>
            {move || error.get().map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
            <Show when=move || confirming.get()>
                <ConfirmDialog title=title.clone() action="Revoke webhook" confirm=revoke
                    cancel=Callback::new(move |()| confirming.set(false))>
                    <p>"Its URL stops working at once; the messages it posted stay. This cannot be undone."</p>
                </ConfirmDialog>
            </Show>
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
