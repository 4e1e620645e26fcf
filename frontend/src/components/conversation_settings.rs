//! The reader's own settings of the open conversation, in its header: mute (8 hours, a week,
//! or until unmuted; mentions still notify) and archive (hidden from the list until a newer
//! message). The server sends the change to the reader's other devices too.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::ConversationId;
use protocol::conversations::{ConversationSettings, UpdateConversationSettings};

use crate::api;
use crate::locale::{Locale, error_text, t_string, td_string, use_i18n};
use crate::state::chat::{Chat, is_archived, is_muted, now_ms};
use crate::state::session::Session;

/// Hours of each mute choice; "until unmuted" is a time decades ahead.
const CHOICES: [(&str, Option<i64>); 4] =
    [("on", None), ("8h", Some(8)), ("week", Some(24 * 7)), ("always", Some(24 * 365 * 100))];

/// What the mute choice `value` says in `language`.
fn choice_label(value: &str, language: Locale) -> &'static str {
    match value {
        "on" => td_string!(language, chat.mute_off),
        "8h" => td_string!(language, chat.mute_8h),
        "week" => td_string!(language, chat.mute_week),
        _ => td_string!(language, chat.mute_always),
    }
}

/// The mute choice and the archive button of conversation `id`.
#[component]
pub fn ConversationSettingsControls(id: ConversationId) -> impl IntoView {
    let i18n = use_i18n();
    let chat = expect_context::<Chat>();
    let session = expect_context::<Session>();
    let error = RwSignal::new(None::<String>);
    let settings = Memo::new(move |_| chat.summary(id).map(|s| s.settings).unwrap_or_default());
    let muted = Memo::new(move |_| chat.summary(id).is_some_and(|s| is_muted(&s, now_ms())));
    let archived = Memo::new(move |_| chat.summary(id).is_some_and(|s| is_archived(&s)));

    let save = move |muted_until, archived: bool| {
        spawn_local(async move {
            let body = UpdateConversationSettings { muted_until, archived };
            match api::conversations::update_settings(session, id, body).await {
                Ok(stored) => {
                    chat.set_settings(id, stored);
                    error.set(None);
                }
                Err(e) => error.set(Some(error_text(&e, i18n.get_locale_untracked()))),
            }
        });
    };
    let on_mute = move |ev| {
        let choice = event_target_value(&ev);
        let hours = CHOICES.iter().find(|c| c.0 == choice).and_then(|c| c.1);
        save(hours.and_then(chrono_in_hours), archived.get_untracked());
    };
    let on_archive = move |_| {
        let ConversationSettings { muted_until, .. } = settings.get_untracked();
        save(muted_until, !archived.get_untracked());
    };
    view! {
        <select class="mute-choice" aria-label=move || t_string!(i18n, chat.notifications) data-testid="mute" on:change=on_mute>
            {CHOICES.iter().map(|(value, _)| {
                let selected = move || if *value == "on" { !muted.get() } else { false };
                view! { <option value=*value selected=selected>{move || choice_label(value, i18n.get_locale())}</option> }
            }).collect_view()}
            {move || muted.get().then(|| view! {
                <option value="keep" selected=true disabled=true>{t_string!(i18n, chat.muted)}</option>
            })}
        </select>
        <button type="button" class="ghost small" data-testid="archive" aria-pressed=move || archived.get().to_string()
            on:click=on_archive>
            {move || if archived.get() { t_string!(i18n, chat.unarchive) } else { t_string!(i18n, chat.archive) }}
        </button>
        {move || error.get().map(|e| view! { <span class="form-error small" role="alert">{e}</span> })}
    }
}

/// The time `hours` from now (the browser's clock: chrono's own `now` needs a feature the app
/// does not otherwise use).
fn chrono_in_hours(hours: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(now_ms() as i64 + hours * 3_600_000)
}
