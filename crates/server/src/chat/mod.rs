//! The chat domain used by both doors, REST routes and the WebSocket gateway: each operation
//! validates, then either reads through `db` or queues a typed command to the `writer`, the
//! only way into a conversation's log, which publishes to the bus after commit.

pub mod commands;
pub mod conversations;
pub mod forward;
pub mod messages;
pub mod pins;
pub mod reactions;
pub mod readers;
pub mod search_index;
pub mod settings;
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
            Refusal::UnprocessableField(field, why) => ApiError::field(ErrorCode::Unprocessable, field, why),
            Refusal::Conflict(why) => ApiError::new(ErrorCode::Conflict, why),
            Refusal::Database(e) => ApiError::internal(e),
        }
    }
}
