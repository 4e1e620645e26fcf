//! The microphone, recording one voice message: `getUserMedia` (the browser's permission prompt
//! is the consent), `MediaRecorder` in the first container both it and the server play, and a
//! Web Audio `AnalyserNode` sampled for the level meter and the waveform. Every track is stopped
//! when the recording ends, however it ends, so the browser's recording indicator goes away.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Array, Date, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AnalyserNode, AudioContext, Blob, BlobEvent, BlobPropertyBag, DomException, MediaRecorder, MediaRecorderOptions,
    MediaStream, MediaStreamConstraints, MediaStreamTrack, RecordingState,
};

use crate::locale::{Locale, td_string};
use crate::media::levels::{MAX_LEVELS, downsample, rms_level};

/// Recording formats in order of preference: Opus is small and clear for speech; Safari only
/// writes MP4 (AAC).
const TYPES: [&str; 3] = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4"];

/// Samples the analyser looks at per level: about 21 ms at 48 kHz, a slice of each ~100 ms.
const WINDOW: u32 = 1024;

/// A finished recording, ready to upload.
#[derive(Debug)]
pub struct Take {
    /// The recorded sound.
    pub blob: Blob,
    /// A file name whose extension matches the container, for the upload's `file` part.
    pub name: &'static str,
    /// How long it lasted, measured from start to stop.
    pub duration_ms: u32,
    /// Its loudness, at most [`MAX_LEVELS`] levels 0–255.
    pub waveform: Vec<u8>,
}

/// A recording under way. Cloning shares it (the component's timer and its buttons both hold
/// it); [`Recording::release`] from any clone ends it for all.
#[derive(Clone)]
pub struct Recording {
    inner: Rc<Inner>,
}

struct Inner {
    stream: MediaStream,
    recorder: MediaRecorder,
    /// The meter's graph; none when Web Audio could not start (the recording still works).
    meter: Option<(AudioContext, AnalyserNode)>,
    chunks: Rc<RefCell<Vec<Blob>>>,
    // Kept alive as long as the recorder may call it.
    _on_data: Closure<dyn FnMut(BlobEvent)>,
    started: f64,
    levels: RefCell<Vec<u8>>,
    window: RefCell<Vec<u8>>,
    released: Cell<bool>,
}

/// The first of `TYPES` that `supported` accepts, if any (the browser then picks its own).
pub fn pick_type(supported: impl Fn(&str) -> bool) -> Option<&'static str> {
    TYPES.into_iter().find(|t| supported(t))
}

/// A file name for a recording of MIME type `mime` (as the recorder reports it).
pub fn file_name(mime: &str) -> &'static str {
    if mime.starts_with("audio/ogg") {
        "voice.ogg"
    } else if mime.starts_with("audio/mp4") || mime.starts_with("video/mp4") {
        "voice.m4a"
    } else {
        "voice.webm"
    }
}

/// Asks for the microphone and starts recording, or says in a sentence (in `language`) why it
/// cannot.
pub async fn start(language: Locale) -> Result<Recording, &'static str> {
    let unsupported = td_string!(language, composer.recorder_unsupported);
    let window = web_sys::window().ok_or(unsupported)?;
    // Both are missing outside a secure context (plain http on another host) and in old browsers.
    let devices = window.navigator().media_devices().map_err(|_| unsupported)?;
    if JsValue::from(devices.clone()).is_undefined()
        || !js_sys::Reflect::has(&window, &JsValue::from_str("MediaRecorder")).unwrap_or(false)
    {
        return Err(unsupported);
    }
    let constraints = MediaStreamConstraints::new();
    constraints.set_audio(&JsValue::TRUE);
    let asked = devices.get_user_media_with_constraints(&constraints).map_err(|_| unsupported)?;
    let stream: MediaStream = JsFuture::from(asked).await.map_err(|e| refused(&e, language))?.unchecked_into();

    let options = MediaRecorderOptions::new();
    if let Some(mime) = pick_type(MediaRecorder::is_type_supported) {
        options.set_mime_type(mime);
    }
    let recorder = match MediaRecorder::new_with_media_stream_and_media_recorder_options(&stream, &options) {
        Ok(recorder) => recorder,
        Err(_) => {
            stop_tracks(&stream);
            return Err(unsupported);
        }
    };
    let chunks = Rc::new(RefCell::new(Vec::new()));
    let on_data = {
        let chunks = chunks.clone();
        Closure::<dyn FnMut(BlobEvent)>::new(move |event: BlobEvent| {
            if let Some(data) = event.data().filter(|d| d.size() > 0.0) {
                chunks.borrow_mut().push(data);
            }
        })
    };
    recorder.set_ondataavailable(Some(on_data.as_ref().unchecked_ref()));
    if recorder.start().is_err() {
        stop_tracks(&stream);
        return Err(td_string!(language, composer.recorder_not_started));
    }
    let recording = Recording {
        inner: Rc::new(Inner {
            meter: meter(&stream),
            stream,
            recorder,
            chunks,
            _on_data: on_data,
            started: Date::now(),
            levels: RefCell::new(Vec::new()),
            window: RefCell::new(vec![128; WINDOW as usize]),
            released: Cell::new(false),
        }),
    };
    Ok(recording)
}

