//! RH Console's server: the `rhconsole` binary's library half, so integration tests can build
//! and run the real application.

pub mod auth;
pub mod blobs;
pub mod cli;
pub mod clock;
pub mod db;
pub mod error;
// Benchmarks and tests only (see its doc): not used by the product.
pub mod fixtures;
pub mod metrics;
pub mod providers;
pub mod sandbox;
pub mod secrets;
pub mod services;
pub mod settings;
pub mod startup;
pub mod tasks;
pub mod telemetry;
pub mod web;
