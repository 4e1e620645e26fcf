// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "tsvector", schema = "pg_catalog"))]
    pub struct Tsvector;
}

diesel::table! {
    api_tokens (id) {
        id -> Uuid,
        account_id -> Uuid,
        created_by -> Uuid,
        name -> Text,
        token_hash -> Bytea,
        scopes -> Array<Text>,
        expires_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Uuid,
        actor_id -> Uuid,
        action -> Text,
        target_type -> Text,
        target_id -> Nullable<Uuid>,
        detail -> Jsonb,
        ip -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    blocks (blocker_id, blocked_id) {
        blocker_id -> Uuid,
        blocked_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    bot_commands (conversation_id, name) {
        conversation_id -> Uuid,
        name -> Text,
        bot_id -> Uuid,
        description -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    bots (user_id) {
        user_id -> Uuid,
        owner_id -> Uuid,
        description -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    conversation_members (conversation_id, user_id) {
        conversation_id -> Uuid,
        user_id -> Uuid,
        role -> Text,
        joined_at -> Timestamptz,
        read_seq -> Int8,
        muted_until -> Nullable<Timestamptz>,
        archived_at -> Nullable<Timestamptz>,
        read_at -> Nullable<Timestamptz>,
        delivered_seq -> Int8,
        delivered_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    conversations (id) {
        id -> Uuid,
        kind -> Text,
        title -> Text,
        dm_key -> Nullable<Text>,
        created_by -> Nullable<Uuid>,
        last_seq -> Int8,
        last_activity_at -> Timestamptz,
        created_at -> Timestamptz,
        description -> Text,
        photo_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    events (conversation_id, seq) {
        conversation_id -> Uuid,
        seq -> Int8,
        kind -> Text,
        message_id -> Nullable<Uuid>,
        payload -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    friend_requests (id) {
        id -> Uuid,
        from_user -> Uuid,
        to_user -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    friendships (user_a, user_b) {
        user_a -> Uuid,
        user_b -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    incoming_webhooks (id) {
        id -> Uuid,
        conversation_id -> Uuid,
        account_id -> Uuid,
        created_by -> Uuid,
        name -> Text,
        secret_hash -> Bytea,
        revoked_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    media (id) {
        id -> Uuid,
        uploader_id -> Uuid,
        kind -> Text,
        content_type -> Text,
        name -> Text,
        size -> Int8,
        sha256 -> Text,
        width -> Nullable<Int4>,
        height -> Nullable<Int4>,
        duration_ms -> Nullable<Int4>,
        waveform -> Nullable<Bytea>,
        thumbhash -> Nullable<Text>,
        thumbnail_sha256 -> Nullable<Text>,
        message_id -> Nullable<Uuid>,
        position -> Nullable<Int2>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    media_blobs (sha256) {
        sha256 -> Text,
        size -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Tsvector;

    messages (id) {
        id -> Uuid,
        conversation_id -> Uuid,
        seq -> Int8,
        sender_id -> Uuid,
        client_msg_id -> Uuid,
        body -> Text,
        reply_to -> Nullable<Uuid>,
        created_at -> Timestamptz,
        edited_at -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
        deleted_by -> Nullable<Uuid>,
        search -> Nullable<Tsvector>,
        mentions -> Array<Uuid>,
        forwarded -> Bool,
        pinned_at -> Nullable<Timestamptz>,
        pinned_by -> Nullable<Uuid>,
        location_latitude -> Nullable<Float8>,
        location_longitude -> Nullable<Float8>,
        location_accuracy_m -> Nullable<Int4>,
        display_name -> Nullable<Text>,
    }
}

diesel::table! {
    message_reactions (message_id, emoji, user_id) {
        message_id -> Uuid,
        emoji -> Text,
        user_id -> Uuid,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    push_subscriptions (id) {
        id -> Uuid,
        user_id -> Uuid,
        session_id -> Uuid,
        endpoint -> Text,
        p256dh -> Bytea,
        auth -> Bytea,
        created_at -> Timestamptz,
        last_pushed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    refresh_tokens (token_hash) {
        token_hash -> Bytea,
        session_id -> Uuid,
        created_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    server_settings (key) {
        key -> Text,
        value -> Jsonb,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Uuid,
        user_id -> Uuid,
        user_agent -> Text,
        ip -> Text,
        created_at -> Timestamptz,
        last_used_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    two_factor (user_id) {
        user_id -> Uuid,
        secret -> Bytea,
        enabled_at -> Nullable<Timestamptz>,
        last_step -> Int8,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    two_factor_recovery (user_id, code_hash) {
        user_id -> Uuid,
        code_hash -> Bytea,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        username -> Text,
        display_name -> Text,
        bio -> Text,
        avatar_color -> Text,
        password_hash -> Text,
        role -> Text,
        disabled_at -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
        last_seen_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        avatar_id -> Nullable<Uuid>,
        kind -> Text,
    }
}

diesel::table! {
    vapid_keys (id) {
        id -> Int2,
        private_key -> Bytea,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    webhook_cursors (subscription_id, conversation_id) {
        subscription_id -> Uuid,
        conversation_id -> Uuid,
        delivered_seq -> Int8,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        leased_until -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> Uuid,
        owner_id -> Uuid,
        url -> Text,
        secret -> Bytea,
        events -> Array<Text>,
        failing_since -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        disabled_at -> Nullable<Timestamptz>,
        disabled_reason -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::joinable!(audit_log -> users (actor_id));
diesel::joinable!(bot_commands -> conversations (conversation_id));
diesel::joinable!(bot_commands -> users (bot_id));
diesel::joinable!(conversation_members -> conversations (conversation_id));
diesel::joinable!(conversation_members -> users (user_id));
diesel::joinable!(conversations -> users (created_by));
diesel::joinable!(incoming_webhooks -> conversations (conversation_id));
diesel::joinable!(media -> messages (message_id));
diesel::joinable!(media -> users (uploader_id));
diesel::joinable!(message_reactions -> messages (message_id));
diesel::joinable!(message_reactions -> users (user_id));
diesel::joinable!(push_subscriptions -> sessions (session_id));
diesel::joinable!(push_subscriptions -> users (user_id));
diesel::joinable!(refresh_tokens -> sessions (session_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(two_factor -> users (user_id));
diesel::joinable!(two_factor_recovery -> users (user_id));
diesel::joinable!(webhook_cursors -> conversations (conversation_id));
diesel::joinable!(webhook_cursors -> webhook_subscriptions (subscription_id));
diesel::joinable!(webhook_subscriptions -> users (owner_id));

diesel::allow_tables_to_appear_in_same_query!(
    api_tokens,
    audit_log,
    blocks,
    bot_commands,
    bots,
    conversation_members,
    conversations,
    events,
    friend_requests,
    friendships,
    incoming_webhooks,
    media,
    media_blobs,
    message_reactions,
    messages,
    push_subscriptions,
    refresh_tokens,
    server_settings,
    sessions,
    two_factor,
    two_factor_recovery,
    users,
    vapid_keys,
    webhook_cursors,
    webhook_subscriptions,
);