/// The analyser the level is read from; the graph ends there, so nothing is played back.
fn meter(stream: &MediaStream) -> Option<(AudioContext, AnalyserNode)> {
    let context = AudioContext::new().ok()?;
    let source = context.create_media_stream_source(stream).ok()?;
    let analyser = context.create_analyser().ok()?;
    analyser.set_fft_size(WINDOW);
    source.connect_with_audio_node(&analyser).ok()?;
    // A context made after an `await` may start suspended until told to run.
    let _ = context.resume();
    Some((context, analyser))
}

/// Why `getUserMedia` refused, as the user can act on it, in `language`.
fn refused(error: &JsValue, language: Locale) -> &'static str {
    match error.dyn_ref::<DomException>().map(DomException::name).as_deref() {
        Some("NotAllowedError" | "SecurityError") => td_string!(language, composer.recorder_not_allowed),
        Some("NotFoundError" | "OverconstrainedError") => td_string!(language, composer.recorder_not_found),
        Some("NotReadableError" | "AbortError") => td_string!(language, composer.recorder_busy),
        _ => td_string!(language, composer.recorder_not_started),
    }
}

fn stop_tracks(stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        track.unchecked_into::<MediaStreamTrack>().stop();
    }
}

impl Recording {
    /// Reads the input level now (0–255), keeps it for the waveform and returns it for the meter.
    pub fn sample(&self) -> u8 {
        let inner = &self.inner;
        let Some((_, analyser)) = inner.meter.as_ref().filter(|_| !inner.released.get()) else { return 0 };
        let mut window = inner.window.borrow_mut();
        analyser.get_byte_time_domain_data(&mut window);
        let level = rms_level(&window);
        inner.levels.borrow_mut().push(level);
        level
    }

    /// Milliseconds since recording started.
    pub fn elapsed_ms(&self) -> u32 {
        // Non-negative and far below u32::MAX ms (49 days), so the cast keeps the value.
        (Date::now() - self.inner.started).max(0.0) as u32
    }

    /// Stops recording and hands over the sound, its length and its waveform, or says in a
    /// sentence (in `language`) why there is none.
    pub async fn finish(&self, language: Locale) -> Result<Take, &'static str> {
        let inner = &self.inner;
        let duration_ms = self.elapsed_ms();
        if inner.recorder.state() != RecordingState::Inactive {
            // The last `dataavailable` comes before `stop`, so once stopped every chunk is in.
            let stopped = Promise::new(&mut |resolve, _| inner.recorder.set_onstop(Some(&resolve)));
            if inner.recorder.stop().is_ok() {
                let _ = JsFuture::from(stopped).await;
            }
        }
        self.release();
        let parts: Array = inner.chunks.borrow().iter().collect();
        if parts.length() == 0 {
            return Err(td_string!(language, composer.recorder_nothing));
        }
        let mime = inner.recorder.mime_type();
        let bag = BlobPropertyBag::new();
        bag.set_type(&mime);
        let blob = Blob::new_with_blob_sequence_and_options(&parts, &bag)
            .map_err(|_| td_string!(language, composer.recorder_not_assembled))?;
        let waveform = downsample(&inner.levels.borrow(), MAX_LEVELS);
        Ok(Take { blob, name: file_name(&mime), duration_ms, waveform })
    }

    /// Ends the recording without keeping it (or after [`Self::finish`]): stops the recorder,
    /// every microphone track and the meter's audio graph. Safe to call more than once.
    pub fn release(&self) {
        let inner = &self.inner;
        if inner.released.replace(true) {
            return;
        }
        if inner.recorder.state() != RecordingState::Inactive {
            let _ = inner.recorder.stop();
        }
        stop_tracks(&inner.stream);
        if let Some((context, _)) = &inner.meter {
            let _ = context.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_supported_type_is_chosen() {
        assert_eq!(pick_type(|_| true), Some("audio/webm;codecs=opus"));
        assert_eq!(pick_type(|t| t.starts_with("audio/ogg") || t == "audio/mp4"), Some("audio/ogg;codecs=opus"));
        assert_eq!(pick_type(|t| t == "audio/mp4"), Some("audio/mp4"));
        assert_eq!(pick_type(|_| false), None);
    }

    #[test]
    fn file_names_follow_the_container() {
        assert_eq!(file_name("audio/webm;codecs=opus"), "voice.webm");
        assert_eq!(file_name("audio/ogg; codecs=opus"), "voice.ogg");
        assert_eq!(file_name("audio/mp4;codecs=mp4a.40.2"), "voice.m4a");
        assert_eq!(file_name(""), "voice.webm");
    }
}
