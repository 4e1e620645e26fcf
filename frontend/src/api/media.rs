//! Uploads and the media-access token. An upload goes through `XMLHttpRequest` rather than
//! `fetch` (gloo-net): only XHR reports upload progress, which a 25 MB file on a phone needs,
//! and it can be aborted. Downloads are plain GETs by `<img>`, `<audio>` and links, so the
//! only other call here fetches the token those URLs carry (`protocol::media::MediaAccess`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_net::http::Method;
use protocol::ErrorCode;
use protocol::media::{Attachment, MEDIA_PATH, MediaAccess};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, File, FormData, ProgressEvent, XmlHttpRequest};

use super::http::{self, ApiError};
use crate::media::levels::waveform_field;
use crate::state::session::Session;

/// What one upload sends: the bytes under a file name, and the text parts saying what they are.
#[derive(Debug)]
pub struct Upload {
    blob: Blob,
    name: String,
    fields: Vec<(&'static str, String)>,
}

impl Upload {
    /// A file as picked, dropped or pasted: the server tells from its bytes what it is.
    pub fn file(file: &File) -> Self {
        Self { blob: Blob::clone(file), name: file.name(), fields: Vec::new() }
    }

    /// A voice message recorded here: `kind=voice` with its measured length and its levels.
    pub fn voice(blob: Blob, name: &str, duration_ms: u32, waveform: &[u8]) -> Self {
        let mut fields = vec![("kind", "voice".to_owned()), ("duration_ms", duration_ms.to_string())];
        if !waveform.is_empty() {
            fields.push(("waveform", waveform_field(waveform)));
        }
        Self { blob, name: name.to_owned(), fields }
    }
}

/// `GET /api/v1/media/access`: the token attachment URLs must carry.
pub async fn access(session: Session) -> Result<MediaAccess, ApiError> {
    http::authed::<MediaAccess, ()>(session, Method::GET, &format!("{MEDIA_PATH}/access"), None).await
}

/// Aborts an upload in flight; shared between the upload and whoever may cancel it (the
/// chip's ×), which may happen before the request is even open.
#[derive(Clone, Debug, Default)]
pub struct Cancel {
    request: Rc<RefCell<Option<XmlHttpRequest>>>,
    cancelled: Rc<Cell<bool>>,
}

impl Cancel {
    /// Stops the upload; its future then ends with an error nobody needs to show.
    pub fn cancel(&self) {
        self.cancelled.set(true);
        if let Some(request) = self.request.borrow().as_ref() {
            let _ = request.abort();
        }
    }

    /// Whether [`Self::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.get()
    }
}

/// `POST /api/v1/media`: uploads `what` as the signed-in user, reporting progress (0–1) as the
/// bytes leave. An expired access token is refreshed once and the file sent again, as
/// `http::authed` does for JSON calls.
pub async fn upload(
    session: Session,
    what: &Upload,
    progress: impl Fn(f64) + 'static,
    cancel: &Cancel,
) -> Result<Attachment, ApiError> {
    let progress: Rc<dyn Fn(f64)> = Rc::new(progress);
    let (status, text) = send(session.token(), what, progress.clone(), cancel).await?;
    let answer = http::answer::<Attachment>(f64::from(status), &text).map_err(|e| refine(status, &text, e));
    match answer {
        Err(e) if status == 401 && e.ends_session() => {
            if !session.refresh().await {
                session.signed_out();
                return Err(e);
            }
            progress(0.0);
            let (status, text) = send(session.token(), what, progress, cancel).await?;
            http::answer::<Attachment>(f64::from(status), &text).map_err(|e| refine(status, &text, e))
        }
        answer => answer,
    }
}

/// One attempt: the status and body text of the answer.
async fn send(
    token: Option<String>,
    what: &Upload,
    progress: Rc<dyn Fn(f64)>,
    cancel: &Cancel,
) -> Result<(u16, String), ApiError> {
    let failed = |e: wasm_bindgen::JsValue| ApiError {
        code: None,
        field: None,
        message: format!("The upload could not start ({}).", e.as_string().unwrap_or_else(|| format!("{e:?}"))),
    };
    if cancel.is_cancelled() {
        return Err(cancelled());
    }
    let request = XmlHttpRequest::new().map_err(failed)?;
    request.open_with_async("POST", MEDIA_PATH, true).map_err(failed)?;
    request.set_request_header("Accept", "application/json").map_err(failed)?;
    if let Some(token) = token {
        request.set_request_header("Authorization", &format!("Bearer {token}")).map_err(failed)?;
    }
    let form = FormData::new().map_err(failed)?;
    // The text parts come first: the server reads them before it streams the file.
    for (name, value) in &what.fields {
        form.append_with_str(name, value).map_err(failed)?;
    }
    form.append_with_blob_and_filename("file", &what.blob, &what.name).map_err(failed)?;

    let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
        if event.length_computable() && event.total() > 0.0 {
            progress(event.loaded() / event.total());
        }
    });
    request.upload().map_err(failed)?.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
    // `loadend` follows every ending (answer, network error, abort), so the future always ends.
    let done = js_sys::Promise::new(&mut |resolve, _reject| request.set_onloadend(Some(&resolve)));
    *cancel.request.borrow_mut() = Some(request.clone());
    request.send_with_opt_form_data(Some(&form)).map_err(failed)?;
    let _ = JsFuture::from(done).await;
    cancel.request.borrow_mut().take();
    drop(on_progress);

    let status = request.status().unwrap_or(0);
    if status == 0 {
        // No answer: aborted by the user, or the network failed.
        return Err(if cancel.is_cancelled() {
            cancelled()
        } else {
            ApiError {
                code: None,
                field: None,
                message: "The upload failed: the server could not be reached. Check your connection.".into(),
            }
        });
    }
    Ok((status, request.response_text().ok().flatten().unwrap_or_default()))
}

fn cancelled() -> ApiError {
    ApiError { code: None, field: None, message: "Upload cancelled.".into() }
}

/// Makes a refusal readable when its body is not one `http::answer` knows: a code this build
/// does not list yet (the message is still the server's), or no JSON at all (a proxy's 413).
fn refine(status: u16, text: &str, error: ApiError) -> ApiError {
    if error.code.is_some() {
        return error;
    }
    #[derive(serde::Deserialize)]
    struct Said {
        message: String,
    }
    let message = serde_json::from_str::<Said>(text).ok().map(|said| said.message);
    match (message, status) {
        (Some(message), _) => ApiError { message, ..error },
        (None, 413) => ApiError {
            code: Some(ErrorCode::PayloadTooLarge),
            message: "This file is too large to upload.".into(),
            ..error
        },
        (None, _) => error,
    }
}
