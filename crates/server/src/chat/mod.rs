//! The chat domain used by both doors, REST routes and the WebSocket gateway: each operation
//! validates, runs one transaction through `db`, and only after commit publishes to the bus.

pub mod conversations;
pub mod messages;
pub mod writer;

use db::queries::conversations::Refusal;
use protocol::ErrorCode;

use crate::error::ApiError;

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound(what) => ApiError::not_found(what),
            Refusal::Forbidden(why) => ApiError::new(ErrorCode::Forbidden, why),
            Refusal::Unprocessable(why) => ApiError::new(ErrorCode::Unprocessable, why),
            Refusal::Conflict(why) => ApiError::new(ErrorCode::Conflict, why),
            Refusal::Database(e) => ApiError::internal(e),
        }
    }
}
