//! The settings section for two-factor authentication: its status, turning it on (password,
//! then the QR code and typed key for an authenticator app, then the app's first code, then the
//! recovery codes, shown this once with copy and download), and turning it off (password and a
//! code). The admin area links here (`/settings#two-factor`) when a policy requires it.

use leptos::html::{Input, Section};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_location;
use protocol::ErrorCode;
use protocol::auth::{TwoFactorSetup, TwoFactorStatus};

use crate::api::{self, ApiError};
use crate::components::field::Field;
use crate::locale::{Locale, error_text, t, t_string, td_string, use_i18n};
use crate::state::session::Session;
use crate::{clipboard, download};

/// The fragment that scrolls to this section.
pub const ANCHOR: &str = "two-factor";

/// The name recovery codes are downloaded under.
const CODES_FILE: &str = "confab-recovery-codes.txt";

/// How many times (50 ms apart) the section looks for itself in the document to scroll to.
const SCROLL_TRIES: u32 = 40;

/// With this many recovery codes left or fewer, the section suggests new ones.
const FEW_CODES_LEFT: i64 = 3;

/// What the section is doing.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    /// Showing the status, with the button that starts turning it on or off.
    Idle,
    /// Asking for the password before a secret is made.
    Confirm,
    /// The QR code and key are shown; waiting for the app's first code.
    Scan(TwoFactorSetup),
    /// Just turned on: the recovery codes, shown this once.
    Codes(Vec<String>),
    /// Asking for the password and a code to turn it off.
    TurnOff,
}

/// The secret in groups of four, as authenticator apps show keys, easier to type.
fn grouped(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ")
}

/// The text file of recovery codes, in `language`.
fn codes_file(username: &str, codes: &[String], language: Locale) -> String {
    let mut text = format!(
        "{}\n\n{}\n{}\n\n",
        td_string!(language, security.codes_file_title, username),
        td_string!(language, security.codes_file_use),
        td_string!(language, security.codes_file_keep),
    );
    for code in codes {
        text.push_str(code);
        text.push('\n');
    }
    text
}

/// The status line: on or off, and the recovery codes left.
fn status_line(status: &TwoFactorStatus) -> impl IntoView + use<> {
    let i18n = use_i18n();
    let (enabled, left) = (status.enabled, status.recovery_codes_left);
    let state = if enabled { "active" } else { "off" };
    let label = move || if enabled { t_string!(i18n, security.on) } else { t_string!(i18n, security.off) };
    let text = move || match (enabled, left) {
        (false, _) => t_string!(i18n, security.status_off).to_owned(),
        (true, 1) => t_string!(i18n, security.status_on_one_code).to_owned(),
        (true, n) => t_string!(i18n, security.status_on_codes, count = n).to_string(),
    };
    let low = enabled && left <= FEW_CODES_LEFT;
    view! {
        <div class="two-factor-status" data-testid="two-factor-status" data-enabled=enabled.to_string()>
            <span class="pill" data-status=state>{label}</span>
            <p>{text}</p>
        </div>
        {low.then(|| view! { <p class="notice warning">{t!(i18n, security.few_codes_left)}</p> })}
    }
}

