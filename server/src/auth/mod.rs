//! Passwords, sign-in with lockout, and the one-time setup link.

pub mod lockout;
pub mod password;
pub mod setup;

pub use lockout::LockoutPolicy;
pub use setup::SetupToken;
