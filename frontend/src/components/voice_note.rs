//! A voice message: its waveform as bars (drawn as SVG attributes, since the
//! Content-Security-Policy refuses inline styles), its length, and the browser's player.

use leptos::prelude::*;
use protocol::media::Attachment;

use crate::media::duration::clock_duration;
use crate::media::waveform::bars;
use crate::state::media::Media;

/// Bars drawn at most: about what a phone-width bubble holds at 4 px a bar.
const BARS: usize = 48;
/// Height of the drawing, in SVG units.
const HEIGHT: f64 = 28.0;

/// The voice message `attachment`.
#[component]
pub fn VoiceNote(attachment: Attachment) -> impl IntoView {
    let media = expect_context::<Media>();
    let (src, failed) = media.source(&attachment.url);
    let heights = bars(&attachment.waveform, BARS);
    let width = heights.len() * 4;
    let wave = (!heights.is_empty()).then(|| {
        let rects = heights
            .into_iter()
            .enumerate()
            .map(|(i, h)| {
                let bar = (h * HEIGHT).max(2.0);
                view! {
                    <rect x=(i * 4).to_string() y=format!("{:.1}", (HEIGHT - bar) / 2.0) width="2.5"
                        height=format!("{bar:.1}") rx="1.2"/>
                }
            })
            .collect_view();
        view! {
            <svg class="waveform" viewBox=format!("0 0 {width} {HEIGHT}") width=width.to_string()
                height=HEIGHT.to_string() aria-hidden="true" data-testid="waveform">{rects}</svg>
        }
    });
    let length = attachment.duration_ms.map(clock_duration);
    let label = match &length {
        Some(length) => format!("Voice message, {length}"),
        None => "Voice message".to_owned(),
    };
    view! {
        <figure class="voice-note" data-testid="voice-note">
            <div class="voice-head">
                <span class="voice-mark" aria-hidden="true">"🎤"</span>
                {wave}
                {length.map(|l| view! { <span class="voice-length">{l}</span> })}
            </div>
            <audio controls preload="metadata" src=src aria-label=label on:error=move |_| failed()></audio>
        </figure>
    }
}
