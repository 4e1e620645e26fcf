//! Reusable components, one file each.

pub mod avatar;
pub mod field;
pub mod header;
pub mod server_status;
pub mod user_row;
