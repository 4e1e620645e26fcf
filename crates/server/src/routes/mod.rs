//! HTTP routes, one file per resource. `configure_api` mounts everything under `/api/v1`;
//! the operational probes live at the root where load balancers expect them.

pub mod address_guard;
pub mod admin;
pub mod auth;
pub mod blocks;
pub mod bots;
pub mod commands;
pub mod conversation_settings;
pub mod conversations;
pub mod docs;
pub mod friend_requests;
pub mod friends;
pub mod health;
pub mod json_body;
pub mod media;
pub mod messages;
pub mod pins;
pub mod push;
pub mod reactions;
pub mod readers;
pub mod settings;
pub mod time_cursor;
pub mod tokens;
pub mod two_factor;
pub mod unknown_route;
pub mod users;
pub mod webhooks;

use actix_web::web;

/// Mounts the probes at the root.
pub fn configure_root(cfg: &mut web::ServiceConfig) {
    cfg.service(health::get_healthz).service(health::get_readyz).service(crate::telemetry::metrics::get_metrics);
    unknown_route::configure_root(cfg);
}

/// Mounts the versioned API; unknown API paths answer a JSON 404, never the web app.
pub fn configure_api(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope(protocol::API_PREFIX)
            .service(docs::get_openapi)
            .service(docs::get_docs)
            .service(docs::get_frames_schema)
            .service(settings::get_settings)
            .service(auth::register)
            .service(auth::login)
            .service(auth::refresh)
            .service(auth::logout)
            .service(auth::list_sessions)
            .service(auth::revoke_session)
            .service(users::get_me)
            .service(users::export_me)
            .service(users::update_me)
            .service(users::delete_me)
            .service(users::change_password)
            .service(users::set_avatar)
            .service(users::remove_avatar)
            .service(two_factor::get_two_factor)
            .service(two_factor::setup_two_factor)
            .service(two_factor::enable_two_factor)
            .service(two_factor::disable_two_factor)
            .service(push::vapid_key)
            .service(push::subscribe)
            .service(push::unsubscribe)
            .service(tokens::create_token)
            .service(tokens::list_tokens)
            .service(tokens::revoke_token)
            .service(bots::create_bot)
            .service(bots::list_bots)
            .service(bots::update_bot)
            .service(bots::delete_bot)
            .service(bots::set_bot_avatar)
            .service(bots::remove_bot_avatar)
            .service(users::search_users)
            .service(users::get_user)
            .service(friends::list_friends)
            .service(friends::remove_friend)
            .service(friend_requests::list_requests)
            .service(friend_requests::send_request)
            .service(friend_requests::accept_request)
            .service(friend_requests::decline_request)
            .service(friend_requests::cancel_request)
            .service(blocks::list_blocks)
            .service(blocks::block_user)
            .service(blocks::unblock_user)
            .service(conversations::list_conversations)
            .service(conversations::create_conversation)
            .service(conversations::get_conversation)
            .service(conversations::update_conversation)
            .service(conversations::set_photo)
            .service(conversations::remove_photo)
            .service(conversations::add_members)
            .service(conversations::remove_member)
            .service(conversations::set_role)
            .service(conversations::leave_conversation)
            .service(messages::list_messages)
            .service(messages::list_events)
            .service(messages::send_message)
            .service(messages::edit_message)
            .service(messages::delete_message)
            .service(messages::mark_read)
            .service(messages::forward_message)
            .service(messages::search_messages)
            .service(reactions::add_reaction)
            .service(reactions::remove_reaction)
            .service(commands::set_commands)
            .service(commands::list_commands)
            .service(commands::reply_to_command)
            .service(commands::invoke_command)
            .service(pins::list_pins)
            .service(pins::pin_message)
            .service(pins::unpin_message)
            .service(readers::list_readers)
            .service(conversation_settings::update_settings)
            .service(media::upload_media)
            .service(media::media_access)
            .service(media::media_usage)
            .service(media::download_media)
            .service(media::download_thumbnail)
            .service(admin::list_users)
            .service(admin::create_user)
            .service(admin::get_user)
            .service(admin::update_user)
            .service(admin::reset_password)
            .service(admin::disable_user)
            .service(admin::enable_user)
            .service(admin::delete_user)
            .service(admin::set_user_role)
            .service(admin::list_conversations)
            .service(admin::conversation_history)
            .service(admin::remove_message)
            .service(admin::export_conversation)
            .service(admin::get_retention)
            .service(admin::set_retention)
            .service(admin::get_security)
            .service(admin::set_security)
            .service(admin::get_stats)
            .service(admin::list_audit)
            .service(admin::list_bots)
            .service(webhooks::create_incoming_webhook)
            .service(webhooks::list_incoming_webhooks)
            .service(webhooks::revoke_incoming_webhook)
            .service(webhooks::post_incoming_webhook)
            .service(webhooks::create_subscription)
            .service(webhooks::list_subscriptions)
            .service(webhooks::delete_subscription)
            .default_service(web::to(unknown_route::answer)),
    );
}
