//! The answer for a request no API route took: 405 with `Allow` when the path exists with other
//! methods (RFC 9110 §15.5.6 requires the header), a JSON 404 otherwise. The paths and their
//! methods are read from the OpenAPI document, which is generated from the routes, so a route
//! added later is known here without a second list.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use protocol::ErrorCode;
use utoipa::openapi::path::PathItem;

use crate::error::ApiError;

/// One documented path: its segments (`None` for a `{parameter}`) and its methods.
struct KnownPath {
    segments: Vec<Option<String>>,
    methods: Vec<&'static str>,
}

/// Every documented path, from the OpenAPI document (built once).
fn known_paths() -> &'static [KnownPath] {
    static PATHS: OnceLock<Vec<KnownPath>> = OnceLock::new();
    PATHS.get_or_init(|| {
        crate::openapi::document()
            .paths
            .paths
            .iter()
            .map(|(path, item)| KnownPath {
                segments: path
                    .split('/')
                    .map(|segment| (!segment.starts_with('{')).then(|| segment.to_owned()))
                    .collect(),
                methods: methods(item),
            })
            .collect()
    })
}

fn methods(item: &PathItem) -> Vec<&'static str> {
    [
        ("GET", item.get.is_some()),
        ("PUT", item.put.is_some()),
        ("POST", item.post.is_some()),
        ("DELETE", item.delete.is_some()),
        ("PATCH", item.patch.is_some()),
    ]
    .into_iter()
    .filter_map(|(method, present)| present.then_some(method))
    .collect()
}

/// The methods `path` answers to, when it is a documented path.
pub fn allowed_methods(path: &str) -> Option<Vec<&'static str>> {
    let segments: Vec<&str> = path.split('/').collect();
    let mut allowed: Vec<&'static str> = Vec::new();
    for known in known_paths() {
        let matches = known.segments.len() == segments.len()
            && known.segments.iter().zip(&segments).all(|(known, given)| match known {
                Some(literal) => literal == given,
                None => !given.is_empty(),
            });
        if matches {
            for method in &known.methods {
                if !allowed.contains(method) {
                    allowed.push(method);
                }
            }
        }
    }
    (!allowed.is_empty()).then_some(allowed)
}

/// Makes the documented paths outside `/api/v1` (the probes, `/metrics`) answer 405 with
/// `Allow` for the methods they do not take, instead of falling through to the web app. Mount
/// after their own services, which take their methods first.
pub fn configure_root(cfg: &mut web::ServiceConfig) {
    for known in known_paths() {
        let path = known.segments.iter().map(|s| s.as_deref().unwrap_or_default()).collect::<Vec<_>>().join("/");
        if !path.starts_with(protocol::API_PREFIX) && known.segments.iter().all(Option::is_some) {
            cfg.service(web::resource(path).to(answer));
        }
    }
}

/// The default service of the API scope.
pub async fn answer(req: HttpRequest) -> HttpResponse {
    match allowed_methods(req.path()) {
        Some(allowed) => {
            let error = ApiError::new(
                ErrorCode::MethodNotAllowed,
                format!("{} is not supported here; this path takes {}", req.method(), allowed.join(", ")),
            );
            let mut response = error.error_response();
            if let Ok(value) = header::HeaderValue::from_str(&allowed.join(", ")) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            response
        }
        None => ApiError::new(ErrorCode::NotFound, "no such API route").error_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documented_path_lists_its_methods_with_parameters_matched() {
        let allowed = allowed_methods("/api/v1/conversations/00000000-0000-0000-0000-000000000001/messages").unwrap();
        assert_eq!(allowed, vec!["GET", "POST"]);
        assert_eq!(allowed_methods("/api/v1/users/me").unwrap(), vec!["GET", "DELETE", "PATCH"]);
    }

    #[test]
    fn unknown_paths_and_empty_parameters_are_not_matched() {
        assert_eq!(allowed_methods("/api/v1/nothing-here"), None);
        assert_eq!(allowed_methods("/api/v1/conversations//messages"), None);
    }
}
