//! The validation rules of the inputs, written into the OpenAPI document from the constants the
//! validation itself uses, so that a request valid by the document is accepted and one it
//! forbids is refused (schemathesis checks both ways in scripts/api-contract.sh). utoipa's
//! `#[schema(max_length = ...)]` takes literals only, which would repeat every number; this
//! table names the constant instead.
//!
//! A rule for a field or parameter that no longer exists fails the unit test below, so the
//! table cannot silently go stale.

use protocol::auth::limits;
use protocol::bots::{BOT_DESCRIPTION_MAX_CHARS, TOKEN_NAME_MAX_CHARS};
use protocol::conversations::{
    MAX_BODY_CHARS, MAX_DESCRIPTION_CHARS, MAX_FORWARD_TARGETS, MAX_MEMBERS_PER_REQUEST, MAX_MENTIONS, MAX_TITLE_CHARS,
};
use protocol::media::MAX_ATTACHMENTS;
use serde_json::{Value, json};

/// Strings without a NUL character: PostgreSQL cannot store one, so the server refuses it in
/// every string (`validate::json_without_nul`); every string schema says so.
pub const NO_NUL: &str = "^[^\\u0000]*$";
/// Unicode's White_Space characters, which Rust's `str::trim` removes (a regex's `\s` differs
/// from engine to engine, so they are listed).
const WHITE_SPACE: &str =
    "\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
/// Control characters (Rust's `char::is_control`).
const CONTROL: &str = "\\u0000-\\u001f\\u007f-\\u009f";

/// Text with at least one character that is not white space (the server trims it) and no NUL.
fn not_blank() -> String {
    format!("^[^\\u0000]*[^{WHITE_SPACE}\\u0000][^\\u0000]*$")
}

/// Like [`not_blank`], and without control characters (names).
fn visible() -> String {
    format!("^[^{CONTROL}]*[^{WHITE_SPACE}{CONTROL}][^{CONTROL}]*$")
}

/// A username: 3 to 32 of `A-Z a-z 0-9 _ . -`, with white space around it trimmed.
fn username_pattern() -> String {
    format!("^[{WHITE_SPACE}]*[A-Za-z0-9_.-]{{{},{}}}[{WHITE_SPACE}]*$", limits::USERNAME_MIN, limits::USERNAME_MAX)
}

/// A rule on one property of one component schema (`property` is a JSON pointer into the
/// schema when it starts with `/`, the empty string for the schema itself): the JSON keywords
/// to merge into it.
struct PropertyRule {
    schema: &'static str,
    property: &'static str,
    keywords: fn() -> Value,
}

impl PropertyRule {
    fn pointer(&self) -> String {
        if self.property.is_empty() || self.property.starts_with('/') {
            self.property.to_owned()
        } else {
            format!("/properties/{}", self.property)
        }
    }
}

/// A rule on a query parameter, for every operation whose path `applies` to.
struct ParameterRule {
    name: &'static str,
    applies: fn(&str) -> bool,
    keywords: fn() -> Value,
}

fn everywhere(_: &str) -> bool {
    true
}

