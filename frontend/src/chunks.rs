//! The parts of the app that load on first use. Each function below is a split point: its code,
//! and whatever only it uses, leaves the main wasm for a chunk of its own (crates/split-bindgen
//! cuts it at build time; scripts/stage-wasm-chunks.sh puts it on the site), which the browser
//! fetches the first time the function runs. What a returning user needs to see their chats
//! (the shell, the conversation list, the live connection) stays in the main module; what they
//! open later (a conversation, settings, the social and admin pages) comes after.
//!
//! Each has a `preload_…` companion that only loads the chunk (components::on_demand loads it
//! first, then draws the part). `fallible`: a chunk that cannot be fetched (offline, or a
//! deployment replaced it) is an error the page shows with a retry, not a panic; a later call
//! fetches again.
//! Natively (the unit tests) each function is called directly.

use leptos::prelude::*;
use leptos::wasm_split::{SplitLoaderError, wasm_split};
use protocol::ConversationId;

use crate::components::conversation_view::ConversationView;
use crate::pages::admin::{
    audit::AdminAudit, conversation::AdminConversation, conversations::AdminConversations, dashboard::AdminDashboard,
    user::AdminUser, users::AdminUsers,
};
use crate::pages::settings::Settings;
use crate::pages::{blocked::Blocked, friends::Friends, people::People, profile::Profile, requests::Requests};

/// An open conversation: its history, composer, attachments and panels.
#[wasm_split(conversation, wasm_split_path = ::leptos::wasm_split, preload(preload_conversation_view), fallible)]
pub fn conversation_view(id: ConversationId) -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <ConversationView id/> }.into_any())
}

/// The settings page.
#[wasm_split(settings, wasm_split_path = ::leptos::wasm_split, preload(preload_settings_page), fallible)]
pub fn settings_page() -> Result<AnyView, SplitLoaderError> {
    Ok(view! { <Settings/> }.into_any())
}

/// The pages about other people (one chunk: they share most of their code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SocialPage {
    Friends,
    Requests,
    People,
    Blocked,
    Profile,
}

#[wasm_split(social, wasm_split_path = ::leptos::wasm_split, preload(preload_social_page), fallible)]
pub fn social_page(page: SocialPage) -> Result<AnyView, SplitLoaderError> {
    Ok(match page {
        SocialPage::Friends => view! { <Friends/> }.into_any(),
        SocialPage::Requests => view! { <Requests/> }.into_any(),
        SocialPage::People => view! { <People/> }.into_any(),
        SocialPage::Blocked => view! { <Blocked/> }.into_any(),
        SocialPage::Profile => view! { <Profile/> }.into_any(),
    })
}

/// The administration pages (one chunk: few users ever open them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminPage {
    Dashboard,
    Users,
    User,
    Conversations,
    Conversation,
    Audit,
}

#[wasm_split(admin, wasm_split_path = ::leptos::wasm_split, preload(preload_admin_page), fallible)]
pub fn admin_page(page: AdminPage) -> Result<AnyView, SplitLoaderError> {
    Ok(match page {
        AdminPage::Dashboard => view! { <AdminDashboard/> }.into_any(),
        AdminPage::Users => view! { <AdminUsers/> }.into_any(),
        AdminPage::User => view! { <AdminUser/> }.into_any(),
        AdminPage::Conversations => view! { <AdminConversations/> }.into_any(),
        AdminPage::Conversation => view! { <AdminConversation/> }.into_any(),
        AdminPage::Audit => view! { <AdminAudit/> }.into_any(),
    })
}
