//! Reusable view pieces.

pub mod budget;
pub mod common;
pub mod form;
pub mod frame;
pub mod key_check;
pub mod launch;

pub use common::*;
pub use form::*;
