//! Reusable components, one file each.

pub mod avatar;
pub mod composer;
pub mod connection_banner;
pub mod conversation_line;
pub mod conversation_list;
pub mod conversation_settings;
pub mod conversation_view;
pub mod emoji_picker;
pub mod field;
pub mod forward_dialog;
pub mod header;
pub mod members_panel;
pub mod mention_picker;
pub mod message_bubble;
pub mod message_list;
pub mod message_search;
pub mod new_group;
pub mod pinned_bar;
pub mod reactions;
pub mod read_by;
pub mod server_status;
pub mod user_row;
