//! This browser's side of the installable app and of Web Push: registers the service worker
//! (`/sw.js`, which keeps the offline shell and shows pushed notifications) when the app
//! starts, and turns push notifications on and off for this device: the permission, the push
//! service's subscription, and its registration with our server (`api::push`).

use protocol::push::PushSubscription as SubscriptionJson;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    Notification, NotificationPermission, PushSubscription, PushSubscriptionOptionsInit, ServiceWorkerContainer,
    ServiceWorkerRegistration,
};

use crate::api::{self, ApiError};
use crate::state::session::Session;

/// Where the worker is served; at the root, so its scope covers every page of the app.
const WORKER_URL: &str = "/sw.js";

/// Whether this device gets notifications while the app is closed, as Settings shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum PushState {
    /// No service worker, Push API or notifications here (an old browser, a private window of
    /// some browsers, a page not served over HTTPS or from localhost).
    Unsupported,
    /// The user (or a policy) refused notifications for this site; only the browser's site
    /// settings can undo that.
    Blocked,
    /// Supported and not subscribed.
    Off,
    /// Subscribed, and the server knows the subscription.
    On,
    /// Turning on failed; the reason is for the user.
    Failed(Failure),
}

/// Why push could not be turned on or off; Settings words it in the user's language.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// The browser's own message (a `DOMException`'s, e.g. "Registration failed - push service
    /// error", in the browser's language), or `None` when it gave none.
    Browser(Option<String>),
    /// No service worker container (outside a secure context).
    NoServiceWorkers,
    /// The browser's subscription came without its keys.
    NoKeys,
    /// The server refused (or was not reached).
    Server(ApiError),
}

/// The service worker container, if the browser has one (it is missing outside a secure context).
fn container() -> Option<ServiceWorkerContainer> {
    let window = web_sys::window()?;
    let navigator = window.navigator();
    let present = js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false);
    present.then(|| navigator.service_worker())
}

/// Whether this browser can receive pushes at all.
pub fn supported() -> bool {
    let global = js_sys::global();
    let has = |name: &str| js_sys::Reflect::has(&global, &name.into()).unwrap_or(false);
    container().is_some() && has("PushManager") && has("Notification")
}

/// Registers the service worker, in the background; the app works the same without it (no
/// offline shell and no pushes, nothing else), so a failure is only logged.
pub fn register_service_worker() {
    let Some(container) = container() else { return };
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = JsFuture::from(container.register(WORKER_URL)).await {
            let why = browser_message(&e).unwrap_or_else(|| "no reason given".to_owned());
            leptos::logging::warn!("Confab: the service worker did not register: {why}");
        }
    });
}