fn property_rules() -> Vec<PropertyRule> {
    let username = || json!({"pattern": username_pattern()});
    let display_name = || json!({"minLength": 1, "maxLength": limits::DISPLAY_NAME_MAX, "pattern": visible()});
    let new_password = || json!({"minLength": limits::PASSWORD_MIN_CHARS, "maxLength": limits::PASSWORD_MAX_CHARS});
    let presented_password = || json!({"maxLength": limits::PASSWORD_MAX_CHARS});
    let bot_description = || json!({"maxLength": BOT_DESCRIPTION_MAX_CHARS});
    let title = || json!({"minLength": 1, "maxLength": MAX_TITLE_CHARS, "pattern": not_blank()});
    vec![
        PropertyRule { schema: "RegisterRequest", property: "username", keywords: username },
        PropertyRule { schema: "RegisterRequest", property: "display_name", keywords: display_name },
        PropertyRule { schema: "RegisterRequest", property: "password", keywords: new_password },
        PropertyRule { schema: "LoginRequest", property: "password", keywords: presented_password },
        PropertyRule { schema: "AdminCreateUser", property: "username", keywords: username },
        PropertyRule { schema: "AdminCreateUser", property: "display_name", keywords: display_name },
        PropertyRule { schema: "AdminCreateUser", property: "password", keywords: new_password },
        PropertyRule { schema: "AdminResetPassword", property: "password", keywords: new_password },
        PropertyRule { schema: "ChangePasswordRequest", property: "current_password", keywords: presented_password },
        PropertyRule { schema: "ChangePasswordRequest", property: "new_password", keywords: new_password },
        PropertyRule { schema: "DeleteAccountRequest", property: "password", keywords: presented_password },
        PropertyRule { schema: "TwoFactorSetupRequest", property: "password", keywords: presented_password },
        PropertyRule { schema: "DisableTwoFactorRequest", property: "password", keywords: presented_password },
        PropertyRule { schema: "UpdateProfileRequest", property: "display_name", keywords: display_name },
        PropertyRule {
            schema: "UpdateProfileRequest",
            property: "bio",
            keywords: || json!({"maxLength": limits::BIO_MAX}),
        },
        PropertyRule {
            schema: "UpdateProfileRequest",
            property: "avatar_color",
            keywords: || json!({"pattern": "^#[0-9A-Fa-f]{6}$"}),
        },
        PropertyRule { schema: "AdminUpdateUser", property: "display_name", keywords: display_name },
        PropertyRule { schema: "UpdateConversation", property: "title", keywords: title },
        PropertyRule {
            schema: "UpdateConversation",
            property: "description",
            keywords: || json!({"maxLength": MAX_DESCRIPTION_CHARS}),
        },
        PropertyRule {
            schema: "AddMembers",
            property: "user_ids",
            keywords: || json!({"minItems": 1, "maxItems": MAX_MEMBERS_PER_REQUEST}),
        },
        PropertyRule {
            schema: "ForwardMessage",
            property: "conversation_ids",
            keywords: || json!({"minItems": 1, "maxItems": MAX_FORWARD_TARGETS}),
        },
        PropertyRule {
            schema: "EditMessage",
            property: "body",
            keywords: || json!({"minLength": 1, "maxLength": MAX_BODY_CHARS, "pattern": not_blank()}),
        },
        PropertyRule {
            schema: "Retention",
            property: "days",
            keywords: || json!({"minimum": 1, "maximum": crate::routes::admin::MAX_RETENTION_DAYS}),
        },
        PropertyRule { schema: "MarkRead", property: "seq", keywords: || json!({"minimum": 0}) },
        // A group's title; a DM has none.
        PropertyRule { schema: "CreateConversation", property: "/oneOf/1/properties/title", keywords: title },
        PropertyRule {
            schema: "CreateConversation",
            property: "/oneOf/1/properties/member_ids",
            keywords: || json!({"maxItems": MAX_MEMBERS_PER_REQUEST}),
        },
        // A rename changes the title, the description or both.
        PropertyRule {
            schema: "UpdateConversation",
            property: "",
            keywords: || {
                json!({"anyOf": [
                    {"required": ["title"], "properties": {"title": {"type": "string"}}},
                    {"required": ["description"], "properties": {"description": {"type": "string"}}},
                ]})
            },
        },
        // Text, attachments or a location; text, when given, is not only white space.
        PropertyRule {
            schema: "SendMessage",
            property: "body",
            keywords: || json!({"maxLength": MAX_BODY_CHARS, "pattern": format!("^$|{}", not_blank())}),
        },
        PropertyRule {
            schema: "SendMessage",
            property: "attachments",
            keywords: || json!({"maxItems": MAX_ATTACHMENTS, "uniqueItems": true}),
        },
        PropertyRule { schema: "SendMessage", property: "mentions", keywords: || json!({"maxItems": MAX_MENTIONS}) },
        PropertyRule {
            schema: "SendMessage",
            property: "",
            keywords: || {
                json!({"anyOf": [
                    {"required": ["body"], "properties": {"body": {"minLength": 1}}},
                    {"required": ["attachments"], "properties": {"attachments": {"minItems": 1}}},
                    {"required": ["location"], "properties": {"location": {"type": "object"}}},
                ]})
            },
        },
        PropertyRule { schema: "CreateBot", property: "username", keywords: username },
        PropertyRule { schema: "CreateBot", property: "display_name", keywords: display_name },
        PropertyRule { schema: "CreateBot", property: "description", keywords: bot_description },
        PropertyRule { schema: "UpdateBot", property: "display_name", keywords: display_name },
        PropertyRule { schema: "AdminUpdateUser", property: "username", keywords: username },
        PropertyRule {
            schema: "EphemeralReply",
            property: "body",
            keywords: || json!({"minLength": 1, "maxLength": MAX_BODY_CHARS, "pattern": not_blank()}),
        },
        PropertyRule { schema: "CreateIncomingWebhook", property: "name", keywords: || json!({"pattern": visible()}) },
        PropertyRule { schema: "CreateSubscription", property: "url", keywords: || json!({"format": "uri"}) },
        PropertyRule {
            schema: "PushSubscription",
            property: "endpoint",
            keywords: || json!({"format": "uri", "maxLength": protocol::push::ENDPOINT_MAX_BYTES}),
        },
        PropertyRule {
            schema: "PushUnsubscribe",
            property: "endpoint",
            keywords: || json!({"maxLength": protocol::push::ENDPOINT_MAX_BYTES}),
        },
        // 65 and 16 bytes in unpadded base64url, as browsers give them.
        PropertyRule { schema: "PushKeys", property: "p256dh", keywords: || json!({"pattern": "^[A-Za-z0-9_-]{87}$"}) },
        PropertyRule { schema: "PushKeys", property: "auth", keywords: || json!({"pattern": "^[A-Za-z0-9_-]{22}$"}) },
        PropertyRule { schema: "UpdateBot", property: "description", keywords: bot_description },
        PropertyRule {
            schema: "CreateApiToken",
            property: "name",
            keywords: || json!({"minLength": 1, "maxLength": TOKEN_NAME_MAX_CHARS, "pattern": not_blank()}),
        },
        PropertyRule {
            schema: "CreateApiToken",
            property: "scopes",
            keywords: || json!({"minItems": 1, "uniqueItems": true}),
        },
        PropertyRule { schema: "Location", property: "latitude", keywords: || json!({"minimum": -90, "maximum": 90}) },
        PropertyRule {
            schema: "Location",
            property: "longitude",
            keywords: || json!({"minimum": -180, "maximum": 180}),
        },
    ]
}

