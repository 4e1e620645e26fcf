//! The root component: provides the global state contexts (the language first) and maps URLs
//! to pages.
//! The current page lives in the URL, so reloads and shared links land where they should;
//! pages for signed-in users redirect to sign-in otherwise.

use leptos::prelude::*;
use leptos_router::components::{ProtectedRoute, Route, Router, Routes};
use leptos_router::path;

use crate::api::ws::Gateway;
use crate::chunks::{
    AdminPage, SocialPage, admin_page, preload_admin_page, preload_settings_page, preload_social_page, settings_page,
    social_page,
};
use crate::components::connection_banner::ConnectionBanner;
use crate::components::header::Header;
use crate::components::on_demand::OnDemand;
use crate::components::quick_switcher::QuickSwitcher;
use crate::locale::provide_language;
use crate::pages::{chat::ChatPage, home::Home, not_found::NotFound, sign_in::SignIn, sign_up::SignUp};
use crate::state::chat::Chat;
use crate::state::media::Media;
use crate::state::server_settings::ServerSetup;
use crate::state::session::{Session, Status};
use crate::state::theme::Theme;
use crate::state::trays::Trays;

/// The whole application.
#[component]
pub fn App() -> impl IntoView {
    // First, so every component below (and the time formatting) speaks the user's language.
    provide_language();
    provide_context(Theme::load());
    provide_context(ServerSetup::load());
    let session = Session::restore();
    provide_context(session);
    let chat = Chat::new(session);
    provide_context(chat);
    chat.show_unread_in_tab_title();
    let gateway = Gateway::new(chat, session);
    provide_context(gateway);
    let media = Media::new(session);
    provide_context(media);
    let trays = Trays::new(session);
    provide_context(trays);
    // The live connection and the media-access token follow the session: kept while signed in,
    // closed and forgotten after.
    Effect::new(move |_| match session.status.get() {
        Status::SignedIn => {
            gateway.start();
            media.start();
        }
        Status::SignedOut => {
            gateway.stop();
            media.stop();
            trays.clear();
            chat.reset();
        }
        Status::Checking => {}
    });
    let signed_in = move || session.is_signed_in();
    let signed_out = move || session.is_signed_in().map(|s| !s);
    view! {
        <Router>
            <div class="app">
                <Header/>
                <ConnectionBanner/>
                <QuickSwitcher/>
                <main class="page">
                    <Routes fallback=|| view! { <NotFound/> }>
                        <Route path=path!("/") view=Home/>
                        <ProtectedRoute path=path!("/signin") view=SignIn condition=signed_out redirect_path=|| "/chat"/>
                        <ProtectedRoute path=path!("/signup") view=SignUp condition=signed_out redirect_path=|| "/chat"/>
                        <ProtectedRoute path=path!("/chat") view=ChatPage condition=signed_in redirect_path=|| "/signin"/>
                        <ProtectedRoute path=path!("/chat/:id") view=ChatPage condition=signed_in redirect_path=|| "/signin"/>
                        <ProtectedRoute path=path!("/friends") view=social(SocialPage::Friends) condition=signed_in redirect_path=|| "/signin"/>
                        <ProtectedRoute path=path!("/requests") view=social(SocialPage::Requests) condition=signed_in redirect_path=|| "/signin"/>
                        <ProtectedRoute path=path!("/people") view=social(SocialPage::People) condition=signed_in redirect_path=|| "/signin"/>
                        <ProtectedRoute path=path!("/blocked") view=social(SocialPage::Blocked) condition=signed_in redirect_path=|| "/signin"/>
                        <ProtectedRoute path=path!("/users/:id") view=social(SocialPage::Profile) condition=signed_in redirect_path=|| "/signin"/>
                        <ProtectedRoute path=path!("/settings") view=settings condition=signed_in redirect_path=|| "/signin"/>
                        // The admin pages show non-admins a "not allowed" page; the server refuses them anyway.
                        <ProtectedRoute path=path!("/admin") view=admin(AdminPage::Dashboard) condition=signed_in redirect_path=|| "/signin"/>
                        <ProtectedRoute path=path!("/admin/users") view=admin(AdminPage::Users) condition=signed_in redirect_path=|| "/signin"/>
                        <ProtectedRoute path=path!("/admin/users/:id") view=admin(AdminPage::User) condition=signed_in redirect_path=|| "/signin"/>
                        <ProtectedRoute path=path!("/admin/conversations") view=admin(AdminPage::Conversations) condition=signed_in redirect_path=|| "/signin"/>
                        <ProtectedRoute path=path!("/admin/conversations/:id") view=admin(AdminPage::Conversation) condition=signed_in redirect_path=|| "/signin"/>
                        <ProtectedRoute path=path!("/admin/audit") view=admin(AdminPage::Audit) condition=signed_in redirect_path=|| "/signin"/>
                    </Routes>
                </main>
            </div>
        </Router>
    }
}

// The pages whose code loads when first opened (crate::chunks).

fn settings() -> AnyView {
    view! { <OnDemand preload=preload_settings_page view=settings_page/> }.into_any()
}

fn social(page: SocialPage) -> impl Fn() -> AnyView + Clone + Send + 'static {
    move || view! { <OnDemand preload=preload_social_page view=move || social_page(page)/> }.into_any()
}

fn admin(page: AdminPage) -> impl Fn() -> AnyView + Clone + Send + 'static {
    move || view! { <OnDemand preload=preload_admin_page view=move || admin_page(page)/> }.into_any()
}
