//! Pages, one file each; `App` maps URLs to them.

pub mod home;
pub mod not_found;
