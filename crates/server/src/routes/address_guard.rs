//! Middleware refusing a request whose address (path or query string) encodes a NUL
//! character (`%00`): PostgreSQL cannot store or compare one, so a search query, a cursor or
//! a path segment with it would fail its query with a 500. Refused with 400 before any
//! handler runs, whichever route it is.

use actix_web::ResponseError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::validate;

/// Answers 400 `invalid_input` for an address holding `%00`; passes everything else on. The
/// refusal is a response, not an error, so the outer middleware give it the request id, the
/// security headers and its place in the metrics like any other answer.
pub async fn refuse_nul_in_address<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let address = req.uri().path_and_query().map_or("", |pq| pq.as_str());
    if address.contains("%00") {
        let refusal = validate::nul_refused().error_response();
        return Ok(req.into_response(refusal).map_into_right_body());
    }
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}
