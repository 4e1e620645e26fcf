//! The settings section for two-factor authentication: its status, turning it on (password,
//! then the QR code and typed key for an authenticator app, then the app's first code, then the
//! recovery codes, shown this once with copy and download), and turning it off (password and a
//! code). The admin area links here (`/settings#two-factor`) when a policy requires it.

use leptos::html::{Input, Section};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_location;
use protocol::auth::{TwoFactorSetup, TwoFactorStatus};

use crate::api::{self, ApiError};
use crate::components::field::Field;
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

/// The text file of recovery codes.
fn codes_file(username: &str, codes: &[String]) -> String {
    let mut text = format!(
        "Confab recovery codes for @{username}\n\nEach code signs you in once in place of your authenticator app's code.\nKeep them somewhere safe, away from your password.\n\n"
    );
    for code in codes {
        text.push_str(code);
        text.push('\n');
    }
    text
}

/// The status line: on or off, and the recovery codes left.
fn status_line(status: &TwoFactorStatus) -> impl IntoView + use<> {
    let (state, label) = if status.enabled { ("active", "On") } else { ("off", "Off") };
    let text = match (status.enabled, status.recovery_codes_left) {
        (false, _) => {
            "Add a second step to signing in: a code from an authenticator app on your phone (such as Aegis, \
                       Google Authenticator or 1Password), so your password alone is not enough."
                .to_owned()
        }
        (true, 1) => "Sign-in asks for a code from your authenticator app. 1 recovery code left.".to_owned(),
        (true, n) => format!("Sign-in asks for a code from your authenticator app. {n} recovery codes left."),
    };
    let low = status.enabled && status.recovery_codes_left <= FEW_CODES_LEFT;
    view! {
        <div class="two-factor-status" data-testid="two-factor-status" data-enabled=status.enabled.to_string()>
            <span class="pill" data-status=state>{label}</span>
            <p>{text}</p>
        </div>
        {low.then(|| view! {
            <p class="notice warning">"Running out of recovery codes: turn two-factor authentication off and on again for ten new ones."</p>
        })}
    }
}

