//! The composer's microphone: tap to record a voice message, see its running time and a live
//! level meter, then Cancel (nothing is kept) or Send, which stops, uploads the recording as a
//! voice message (with its measured length and waveform, progress shown, cancellable) and sends
//! it alone through the outbox, answering the message being replied to, if any. Or press and
//! hold: releasing sends, sliding away or Escape cancels (`crate::hold` tells a tap from a hold).
//! Pointer events, captured by the recorder's own element (the button itself is replaced by the
//! recorder while recording), make this work alike for a mouse and a finger.

use std::time::Duration;

use leptos::ev::PointerEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::ConversationId;
use protocol::conversations::Message;
use wasm_bindgen::JsCast;

use crate::api;
use crate::api::media::{Cancel, Upload};
use crate::api::ws::Gateway;
use crate::hold::{Area, Press, Release};
use crate::locale::{error_text, t, t_string, td_string, use_i18n};
use crate::media::duration::clock_duration;
use crate::recorder::{self, Recording};
use crate::state::session::Session;

/// How often the level is read: ten times a second, the waveform's resolution.
const SAMPLE_EVERY: Duration = Duration::from_millis(100);
/// Levels the meter shows: the last three seconds or so.
const METER_BARS: usize = 32;
/// The longest voice message the server takes (an hour); reaching it sends the recording.
const MAX_MS: u32 = 3_600_000;

/// Where the recorder stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Waiting for a tap on the microphone.
    Idle,
    /// Asking the browser for the microphone (its prompt may be open).
    Starting,
    Recording,
    /// The recording is on its way to the server.
    Sending,
}

