//! The page's interactive parts, hydrated in the browser one by one ("islands"); everything
//! else is rendered on the server only and never shipped as wasm. An island gets its words from
//! the server (props, already in the reader's language): the translation table stays on the
//! server.

pub mod config;
pub mod configs;
pub mod frame;
pub mod refresh;
pub mod task;
