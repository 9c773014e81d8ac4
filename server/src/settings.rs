//! Settings of `serve` and of the engine (shared with `task run`), from flags and environment
//! variables, with defaults that need no editing.

use crate::providers::net::CallTimeouts;
use crate::tasks::EngineSettings;
use crate::tasks::retry::RetryPolicy;
use clap::{Args, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Plain,
    /// One JSON object per line (with the request id).
    Json,
}

/// How the engine follows tasks: one set of flags, environment variables and defaults for
/// `serve` and for `task run` (which runs the engine in its own process).
#[derive(Debug, Args, Clone, PartialEq, Eq)]
pub struct EngineArgs {
    /// Milliseconds between polls of one task.
    #[arg(long, env = "RHCONSOLE_POLL_INTERVAL_MS", default_value_t = EngineArgs::DEFAULT.poll_interval_ms)]
    pub poll_interval_ms: u64,
    /// Provider HTTP calls in the air at once, over all configurations.
    #[arg(long, env = "RHCONSOLE_MAX_REQUESTS", default_value_t = EngineArgs::DEFAULT.max_requests)]
    pub max_requests: usize,
    /// Seconds to wait for a provider connection (TCP and TLS).
    #[arg(long, env = "RHCONSOLE_CONNECT_TIMEOUT_SECS", default_value_t = EngineArgs::DEFAULT.connect_timeout_secs)]
    pub connect_timeout_secs: u64,
    /// Seconds to wait for the answer to a submit of an async API (it answers a task id).
    #[arg(long, env = "RHCONSOLE_SUBMIT_TIMEOUT_SECS", default_value_t = EngineArgs::DEFAULT.submit_timeout_secs)]
    pub submit_timeout_secs: u64,
    /// Seconds to wait for the answer to a submit of a synchronous image gateway, which may
    /// take minutes before its first byte (and bills the work even when nobody waits).
    #[arg(long, env = "RHCONSOLE_SYNC_TIMEOUT_SECS", default_value_t = EngineArgs::DEFAULT.sync_timeout_secs)]
    pub sync_timeout_secs: u64,
    /// Seconds to wait for the answer to one poll.
    #[arg(long, env = "RHCONSOLE_POLL_TIMEOUT_SECS", default_value_t = EngineArgs::DEFAULT.poll_timeout_secs)]
    pub poll_timeout_secs: u64,
    /// Seconds to wait for an image upload to be answered.
    #[arg(long, env = "RHCONSOLE_UPLOAD_TIMEOUT_SECS", default_value_t = EngineArgs::DEFAULT.upload_timeout_secs)]
    pub upload_timeout_secs: u64,
    /// Milliseconds between polls of a task whose callback is expected (polling is then only
    /// the fallback).
    #[arg(long, env = "RHCONSOLE_CALLBACK_POLL_INTERVAL_MS", default_value_t = EngineArgs::DEFAULT.callback_poll_interval_ms)]
    pub callback_poll_interval_ms: u64,
    /// The retry backoff unit in milliseconds (delays are min(2^n+1, 15) units).
    #[arg(long, env = "RHCONSOLE_RETRY_UNIT_MS", default_value_t = EngineArgs::DEFAULT.retry_unit_ms)]
    pub retry_unit_ms: u64,
}

impl EngineArgs {
    /// The defaults, written once: a poll every 3 s (a minute while a callback is expected),
    /// 256 calls in the air, a 1 s backoff unit; 10 s to connect, 60 s for a submit answer (300 s from a synchronous gateway), 30 s
    /// for a poll, 120 s for an upload.
    pub const DEFAULT: EngineArgs = EngineArgs {
        poll_interval_ms: 3000,
        max_requests: 256,
        connect_timeout_secs: 10,
        submit_timeout_secs: 60,
        sync_timeout_secs: 300,
        poll_timeout_secs: 30,
        upload_timeout_secs: 120,
        retry_unit_ms: 1000,
        callback_poll_interval_ms: 60_000,
    };

    /// The engine's settings (values below a sane floor are raised to it).
    pub fn engine_settings(&self) -> EngineSettings {
        EngineSettings {
            poll_interval: Duration::from_millis(self.poll_interval_ms.max(10)),
            retry: RetryPolicy {
                unit: Duration::from_millis(self.retry_unit_ms.max(1)),
                ..Default::default()
            },
            max_requests: self.max_requests,
            callback_poll_interval: Duration::from_millis(
                self.callback_poll_interval_ms
                    .max(self.poll_interval_ms)
                    .max(10),
            ),
            ..Default::default()
        }
    }

    /// The bound of each kind of provider call (each at least a second).
    pub fn call_timeouts(&self) -> CallTimeouts {
        let secs = |s: u64| Duration::from_secs(s.max(1));
        CallTimeouts {
            connect: secs(self.connect_timeout_secs),
            submit: secs(self.submit_timeout_secs),
            sync_submit: secs(self.sync_timeout_secs),
            poll: secs(self.poll_timeout_secs),
            upload: secs(self.upload_timeout_secs),
        }
    }
}

impl Default for EngineArgs {
    fn default() -> Self {
        EngineArgs::DEFAULT
    }
}

