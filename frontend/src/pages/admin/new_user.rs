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
use crate::locale::{t, t_string, use_i18n};
use crate::state::session::Session;

/// The form; `on_created` hears of each new account (the list re-reads itself), `open` is
/// cleared by "Close".
#[component]
pub fn NewUserForm(on_created: Callback<AdminUser>, open: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
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
            <h2 id="new-user-title">{t!(i18n, admin.new_user)}</h2>
            <form on:submit=submit novalidate data-testid="new-user-form">
                <div class="field-grid">
                    <Field label=t_string!(i18n, admin.username) name="username" value=username error=field_error(outcome, "username")
                        hint=t_string!(i18n, admin.username_hint, min = limits::USERNAME_MIN, max = limits::USERNAME_MAX).to_string()/>
                    <Field label=t_string!(i18n, admin.display_name) name="display_name" value=display_name
                        error=field_error(outcome, "display_name") hint=t_string!(i18n, admin.display_name_hint)/>
                    <Field label=t_string!(i18n, admin.password) name="password" kind="password" value=password
                        error=field_error(outcome, "password") autocomplete="new-password"
                        hint=t_string!(i18n, admin.password_hint, min = limits::PASSWORD_MIN_CHARS).to_string()/>
                </div>
                <label class="pick">
                    <input type="checkbox" prop:checked=move || make_admin.get()
                        on:change=move |ev| make_admin.set(event_target_checked(&ev))/>
                    {t!(i18n, admin.administrator)}
                </label>
                {outcome_view(outcome)}
                {move || created.get().map(|user| view! {
                    <p class="notice" role="status">
                        {t!(i18n, admin.created_notice, name = user.display_name.clone(), username = user.username.clone())}
                        <a href=format!("/admin/users/{}", user.id)>{t!(i18n, admin.open_their_page)}</a>
                    </p>
                })}
                <div class="form-actions">
                    <button type="submit" disabled=move || busy.get()>
                        {move || if busy.get() { t_string!(i18n, admin.creating) } else { t_string!(i18n, admin.create_user) }}
                    </button>
                    <button type="button" class="secondary" on:click=move |_| open.set(false)>{t!(i18n, admin.close)}</button>
                </div>
            </form>
        </section>
    }
}
