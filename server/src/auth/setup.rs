//! The one-time setup link printed at first start, when there are no users yet.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::Mutex;

/// Holds the hash of the current setup token, if any. Kept in memory: a restart before setup
/// prints a new link and the old one dies.
#[derive(Default)]
pub struct SetupToken(Mutex<Option<[u8; 32]>>);

impl SetupToken {
    /// Makes a new token and returns it (the only time it exists in clear).
    pub fn issue(&self) -> String {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = URL_SAFE_NO_PAD.encode(bytes);
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(Sha256::digest(token.as_bytes()).into());
        }
        token
    }

    pub fn matches(&self, token: &str) -> bool {
        let guess: [u8; 32] = Sha256::digest(token.trim().as_bytes()).into();
        self.0
            .lock()
            .map(|slot| *slot == Some(guess))
            .unwrap_or(false)
    }

    /// Kills the token; `true` if `token` was the live one (so only one caller wins).
    pub fn consume(&self, token: &str) -> bool {
        let guess: [u8; 32] = Sha256::digest(token.trim().as_bytes()).into();
        match self.0.lock() {
            Ok(mut slot) if *slot == Some(guess) => {
                *slot = None;
                true
            }
            _ => false,
        }
    }

    pub fn clear(&self) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_works_exactly_once() {
        let t = SetupToken::default();
        let token = t.issue();
        assert!(!t.matches("nope"));
        assert!(t.matches(&token));
        assert!(t.consume(&token));
        assert!(!t.consume(&token));
        assert!(!t.matches(&token));
    }
}
