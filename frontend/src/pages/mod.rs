//! Pages, one file each; `App` maps URLs to them.

pub mod auth_form;
pub mod blocked;
pub mod friends;
pub mod home;
pub mod not_found;
pub mod people;
pub mod profile;
pub mod requests;
pub mod settings;
pub mod sign_in;
pub mod sign_up;
