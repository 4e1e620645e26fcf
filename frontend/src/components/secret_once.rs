//! A secret the server shows only once (a webhook's URL, a signing secret): in a warning box
//! with a copy button, until the person says they have it. Confab keeps only a hash of such a
//! secret, so this box is the one chance to take it.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::clipboard;
use crate::locale::{t, use_i18n};

/// The box: `title` in bold, `secret` in a code line with its copy button, then `children` (a
/// usage example, say); `done` runs on "I have copied it". The caller's texts come translated.
#[component]
pub fn SecretOnce(
    /// What was made, e.g. "Webhook “Deploys” created. Copy its URL now: you won’t see it again."
    #[prop(into)]
    title: String,
    /// The secret itself.
    #[prop(into)]
    secret: String,
    /// The copy button's label, e.g. "Copy URL".
    #[prop(into)]
    copy_label: String,
    /// The secret's name for screen readers, e.g. "The new URL".
    #[prop(into)]
    secret_label: String,
    /// The `data-testid` of the box (the secret's own is `{testid}-secret`).
    #[prop(into)]
    testid: String,
    /// Runs when the person dismisses it.
    done: Callback<()>,
    /// More to show under the secret.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let i18n = use_i18n();
    let copied = RwSignal::new(None::<Result<(), String>>);
    let to_copy = secret.clone();
    let copy = move |_| {
        let text = to_copy.clone();
        spawn_local(async move {
            let result = clipboard::copy(&text, i18n.get_locale_untracked()).await;
            let worked = result.is_ok();
            copied.set(Some(result));
            if worked {
                // The tick goes back to "Copy" so a second copy is acknowledged too.
                gloo_timers::future::TimeoutFuture::new(2_000).await;
                copied.set(None);
            }
        });
    };
    view! {
        <div class="notice warning new-secret" role="status" data-testid=testid.clone()>
            <p><strong>{title}</strong></p>
            <div class="secret-row">
                <code class="secret" data-testid=format!("{testid}-secret") aria-label=secret_label>{secret}</code>
                <button type="button" class="secondary small" on:click=copy>
                    {move || if matches!(copied.get(), Some(Ok(()))) {
                        t!(i18n, integrations.secret_copied).into_any()
                    } else {
                        copy_label.clone().into_any()
                    }}
                </button>
            </div>
            {move || copied.get().and_then(|r| r.err()).map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
            {children.map(|children| children())}
            <button type="button" class="small" on:click=move |_| done.run(())>{t!(i18n, integrations.secret_done)}</button>
        </div>
    }
}
