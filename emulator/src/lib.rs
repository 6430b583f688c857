//! The Kaizala connector platform on localhost: every documented call, tokens, roles, webhooks and a dev API.

pub mod access;
pub mod actions;
pub mod app;
pub mod devapi;
pub mod error;
pub mod events;
pub mod groups;
pub mod input;
pub mod media;
pub mod members;
pub mod messages;
pub mod persist;
pub mod reactions;
pub mod seed;
pub mod state;
pub mod subscribers;
pub mod tokens;
pub mod users;
pub mod webhooks;

pub use app::{start, Config, Running};
