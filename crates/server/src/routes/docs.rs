//! The API's documentation: the OpenAPI document as JSON for tools, and a readable HTML page
//! rendered on the server from the same document (no third-party scripts, so the strict
//! Content-Security-Policy holds here too).

use std::fmt::Write;

use actix_web::{HttpResponse, get, web};
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::{OpenApi, RefOr, Required};

use crate::state::AppState;

/// The OpenAPI 3.1 document of this server.
#[utoipa::path(
    tag = "ops",
    path = "/api/v1/openapi.json",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json"))
)]
#[get("/openapi.json")]
pub async fn get_openapi(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(state.openapi_json.clone())
}

/// The JSON Schema of every WebSocket frame (`ClientFrame` sent, `ServerFrame` received).
#[utoipa::path(
    tag = "realtime",
    path = "/api/v1/frames.schema.json",
    responses((status = 200, description = "JSON Schema (draft 2020-12) of the WebSocket frames", content_type = "application/schema+json"))
)]
#[get("/frames.schema.json")]
pub async fn get_frames_schema() -> HttpResponse {
    HttpResponse::Ok().content_type("application/schema+json").body(crate::openapi::frames::frames_schema_json())
}

/// A human-readable page describing every route.
#[utoipa::path(
    tag = "ops",
    path = "/api/v1/docs",
    responses((status = 200, description = "HTML documentation", content_type = "text/html"))
)]
#[get("/docs")]
pub async fn get_docs(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(state.docs_html.clone())
}

/// Renders the documentation page for `doc`.
pub fn render_docs(doc: &OpenApi) -> String {
    let mut html = String::new();
    let title = escape(&doc.info.title);
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{CSS}</style></head><body><main>\
         <h1>{title} <small>{}</small></h1><p>{}</p>\
         <p>Machine-readable: <a href=\"openapi.json\">openapi.json</a>; \
         the WebSocket frames: <a href=\"frames.schema.json\">frames.schema.json</a>. \
         The WebSocket protocol is described in the project's docs/protocol.md.</p>",
        escape(&doc.info.version),
        escape(doc.info.description.as_deref().unwrap_or_default())
    );
    for (path, item) in &doc.paths.paths {
        for (method, op) in operations(item) {
            render_operation(&mut html, method, path, op);
        }
    }
    html.push_str("<h2>Schemas</h2>");
    if let Some(components) = &doc.components {
        for (name, schema) in &components.schemas {
            let json = serde_json::to_string_pretty(schema).unwrap_or_default();
            let _ = write!(
                html,
                "<section class=\"schema\" id=\"schema-{name}\"><h3>{name}</h3><pre>{}</pre></section>",
                escape(&json),
                name = escape(name)
            );
        }
    }
    html.push_str("</main></body></html>");
    html
}

fn operations(item: &PathItem) -> Vec<(&'static str, &Operation)> {
    [("GET", &item.get), ("POST", &item.post), ("PUT", &item.put), ("PATCH", &item.patch), ("DELETE", &item.delete)]
        .into_iter()
        .filter_map(|(m, op)| op.as_ref().map(|op| (m, op)))
        .collect()
}

fn render_operation(html: &mut String, method: &str, path: &str, op: &Operation) {
    let _ = write!(
        html,
        "<section class=\"op\"><h2><span class=\"method {m}\">{method}</span> <code>{}</code></h2>",
        escape(path),
        m = method.to_lowercase()
    );
    if let Some(summary) = &op.summary {
        let _ = write!(html, "<p><strong>{}</strong></p>", escape(summary));
    }
    if let Some(description) = &op.description {
        let _ = write!(html, "<p>{}</p>", escape(description));
    }
    if let Some(params) = &op.parameters {
        html.push_str("<h4>Parameters</h4><ul>");
        for p in params {
            let required = matches!(p.required, Required::True);
            let _ = write!(
                html,
                "<li><code>{}</code> ({}{}) {}</li>",
                escape(&p.name),
                location(&p.parameter_in),
                if required { ", required" } else { "" },
                escape(p.description.as_deref().unwrap_or_default())
            );
        }
        html.push_str("</ul>");
    }
    if let Some(body) = &op.request_body {
        html.push_str("<h4>Request body</h4><ul>");
        for (content_type, content) in &body.content {
            let _ = write!(html, "<li>{} {}</li>", escape(content_type), schema_name(content.schema.as_ref()));
        }
        html.push_str("</ul>");
    }
    html.push_str("<h4>Responses</h4><ul>");
    for (status, response) in &op.responses.responses {
        match response {
            RefOr::T(response) => {
                let bodies: Vec<String> = response.content.values().map(|c| schema_name(c.schema.as_ref())).collect();
                let _ = write!(
                    html,
                    "<li><code>{}</code> {} {}</li>",
                    escape(status),
                    escape(&response.description),
                    bodies.join(" ")
                );
            }
            RefOr::Ref(r) => {
                let _ = write!(html, "<li><code>{}</code> {}</li>", escape(status), escape(&r.ref_location));
            }
        }
    }
    html.push_str("</ul></section>");
}

fn location(place: &utoipa::openapi::path::ParameterIn) -> &'static str {
    use utoipa::openapi::path::ParameterIn;
    match place {
        ParameterIn::Query => "query",
        ParameterIn::Path => "path",
        ParameterIn::Header => "header",
        ParameterIn::Cookie => "cookie",
    }
}

fn schema_name(schema: Option<&RefOr<utoipa::openapi::schema::Schema>>) -> String {
    match schema {
        Some(RefOr::Ref(r)) => {
            let name = r.ref_location.rsplit('/').next().unwrap_or_default();
            format!("<a href=\"#schema-{0}\">{0}</a>", escape(name))
        }
        Some(RefOr::T(s)) => format!("<code>{}</code>", escape(&serde_json::to_string(s).unwrap_or_default())),
        None => String::new(),
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}\
main{max-width:60rem;margin:0 auto;padding:1rem 1.5rem}h1 small{font-size:.5em;color:#667}\
.op,.schema{background:#fff;border:1px solid #dde;border-radius:8px;padding:.5rem 1rem;margin:1rem 0}\
.op h2{font-size:1.1rem}.method{display:inline-block;min-width:4.5em;padding:.1em .4em;border-radius:4px;\
color:#fff;background:#4a5568;font-size:.85em;text-align:center}.get{background:#2b6cb0}.post{background:#2f855a}\
.put,.patch{background:#b7791f}.delete{background:#c53030}pre{overflow:auto;background:#f0f2f5;padding:.5rem}\
@media (prefers-color-scheme:dark){body{background:#12151b;color:#e2e6ee}.op,.schema{background:#1b2028;\
border-color:#2c3340}pre{background:#0f1217}a{color:#8ab4f8}}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(escape("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
    }

    #[test]
    fn docs_page_lists_every_documented_route() {
        let doc = crate::openapi::document();
        let html = render_docs(&doc);
        for path in doc.paths.paths.keys() {
            assert!(html.contains(&escape(path)), "{path} missing from docs page");
        }
        assert!(html.contains("<a href=\"#schema-Health\">Health</a>"));
    }
}
