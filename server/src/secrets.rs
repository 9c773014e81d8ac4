//! Provider keys at rest: XChaCha20-Poly1305 under a 32-byte master key, a fresh random nonce
//! per encryption and the config id as associated data (a ciphertext moved to another row does
//! not decrypt). The master key comes from `RHCONSOLE_MASTER_KEY` or from `master.key` in the
//! data directory (created 0600 at first start). A check value in the database tells a wrong or
//! missing master key at startup, before anything could be lost.

use anyhow::{Context, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{AeadCore, XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use std::path::{Path, PathBuf};

pub const MASTER_KEY_ENV: &str = "RHCONSOLE_MASTER_KEY";
pub const MASTER_KEY_FILE: &str = "master.key";
const CHECK_META_KEY: &str = "master_key_check";
const CHECK_PLAINTEXT: &[u8] = b"rhconsole master key check v1";
const CHECK_AAD: &[u8] = b"rhconsole:check";

/// An encrypted provider key as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
}

pub struct Secrets {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets([redacted])")
    }
}

/// Where the master key came from, for the startup log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Env,
    File(PathBuf),
    Generated(PathBuf),
}

fn parse_master_key(text: &str) -> anyhow::Result<SecretBox<[u8; 32]>> {
    let t = text.trim();
    let bytes = if t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit()) {
        hex::decode(t).context("the master key is not valid hex")?
    } else {
        B64.decode(t)
            .context("the master key is neither 64 hex digits nor base64")?
    };
    let arr: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
        anyhow::anyhow!("the master key must be 32 bytes, not {}", b.len())
    })?;
    Ok(SecretBox::new(Box::new(arr)))
}

fn aad(config_id: i64) -> Vec<u8> {
    format!("rhconsole:config:{config_id}").into_bytes()
}

impl Secrets {
    pub fn from_key(key: &SecretBox<[u8; 32]>) -> Secrets {
        Secrets {
            cipher: XChaCha20Poly1305::new(key.expose_secret().into()),
        }
    }

    /// A throwaway key, for tests.
    pub fn random() -> Secrets {
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        Secrets {
            cipher: XChaCha20Poly1305::new(&key),
        }
    }

    /// Finds the master key (environment, then file, else a new file if the database has never
    /// held keys) and checks it against the database's check value.
    pub async fn load(
        data_dir: &Path,
        env_value: Option<SecretString>,
        db: &crate::db::Db,
        now: i64,
    ) -> anyhow::Result<(Secrets, KeySource)> {
        let check = crate::db::meta::get(&db.read, CHECK_META_KEY).await?;
        let path = data_dir.join(MASTER_KEY_FILE);
        let (key, source) = if let Some(v) = env_value {
            (
                parse_master_key(v.expose_secret())
                    .with_context(|| format!("{MASTER_KEY_ENV} is not usable"))?,
                KeySource::Env,
            )
        } else if path.exists() {
            warn_if_readable_by_others(&path);
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read the master key file {}", path.display()))?;
            (
                parse_master_key(&text)
                    .with_context(|| format!("{} is not a usable master key", path.display()))?,
                KeySource::File(path.clone()),
            )
        } else if check.is_some() {
            bail!(
                "the master key is missing: this database holds encrypted API keys, but neither {MASTER_KEY_ENV} nor {} exists. \
                 Restore the master key file (or set {MASTER_KEY_ENV}); a new key would make the stored API keys unreadable",
                path.display()
            );
        } else {
            let key = XChaCha20Poly1305::generate_key(&mut OsRng);
            write_new_key_file(&path, &B64.encode(key.as_slice()))?;
            let arr: [u8; 32] = key.into();
            (
                SecretBox::new(Box::new(arr)),
                KeySource::Generated(path.clone()),
            )
        };
        let secrets = Secrets::from_key(&key);
        match check {
            Some(stored) => secrets.verify_check(&stored).context(
                "the master key does not match this database (wrong RHCONSOLE_MASTER_KEY or master.key file?); \
                 nothing was changed",
            )?,
            None => crate::db::meta::set(&db.write, CHECK_META_KEY, &secrets.check_value()?, now).await?,
        }
        Ok((secrets, source))
    }

    fn check_value(&self) -> anyhow::Result<String> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ct = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: CHECK_PLAINTEXT,
                    aad: CHECK_AAD,
                },
            )
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend(ct);
        Ok(B64.encode(out))
    }

    fn verify_check(&self, stored: &str) -> anyhow::Result<()> {
        let bytes = B64
            .decode(stored.trim())
            .context("the stored check value is damaged")?;
        if bytes.len() < 24 {
            bail!("the stored check value is damaged");
        }
        let (nonce, ct) = bytes.split_at(24);
        let pt = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: CHECK_AAD,
                },
            )
            .map_err(|_| anyhow::anyhow!("the master key cannot open the check value"))?;
        if pt != CHECK_PLAINTEXT {
            bail!("the check value does not match");
        }
        Ok(())
    }

    pub fn seal(&self, config_id: i64, key: &SecretString) -> anyhow::Result<Sealed> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = aad(config_id);
        let ciphertext = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: key.expose_secret().as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        Ok(Sealed {
            ciphertext,
            nonce: nonce.to_vec(),
        })
    }

    pub fn open(&self, config_id: i64, sealed: &Sealed) -> anyhow::Result<SecretString> {
        if sealed.nonce.len() != 24 {
            bail!("the stored key of config {config_id} is damaged (nonce length)");
        }
        let aad = aad(config_id);
        let pt = self
            .cipher
            .decrypt(
                XNonce::from_slice(&sealed.nonce),
                Payload {
                    msg: &sealed.ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| {
                anyhow::anyhow!("the stored key of config {config_id} cannot be decrypted")
            })?;
        let s = String::from_utf8(pt).context("the decrypted key is not text")?;
        Ok(SecretString::from(s))
    }
}

fn write_new_key_file(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("cannot create the master key file {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()?;
    Ok(())
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(path = %path.display(), "the master key file is readable by others; chmod 600 it");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_key_opens_only_for_its_own_config() {
        let s = Secrets::random();
        let key = SecretString::from("sk-test-0123456789abcdef".to_owned());
        let sealed = s.seal(7, &key).expect("seal");
        assert!(!sealed.ciphertext.windows(8).any(|w| w == b"sk-test-"));
        assert_eq!(
            s.open(7, &sealed).expect("open").expose_secret(),
            key.expose_secret()
        );
        assert!(s.open(8, &sealed).is_err());
        assert!(Secrets::random().open(7, &sealed).is_err());
    }

    #[test]
    fn each_seal_uses_a_fresh_nonce() {
        let s = Secrets::random();
        let key = SecretString::from("same key every time".to_owned());
        let a = s.seal(1, &key).expect("seal");
        let b = s.seal(1, &key).expect("seal");
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
    }

    #[test]
    fn master_keys_are_hex_or_base64_of_32_bytes() {
        assert!(parse_master_key(&"ab".repeat(32)).is_ok());
        assert!(parse_master_key(&B64.encode([7u8; 32])).is_ok());
        assert!(parse_master_key("short").is_err());
        assert!(parse_master_key(&B64.encode([7u8; 16])).is_err());
    }

    #[test]
    fn the_check_value_tells_a_wrong_key() {
        let s = Secrets::random();
        let v = s.check_value().expect("check");
        assert!(s.verify_check(&v).is_ok());
        assert!(Secrets::random().verify_check(&v).is_err());
    }
}