#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "RHCONSOLE_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// The address people use to reach the console, e.g. https://rh.example.com (for the setup
    /// link, the allowed Origin, and Secure cookies when https).
    #[arg(long, env = "RHCONSOLE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Where the built site (pkg/ with the wasm and CSS) is; found next to the binary by default.
    #[arg(long, env = "RHCONSOLE_SITE_ROOT")]
    pub site_root: Option<PathBuf>,
    /// Take the client address from X-Forwarded-For (only behind a reverse proxy you run).
    #[arg(long, env = "RHCONSOLE_TRUST_PROXY")]
    pub trust_proxy: bool,
    /// How tasks are followed (shared with `task run`).
    #[command(flatten)]
    pub engine: EngineArgs,
    /// How long kept images (uploads, results, thumbnails) stay (shared with `blobs gc`).
    #[command(flatten)]
    pub retention: crate::blobs::Retention,
    /// Also run the fake RunningHub provider and keep a "Sandbox" configuration pointing at it.
    #[arg(long, env = "RHCONSOLE_SANDBOX")]
    pub sandbox: bool,
    /// Address of the fake provider started by --sandbox.
    #[arg(long, env = "RHCONSOLE_SANDBOX_ADDR", default_value = "127.0.0.1:3900")]
    pub sandbox_addr: SocketAddr,
    /// A token that lets a scraper read /metrics (`Authorization: Bearer <token>`); without
    /// it, only signed-in admins can.
    #[arg(long, env = "RHCONSOLE_METRICS_TOKEN")]
    pub metrics_token: Option<MetricsToken>,
}

/// The bearer token for `/metrics`: compared in constant time, never printed.
#[derive(Clone)]
pub struct MetricsToken(String);

impl std::str::FromStr for MetricsToken {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.len() < 16 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("the metrics token needs 16 or more characters and no spaces".into());
        }
        Ok(MetricsToken(s.to_owned()))
    }
}

impl std::fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MetricsToken([redacted])")
    }
}

impl MetricsToken {
    /// Whether `presented` is this token (in time independent of where they differ).
    pub fn matches(&self, presented: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), presented.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            public_url: None,
            site_root: None,
            trust_proxy: false,
            engine: EngineArgs::default(),
            retention: crate::blobs::Retention::DEFAULT,
            sandbox: false,
            sandbox_addr: SocketAddr::from(([127, 0, 0, 1], 3900)),
            metrics_token: None,
        }
    }
}

/// Everything `Application::build` needs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub serve: ServeArgs,
}

impl Settings {
    /// The site root: the flag, else `target/site` under the working directory, else `site`
    /// next to the binary's folder (`target/release/../site`).
    pub fn site_root(&self) -> PathBuf {
        if let Some(p) = &self.serve.site_root {
            return p.clone();
        }
        let local = PathBuf::from("target/site");
        if local.join("pkg").exists() {
            return local;
        }
        if let Some(dir) = std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(|p| p.to_path_buf()))
        {
            for candidate in [dir.join("../site"), dir.join("site")] {
                if candidate.join("pkg").exists() {
                    return candidate;
                }
            }
        }
        local
    }

    /// `https://…` public URLs mean Secure cookies.
    pub fn secure_cookies(&self) -> bool {
        self.serve
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    /// The public URL's origin (`scheme://host[:port]`), if configured.
    pub fn public_origin(&self) -> Option<String> {
        let u = url::Url::parse(self.serve.public_url.as_deref()?).ok()?;
        Some(u.origin().ascii_serialization())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_call_has_a_bound_and_a_sync_gateway_a_generous_one() {
        let t = EngineArgs::default().call_timeouts();
        assert_eq!(t.connect, Duration::from_secs(10));
        assert_eq!(t.submit, Duration::from_secs(60));
        assert_eq!(t.poll, Duration::from_secs(30));
        assert_eq!(t.upload, Duration::from_secs(120));
        assert!(t.sync_submit >= Duration::from_secs(180), "{t:?}");
        let zero = EngineArgs {
            poll_timeout_secs: 0,
            ..EngineArgs::default()
        };
        assert_eq!(
            zero.call_timeouts().poll,
            Duration::from_secs(1),
            "never unbounded"
        );
        let out = crate::providers::net::Outbound::new(t).expect("client");
        let target = |is_sync| crate::providers::Target {
            base: String::new(),
            draw_endpoint: String::new(),
            result_endpoint: String::new(),
            upload_endpoint: String::new(),
            model_name: String::new(),
            is_sync,
            allow_local: false,
            key: secrecy::SecretString::from("k".to_owned()),
            sync_timeout: None,
            time_left: None,
            image_field: app::domain::ImageField::Auto,
        };
        assert_eq!(out.submit_timeout(&target(true)), t.sync_submit);
        assert_eq!(out.submit_timeout(&target(false)), t.submit);
        // A config's own sync bound wins; the task's deadline caps every submit.
        let own = crate::providers::Target {
            sync_timeout: Some(Duration::from_secs(900)),
            ..target(true)
        };
        assert_eq!(out.submit_timeout(&own), Duration::from_secs(900));
        let late = crate::providers::Target {
            time_left: Some(Duration::from_secs(7)),
            ..own
        };
        assert_eq!(out.submit_timeout(&late), Duration::from_secs(7));
    }
    use clap::Parser;

    #[derive(Parser)]
    struct Probe {
        #[command(flatten)]
        engine: EngineArgs,
    }

    #[test]
    fn the_flags_defaults_are_the_engines_defaults() {
        let parsed = Probe::try_parse_from(["probe"]).expect("parses");
        // Only meaningful when the environment sets none of them (as in CI).
        if std::env::vars().all(|(k, _)| {
            !(k.starts_with("RHCONSOLE_")
                && (k.ends_with("_MS") || k.ends_with("_SECS") || k == "RHCONSOLE_MAX_REQUESTS"))
        }) {
            assert_eq!(parsed.engine, EngineArgs::default());
        }
    }
}
