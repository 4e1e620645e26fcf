//! The JSON Schema (draft 2020-12) of every WebSocket frame: `ClientFrame` (what a client sends)
//! and `ServerFrame` (what it receives) with everything they contain, generated from the
//! `protocol` types by the same derives as the OpenAPI document (whose schemas are JSON Schema
//! 2020-12 since OpenAPI 3.1), so the two documents share their definitions and neither can
//! drift from the code. Served at `/api/v1/frames.schema.json`, committed as
//! docs/frames.schema.json.

use std::sync::OnceLock;

use serde_json::{Value, json};
use utoipa::OpenApi;

/// Collects the frame types and, through them, every type they contain.
#[derive(OpenApi)]
#[openapi(components(schemas(protocol::ws::ClientFrame, protocol::ws::ServerFrame)))]
struct Frames;

/// The schema document, pretty-printed with a final newline (as committed).
pub fn frames_schema_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        // A `Value` always serializes; the empty fallback is never taken.
        serde_json::to_string_pretty(&frames_schema()).unwrap_or_default() + "\n"
    })
}

/// The schema document: the two frame enums at the top, everything else under `$defs`.
pub fn frames_schema() -> Value {
    let components = Frames::openapi().components.unwrap_or_default();
    let mut definitions = serde_json::to_value(&components.schemas).unwrap_or_default();
    super::constraints::apply_to_schemas(&mut definitions);
    rewrite_refs(&mut definitions);
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Confab WebSocket frames",
        "description": format!(
            "Every JSON text frame of the WebSocket gateway at {path}, protocol version {version}. \
             Frames a client sends match #/$defs/ClientFrame; frames it receives match \
             #/$defs/ServerFrame, whose `type` values, event kinds and error codes newer servers may \
             add to (ignore what you do not know). docs/protocol.md describes the procedure.",
            path = protocol::ws::WS_PATH,
            version = protocol::ws::PROTOCOL_VERSION,
        ),
        "anyOf": [{ "$ref": "#/$defs/ClientFrame" }, { "$ref": "#/$defs/ServerFrame" }],
        "$defs": definitions,
    })
}

/// Points OpenAPI's `#/components/schemas/X` references at this document's `#/$defs/X`.
fn rewrite_refs(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, item) in object.iter_mut() {
                match item {
                    Value::String(target) if key == "$ref" => {
                        if let Some(name) = target.strip_prefix("#/components/schemas/") {
                            *target = format!("#/$defs/{name}");
                        }
                    }
                    _ => rewrite_refs(item),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::ws::{ClientFrame, ServerFrame};

    fn definition<'a>(schema: &'a Value, name: &str) -> &'a Value {
        &schema["$defs"][name]
    }

    #[test]
    fn every_reference_resolves_inside_the_document() {
        let schema = frames_schema();
        let text = schema.to_string();
        assert!(!text.contains("#/components/"), "a reference still points into OpenAPI components");
        for target in text.split("\"$ref\":\"#/$defs/").skip(1) {
            let name = &target[..target.find('"').unwrap()];
            assert!(definition(&schema, name).is_object(), "$defs/{name} is missing");
        }
    }

    #[test]
    fn each_frame_type_appears_once_in_its_direction() {
        let schema = frames_schema();
        let types = |name: &str| -> Vec<String> {
            let text = definition(&schema, name).to_string();
            let mut found: Vec<String> = text
                .split("\"type\":{\"enum\":[\"")
                .skip(1)
                .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
                .collect();
            found.sort();
            found
        };
        let client = types("ClientFrame");
        assert_eq!(
            client,
            [
                "authenticate",
                "delete_message",
                "delivered",
                "edit_message",
                "mark_read",
                "ping",
                "send_message",
                "typing"
            ]
        );
        // Every frame the server sends is described; the catch-all for newer servers' frames is not.
        let server = types("ServerFrame");
        assert!(server.contains(&"ready".to_owned()) && server.contains(&"event".to_owned()), "{server:?}");
        assert!(!server.contains(&"unknown".to_owned()), "{server:?}");
        let sample =
            ServerFrame::Typing { conversation_id: uuid::Uuid::nil().into(), user_id: uuid::Uuid::nil().into() };
        assert!(serde_json::to_string(&sample).unwrap().contains("\"type\":\"typing\""));
        let _: Option<ClientFrame> = None;
    }
}
