//! The OpenAPI document, generated from the handlers' `#[utoipa::path]` annotations and the
//! `protocol` types, so it cannot drift from the code. Served at `/api/v1/openapi.json`.

use utoipa::OpenApi;

#[cfg(test)]
mod committed;
pub mod constraints;
pub mod frames;
pub mod responses;

use responses::CommonResponses;

/// Root of the generated OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Confab API",
        description = "REST API of Confab, a real-time chat server. Errors are `{\"error\": code, \"message\": text}` \
                       with the codes of the `ErrorCode` schema.",
    ),
    paths(
        crate::routes::health::get_healthz,
        crate::routes::health::get_readyz,
        crate::telemetry::metrics::get_metrics,
        crate::routes::docs::get_openapi,
        crate::routes::docs::get_docs,
        crate::routes::docs::get_frames_schema,
        crate::routes::settings::get_settings,
        crate::routes::auth::register,
        crate::routes::auth::login,
        crate::routes::auth::refresh,
        crate::routes::auth::logout,
        crate::routes::auth::list_sessions,
        crate::routes::auth::revoke_session,
        crate::routes::users::get_me,
        crate::routes::users::update_me,
        crate::routes::users::delete_me,
        crate::routes::users::change_password,
        crate::routes::users::set_avatar,
        crate::routes::users::remove_avatar,
        crate::routes::two_factor::get_two_factor,
        crate::routes::two_factor::setup_two_factor,
        crate::routes::two_factor::enable_two_factor,
        crate::routes::two_factor::disable_two_factor,
        crate::routes::tokens::create_token,
        crate::routes::tokens::list_tokens,
        crate::routes::tokens::revoke_token,
        crate::routes::bots::create_bot,
        crate::routes::bots::list_bots,
        crate::routes::bots::update_bot,
        crate::routes::bots::delete_bot,
        crate::routes::bots::set_bot_avatar,
        crate::routes::bots::remove_bot_avatar,
        crate::routes::commands::set_commands,
        crate::routes::commands::list_commands,
        crate::routes::commands::invoke_command,
        crate::routes::commands::reply_to_command,
        crate::routes::admin::list_bots,
        crate::routes::users::search_users,
        crate::routes::users::get_user,
        crate::routes::friends::list_friends,
        crate::routes::friends::remove_friend,
        crate::routes::friend_requests::list_requests,
        crate::routes::friend_requests::send_request,
        crate::routes::friend_requests::accept_request,
        crate::routes::friend_requests::decline_request,
        crate::routes::friend_requests::cancel_request,
        crate::routes::blocks::list_blocks,
        crate::routes::blocks::block_user,
        crate::routes::blocks::unblock_user,
        crate::routes::conversations::list_conversations,
        crate::routes::conversations::create_conversation,
        crate::routes::conversations::get_conversation,
        crate::routes::conversations::update_conversation,
        crate::routes::conversations::set_photo,
        crate::routes::conversations::remove_photo,
        crate::routes::conversations::add_members,
        crate::routes::conversations::remove_member,
        crate::routes::conversations::set_role,
        crate::routes::conversations::leave_conversation,
        crate::routes::messages::list_messages,
        crate::routes::messages::list_events,
        crate::routes::messages::send_message,
        crate::routes::messages::edit_message,
        crate::routes::messages::delete_message,
        crate::routes::messages::mark_read,
        crate::routes::messages::forward_message,
        crate::routes::messages::search_messages,
        crate::routes::reactions::add_reaction,
        crate::routes::media::upload_media,
        crate::routes::media::media_access,
        crate::routes::media::media_usage,
        crate::routes::media::download_media,
        crate::routes::media::download_thumbnail,
        crate::routes::reactions::remove_reaction,
        crate::routes::pins::list_pins,
        crate::routes::pins::pin_message,
        crate::routes::pins::unpin_message,
        crate::routes::readers::list_readers,
        crate::routes::conversation_settings::update_settings,
        crate::routes::users::export_me,
        crate::routes::admin::list_users,
        crate::routes::admin::create_user,
        crate::routes::admin::get_user,
        crate::routes::admin::update_user,
        crate::routes::admin::reset_password,
        crate::routes::admin::disable_user,
        crate::routes::admin::enable_user,
        crate::routes::admin::delete_user,
        crate::routes::admin::set_user_role,
        crate::routes::admin::list_conversations,
        crate::routes::admin::conversation_history,
        crate::routes::admin::remove_message,
        crate::routes::admin::export_conversation,
        crate::routes::admin::get_retention,
        crate::routes::admin::set_retention,
        crate::routes::admin::get_security,
        crate::routes::admin::set_security,
        crate::routes::admin::get_stats,
        crate::routes::admin::list_audit,
        crate::routes::webhooks::create_incoming_webhook,
        crate::routes::webhooks::list_incoming_webhooks,
        crate::routes::webhooks::revoke_incoming_webhook,
        crate::routes::webhooks::post_incoming_webhook,
        crate::routes::webhooks::create_subscription,
        crate::routes::webhooks::list_subscriptions,
        crate::routes::webhooks::delete_subscription,
        crate::routes::push::vapid_key,
        crate::routes::push::subscribe,
        crate::routes::push::unsubscribe,
    ),
    components(schemas(
        protocol::ErrorBody,
        protocol::ErrorCode,
        protocol::webhooks::WebhookDelivery,
        protocol::push::PushNotification
    )),
    modifiers(&BearerAuth, &CommonResponses),
    tags(
        (name = "ops", description = "Probes, documentation and the client-visible settings"),
        (name = "auth", description = "Accounts and sessions"),
        (name = "users", description = "Profiles and search"),
        (name = "friends", description = "Friends and friend requests"),
        (name = "blocks", description = "Blocking users"),
        (name = "bots", description = "Bot accounts, managed by their owner (a signed-in person)"),
        (name = "tokens", description = "API tokens (`cfb_…`) for bots and scripts: scoped, expiring, revocable; managed by a signed-in person"),
        (name = "conversations", description = "Direct and group conversations, members and roles"),
        (name = "messages", description = "History, the event log for catching up, sending, editing, deleting, read markers, search"),
        (name = "media", description = "Uploads (photos, videos, voice messages, files) and their downloads by members"),
        (name = "admin", description = "Operators only: users, chat history and moderation, retention, stats, the audit log"),
        (name = "realtime", description = "The WebSocket gateway (frames documented in docs/protocol.md)"),
        (name = "push", description = "Web Push: browsers woken with a notification while none of the user's apps is connected"),
        (name = "webhooks", description = "Incoming webhooks that post into a group, and outgoing subscriptions that deliver events signed as Standard Webhooks (docs/webhooks.md)"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme: `Authorization: Bearer` with an access token (a JWT
/// from sign-in) or an API token (`cfb_…`, limited to its scopes).
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT access token, or API token cfb_…")
                    .description(Some(
                        "An access token from sign-in (all scopes), or an API token (`cfb_…`): `read` for GET, \
                         `send` for writing into conversations, `manage` for other changes; account, session, \
                         token, bot and admin routes need a signed-in person.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document, built once.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The document as served and committed: [`document`] with the inputs' rules written in by
/// [`constraints::apply`].
pub fn document_value() -> serde_json::Value {
    let mut value = serde_json::to_value(document()).unwrap_or_default();
    constraints::apply(&mut value);
    value
}
