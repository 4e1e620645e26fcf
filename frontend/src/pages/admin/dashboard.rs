//! `/admin`: the operators' dashboard (users, conversations, messages, live connections, the
//! database's size), the retention policy, with a form to change it (a period of days deletes
//! at once, so it is asked for again in a dialog first), and the security policy's switch
//! requiring two-factor authentication of administrators.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::admin::{SecurityPolicy, Stats};

use super::{AdminFrame, Outcome, SecurityCheck, field_error, outcome_view, when};
use crate::api;
use crate::components::confirm_dialog::ConfirmDialog;
use crate::components::field::Field;
use crate::locale::{Locale, error_text, t, t_string, td_string, use_i18n};
use crate::state::session::Session;

/// The dashboard page.
#[component]
pub fn AdminDashboard() -> impl IntoView {
    view! { <AdminFrame><Dashboard/></AdminFrame> }
}

/// One number with its label.
fn stat(key: &'static str, label: impl IntoView + 'static, value: impl IntoView + 'static) -> impl IntoView {
    view! {
        <div class="stat" data-testid=format!("stat-{key}")>
            <dt>{label}</dt>
            <dd>{value}</dd>
        </div>
    }
}

/// Bytes as megabytes with one decimal, the scale a chat database lives at (the decimal mark is
/// the language's).
fn megabytes(language: Locale, bytes: i64) -> String {
    let tenths = (bytes as f64 / 1_048_576.0 * 10.0).round() as i64;
    let (whole, tenth) = (tenths / 10, tenths % 10);
    td_string!(language, admin.megabytes, whole, tenth).to_string()
}

/// The retention policy in a sentence.
fn policy(language: Locale, days: Option<u32>) -> String {
    match days {
        None => td_string!(language, admin.retention_forever).to_owned(),
        Some(1) => td_string!(language, admin.retention_one_day).to_owned(),
        Some(days) => td_string!(language, admin.retention_days, days).to_string(),
    }
}

/// "1 day", "365 days".
fn period(language: Locale, days: u32) -> String {
    match days {
        1 => td_string!(language, admin.period_one_day).to_owned(),
        days => td_string!(language, admin.period_days, days).to_string(),
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let stats = LocalResource::new(move || api::admin::stats(session));
    view! {
        <section class="card">
            <div class="card-head">
                <h1>{t!(i18n, admin.dashboard_title)}</h1>
                <button type="button" class="secondary small" on:click=move |_| stats.refetch()>{t!(i18n, admin.refresh)}</button>
            </div>
            <Transition fallback=move || view! { <p class="empty">{t!(i18n, common.loading)}</p> }>
                {move || stats.get().map(|result| match result {
                    Err(e) => view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> }.into_any(),
                    Ok(s) => view! {
                        <dl class="stats">
                            {stat("users_total", t!(i18n, admin.stat_users), s.users_total.to_string())}
                            {stat("users_online", t!(i18n, admin.stat_online), s.users_online.to_string())}
                            {stat("conversations", t!(i18n, admin.stat_conversations), s.conversations.to_string())}
                            {stat("messages_today", t!(i18n, admin.stat_messages_today), s.messages_today.to_string())}
                            {stat("messages_total", t!(i18n, admin.stat_messages_total), s.messages_total.to_string())}
                            {stat("websocket_connections", t!(i18n, admin.stat_websockets), s.websocket_connections.to_string())}
                            {stat("database_size", t!(i18n, admin.stat_database_size),
                                move || megabytes(i18n.get_locale(), s.database_bytes))}
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
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let days = RwSignal::new(String::new());
    let outcome: Outcome = RwSignal::new(None);
    // A period waiting for the admin's confirmation: setting it deletes every older message.
    let confirming = RwSignal::new(None::<u32>);
    let save = move |value: Option<u32>| {
        let language = i18n.get_locale_untracked();
        spawn_local(async move {
            let result = api::admin::set_retention(session, value)
                .await
                .map(|r| td_string!(language, admin.retention_saved, policy = policy(language, r.days)).to_string());
            outcome.set(Some(result));
            stats.refetch();
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // The server checks the range; only text that is no number at all is refused here.
        match days.get_untracked().trim().parse::<u32>() {
            Ok(value) => {
                outcome.set(None);
                confirming.set(Some(value));
            }
            Err(_) => outcome.set(Some(Err(api::ApiError {
                code: None,
                field: Some("days".to_owned()),
                message: td_string!(i18n.get_locale_untracked(), admin.retention_not_a_number).to_owned(),
            }))),
        }
    };
    let current = move || {
        let language = i18n.get_locale();
        stats.get().and_then(|r| r.ok()).map(|s| {
            let last_run = s
                .retention_last_run_at
                .map(|t| when(t.timestamp_millis()))
                .unwrap_or_else(|| t_string!(i18n, admin.retention_never).to_owned());
            let removed = s.retention_removed_total;
            view! {
                <p data-testid="retention-policy"><strong>{policy(language, s.retention_days)}</strong></p>
                <p class="lede small" data-testid="retention-runs">
                    {td_string!(language, admin.retention_runs, last_run, removed).to_string()}
                </p>
            }
        })
    };
    view! {
        <section class="card">
            <h2>{t!(i18n, admin.retention_title)}</h2>
            {current}
            <form class="retention-form" on:submit=submit novalidate>
                <Field label=t_string!(i18n, admin.retention_days_label) name="days" value=days error=field_error(outcome, "days")
                    hint=t_string!(i18n, admin.retention_days_hint)/>
                <div class="form-actions">
                    <button type="submit">{t!(i18n, admin.set_retention)}</button>
                    <button type="button" class="secondary" on:click=move |_| save(None)>{t!(i18n, admin.keep_forever)}</button>
                </div>
            </form>
            {outcome_view(outcome)}
            {move || confirming.get().map(|days| {
                let period = period(i18n.get_locale(), days);
                view! {
                    <ConfirmDialog title=t_string!(i18n, admin.retention_confirm_title, period = period.clone()).to_string()
                        action=t_string!(i18n, admin.retention_confirm_action)
                        confirm=Callback::new(move |()| { confirming.set(None); save(Some(days)); })
                        cancel=Callback::new(move |()| confirming.set(None))>
                        <p>{t_string!(i18n, admin.retention_confirm_text, period).to_string()}</p>
                    </ConfirmDialog>
                }
            })}
        </section>
    }
}

/// The switch requiring two-factor authentication of administrators. The server refuses to turn
/// it on for an admin without their own (`two_factor_required`), and the switch goes back.
#[component]
fn SecurityCard() -> impl IntoView {
    let i18n = use_i18n();
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
        let language = i18n.get_locale_untracked();
        spawn_local(async move {
            let policy = SecurityPolicy { require_two_factor_for_admins: wanted };
            let result = api::admin::set_security(session, policy).await.map(|p| {
                required.set(p.require_two_factor_for_admins);
                if p.require_two_factor_for_admins {
                    td_string!(language, admin.security_saved_on).to_owned()
                } else {
                    td_string!(language, admin.security_saved_off).to_owned()
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
            <h2 id="security-title">{t!(i18n, admin.security_title)}</h2>
            <label class="pick">
                <input type="checkbox" role="switch" prop:checked=move || required.get()
                    disabled=move || busy.get() on:change=change/>
                {t!(i18n, admin.require_two_factor)}
            </label>
            <p class="lede small">{t!(i18n, admin.require_two_factor_lede)}</p>
            {outcome_view(outcome)}
        </section>
    }
}
