//! argon2id password hashes with OWASP's parameters (19 MiB, 2 passes, 1 lane), computed on the
//! blocking pool so sign-ins never stall the async runtime.

use anyhow::Context;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::OnceLock;

fn hasher() -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_sync(password: &SecretString) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = hasher()?
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    Ok(hash.to_string())
}

fn verify_sync(password: &SecretString, hash: &str) -> anyhow::Result<bool> {
    let parsed =
        PasswordHash::new(hash).map_err(|e| anyhow::anyhow!("stored hash is unreadable: {e}"))?;
    Ok(hasher()?
        .verify_password(password.expose_secret().as_bytes(), &parsed)
        .is_ok())
}

pub async fn hash(password: SecretString) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_sync(&password))
        .await
        .context("the hashing task failed")?
}

pub async fn verify(password: SecretString, hash: String) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || verify_sync(&password, &hash))
        .await
        .context("the verifying task failed")?
}

/// A hash of nothing in particular: unknown usernames are checked against it, so they take as
/// long as wrong passwords.
pub async fn dummy_hash() -> anyhow::Result<String> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h.clone());
    }
    let h = hash(SecretString::from("rhconsole-dummy-password".to_owned())).await?;
    Ok(DUMMY.get_or_init(|| h).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let h = hash(SecretString::from("correct horse battery".to_owned()))
            .await
            .expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            verify(
                SecretString::from("correct horse battery".to_owned()),
                h.clone()
            )
            .await
            .expect("verify")
        );
        assert!(
            !verify(SecretString::from("wrong horse battery".to_owned()), h)
                .await
                .expect("verify")
        );
    }
}
