//! The wasm client suite run in Node (`wasm-pack test --node`).
#![cfg(target_arch = "wasm32")]

mod client;
