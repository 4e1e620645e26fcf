//! The statuses that come from the layers around a handler rather than from the handler itself,
//! declared once for every operation they can reach: a malformed path id, query or body (400),
//! a missing or dead token (401), a disabled account (403), a body over the size limit (413),
//! a user's rate limit (429), a failure on the server (500), an unreachable database (503).
//! Declaring them by hand on each route missed most of them (schemathesis found 80 undeclared
//! statuses); a route added later gets them by having parameters, a body or `security`.
//!
//! A route's own declaration of the same status wins, since it says more (which code, why).

use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr};

/// One shared response: its name under `components/responses`, its status and its meaning.
struct Common {
    name: &'static str,
    status: &'static str,
    description: &'static str,
}

const BAD_INPUT: Common = Common {
    name: "BadInput",
    status: "400",
    description: "`invalid_input` (a path id, query parameter or field that is malformed or fails validation; \
                  `field` names it) or `malformed_json` (the body is not JSON of the documented shape)",
};
const UNAUTHENTICATED: Common = Common {
    name: "Unauthenticated",
    status: "401",
    description: "`unauthenticated`: no access token, or an expired, invalid or signed-out one",
};
const ACCOUNT_DISABLED: Common = Common {
    name: "AccountDisabled",
    status: "403",
    description: "`account_disabled`: an administrator disabled the account (routes with other refusals list them)",
};
const TOO_LARGE: Common = Common {
    name: "PayloadTooLarge",
    status: "413",
    description: "`payload_too_large`: the body is larger than the route accepts",
};
const RATE_LIMITED: Common = Common {
    name: "RateLimited",
    status: "429",
    description: "`rate_limited`: the caller's requests per second are used up; retry after `Retry-After` seconds",
};
const INTERNAL: Common = Common {
    name: "Internal",
    status: "500",
    description: "`internal`: an unexpected failure on the server (details only in its log)",
};
const UNAVAILABLE: Common = Common {
    name: "Unavailable",
    status: "503",
    description: "`database_unavailable`: the database cannot be reached; retry later",
};

/// Adds the shared responses to every operation they apply to (see the module docs).
pub struct CommonResponses;

impl utoipa::Modify for CommonResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for common in [BAD_INPUT, UNAUTHENTICATED, ACCOUNT_DISABLED, TOO_LARGE, RATE_LIMITED, INTERNAL, UNAVAILABLE] {
            let body = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build();
            let response = ResponseBuilder::new().description(common.description).content("application/json", body);
            components.responses.insert(common.name.to_owned(), RefOr::T(response.build()));
        }
        for item in openapi.paths.paths.values_mut() {
            for operation in operations_mut(item) {
                for common in applicable(operation) {
                    let responses = &mut operation.responses.responses;
                    if !responses.contains_key(common.status) {
                        responses.insert(common.status.to_owned(), RefOr::Ref(Ref::from_response_name(common.name)));
                    }
                }
            }
        }
    }
}

/// Which shared responses `operation` can answer.
fn applicable(operation: &Operation) -> Vec<Common> {
    let has_input = operation.parameters.as_ref().is_some_and(|p| !p.is_empty()) || operation.request_body.is_some();
    let authenticated = operation.security.as_ref().is_some_and(|requirements| {
        requirements.iter().any(|r| serde_json::to_value(r).is_ok_and(|v| v.as_object().is_some_and(|o| !o.is_empty())))
    });
    let mut shared = Vec::new();
    if has_input {
        shared.push(BAD_INPUT);
    }
    if authenticated {
        shared.extend([UNAUTHENTICATED, ACCOUNT_DISABLED, RATE_LIMITED]);
    }
    if operation.request_body.is_some() {
        shared.push(TOO_LARGE);
    }
    shared.push(INTERNAL);
    // Everything that reads a token, a parameter or a body goes to the database; the probes
    // declare their own 503 and the documents never touch it.
    if authenticated || has_input {
        shared.push(UNAVAILABLE);
    }
    shared
}

/// The operations of a path, whatever their method.
pub fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}
