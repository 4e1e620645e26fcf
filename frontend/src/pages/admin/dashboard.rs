//! `/admin`: the operators' dashboard (users, conversations, messages, live connections, the
//! database's size), the retention policy, with a form to change it, and the security policy's
//! switch requiring two-factor authentication of administrators.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::admin::{SecurityPolicy, Stats};

use super::{AdminFrame, Outcome, SecurityCheck, field_error, outcome_view, when};
use crate::api;
use crate::components::field::Field;
use crate::state::session::Session;

/// The dashboard page.
#[component]
pub fn AdminDashboard() -> impl IntoView {
    view! { <AdminFrame><Dashboard/></AdminFrame> }
}

/// One number with its label.
fn stat(key: &'static str, label: &'static str, value: String) -> impl IntoView {
    view! {
        <div class="stat" data-testid=format!("stat-{key}")>
            <dt>{label}</dt>
            <dd>{value}</dd>
        </div>
    }
}

/// Bytes as megabytes with one decimal, the scale a chat database lives at.
fn megabytes(bytes: i64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

fn policy(days: Option<u32>) -> String {
    match days {
        None => "Messages are kept forever.".to_owned(),
        Some(1) => "Messages older than 1 day are removed.".to_owned(),
        Some(days) => format!("Messages older than {days} days are removed."),
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    let session = expect_context::<Session>();
    let stats = LocalResource::new(move || api::admin::stats(session));
    view! {
        <section class="card">
            <div class="card-head">
                <h1>"Dashboard"</h1>
                <button type="button" class="secondary small" on:click=move |_| stats.refetch()>"Refresh"</button>
            </div>
            <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
                {move || stats.get().map(|result| match result {
                    Err(e) => view! { <p class="form-error" role="alert">{e.message}</p> }.into_any(),
                    Ok(s) => view! {
                        <dl class="stats">
                            {stat("users_total", "Users", s.users_total.to_string())}
                            {stat("users_online", "Online now", s.users_online.to_string())}
                            {stat("conversations", "Conversations", s.conversations.to_string())}
                            {stat("messages_today", "Messages today", s.messages_today.to_string())}
                            {stat("messages_total", "Messages in total", s.messages_total.to_string())}
                            {stat("websocket_connections", "WebSocket connections", s.websocket_connections.to_string())}
                            {stat("database_size", "Database size", megabytes(s.database_bytes))}
                        </dl>
                    }.into_any(),
                })}
            </Transition>
        </section>
        <RetentionCard stats/>
        <SecurityCard/>
    }
}

#[component]
fn RetentionCard(stats: LocalResource<Result<Stats, api::ApiError>>) -> impl IntoView {
    let session = expect_context::<Session>();
    let days = RwSignal::new(String::new());
    let outcome: Outcome = RwSignal::new(None);
    let save = move |value: Option<u32>| {
        spawn_local(async move {
            let result = api::admin::set_retention(session, value).await.map(|r| format!("Saved. {}", policy(r.days)));
            outcome.set(Some(result));
            stats.refetch();
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // The server checks the range; only text that is no number at all is refused here.
        match days.get_untracked().trim().parse::<u32>() {
            Ok(value) => save(Some(value)),
            Err(_) => outcome.set(Some(Err(api::ApiError {
                code: None,
                field: Some("days".to_owned()),
                message: "A whole number of days, such as 365.".to_owned(),
            }))),
        }
    };
    let current = move || {
        stats.get().and_then(|r| r.ok()).map(|s| {
            let last_run =
                s.retention_last_run_at.map(|t| when(t.timestamp_millis())).unwrap_or_else(|| "never".into());
            view! {
                <p data-testid="retention-policy"><strong>{policy(s.retention_days)}</strong></p>
                <p class="lede small" data-testid="retention-runs">
                    {format!("Last run: {last_run} · removed so far: {}", s.retention_removed_total)}
                </p>
            }
        })
    };
    view! {
        <section class="card">
            <h2>"Retention"</h2>
            {current}
            <form class="retention-form" on:submit=submit novalidate>
                <Field label="Keep messages for (days)" name="days" value=days error=field_error(outcome, "days")
                    hint="Older messages are removed for everyone; 1 to 36,500."/>
                <div class="form-actions">
                    <button type="submit">"Set retention"</button>
                    <button type="button" class="secondary" on:click=move |_| save(None)>"Keep forever"</button>
                </div>
            </form>
            {outcome_view(outcome)}
        </section>
    }
}

/// The switch requiring two-factor authentication of administrators. The server refuses to turn
/// it on for an admin without their own (`two_factor_required`), and the switch goes back.
#[component]
fn SecurityCard() -> impl IntoView {
    let session = expect_context::<Session>();
    let SecurityCheck(security) = expect_context::<SecurityCheck>();
    let required = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(policy)) = security.get() {
            required.set(policy.require_two_factor_for_admins);
        }
    });
    let busy = RwSignal::new(false);
    let outcome: Outcome = RwSignal::new(None);
    let change = move |ev: leptos::ev::Event| {
        let wanted = event_target_checked(&ev);
        required.set(wanted);
        busy.set(true);
        spawn_local(async move {
            let policy = SecurityPolicy { require_two_factor_for_admins: wanted };
            let result = api::admin::set_security(session, policy).await.map(|p| {
                required.set(p.require_two_factor_for_admins);
                if p.require_two_factor_for_admins {
                    "Saved. Administrators need two-factor authentication to use administration.".to_owned()
                } else {
                    "Saved. Administrators no longer need two-factor authentication.".to_owned()
                }
            });
            if result.is_err() {
                required.set(!wanted);
            }
            outcome.set(Some(result));
            busy.set(false);
        });
    };
    view! {
        <section class="card" aria-labelledby="security-title">
            <h2 id="security-title">"Security"</h2>
            <label class="pick">
                <input type="checkbox" role="switch" prop:checked=move || required.get()
                    disabled=move || busy.get() on:change=change/>
                "Require two-factor authentication for administrators"
            </label>
            <p class="lede small">
                "Administrators without it are kept out of administration until they turn it on in their \
                settings. Turn on your own first."
            </p>
            {outcome_view(outcome)}
        </section>
    }
}
