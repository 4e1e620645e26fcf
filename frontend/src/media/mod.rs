//! Attachments as the reader sees them, as plain functions (no browser, so the tests run
//! natively): human file sizes and types, clock-style durations, the size a picture is drawn
//! at, shared locations' coordinates, the one-line summary that stands in for a message
//! without text, and a voice message's waveform scaled to the bars drawn.

pub mod duration;
pub mod file_type;
pub mod layout;
pub mod place;
pub mod size;
pub mod summary;
pub mod waveform;