/// The cursors of pages ordered by time: `{microseconds}_{uuid}`.
const TIME_CURSOR: &str = "^-?[0-9]{1,18}_[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$";

fn parameter_rules() -> Vec<ParameterRule> {
    vec![
        // Page sizes are clamped, never refused: any u32 is accepted.
        ParameterRule {
            name: "limit",
            applies: everywhere,
            keywords: || json!({"minimum": 0, "maximum": u32::MAX, "format": null}),
        },
        ParameterRule { name: "after_seq", applies: everywhere, keywords: || json!({"minimum": 0}) },
        ParameterRule {
            name: "cursor",
            applies: |path| {
                !matches!(path, "/api/v1/users" | "/api/v1/admin/users" | "/api/v1/friends" | "/api/v1/admin/bots")
            },
            keywords: || json!({"pattern": TIME_CURSOR}),
        },
        ParameterRule {
            name: "cursor",
            applies: |path| path == "/api/v1/users",
            keywords: || json!({"maxLength": crate::routes::users::MAX_CURSOR_CHARS}),
        },
        ParameterRule {
            name: "q",
            applies: |path| path == "/api/v1/users",
            keywords: || json!({"minLength": 1, "maxLength": crate::routes::users::MAX_QUERY_CHARS, "pattern": not_blank()}),
        },
        ParameterRule {
            name: "q",
            applies: |path| path == "/api/v1/search",
            keywords: || json!({"minLength": 1, "maxLength": crate::chat::messages::MAX_QUERY_CHARS, "pattern": not_blank()}),
        },
        ParameterRule {
            name: "status",
            applies: |path| path == "/api/v1/admin/users",
            keywords: || json!({"enum": crate::routes::admin::USER_STATUS_FILTERS}),
        },
    ]
}

