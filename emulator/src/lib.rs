//! The Kaizala connector platform on localhost: every documented call, tokens, roles, webhooks and a dev API.

pub mod access;
pub mod actions;
pub mod app;
pub mod clock;
pub mod config;
pub mod devapi;
pub mod error;
pub mod events;
pub mod faults;
pub mod groups;
pub mod hierarchy;
pub mod inbox;
pub mod input;
pub mod media;
pub mod members;
pub mod messages;
pub mod oauth;
pub mod origins;
pub mod paths;
pub mod pins;
pub mod reactions;
pub mod saving;
pub mod seed;
pub mod shared;
pub mod snapshot;
pub mod state;
pub mod store;
pub mod subscribers;
pub mod table;
pub mod tenant;
pub mod tokens;
pub mod users;
pub mod webhooks;
pub mod world;

pub use app::{start, Running};
pub use config::Config;