/// The two-factor authentication section of the settings.
#[component]
pub fn TwoFactorSettings() -> impl IntoView {
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
        Signal::derive(move || state.get().and_then(|r| r.err()).and_then(|e| e.for_field(field)))
    };
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
            state.set(Some(Ok("Two-factor authentication is off.".to_owned())));
            status.refetch();
            Ok(())
        }));
    };
    let copy = move |which: &'static str, text: String| {
        spawn_local(async move {
            match clipboard::copy(&text).await {
                Ok(()) => {
                    copied.set(Some(which));
                    gloo_timers::future::TimeoutFuture::new(2_000).await;
                    if copied.get_untracked() == Some(which) {
                        copied.set(None);
                    }
                }
                Err(message) => state.set(Some(Err(ApiError { code: None, field: None, message }))),
            }
        });
    };
    let copy_label = move |which: &'static str, label: &'static str| {
        move || if copied.get() == Some(which) { "Copied ✓" } else { label }
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
                Some(view! { <p class="form-error" role="alert">{e.message}</p> }.into_any())
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
                        <button type="button" on:click=move |_| go(Stage::Confirm)>"Turn on two-factor authentication"</button>
                    }.into_any()),
                    Some(true) => Some(view! {
                        <button type="button" class="secondary" on:click=move |_| go(Stage::TurnOff)>"Turn off…"</button>
                    }.into_any()),
                    None => None,
                }}
            }
            .into_any()
        }
        Stage::Confirm => view! {
            <form on:submit=begin novalidate>
                <Field label="Your password" name="two_factor_password" kind="password" value=password
                    error=error_for("password") autocomplete="current-password" node_ref=first_input
                    hint="Confirms it is you before a new key is made."/>
                {outcome}
                <div class="form-actions">
                    <button type="submit" disabled=move || busy.get()>"Continue"</button>
                    <button type="button" class="secondary" on:click=cancel>"Cancel"</button>
                </div>
            </form>
        }
        .into_any(),
        Stage::Scan(setup) => {
            let secret = setup.secret.clone();
            view! {
                <ol class="two-factor-steps">
                    <li>
                        <p>"Scan this QR code with your authenticator app."</p>
                        <img class="qr-code" src=setup.qr_code alt="QR code of your two-factor key, for an authenticator app"
                            width="200" height="200"/>
                        <p class="lede small">"Can’t scan it? Add an account by hand with this key (time-based):"</p>
                        <div class="secret-row">
                            <code class="secret" data-testid="two-factor-secret" aria-label="Key for your authenticator app">
                                {grouped(&setup.secret)}
                            </code>
                            <button type="button" class="secondary small" on:click=move |_| copy("secret", secret.clone())>
                                {copy_label("secret", "Copy key")}
                            </button>
                        </div>
                    </li>
                    <li>
                        <form on:submit=enable novalidate>
                            <Field label="Enter the 6-digit code the app shows" name="two_factor_code" value=code
                                error=error_for("totp_code") autocomplete="one-time-code" inputmode="numeric" code=true/>
                            {outcome}
                            <div class="form-actions">
                                <button type="submit" disabled=move || busy.get()>"Turn on"</button>
                                <button type="button" class="secondary" on:click=cancel>"Cancel"</button>
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
            let file = codes_file(&username, &codes);
            let save = move |_| {
                if let Err(message) = download::save_text(CODES_FILE, &file) {
                    state.set(Some(Err(ApiError { code: None, field: None, message })));
                }
            };
            view! {
                <div class="notice warning" role="status">
                    <strong>"Two-factor authentication is on. Save these recovery codes now."</strong>
                    " Each one signs you in once if you lose your phone. They are not shown again."
                </div>
                <ol class="recovery-codes" data-testid="recovery-codes" aria-label="Recovery codes">
                    {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                </ol>
                {outcome}
                <div class="form-actions">
                    <button type="button" class="secondary" on:click=move |_| copy("codes", text.clone())>
                        {copy_label("codes", "Copy codes")}
                    </button>
                    <button type="button" class="secondary" on:click=save>"Download .txt"</button>
                    <button type="button" on:click=move |_| go(Stage::Idle)>"I have saved them"</button>
                </div>
            }
            .into_any()
        }
        Stage::TurnOff => view! {
            <form on:submit=turn_off novalidate>
                <div class="field-grid">
                    <Field label="Your password" name="two_factor_password" kind="password" value=password
                        error=error_for("password") autocomplete="current-password" node_ref=first_input/>
                    <Field label="Code from your app, or a recovery code" name="two_factor_code" value=code
                        error=error_for("totp_code") autocomplete="one-time-code" code=true/>
                </div>
                {outcome}
                <div class="form-actions">
                    <button type="submit" class="danger" disabled=move || busy.get()>"Turn off two-factor authentication"</button>
                    <button type="button" class="secondary" on:click=cancel>"Cancel"</button>
                </div>
            </form>
        }
        .into_any(),
    }
    };

    view! {
        <section class="card two-factor" id=ANCHOR aria-labelledby="two-factor-title" node_ref=section>
            <h2 id="two-factor-title">"Two-factor authentication"</h2>
            <Transition fallback=|| view! { <p class="empty">"Loading…"</p> }>
                {move || status.get().map(|result| match result {
                    Ok(s) => status_line(&s).into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.message}</p> }.into_any(),
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
        let file = codes_file("alice", &["aaaaa-bbbbb".to_owned(), "ccccc-ddddd".to_owned()]);
        assert!(file.starts_with("Confab recovery codes for @alice\n"));
        assert!(file.ends_with("\naaaaa-bbbbb\nccccc-ddddd\n"));
    }
}