/// Writes the rules into an OpenAPI document (as JSON: utoipa's types cannot hold some of the
/// keywords, such as `anyOf` beside `properties`).
pub fn apply(document: &mut Value) {
    if let Some(schemas) = document.pointer_mut("/components/schemas") {
        apply_to_schemas(schemas);
    }
    if let Some(upload) = document.pointer_mut("/paths/~1api~1v1~1media/post/requestBody/content/multipart~1form-data")
    {
        upload["schema"] = upload_schema();
    }
    if let Some(body) = document.pointer_mut("/paths/~1api~1v1~1media/post/requestBody") {
        body["required"] = Value::Bool(true);
    }
    let Some(Value::Object(paths)) = document.get_mut("paths") else { return };
    for (path, item) in paths.iter_mut() {
        let Value::Object(operations) = item else { continue };
        for operation in operations.values_mut() {
            let Some(Value::Array(parameters)) = operation.get_mut("parameters") else { continue };
            for parameter in parameters {
                if parameter["in"] != "query" {
                    continue;
                }
                let name = parameter["name"].as_str().unwrap_or_default().to_owned();
                let Some(schema) = parameter.get_mut("schema") else { continue };
                // A query string has no null: an absent parameter is how `None` is written.
                if let Some(Value::Array(types)) = schema.get_mut("type") {
                    types.retain(|t| t != "null");
                    if let [only] = types.as_slice() {
                        let only = only.clone();
                        schema["type"] = only;
                    }
                }
                for rule in parameter_rules().into_iter().filter(|r| r.name == name && (r.applies)(path)) {
                    merge(schema, (rule.keywords)());
                }
                forbid_nul(schema);
            }
        }
    }
}

/// A waveform level, 0 to 255.
const LEVEL: &str = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";

/// The parts of `POST /media` (`media::upload`): one file, and a voice message's details.
fn upload_schema() -> Value {
    json!({
        "type": "object",
        "required": ["file"],
        "additionalProperties": false,
        "properties": {
            "file": {"type": "string", "format": "binary", "minLength": 1, "description": "The file (not empty)."},
            "kind": {"type": "string", "enum": ["voice", "auto", ""], "description": "`voice` for a voice message."},
            "duration_ms": {"type": "integer", "minimum": 0, "maximum": crate::media::upload::MAX_DURATION_MS},
            "waveform": {
                "type": "string",
                "pattern": format!("^$|^{LEVEL}(,{LEVEL}){{0,{}}}$", protocol::media::MAX_WAVEFORM_LEVELS - 1),
                "description": "Comma-separated levels 0–255, at most 128.",
            },
        },
    })
}

/// Writes the rules into a map of schemas by name (the OpenAPI components, or the frame
/// schema's `$defs`): the table's rules where the schema is present, [`NO_NUL`] everywhere.
pub fn apply_to_schemas(schemas: &mut Value) {
    for rule in property_rules() {
        if let Some(target) = schemas.get_mut(rule.schema).and_then(|schema| schema.pointer_mut(&rule.pointer())) {
            merge(target, (rule.keywords)());
        }
    }
    if let Value::Object(schemas) = schemas {
        schemas.values_mut().for_each(drop_catch_alls);
        schemas.values_mut().for_each(forbid_nul);
        let any = json!({"$ref": format!("#/components/schemas/{NUL_FREE_JSON}")});
        schemas.insert(
            NUL_FREE_JSON.to_owned(),
            json!({
                "description": "Any JSON value without a NUL character in a string or a key: what an object \
                                may carry besides its documented properties (the server ignores those).",
                "anyOf": [
                    {"type": ["null", "boolean", "number"]},
                    {"type": "string", "pattern": NO_NUL},
                    {"type": "array", "items": any},
                    {"type": "object", "propertyNames": {"pattern": NO_NUL}, "additionalProperties": any},
                ],
            }),
        );
    }
}