/// The recorder of conversation `id`'s composer. `active` is true from the first tap until the
/// voice message leaves or is cancelled (the composer hides its text field meanwhile); `error`
/// receives why recording or sending failed; `sent` fires after a send.
#[component]
pub fn VoiceRecorder(
    id: ConversationId,
    reply: RwSignal<Option<Message>>,
    active: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    sent: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let gateway = expect_context::<Gateway>();
    let session = expect_context::<Session>();
    let phase = RwSignal::new(Phase::Idle);
    let elapsed = RwSignal::new(0u32);
    let meter = RwSignal::new(Vec::<u8>::new());
    let progress = RwSignal::new(0.0f64);
    let recording = StoredValue::new_local(None::<Recording>);
    let timer = StoredValue::new(None::<IntervalHandle>);
    let cancel = StoredValue::new_local(None::<Cancel>);
    // The press under way on the microphone, and whether one is (it shows the hold's hint).
    let press = StoredValue::new(None::<Press>);
    let holding = RwSignal::new(false);
    let control = NodeRef::<leptos::html::Div>::new();

    let stop_timer = move || {
        if let Some(handle) = timer.try_update_value(Option::take).flatten() {
            handle.clear();
        }
    };
    let reset = move || {
        stop_timer();
        if let Some(rec) = recording.try_update_value(Option::take).flatten() {
            rec.release();
        }
        phase.set(Phase::Idle);
        active.set(false);
        meter.set(Vec::new());
        elapsed.set(0);
        progress.set(0.0);
    };
    let send = move || {
        if phase.get_untracked() != Phase::Recording {
            return;
        }
        let Some(rec) = recording.get_value() else { return };
        stop_timer();
        phase.set(Phase::Sending);
        let upload_cancel = Cancel::default();
        cancel.set_value(Some(upload_cancel.clone()));
        spawn_local(async move {
            let take = rec.finish(i18n.get_locale_untracked()).await;
            recording.try_set_value(None);
            let take = match take {
                Ok(take) => take,
                Err(why) => {
                    error.try_set(Some(why.to_owned()));
                    reset();
                    return;
                }
            };
            let upload = Upload::voice(take.blob, take.name, take.duration_ms, &take.waveform);
            let answer = api::media::upload(
                session,
                &upload,
                move |p| {
                    progress.try_set(p);
                },
                &upload_cancel,
            )
            .await;
            if upload_cancel.is_cancelled() {
                return;
            }
            match answer {
                Ok(attachment) => {
                    let reply_to = reply.try_get_untracked().flatten().map(|m| m.id);
                    gateway.send_message(id, String::new(), reply_to, Vec::new(), vec![attachment], None);
                    reply.try_set(None);
                    sent.run(());
                }
                Err(e) => {
                    let language = i18n.get_locale_untracked();
                    let reason = error_text(&e, language);
                    error.try_set(Some(td_string!(language, composer.voice_not_sent, reason).to_string()));
                }
            }
            cancel.try_set_value(None);
            reset();
        });
    };
    let start = move || {
        if phase.get_untracked() != Phase::Idle {
            return;
        }
        error.set(None);
        phase.set(Phase::Starting);
        active.set(true);
        spawn_local(async move {
            let rec = match recorder::start(i18n.get_locale_untracked()).await {
                Ok(rec) => rec,
                Err(why) => {
                    error.try_set(Some(why.to_owned()));
                    reset();
                    return;
                }
            };
            // The composer went away (another conversation) while the prompt was open.
            if recording.try_set_value(Some(rec.clone())).is_some()
                || phase.try_get_untracked() != Some(Phase::Starting)
            {
                rec.release();
                return;
            }
            phase.set(Phase::Recording);
            let tick = move || {
                let Some(rec) = recording.try_get_value().flatten() else { return };
                let level = rec.sample();
                meter.update(|m| {
                    m.push(level);
                    let extra = m.len().saturating_sub(METER_BARS);
                    m.drain(..extra);
                });
                let ms = rec.elapsed_ms();
                elapsed.set(ms);
                if ms >= MAX_MS {
                    send();
                }
            };
            match set_interval_with_handle(tick, SAMPLE_EVERY) {
                Ok(handle) => timer.set_value(Some(handle)),
                Err(_) => {
                    error.set(Some(td_string!(i18n.get_locale_untracked(), composer.voice_not_timed).to_owned()));
                    reset();
                }
            }
        });
    };
    let discard = move || {
        if let Some(upload) = cancel.try_update_value(Option::take).flatten() {
            upload.cancel();
        }
        reset();
    };
    // The press is over, however it ended.
    let end_press = move |pointer_id: i32| {
        press.set_value(None);
        holding.set(false);
        if let Some(control) = control.get_untracked() {
            let _ = control.release_pointer_capture(pointer_id);
        }
    };
    let this_press = move |ev: &PointerEvent| press.get_value().filter(|p| p.pointer_id == ev.pointer_id());
    let pressed = move |ev: PointerEvent| {
        if ev.button() != 0 || phase.get_untracked() != Phase::Idle || press.get_value().is_some() {
            return;
        }
        // No text selection or drag starting under a held mouse.
        ev.prevent_default();
        // The button itself (the event's target may be its icon).
        let Some(button) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
        let button = button.get_bounding_client_rect();
        press.set_value(Some(Press {
            pointer_id: ev.pointer_id(),
            down_at: ev.time_stamp(),
            button: Area { left: button.left(), top: button.top(), right: button.right(), bottom: button.bottom() },
        }));
        // Captured by the element that stays while the button gives way to the recorder.
        if let Some(control) = control.get_untracked() {
            let _ = control.set_pointer_capture(ev.pointer_id());
        }
        holding.set(true);
        start();
    };
    let moved = move |ev: PointerEvent| {
        let Some(held) = this_press(&ev) else { return };
        if held.slid_away(f64::from(ev.client_x()), f64::from(ev.client_y())) {
            end_press(held.pointer_id);
            discard();
        }
    };
    let released = move |ev: PointerEvent| {
        let Some(held) = this_press(&ev) else { return };
        end_press(held.pointer_id);
        if held.released(ev.time_stamp(), phase.get_untracked() == Phase::Recording) == Release::Send {
            send();
        }
    };
    // The browser took the pointer away (a system gesture, a call): nothing is sent unasked.
    let interrupted = move |ev: PointerEvent| {
        let Some(held) = this_press(&ev) else { return };
        end_press(held.pointer_id);
        discard();
    };
    let escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" && phase.try_get_untracked().is_some_and(|p| p != Phase::Idle) {
            if let Some(held) = press.try_get_value().flatten() {
                end_press(held.pointer_id);
            }
            discard();
        }
    });
    // Leaving the conversation mid-recording ends it: the microphone must not stay on.
    on_cleanup(move || {
        escape.remove();
        if let Some(upload) = cancel.try_update_value(Option::take).flatten() {
            upload.cancel();
        }
        stop_timer();
        if let Some(rec) = recording.try_update_value(Option::take).flatten() {
            rec.release();
        }
    });

    let bars = move || {
        meter.with(|levels| {
            levels
                .iter()
                .enumerate()
                .map(|(i, &level)| {
                    let height = (f64::from(level) / 255.0 * 24.0).max(2.0);
                    view! {
                        <rect x=(i * 4).to_string() y=format!("{:.1}", (24.0 - height) / 2.0) width="2.5"
                            height=format!("{height:.1}") rx="1.2"/>
                    }
                })
                .collect_view()
        })
    };
    let mic = move || {
        view! {
            <button type="button" class="ghost icon attach mic" aria-label=move || t_string!(i18n, composer.voice_record)
                title=move || t_string!(i18n, composer.voice_record_hint) data-testid="record-voice"
                aria-disabled=move || (phase.get() == Phase::Starting).to_string()
                on:pointerdown=pressed
                // A pointer's press is handled above; a click without one is the keyboard's.
                on:click=move |ev| if ev.detail() == 0 { start() }
                // A long press on a phone must not open a menu or select text.
                on:contextmenu=|ev| ev.prevent_default()>
                <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                    <rect x="9" y="3" width="6" height="11" rx="3" fill="none" stroke="currentColor" stroke-width="1.8"/>
                    <path d="M5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21" fill="none" stroke="currentColor"
                        stroke-width="1.8" stroke-linecap="round"/>
                </svg>
            </button>
        }
    };
    let recorder_bar = move || {
        let sending = move || phase.get() == Phase::Sending;
        view! {
            <div class="voice-recorder" data-testid="voice-recorder">
                <button type="button" class="ghost small" aria-label=move || t_string!(i18n, composer.voice_cancel)
                    data-testid="cancel-voice" on:click=move |_| discard()>{t!(i18n, composer.cancel)}</button>
                <span class="recording-dot" class:sending=sending aria-hidden="true"></span>
                <span class="recording-time" role="timer" data-testid="recording-time" aria-label=move || t_string!(i18n, composer.voice_recording_time)>
                    {move || clock_duration(elapsed.get())}
                </span>
                <svg class="level-meter" preserveAspectRatio="xMinYMid meet" viewBox=format!("0 0 {} 24", METER_BARS * 4) width=(METER_BARS * 4).to_string()
                    height="24" aria-hidden="true" data-testid="level-meter">{bars}</svg>
                {move || sending().then(|| view! {
                    <progress class="voice-progress" max="1" value=move || progress.get()
                        aria-label=move || t_string!(i18n, composer.voice_sending)></progress>
                })}
                <button type="button" aria-label=move || t_string!(i18n, composer.voice_send) data-testid="send-voice"
                    disabled=sending on:click=move |_| send()>{t!(i18n, composer.send)}</button>
            </div>
        }
    };
    // While held: the time and the meter, and how to finish, instead of the buttons.
    let hold_bar = move || {
        view! {
            <div class="voice-recorder holding" data-testid="voice-recorder">
                <span class="recording-dot" aria-hidden="true"></span>
                <span class="recording-time" role="timer" data-testid="recording-time" aria-label=move || t_string!(i18n, composer.voice_recording_time)>
                    {move || clock_duration(elapsed.get())}
                </span>
                <svg class="level-meter" preserveAspectRatio="xMinYMid meet" viewBox=format!("0 0 {} 24", METER_BARS * 4) width=(METER_BARS * 4).to_string()
                    height="24" aria-hidden="true" data-testid="level-meter">{bars}</svg>
                // Two pieces, so a narrow row breaks the line at the comma.
                <span class="hold-hint" role="status" data-testid="hold-hint">
                    <span>{t!(i18n, composer.voice_release_to_send)}</span>" "<span>{t!(i18n, composer.voice_slide_to_cancel)}</span>
                </span>
            </div>
        }
    };
    let open = move || matches!(phase.get(), Phase::Recording | Phase::Sending);
    view! {
        <div class="voice-control" class:open=open node_ref=control
            on:pointermove=moved on:pointerup=released on:pointercancel=interrupted>
            <Show when=open fallback=mic>
                {move || if holding.get() { hold_bar().into_any() } else { recorder_bar().into_any() }}
            </Show>
        </div>
    }
}