/// The two-factor authentication section of the settings.
#[component]
pub fn TwoFactorSettings() -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let status = LocalResource::new(move || api::account::two_factor(session));
    let stage = RwSignal::new(Stage::Idle);
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let state = RwSignal::new(None::<Result<String, ApiError>>);
    let busy = RwSignal::new(false);
    // Which copy button just worked, for its "Copied" label.
    let copied = RwSignal::new(None::<&'static str>);

    let error_for = move |field: &'static str| {
        Signal::derive(move || {
            let error = state.get().and_then(|r| r.err()).filter(|e| e.field.as_deref() == Some(field))?;
            Some(error_text(&error, i18n.get_locale()))
        })
    };
    // A failure of the browser's own (copying, saving a file), already in the user's words:
    // `Unknown` keeps them (error_text).
    let browser_failure = |message: String| ApiError { code: Some(ErrorCode::Unknown), field: None, message };
    let go = move |next: Stage| {
        password.set(String::new());
        code.set(String::new());
        state.set(None);
        copied.set(None);
        stage.set(next);
    };
    // Runs one call with the buttons disabled; its refusal goes to `state`.
    let run = move |call: std::pin::Pin<Box<dyn Future<Output = Result<(), ApiError>>>>| {
        busy.set(true);
        spawn_local(async move {
            if let Err(e) = call.await {
                state.set(Some(Err(e)));
            }
            busy.set(false);
        });
    };
    let begin = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        run(Box::pin(async move {
            let setup = api::account::setup_two_factor(session, password.get_untracked()).await?;
            go(Stage::Scan(setup));
            Ok(())
        }));
    };
    let enable = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        run(Box::pin(async move {
            let codes = api::account::enable_two_factor(session, code.get_untracked()).await?;
            go(Stage::Codes(codes.codes));
            status.refetch();
            Ok(())
        }));
    };
    let turn_off = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        run(Box::pin(async move {
            api::account::disable_two_factor(session, password.get_untracked(), code.get_untracked()).await?;
            go(Stage::Idle);
            state.set(Some(Ok(td_string!(i18n.get_locale_untracked(), security.turned_off).to_owned())));
            status.refetch();
            Ok(())
        }));
    };
    let copy = move |which: &'static str, text: String| {
        spawn_local(async move {
            match clipboard::copy(&text, i18n.get_locale_untracked()).await {
                Ok(()) => {
                    copied.set(Some(which));
                    gloo_timers::future::TimeoutFuture::new(2_000).await;
                    if copied.get_untracked() == Some(which) {
                        copied.set(None);
                    }
                }
                Err(message) => state.set(Some(Err(browser_failure(message)))),
            }
        });
    };
    let copy_label = move |which: &'static str, label: fn(Locale) -> &'static str| {
        move || {
            if copied.get() == Some(which) { t_string!(i18n, security.copied) } else { label(i18n.get_locale()) }
        }
    };

    // The first field of each step takes the focus as the step opens.
    let first_input = NodeRef::<Input>::new();
    Effect::new(move |_| {
        if let Some(input) = first_input.get() {
            let _ = input.focus();
        }
    });
    // Arriving from the admin area's link, the section scrolls into view. The router's location,
    // not the window's: the router builds the page before it updates the address bar, and puts
    // it in the document only once it is ready, too late for its own scroll to the fragment.
    let section = NodeRef::<Section>::new();
    let hash = use_location().hash;
    Effect::new(move |_| {
        if let Some(section) = section.get()
            && hash.with(|h| h.trim_start_matches('#') == ANCHOR)
        {
            spawn_local(async move {
                for _ in 0..SCROLL_TRIES {
                    gloo_timers::future::TimeoutFuture::new(50).await;
                    if section.is_connected() {
                        section.scroll_into_view();
                        return;
                    }
                }
            });
        }
    });

    let outcome = move || {
        state.get().and_then(|r| match r {
            Ok(message) => Some(view! { <p class="notice" role="status">{message}</p> }.into_any()),
            Err(e) if e.field.is_none() => {
                Some(view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> }.into_any())
            }
            Err(_) => None,
        })
    };
    let cancel = move |_| go(Stage::Idle);

    let body = move || {
        match stage.get() {
        Stage::Idle => {
            let enabled = status.get().and_then(|r| r.ok()).map(|s| s.enabled);
            view! {
                {outcome}
                {match enabled {
                    Some(false) => Some(view! {
                        <button type="button" on:click=move |_| go(Stage::Confirm)>{t!(i18n, security.turn_on_two_factor)}</button>
                    }.into_any()),
                    Some(true) => Some(view! {
                        <button type="button" class="secondary" on:click=move |_| go(Stage::TurnOff)>{t!(i18n, security.turn_off_ellipsis)}</button>
                    }.into_any()),
                    None => None,
                }}
            }
            .into_any()
        }
        Stage::Confirm => view! {
            <form on:submit=begin novalidate>
                // `body` is rebuilt when the language changes, so Field's plain strings follow it.
                <Field label=t_string!(i18n, security.your_password) name="two_factor_password" kind="password"
                    value=password error=error_for("password") autocomplete="current-password" node_ref=first_input
                    hint=t_string!(i18n, security.password_hint)/>
                {outcome}
                <div class="form-actions">
                    <button type="submit" disabled=move || busy.get()>{t!(i18n, security.continue_button)}</button>
                    <button type="button" class="secondary" on:click=cancel>{t!(i18n, security.cancel)}</button>
                </div>
            </form>
        }
        .into_any(),
        Stage::Scan(setup) => {
            let secret = setup.secret.clone();
            view! {
                <ol class="two-factor-steps">
                    <li>
                        <p>{t!(i18n, security.scan_qr_code)}</p>
                        <img class="qr-code" src=setup.qr_code alt=move || t_string!(i18n, security.qr_code_alt)
                            width="200" height="200"/>
                        <p class="lede small">{t!(i18n, security.cannot_scan)}</p>
                        <div class="secret-row">
                            <code class="secret" data-testid="two-factor-secret"
                                aria-label=move || t_string!(i18n, security.key_label)>
                                {grouped(&setup.secret)}
                            </code>
                            <button type="button" class="secondary small" on:click=move |_| copy("secret", secret.clone())>
                                {copy_label("secret", |language| td_string!(language, security.copy_key))}
                            </button>
                        </div>
                    </li>
                    <li>
                        <form on:submit=enable novalidate>
                            <Field label=t_string!(i18n, security.enter_code) name="two_factor_code" value=code
                                error=error_for("totp_code") autocomplete="one-time-code" inputmode="numeric" code=true/>
                            {outcome}
                            <div class="form-actions">
                                <button type="submit" disabled=move || busy.get()>{t!(i18n, security.turn_on)}</button>
                                <button type="button" class="secondary" on:click=cancel>{t!(i18n, security.cancel)}</button>
                            </div>
                        </form>
                    </li>
                </ol>
            }
            .into_any()
        }
        Stage::Codes(codes) => {
            let username = session.user.with_untracked(|u| u.as_ref().map(|u| u.username.clone())).unwrap_or_default();
            let text = codes.join("\n");
            let file = codes_file(&username, &codes, i18n.get_locale_untracked());
            let save = move |_| {
                if let Err(message) = download::save_text(CODES_FILE, &file, i18n.get_locale_untracked()) {
                    state.set(Some(Err(browser_failure(message))));
                }
            };
            view! {
                <div class="notice warning" role="status">
                    {t!(i18n, security.codes_shown_once, <strong> = <strong/>)}
                </div>
                <ol class="recovery-codes" data-testid="recovery-codes" aria-label=move || t_string!(i18n, security.recovery_codes)>
                    {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                </ol>
                {outcome}
                <div class="form-actions">
                    <button type="button" class="secondary" on:click=move |_| copy("codes", text.clone())>
                        {copy_label("codes", |language| td_string!(language, security.copy_codes))}
                    </button>
                    <button type="button" class="secondary" on:click=save>{t!(i18n, security.download_txt)}</button>
                    <button type="button" on:click=move |_| go(Stage::Idle)>{t!(i18n, security.saved_them)}</button>
                </div>
            }
            .into_any()
        }
        Stage::TurnOff => view! {
            <form on:submit=turn_off novalidate>
                <div class="field-grid">
                    <Field label=t_string!(i18n, security.your_password) name="two_factor_password" kind="password"
                        value=password error=error_for("password") autocomplete="current-password" node_ref=first_input/>
                    <Field label=t_string!(i18n, security.code_or_recovery_code) name="two_factor_code" value=code
                        error=error_for("totp_code") autocomplete="one-time-code" code=true/>
                </div>
                {outcome}
                <div class="form-actions">
                    <button type="submit" class="danger" disabled=move || busy.get()>{t!(i18n, security.turn_off_two_factor)}</button>
                    <button type="button" class="secondary" on:click=cancel>{t!(i18n, security.cancel)}</button>
                </div>
            </form>
        }
        .into_any(),
    }
    };

    view! {
        <section class="card two-factor" id=ANCHOR aria-labelledby="two-factor-title" node_ref=section>
            <h2 id="two-factor-title">{t!(i18n, security.title)}</h2>
            <Transition fallback=move || view! { <p class="empty">{t!(i18n, common.loading)}</p> }>
                {move || status.get().map(|result| match result {
                    Ok(s) => status_line(&s).into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> }.into_any(),
                })}
            </Transition>
            {body}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_shown_in_groups_of_four() {
        assert_eq!(grouped("JBSWY3DPEHPK3PXPJBSW"), "JBSW Y3DP EHPK 3PXP JBSW");
        assert_eq!(grouped("ABCDEF"), "ABCD EF");
    }

    #[test]
    fn the_codes_file_lists_every_code_on_its_own_line() {
        let file = codes_file("alice", &["aaaaa-bbbbb".to_owned(), "ccccc-ddddd".to_owned()], Locale::en);
        assert!(file.starts_with("Confab recovery codes for @alice\n\nEach code signs you in once"), "{file}");
        assert!(file.ends_with("away from your password.\n\naaaaa-bbbbb\nccccc-ddddd\n"), "{file}");
        let german = codes_file("alice", &["aaaaa-bbbbb".to_owned()], Locale::de);
        assert!(german.starts_with("Confab-Wiederherstellungscodes für @alice\n"), "{german}");
    }
}
