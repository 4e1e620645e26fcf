//! Middleware refusing a request whose address (path or query string) encodes a NUL
//! character (`%00`): PostgreSQL cannot store or compare one, so a search query, a cursor or
//! a path segment with it would fail its query with a 500. Refused with 400 before any
//! handler runs, whichever route it is.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::validate;

/// Answers 400 `invalid_input` for an address holding `%00`; passes everything else on.
pub async fn refuse_nul_in_address(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let address = req.uri().path_and_query().map_or("", |pq| pq.as_str());
    if address.contains("%00") {
        return Err(validate::nul_refused().into());
    }
    next.call(req).await
}
