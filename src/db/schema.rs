// @generated automatically by Diesel CLI.

diesel::table! {
    accounts (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamptz,
        token_max_lifetime_days -> Nullable<Int4>,
        token_expiry_required -> Bool,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        account_id -> Text,
        name -> Text,
        description -> Text,
        scope -> Text,
        status -> Text,
        secret_prefix -> Text,
        secret_digest -> Nullable<Bytea>,
        secret_ciphertext -> Nullable<Bytea>,
        created_by -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        expires_at -> Nullable<Timestamptz>,
        disabled_at -> Nullable<Timestamptz>,
        deleted_at -> Nullable<Timestamptz>,
        deleted_digest -> Nullable<Bytea>,
        disabled_by_person -> Bool,
        previous_secret_digest -> Nullable<Bytea>,
        previous_secret_ends_at -> Nullable<Timestamptz>,
        allowed_addresses -> Array<Text>,
        rate_limit_per_minute -> Nullable<Int4>,
        leaked_at -> Nullable<Timestamptz>,
        leak_url -> Nullable<Text>,
        leak_source -> Nullable<Text>,
        name_folded -> Text,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Int8,
        account_id -> Nullable<Text>,
        token_id -> Nullable<Text>,
        actor_user_id -> Nullable<Text>,
        actor_token_id -> Nullable<Text>,
        action -> Text,
        details -> Text,
        ip -> Nullable<Text>,
        occurred_at -> Timestamptz,
        actor_service -> Nullable<Text>,
    }
}

diesel::table! {
    modules (id) {
        id -> Text,
        name -> Text,
        description -> Text,
        position -> Int4,
    }
}

diesel::table! {
    sessions (key_digest) {
        key_digest -> Bytea,
        public_id -> Text,
        user_id -> Text,
        state -> Text,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        expires_at -> Timestamptz,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    service_credentials (name) {
        name -> Text,
        secret_digest -> Bytea,
        secret_prefix -> Text,
        created_at -> Timestamptz,
        last_used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    sign_in_failures (id) {
        id -> Int8,
        email -> Text,
        ip -> Nullable<Text>,
        at -> Timestamptz,
    }
}

diesel::table! {
    token_access_ips (token_id, ip) {
        token_id -> Text,
        ip -> Text,
        first_seen_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        user_agent -> Text,
        requests -> Int8,
    }
}

diesel::table! {
    token_last_access (token_id) {
        token_id -> Text,
        account_id -> Text,
        at -> Nullable<Timestamptz>,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        via -> Nullable<Text>,
    }
}

diesel::table! {
    token_modules (token_id, module_id) {
        token_id -> Text,
        module_id -> Text,
    }
}

diesel::table! {
    token_usage_daily (token_id, day) {
        token_id -> Text,
        day -> Date,
        requests -> Int8,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        account_id -> Nullable<Text>,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Text,
        created_at -> Timestamptz,
        disabled_at -> Nullable<Timestamptz>,
        sign_in_epoch -> Int4,
    }
}

diesel::joinable!(api_tokens -> accounts (account_id));
diesel::joinable!(api_tokens -> users (created_by));
diesel::joinable!(audit_events -> accounts (account_id));
diesel::joinable!(audit_events -> users (actor_user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(token_access_ips -> api_tokens (token_id));
diesel::joinable!(token_last_access -> api_tokens (token_id));
diesel::joinable!(token_modules -> api_tokens (token_id));
diesel::joinable!(token_modules -> modules (module_id));
diesel::joinable!(token_usage_daily -> api_tokens (token_id));
diesel::joinable!(users -> accounts (account_id));

diesel::allow_tables_to_appear_in_same_query!(
    accounts,
    api_tokens,
    audit_events,
    modules,
    service_credentials,
    sessions,
    sign_in_failures,
    token_access_ips,
    token_last_access,
    token_modules,
    token_usage_daily,
    users,
);
