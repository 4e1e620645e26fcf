//! A message's attachments inside its bubble: pictures as a grid of thumbnails (their space
//! reserved from the stored size, their blurred colours shown until they load, loaded lazily)
//! that open the viewer, videos and sounds with
//! the browser's own controls, voice messages with their waveform, and anything else as a card
//! with its name, type, size and a download link. Every URL carries the media-access token.

use leptos::prelude::*;
use protocol::media::{Attachment, MediaKind};
use wasm_bindgen::JsCast;

use crate::components::image_viewer::ImageViewer;
use crate::components::voice_note::VoiceNote;
use crate::locale::{t, t_string, use_i18n};
use crate::media::file_type::type_label;
use crate::media::layout::fit;
use crate::media::placeholder::data_url;
use crate::media::size::human_size;
use crate::state::media::Media;

/// The box one picture alone is drawn in; a grid's cells are squares of [`CELL`].
const SINGLE: (u32, u32) = (280, 320);
const CELL: u32 = 140;

/// The attachments of one message, in the sender's order (pictures gathered in one grid).
#[component]
pub fn MessageAttachments(attachments: Vec<Attachment>) -> impl IntoView {
    let (images, others): (Vec<Attachment>, Vec<Attachment>) =
        attachments.into_iter().partition(|a| a.kind == MediaKind::Image);
    let others = others.into_iter().map(|a| view! { <OtherAttachment attachment=a/> }).collect_view();
    view! {
        <div class="attachments" data-testid="attachments">
            {(!images.is_empty()).then(|| view! { <ImageGrid images/> })}
            {others}
        </div>
    }
}

/// Pictures as thumbnails; a click (or Enter) opens the viewer at that picture, and closing it
/// returns focus to the thumbnail it was opened from.
#[component]
fn ImageGrid(images: Vec<Attachment>) -> impl IntoView {
    let i18n = use_i18n();
    let media = expect_context::<Media>();
    let open = RwSignal::new(None::<usize>);
    let opener = StoredValue::new_local(None::<web_sys::HtmlElement>);
    let close = Callback::new(move |()| {
        open.set(None);
        if let Some(el) = opener.get_value() {
            let _ = el.focus();
        }
    });
    let single = images.len() == 1;
    let tiles = images
        .iter()
        .enumerate()
        .map(|(i, image)| {
            let (width, height) =
                if single { fit(image.width.zip(image.height), SINGLE.0, SINGLE.1) } else { (CELL, CELL) };
            let (src, failed) = media.source(image.thumbnail.as_deref().unwrap_or(&image.url));
            let placeholder = image.thumbhash.as_deref().and_then(data_url);
            let name = image.name.clone();
            view! {
                <button type="button" class="image-tile" data-testid="image-tile" aria-label={
                        let name = name.clone();
                        move || t_string!(i18n, composer.open_photo, name = name.clone()).to_string()
                    }
                    on:click=move |ev| {
                        opener.set_value(ev.current_target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()));
                        open.set(Some(i));
                    }>
                    {placeholder.map(|p| view! {
                        <img class="placeholder" src=p alt="" aria-hidden="true" width=width height=height/>
                    })}
                    <img src=src alt=name.clone() width=width height=height loading="lazy" decoding="async"
                        on:error=move |_| failed()/>
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="image-grid" class:single=single data-count=images.len().min(4).to_string()>{tiles}</div>
        <Show when=move || open.with(Option::is_some)>
            <ImageViewer images=images.clone() index=open close/>
        </Show>
    }
}

/// A video, a sound, a voice message or a file card.
#[component]
fn OtherAttachment(attachment: Attachment) -> impl IntoView {
    let media = expect_context::<Media>();
    let (src, failed) = media.source(&attachment.url);
    let name = attachment.name.clone();
    match attachment.kind {
        MediaKind::Video => view! {
            <video class="attachment-video" controls preload="metadata" src=src aria-label=name
                on:error=move |_| failed()></video>
        }
        .into_any(),
        MediaKind::Voice => view! { <VoiceNote attachment/> }.into_any(),
        MediaKind::Audio => view! {
            <figure class="attachment-audio">
                <figcaption>{name.clone()}</figcaption>
                <audio controls preload="metadata" src=src aria-label=name on:error=move |_| failed()></audio>
            </figure>
        }
        .into_any(),
        MediaKind::Image | MediaKind::File => view! { <FileCard attachment/> }.into_any(),
    }
}

/// A file offered for download: what it is and how big, and the link.
#[component]
fn FileCard(attachment: Attachment) -> impl IntoView {
    let i18n = use_i18n();
    let media = expect_context::<Media>();
    // A link takes the current token whenever it is followed, so it never needs a retry.
    let path = attachment.url.clone();
    let href = move || media.url(&path);
    let (file_name, content_type, size) = (attachment.name.clone(), attachment.content_type.clone(), attachment.size);
    let meta = move || format!("{} · {}", type_label(&file_name, &content_type, i18n.get_locale()), human_size(size));
    let name = attachment.name;
    view! {
        <div class="file-card" data-testid="file-card">
            <span class="file-icon" aria-hidden="true">
                <svg viewBox="0 0 24 24" width="22" height="22">
                    <path d="M6 2.8h8l4.2 4.2v14.2H6z M14 2.8V7h4.2" fill="none" stroke="currentColor" stroke-width="1.6"
                        stroke-linejoin="round"/>
                </svg>
            </span>
            <span class="file-text">
                <span class="file-name" title=name.clone()>{name.clone()}</span>
                <span class="file-meta">{meta}</span>
            </span>
            <a class="file-download" href=href download=name.clone() data-testid="file-download"
                aria-label={
                    let name = name.clone();
                    move || t_string!(i18n, composer.download_file, name = name.clone()).to_string()
                }>{t!(i18n, composer.download)}</a>
        </div>
    }
}
