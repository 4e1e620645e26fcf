//! A voice message: its waveform as bars (drawn as SVG attributes, since the
//! Content-Security-Policy refuses inline styles), its length, and the browser's player. The
//! bars already played are marked, and a click on the waveform seeks there: recordings made by
//! `MediaRecorder` carry no duration, so the browser's own slider cannot seek them until they
//! have played through, while the waveform knows the length the recorder measured. Such a file
//! is also read to its end once (a seek past it, then back) so the browser learns its length
//! and its own slider works too; a voice message is small enough for that.

use leptos::html::Audio;
use leptos::prelude::*;
use protocol::media::Attachment;

use crate::locale::{t_string, use_i18n};
use crate::media::duration::clock_duration;
use crate::media::waveform::bars;
use crate::state::media::Media;
use wasm_bindgen::JsCast;

/// Bars drawn at most: about what a phone-width bubble holds at 4 px a bar.
const BARS: usize = 48;
/// Height of the drawing, in SVG units.
const HEIGHT: f64 = 28.0;

/// The voice message `attachment`.
#[component]
pub fn VoiceNote(attachment: Attachment) -> impl IntoView {
    let i18n = use_i18n();
    let media = expect_context::<Media>();
    let (src, failed) = media.source(&attachment.url);
    let heights = bars(&attachment.waveform, BARS);
    let count = heights.len();
    let width = count * 4;
    let audio = NodeRef::<Audio>::new();
    // Share of the message played, 0–1, for marking the bars.
    let played = RwSignal::new(0.0f64);
    let known_ms = attachment.duration_ms;
    // The length in seconds: the file's own when the browser knows it, else the measured one.
    let length_s = move |el: &web_sys::HtmlAudioElement| {
        let own = el.duration();
        if own.is_finite() && own > 0.0 { Some(own) } else { known_ms.map(|ms| f64::from(ms) / 1000.0) }
    };
    // Learning the length of a file without one: the seek to its end must not show as played.
    let measuring = StoredValue::new(false);
    let on_metadata = move |_| {
        let Some(el) = audio.get_untracked() else { return };
        if el.duration().is_infinite() {
            measuring.set_value(true);
            el.set_current_time(1e101);
        }
    };
    let on_duration = move |_| {
        let Some(el) = audio.get_untracked() else { return };
        if measuring.get_value() && el.duration().is_finite() {
            measuring.set_value(false);
            el.set_current_time(0.0);
        }
    };
    let on_time = move |_| {
        let Some(el) = audio.get_untracked().filter(|_| !measuring.get_value()) else { return };
        if let Some(total) = length_s(&el) {
            played.set((el.current_time() / total).clamp(0.0, 1.0));
        }
    };
    let seek = move |ev: leptos::ev::MouseEvent| {
        let (Some(el), Some(target)) = (audio.get_untracked(), ev.current_target()) else { return };
        let Some(total) = length_s(&el) else { return };
        let rect = target.unchecked_into::<web_sys::Element>().get_bounding_client_rect();
        if rect.width() <= 0.0 {
            return;
        }
        let share = ((f64::from(ev.client_x()) - rect.left()) / rect.width()).clamp(0.0, 1.0);
        el.set_current_time(share * total);
        played.set(share);
    };
    let wave = (!heights.is_empty()).then(|| {
        let rects = heights
            .into_iter()
            .enumerate()
            .map(|(i, h)| {
                let bar = (h * HEIGHT).max(2.0);
                // A bar counts as played once playback has passed its middle.
                let middle = (i as f64 + 0.5) / count as f64;
                let done = move || played.get() >= middle;
                view! {
                    <rect x=(i * 4).to_string() y=format!("{:.1}", (HEIGHT - bar) / 2.0) width="2.5"
                        height=format!("{bar:.1}") rx="1.2" class:played=done/>
                }
            })
            .collect_view();
        view! {
            <svg class="waveform seekable" viewBox=format!("0 0 {width} {HEIGHT}") width=width.to_string()
                height=HEIGHT.to_string() aria-hidden="true" data-testid="waveform" on:click=seek>{rects}</svg>
        }
    });
    let length = attachment.duration_ms.map(clock_duration);
    let label = {
        let length = length.clone();
        move || match &length {
            Some(length) => t_string!(i18n, composer.voice_message_length, length = length.clone()).to_string(),
            None => t_string!(i18n, composer.voice_message).to_owned(),
        }
    };
    view! {
        <figure class="voice-note" data-testid="voice-note">
            <div class="voice-head">
                <span class="voice-mark" aria-hidden="true">"🎤"</span>
                {wave}
                {length.map(|l| view! { <span class="voice-length">{l}</span> })}
            </div>
            <audio controls preload="metadata" src=src aria-label=label node_ref=audio on:timeupdate=on_time
                on:loadedmetadata=on_metadata on:durationchange=on_duration
                on:error=move |_| failed()></audio>
        </figure>
    }
}
