//! Choosing a profile photo, a group's photo or one of one's bots' pictures: a picture picked from the device is uploaded
//! (with its progress shown), then made the photo; "Remove photo" goes back to initials. The
//! server makes the thumbnail, so any picture it accepts will do.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::media::MediaKind;
use protocol::{ConversationId, UserId};

use crate::api::media::Cancel;
use crate::api::{self, ApiError};
use crate::locale::{error_text, t, t_string, td_string, use_i18n};
use crate::state::chat::Chat;
use crate::state::session::Session;
use crate::state::uploads::files_of;

/// Whose photo it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotoOf {
    /// The signed-in user's.
    Me,
    /// A group's (its owners and admins may change it).
    Group(ConversationId),
    /// One of the user's bots' (the bot has no session to upload with, so its owner does).
    Bot(UserId),
}

/// The photo controls of `of`; `has_photo` says whether "Remove photo" applies; `saved` runs
/// after a change is stored (a bot's list is reloaded by its owner's settings, not a context).
#[component]
pub fn PhotoPicker(
    of: PhotoOf,
    #[prop(into)] has_photo: Signal<bool>,
    #[prop(optional)] saved: Option<Callback<()>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let chat = expect_context::<Chat>();
    let input = NodeRef::<Input>::new();
    let progress = RwSignal::new(None::<f64>);
    let error = RwSignal::new(None::<String>);
    // Stores the server's answer wherever the app reads that photo from.
    let apply = move |media| {
        spawn_local(async move {
            let stored = match of {
                PhotoOf::Me => api::account::set_avatar(session, media).await.map(|me| session.user.set(Some(me))),
                PhotoOf::Group(id) => {
                    api::conversations::set_photo(session, id, media).await.map(|summary| chat.upsert_summary(summary))
                }
                PhotoOf::Bot(id) => api::bots::set_avatar(session, id, media).await.map(|_| ()),
            };
            if stored.is_ok()
                && let Some(saved) = saved
            {
                saved.run(());
            }
            progress.set(None);
            error.set(stored.err().map(|e: ApiError| error_text(&e, i18n.get_locale_untracked())));
        });
    };
    let picked = move |_| {
        let Some(el) = input.get_untracked() else { return };
        let Some(file) = files_of(el.files()).into_iter().next() else { return };
        el.set_value("");
        progress.set(Some(0.0));
        error.set(None);
        spawn_local(async move {
            let uploaded = api::media::upload(
                session,
                &api::media::Upload::file(&file),
                move |p| progress.set(Some(p)),
                &Cancel::default(),
            )
            .await;
            match uploaded {
                Ok(picture) if picture.kind == MediaKind::Image => apply(Some(picture.id)),
                Ok(_) => {
                    progress.set(None);
                    error.set(Some(td_string!(i18n.get_locale_untracked(), composer.photo_not_a_picture).to_owned()));
                }
                Err(e) => {
                    progress.set(None);
                    error.set(Some(error_text(&e, i18n.get_locale_untracked())));
                }
            }
        });
    };
    let busy = move || progress.get().is_some();
    view! {
        <div class="photo-picker">
            <input type="file" accept="image/*" hidden node_ref=input data-testid="photo-input" tabindex="-1"
                aria-hidden="true" on:change=picked/>
            <button type="button" class="secondary" disabled=busy
                on:click=move |_| { if let Some(el) = input.get_untracked() { el.click(); } }>
                {move || if has_photo.get() { t_string!(i18n, composer.photo_change) } else { t_string!(i18n, composer.photo_choose) }}
            </button>
            <Show when=move || has_photo.get() && !busy()>
                <button type="button" class="ghost" on:click=move |_| { progress.set(Some(1.0)); apply(None); }>
                    {t!(i18n, composer.photo_remove)}
                </button>
            </Show>
            {move || progress.get().map(|p| view! { <progress max="1" value=p aria-label=move || t_string!(i18n, composer.photo_uploading)></progress> })}
            {move || error.get().map(|e| view! { <p class="form-error small" role="alert">{e}</p> })}
        </div>
    }
}
