//! The users page's "New user" form: an operator creates an account with a first password (and
//! optionally the admin role). The server judges the rules; its refusals show beside the field.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::admin::{AdminCreateUser, AdminUser};
use protocol::auth::limits;
use protocol::users::Role;

use super::{Outcome, field_error, outcome_view};
use crate::api;
use crate::components::field::Field;
use crate::state::session::Session;

/// The form; `on_created` hears of each new account (the list re-reads itself), `open` is
/// cleared by "Close".
#[component]
pub fn NewUserForm(on_created: Callback<AdminUser>, open: RwSignal<bool>) -> impl IntoView {
    let session = expect_context::<Session>();
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let make_admin = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let outcome: Outcome = RwSignal::new(None);
    // The account just made, for the confirmation with a link to it (`outcome` keeps the errors).
    let created = RwSignal::new(None::<AdminUser>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let account = AdminCreateUser {
            username: username.get_untracked().trim().to_owned(),
            display_name: display_name.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
            role: Some(if make_admin.get_untracked() { Role::Admin } else { Role::User }),
        };
        busy.set(true);
        spawn_local(async move {
            let result = api::admin::create_user(session, account).await;
            busy.set(false);
            match result {
                Ok(user) => {
                    outcome.set(None);
                    // A fresh form for the next account; the password must not linger on screen.
                    for field in [username, display_name, password] {
                        field.set(String::new());
                    }
                    make_admin.set(false);
                    created.set(Some(user.clone()));
                    on_created.run(user);
                }
                Err(e) => {
                    created.set(None);
                    outcome.set(Some(Err(e)));
                }
            }
        });
    };

    view! {
        <section class="card new-user" id="new-user" aria-labelledby="new-user-title">
            <h2 id="new-user-title">"New user"</h2>
            <form on:submit=submit novalidate data-testid="new-user-form">
                <div class="field-grid">
                    <Field label="Username" name="username" value=username error=field_error(outcome, "username")
                        hint=format!("{}–{} letters, digits, _ . -", limits::USERNAME_MIN, limits::USERNAME_MAX)/>
                    <Field label="Display name" name="display_name" value=display_name
                        error=field_error(outcome, "display_name") hint="How others see them"/>
                    <Field label="Password" name="password" kind="password" value=password
                        error=field_error(outcome, "password") autocomplete="new-password"
                        hint=format!("At least {} characters", limits::PASSWORD_MIN_CHARS)/>
                </div>
                <label class="pick">
                    <input type="checkbox" prop:checked=move || make_admin.get()
                        on:change=move |ev| make_admin.set(event_target_checked(&ev))/>
                    "Administrator"
                </label>
                {outcome_view(outcome)}
                {move || created.get().map(|user| view! {
                    <p class="notice" role="status">
                        {format!("Created {} (@{}). ", user.display_name, user.username)}
                        <a href=format!("/admin/users/{}", user.id)>"Open their page →"</a>
                    </p>
                })}
                <div class="form-actions">
                    <button type="submit" disabled=move || busy.get()>
                        {move || if busy.get() { "Creating…" } else { "Create user" }}
                    </button>
                    <button type="button" class="secondary" on:click=move |_| open.set(false)>"Close"</button>
                </div>
            </form>
        </section>
    }
}
