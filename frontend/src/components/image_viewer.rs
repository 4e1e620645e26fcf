//! The picture viewer: a modal `<dialog>` (so the page behind is inert and focus stays inside)
//! showing one of a message's pictures at full size, with previous and next (also the arrow
//! keys), a download link, and Esc, the × or a click beside the picture to close, after which
//! focus goes back to the thumbnail it was opened from (the caller's `close`). A modal dialog
//! alone lets Tab leave for the browser's own controls; here Tab wraps around inside it.

use leptos::html::Dialog;
use leptos::prelude::*;
use protocol::media::Attachment;
use wasm_bindgen::JsCast;

use crate::media::layout::fit;
use crate::state::media::Media;

/// The viewer over `images`, at `index` (which it moves); `close` is called once it has shut.
#[component]
pub fn ImageViewer(images: Vec<Attachment>, index: RwSignal<Option<usize>>, close: Callback<()>) -> impl IntoView {
    let media = expect_context::<Media>();
    let dialog = NodeRef::<Dialog>::new();
    let total = images.len();
    Effect::new(move |_| {
        if let Some(el) = dialog.get()
            && !el.open()
        {
            let _ = el.show_modal();
        }
    });
    // The dialog shuts first: focus cannot return to the page while it is still modal.
    let shut = move || {
        if let Some(el) = dialog.get_untracked()
            && el.open()
        {
            el.close();
        }
        close.run(());
    };
    let step = move |by: usize| index.update(|i| *i = i.map(|i| (i + by) % total.max(1)));
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "ArrowRight" if total > 1 => step(1),
        "ArrowLeft" if total > 1 => step(total - 1),
        "Escape" => {
            ev.prevent_default();
            shut();
        }
        "Tab" => keep_focus_inside(dialog, &ev),
        _ => {}
    };
    let current = move || index.get().and_then(|i| images.get(i).cloned());
    let picture = move || {
        current().map(|image| {
            let (width, height) = fit(image.width.zip(image.height), 1600, 1600);
            let (src, failed) = media.source(&image.url);
            let path = image.url.clone();
            let href = move || media.url(&path);
            let name = image.name.clone();
            view! {
                <div class="viewer-bar">
                    <span class="viewer-name" id="viewer-name">{name.clone()}</span>
                    {(total > 1).then(|| view! {
                        <span class="viewer-count" aria-live="polite">
                            {format!("{} of {total}", index.get_untracked().unwrap_or(0) + 1)}
                        </span>
                    })}
                    <a class="viewer-download" href=href download=name.clone()>"Download"</a>
                    <button type="button" class="ghost viewer-close" aria-label="Close" autofocus
                        data-testid="viewer-close" on:click=move |_| shut()>"✕"</button>
                </div>
                <div class="viewer-stage" on:click=move |ev| if ev.target() == ev.current_target() { shut(); }>
                    <img class="viewer-image" src=src alt=name width=width height=height
                        on:error=move |_| failed() data-testid="viewer-image"/>
                </div>
            }
        })
    };
    view! {
        <dialog class="image-viewer" node_ref=dialog aria-labelledby="viewer-name" data-testid="image-viewer"
            on:keydown=on_keydown on:close=move |_| close.run(())
            // A click beside the picture (on the dialog or the picture's stage) closes it.
            on:click=move |ev| if ev.target() == ev.current_target() { shut(); }>
            {picture}
            {(total > 1).then(|| view! {
                <button type="button" class="viewer-step previous" aria-label="Previous photo"
                    on:click=move |_| step(total - 1)>"‹"</button>
                <button type="button" class="viewer-step next" aria-label="Next photo"
                    on:click=move |_| step(1)>"›"</button>
            })}
        </dialog>
    }
}

/// Tab from the dialog's last control goes to its first (Shift+Tab from the first to the last).
fn keep_focus_inside(dialog: NodeRef<Dialog>, ev: &leptos::ev::KeyboardEvent) {
    let Some(el) = dialog.get_untracked() else { return };
    let Ok(controls) = el.query_selector_all("a[href], button:not([disabled])") else { return };
    let (first, last) = (controls.item(0), controls.item(controls.length().saturating_sub(1)));
    let active: Option<web_sys::Node> = document().active_element().map(Into::into);
    let at =
        |node: &Option<web_sys::Node>| node.is_some() && active.as_ref().is_some_and(|a| a.is_same_node(node.as_ref()));
    let wrap_to = match ev.shift_key() {
        true if at(&first) || active.as_ref().is_some_and(|a| a.is_same_node(Some(&el))) => last,
        false if at(&last) => first,
        _ => None,
    };
    if let Some(target) = wrap_to.and_then(|node| node.dyn_into::<web_sys::HtmlElement>().ok()) {
        ev.prevent_default();
        let _ = target.focus();
    }
}
