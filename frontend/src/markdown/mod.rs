//! Message formatting: a safe subset of Markdown (bold, italic, strikethrough, code, fenced code
//! blocks, quotes, lists, links) and bare URLs as links. The body stays the writer's text; it is
//! parsed into a tree ([`tree`]), whose links pass an allow-list ([`links`]), and drawn as
//! elements ([`view`]), never as HTML text, so no markup in a message can ever run; one-line
//! previews read it as plain text ([`plain`]).

pub mod links;
pub mod plain;
pub mod tree;
pub mod view;

pub use view::Markdown;