/// A browser error's sentence (a `DOMException`'s message, e.g. "Registration failed - push
/// service error"), if it has one.
fn browser_message(error: &JsValue) -> Option<String> {
    js_sys::Reflect::get(error, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .filter(|m| !m.is_empty())
        .or_else(|| error.as_string())
}

/// A browser error as a failure.
fn reason(error: &JsValue) -> Failure {
    Failure::Browser(browser_message(error))
}

/// The registration controlling the app, if the worker is registered.
async fn registration() -> Result<Option<ServiceWorkerRegistration>, Failure> {
    let Some(container) = container() else { return Ok(None) };
    let found = JsFuture::from(container.get_registration()).await.map_err(|e| reason(&e))?;
    Ok(found.dyn_into::<ServiceWorkerRegistration>().ok())
}

/// This browser's current push subscription, if any.
async fn current_subscription() -> Result<Option<PushSubscription>, Failure> {
    let Some(registration) = registration().await? else { return Ok(None) };
    let manager = registration.push_manager().map_err(|e| reason(&e))?;
    let promise = manager.get_subscription().map_err(|e| reason(&e))?;
    let found = JsFuture::from(promise).await.map_err(|e| reason(&e))?;
    Ok(found.dyn_into::<PushSubscription>().ok())
}

/// What Settings shows when it opens.
pub async fn state() -> PushState {
    if !supported() {
        return PushState::Unsupported;
    }
    if Notification::permission() == NotificationPermission::Denied {
        return PushState::Blocked;
    }
    match current_subscription().await {
        Ok(Some(_)) if Notification::permission() == NotificationPermission::Granted => PushState::On,
        Ok(_) => PushState::Off,
        Err(e) => PushState::Failed(e),
    }
}

/// Asks for permission (from a click), subscribes with the server's key and registers the
/// subscription with the server.
pub async fn turn_on(session: Session) -> PushState {
    if !supported() {
        return PushState::Unsupported;
    }
    match subscribe(session).await {
        Ok(state) => state,
        Err(reason) => PushState::Failed(reason),
    }
}

async fn subscribe(session: Session) -> Result<PushState, Failure> {
    let asked = Notification::request_permission().map_err(|e| reason(&e))?;
    let answer = JsFuture::from(asked).await.map_err(|e| reason(&e))?;
    match answer.as_string().as_deref() {
        Some("granted") => {}
        Some("denied") => return Ok(PushState::Blocked),
        // The prompt was dismissed: nothing changed.
        _ => return Ok(PushState::Off),
    }
    let key = api::push::vapid_key(session).await.map_err(Failure::Server)?;
    let container = container().ok_or(Failure::NoServiceWorkers)?;
    // `ready` waits for an active worker, which the app registers at start; registering again
    // is harmless and covers a registration that failed then.
    JsFuture::from(container.register(WORKER_URL)).await.map_err(|e| reason(&e))?;
    let ready = container.ready().map_err(|e| reason(&e))?;
    let registration: ServiceWorkerRegistration = JsFuture::from(ready).await.map_err(|e| reason(&e))?.unchecked_into();
    let options = PushSubscriptionOptionsInit::new();
    options.set_user_visible_only(true);
    // The Push API takes the key as its base64url text as well as its bytes.
    options.set_application_server_key(&JsValue::from_str(&key.public_key));
    let manager = registration.push_manager().map_err(|e| reason(&e))?;
    let promise = manager.subscribe_with_options(&options).map_err(|e| reason(&e))?;
    let subscription: PushSubscription = JsFuture::from(promise).await.map_err(|e| reason(&e))?.unchecked_into();
    // `toJSON()` is exactly the server's `PushSubscription` ({endpoint, keys: {p256dh, auth}}).
    let json = js_sys::JSON::stringify(&subscription).map_err(|e| reason(&e))?;
    let parsed = json
        .as_string()
        .and_then(|text| serde_json::from_str::<SubscriptionJson>(&text).ok())
        .ok_or(Failure::NoKeys)?;
    if let Err(e) = api::push::subscribe(session, &parsed).await {
        // A subscription the server does not know would never receive anything.
        let _ = subscription.unsubscribe().map(JsFuture::from);
        return Err(Failure::Server(e));
    }
    Ok(PushState::On)
}

/// Ends this browser's subscription and tells the server to forget it.
pub async fn turn_off(session: Session) -> PushState {
    match unsubscribe(session).await {
        Ok(()) => PushState::Off,
        Err(reason) => PushState::Failed(reason),
    }
}

async fn unsubscribe(session: Session) -> Result<(), Failure> {
    let Some(subscription) = current_subscription().await? else { return Ok(()) };
    let endpoint = subscription.endpoint();
    // The browser's side first: once it is gone nothing can arrive, whatever the server says.
    let ending = subscription.unsubscribe().map_err(|e| reason(&e))?;
    JsFuture::from(ending).await.map_err(|e| reason(&e))?;
    match api::push::unsubscribe(session, endpoint).await {
        // Already forgotten (the push service reported it gone, or its session ended).
        Err(e) if e.code == Some(protocol::ErrorCode::NotFound) => Ok(()),
        other => other.map_err(Failure::Server),
    }
}

/// Before signing out: this browser stops receiving the account's notifications. Errors are
/// ignored; the server forgets a session's subscriptions with the session anyway.
pub async fn forget_before_sign_out(session: Session) {
    let _ = unsubscribe(session).await;
}
