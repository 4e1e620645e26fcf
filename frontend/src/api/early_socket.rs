//! The WebSocket that `index.html` opened and authenticated for a returning visitor while the
//! wasm was still downloading, taken once by the gateway together with the frames the server
//! sent meanwhile (its `ready` above all): on a slow network the chat list then shows as soon
//! as the app starts, not a connection round trip later.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::WebSocket;

/// The request id of the `authenticate` frame `index.html` sends.
pub const AUTHENTICATE_REQ_ID: u64 = 1;

/// The page's socket, as the app takes it.
pub struct EarlySocket {
    /// Open, or still opening.
    pub ws: WebSocket,
    /// Whether `authenticate` went out (the socket opened); if not, the app sends it on open.
    pub authenticated: bool,
    /// What the server sent before the app took the socket, oldest first.
    pub frames: Vec<String>,
}

/// Takes the page's socket, once per page load. `None` when there is none, or it closed
/// already (a refused token, a restarting server): the gateway then connects itself.
pub fn take() -> Option<EarlySocket> {
    let window = web_sys::window()?;
    let key = JsValue::from_str("confabEarlySocket");
    let early = js_sys::Reflect::get(&window, &key).ok()?;
    let _ = js_sys::Reflect::delete_property(&window, &key);
    let field = |name: &str| js_sys::Reflect::get(&early, &JsValue::from_str(name)).ok();
    let ws = field("ws")?.dyn_into::<WebSocket>().ok()?;
    if ws.ready_state() > WebSocket::OPEN {
        return None;
    }
    let authenticated = field("authenticated").and_then(|value| value.as_bool()).unwrap_or(false);
    let frames = field("frames").and_then(|value| value.dyn_into::<js_sys::Array>().ok());
    let Some(frames) = frames else {
        // Not the shape index.html makes: not ours to use.
        let _ = ws.close();
        return None;
    };
    Some(EarlySocket { ws, authenticated, frames: frames.iter().filter_map(|frame| frame.as_string()).collect() })
}
