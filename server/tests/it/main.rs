//! The integration tests, as one test binary (one link of the whole server instead of one per
//! file). Each module starts the real application (or the `rhconsole` binary) on 127.0.0.1:0
//! with a temporary data directory; `common` is the harness.

mod common;

mod auth;
mod budget;
mod callbacks;
mod capacity;
mod cli;
mod configs;
mod decide;
mod engine;
mod estimate;
mod fidelity;
mod forms;
mod handoff;
mod key_check;
mod pages;
mod parsers;
mod probe;
mod results;
mod rows;
mod security;