/// The name of the schema of any NUL-free JSON value.
const NUL_FREE_JSON: &str = "NulFreeJson";

/// The wire name of the `#[serde(other)]` variants (`ErrorCode::Unknown`, `EventKind::Unknown`,
/// ...) that let an older client read what a newer server adds.
const CATCH_ALL: &str = "unknown";

/// Removes the catch-all values from enumerations and tagged unions: the server never sends
/// one and refuses one as input, so no document may offer it.
fn drop_catch_alls(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if let Some(Value::Array(values)) = object.get_mut("enum")
                && values.len() > 1
            {
                values.retain(|v| v != CATCH_ALL);
            }
            if let Some(Value::Array(branches)) = object.get_mut("oneOf") {
                branches.retain(|branch| branch.pointer("/properties/type/enum") != Some(&json!([CATCH_ALL])));
            }
            object.values_mut().for_each(drop_catch_alls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_catch_alls),
        _ => {}
    }
}

/// Gives every free-text string schema inside `value` the [`NO_NUL`] pattern (those with a
/// format, an enumeration or a pattern of their own are already narrower).
fn forbid_nul(value: &mut Value) {
    match value {
        Value::Object(object) => {
            let is_string = match object.get("type") {
                Some(Value::String(kind)) => kind == "string",
                Some(Value::Array(kinds)) => kinds.iter().any(|k| k == "string"),
                _ => false,
            };
            let narrowed = ["pattern", "format", "enum", "const"].iter().any(|k| object.contains_key(*k));
            if is_string && !narrowed {
                object.insert("pattern".to_owned(), Value::from(NO_NUL));
            }
            // Properties nobody documented are ignored, but a NUL in them is refused all the
            // same (the server checks the whole body before reading it).
            if object.contains_key("properties") && !object.contains_key("additionalProperties") {
                object.insert("propertyNames".to_owned(), json!({"pattern": NO_NUL}));
                object.insert(
                    "additionalProperties".to_owned(),
                    json!({"$ref": format!("#/components/schemas/{NUL_FREE_JSON}")}),
                );
            }
            object.values_mut().for_each(forbid_nul);
        }
        Value::Array(items) => items.iter_mut().for_each(forbid_nul),
        _ => {}
    }
}

/// Merges `keywords` into a schema; a `null` keyword removes it. A property that is a union
/// with null (`oneOf: [{type: null}, ...]`) gets the keywords on its other branches.
fn merge(target: &mut Value, keywords: Value) {
    let Value::Object(object) = target else { return };
    let is_union = !object.contains_key("type") && !object.contains_key("properties");
    if is_union && let Some(Value::Array(branches)) = object.get_mut("oneOf") {
        for branch in branches.iter_mut().filter(|b| b.get("type").is_none_or(|t| t != "null")) {
            merge(branch, keywords.clone());
        }
        return;
    }
    if let Value::Object(keywords) = keywords {
        for (key, value) in keywords {
            if value.is_null() {
                object.remove(&key);
            } else {
                object.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_names_an_existing_field() {
        let document = serde_json::to_value(crate::openapi::document()).unwrap();
        let schemas = &document["components"]["schemas"];
        for rule in property_rules() {
            let schema = schemas.get(rule.schema).unwrap_or_else(|| panic!("no {}", rule.schema));
            assert!(schema.pointer(&rule.pointer()).is_some(), "{} has no property {}", rule.schema, rule.property);
        }
    }

    #[test]
    fn the_document_carries_the_validation_constants() {
        let document = crate::openapi::document_value();
        let username = &document["components"]["schemas"]["RegisterRequest"]["properties"]["username"];
        assert!(username["pattern"].as_str().unwrap().contains(&format!(
            "{{{},{}}}",
            limits::USERNAME_MIN,
            limits::USERNAME_MAX
        )));
        let limit = document["paths"]["/api/v1/friends"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "limit")
            .unwrap();
        assert_eq!(limit["schema"]["maximum"], u32::MAX);
    }
}
