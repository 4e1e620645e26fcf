//! The administration pages under `/admin`, one file each, and what they share: the frame with
//! the section tabs (which shows non-admins the "not allowed" page instead, before any admin
//! request is made, and admins the security policy keeps out until they turn on two-factor
//! authentication a pointer to their settings), the outcome line of an action, and how times
//! are shown.

use leptos::prelude::*;
use leptos_router::components::A;
use protocol::ErrorCode;
use protocol::admin::SecurityPolicy;
use protocol::users::Role;

use super::not_allowed::NotAllowed;
use crate::api::{self, ApiError};
use crate::components::two_factor_settings::ANCHOR;
use crate::locale::{error_text, t, t_string, use_i18n};
use crate::state::session::Session;
use crate::time;

pub mod audit;
pub mod conversation;
pub mod conversations;
pub mod dashboard;
pub mod new_user;
pub mod user;
pub mod users;

/// What an admin action came to: a confirmation or the server's refusal, shown under it.
pub type Outcome = RwSignal<Option<Result<String, ApiError>>>;

/// Whether the signed-in user is an administrator (the header's link and the frame ask).
pub fn is_admin(session: Session) -> bool {
    session.user.with(|u| u.as_ref().is_some_and(|u| u.role == Role::Admin))
}

/// A server time (`timestamp_millis()`) in the browser's timezone.
pub fn when(ms: i64) -> String {
    time::date_time(ms as f64)
}

/// The security policy as the frame read it on arrival, for the dashboard's switch to start from.
#[derive(Clone, Copy)]
pub struct SecurityCheck(pub LocalResource<Result<SecurityPolicy, ApiError>>);

/// Where an admin turns on their second factor.
fn two_factor_settings() -> String {
    format!("/settings#{ANCHOR}")
}

/// The line under an action: a status for success, an alert with the server's message otherwise
/// (errors about one form field show beside that field instead). A refusal for want of a second
/// factor links to where it is turned on. Call it from a component (it reads the language there).
pub fn outcome_view(outcome: Outcome) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        outcome.get().and_then(|r| match r {
            Ok(message) => Some(view! { <p class="notice" role="status">{message}</p> }.into_any()),
            // The server's two refusals of this kind say why in English; the translations that
            // drop `reason` say it in a way that fits both.
            Err(e) if e.code == Some(ErrorCode::TwoFactorRequired) => Some(
                view! {
                    <p class="form-error" role="alert">
                        {t!(i18n, admin.two_factor_refusal, reason = e.message.trim_end_matches('.').to_owned())}
                        <a href=two_factor_settings()>{t!(i18n, admin.set_it_up)}</a>
                    </p>
                }
                .into_any(),
            ),
            Err(e) if e.field.is_none() => {
                Some(view! { <p class="form-error" role="alert">{error_text(&e, i18n.get_locale())}</p> }.into_any())
            }
            Err(_) => None,
        })
    }
}

/// The message of `outcome` when it concerns `field`, for a form field. Call it from a component
/// (it reads the language there).
pub fn field_error(outcome: Outcome, field: &'static str) -> Signal<Option<String>> {
    let i18n = use_i18n();
    Signal::derive(move || {
        outcome
            .get()
            .and_then(|r| r.err())
            .filter(|e| e.for_field(field).is_some())
            .map(|e| error_text(&e, i18n.get_locale()))
    })
}

/// Every admin page sits in this frame: the section tabs above `children`. `children` is only
/// built for administrators, so their requests never leave other users' browsers.
#[component]
pub fn AdminFrame(children: ChildrenFn) -> impl IntoView {
    let session = expect_context::<Session>();
    view! {
        <Show when=move || is_admin(session) fallback=|| view! { <NotAllowed/> }>
            <AdminArea children=children.clone()/>
        </Show>
    }
}

/// The tabs and the page, or, when the security policy keeps this admin out until they turn on
/// two-factor authentication (every admin route answers `two_factor_required`), the server's
/// message and the way to their settings. The page is built at once, not after the check: the
/// check only replaces it in that rare case.
#[component]
fn AdminArea(children: ChildrenFn) -> impl IntoView {
    let i18n = use_i18n();
    let session = expect_context::<Session>();
    let security = LocalResource::new(move || api::admin::security(session));
    provide_context(SecurityCheck(security));
    let kept_out = Memo::new(move |_| {
        security.get().and_then(|r| r.err()).is_some_and(|e| e.code == Some(ErrorCode::TwoFactorRequired))
    });
    view! {
        <div class="admin">
            <nav class="admin-nav" aria-label=move || t_string!(i18n, admin.nav_label)>
                <A href="/admin" exact=true>{t!(i18n, admin.tab_dashboard)}</A>
                <A href="/admin/users">{t!(i18n, admin.tab_users)}</A>
                <A href="/admin/conversations">{t!(i18n, admin.tab_conversations)}</A>
                <A href="/admin/audit">{t!(i18n, admin.tab_audit)}</A>
            </nav>
            <Show
                when=move || !kept_out.get()
                fallback=move || view! {
                    <section class="card" data-testid="admin-needs-two-factor" aria-labelledby="admin-needs-two-factor-title">
                        <h1 id="admin-needs-two-factor-title">{t!(i18n, admin.needs_two_factor_title)}</h1>
                        <p class="lede" role="alert">{t!(i18n, admin.needs_two_factor_text)}</p>
                        <a class="button" href=two_factor_settings()>{t!(i18n, admin.turn_on_two_factor)}</a>
                    </section>
                }
            >
                {children()}
            </Show>
        </div>
    }
}
