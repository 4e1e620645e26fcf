//! Attachments as the reader sees them, as plain functions (no browser, so the tests run
//! natively, except the placeholder's base64 through `atob`): human file sizes and types,
//! clock-style durations, the size a picture is drawn at and its placeholder while it loads,
//! shared locations' coordinates and the map tiles around them, the one-line summary that
//! stands in for a message without text, a voice message's waveform scaled to the bars drawn,
//! and a recording's levels.

pub mod duration;
pub mod file_type;
pub mod layout;
pub mod levels;
pub mod place;
pub mod placeholder;
pub mod size;
pub mod summary;
pub mod tiles;
pub mod waveform;
