//! Reusable components, one file each.

pub mod header;
pub mod server_status;
