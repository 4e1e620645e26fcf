//! Reusable components, one file each.

pub mod avatar;
pub mod composer;
pub mod connection_banner;
pub mod conversation_list;
pub mod conversation_view;
pub mod emoji_picker;
pub mod field;
pub mod header;
pub mod members_panel;
pub mod message_bubble;
pub mod message_list;
pub mod message_search;
pub mod new_group;
pub mod server_status;
pub mod user_row;
