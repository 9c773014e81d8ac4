//! Outbound HTTP that is safe to point at user-given addresses: only http(s), no loopback,
//! private, link-local or other internal addresses (checked on the literal host and on every
//! DNS answer, so a name cannot resolve its way inside), no redirects, timeouts on every call,
//! and size caps on downloads. A config marked "local" (the sandbox, a LAN gateway) gets a
//! client without the address check.

use super::address::{PublicOnly, is_internal};
use super::answer::{CallError, CallErrorKind, Redact, from_reqwest};
use futures::StreamExt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A provider's answer as it came: HTTP status, the whole body, how long the call took, and
/// the wait it asked for (`Retry-After`).
pub struct Exchange {
    /// The key the call was made with: every text read from the answer is cleaned of it.
    key: secrecy::SecretString,
    pub status: u16,
    pub body: bytes::Bytes,
    pub latency_ms: i64,
    pub retry_after: Option<Duration>,
}

impl Exchange {
    /// Sends `req` with `key` as a Bearer token and reads the whole answer.
    pub async fn send(
        req: reqwest::RequestBuilder,
        key: &secrecy::SecretString,
    ) -> Result<Exchange, CallError> {
        use secrecy::ExposeSecret;
        let started = Instant::now();
        let ms = || i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let resp = req
            .bearer_auth(key.expose_secret())
            .send()
            .await
            .map_err(|e| from_reqwest(&e, ms()))?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| retry_after(v, std::time::SystemTime::now()));
        let body = read_capped(resp, ANSWER_BYTES_MAX, &ms).await?;
        Ok(Exchange {
            key: key.clone(),
            status,
            body,
            latency_ms: ms(),
            retry_after,
        })
    }

    /// Reads the answer with `parse` (status, body, latency). Whatever it yields has every
    /// echo of the key masked (some providers repeat a refused key in their messages), and an
    /// error carries the wait the provider asked for.
    pub fn read<T: Redact>(
        self,
        parse: impl FnOnce(u16, &[u8], i64) -> Result<T, CallError>,
    ) -> Result<T, CallError> {
        use secrecy::ExposeSecret;
        let key = self.key.expose_secret();
        match parse(self.status, &self.body, self.latency_ms) {
            Ok(mut answer) => {
                answer.redact(key);
                Ok(answer)
            }
            Err(e) => {
                let e = e.redacted(key);
                Err(match self.retry_after {
                    Some(wait) => e.with_retry_after(wait),
                    None => e,
                })
            }
        }
    }
}

/// The largest provider answer read, in bytes: room for several 4K images inline as base64.
pub const ANSWER_BYTES_MAX: usize = 64 * 1024 * 1024;

/// The whole body of `resp`, refused as soon as it passes `max` bytes (a clear error naming the
/// cap, instead of a console that runs out of memory).
async fn read_capped(
    mut resp: reqwest::Response,
    max: usize,
    ms: &impl Fn() -> i64,
) -> Result<bytes::Bytes, CallError> {
    let status = resp.status().as_u16();
    let too_large = || {
        CallError::new(
            CallErrorKind::Malformed,
            format!(
                "the answer is larger than {}",
                app::domain::format_bytes(max as u64)
            ),
        )
        .with_status(status)
        .with_latency(ms())
    };
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| from_reqwest(&e, ms()))? {
        if body.len() + chunk.len() > max {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The wait a `Retry-After` value asks for (RFC 9110 §10.2.3): a number of seconds or an HTTP
/// date, read against `now`. Zero or a date already past mean "now"; anything else (a word, a
/// negative or fractional number, a broken date) is `None`, and the caller's own backoff applies.
pub fn retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than a u64 holds is still "a very long time" (capped by the caller).
        return Some(Duration::from_secs(v.parse().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Redirects a download follows (each hop checked like the first).
pub const REDIRECTS_MAX: u32 = 5;

/// The two outbound clients.
#[derive(Clone)]
pub struct Outbound {
    public: reqwest::Client,
    local: reqwest::Client,
    pub timeouts: CallTimeouts,
    pub download_timeout: Duration,
}

/// How long each kind of provider call may take, from sending to the last byte of the answer
/// (`connect`: until the connection stands). No call waits without a bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallTimeouts {
    pub connect: Duration,
    /// A submit to an async API, which answers a task id.
    pub submit: Duration,
    /// A submit to a synchronous gateway, which answers with the image (often minutes).
    pub sync_submit: Duration,
    pub poll: Duration,
    pub upload: Duration,
}

impl CallTimeouts {
    /// The same bound for every kind of call (tests).
    pub fn all(d: Duration) -> CallTimeouts {
        CallTimeouts {
            connect: d,
            submit: d,
            sync_submit: d,
            poll: d,
            upload: d,
        }
    }
}

impl Outbound {
    pub fn new(timeouts: CallTimeouts) -> anyhow::Result<Outbound> {
        let base = || {
            reqwest::Client::builder()
                .user_agent(concat!("rhconsole/", env!("CARGO_PKG_VERSION")))
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(timeouts.connect)
                .pool_max_idle_per_host(64)
        };
        Ok(Outbound {
            public: base().dns_resolver(Arc::new(PublicOnly)).build()?,
            local: base().build()?,
            timeouts,
            download_timeout: Duration::from_secs(30),
        })
    }

    /// The bound of a submit to `target`: the config's sync bound or the server's, never past
    /// the task's deadline.
    pub fn submit_timeout(&self, target: &super::Target) -> Duration {
        let bound = if target.is_sync {
            target.sync_timeout.unwrap_or(self.timeouts.sync_submit)
        } else {
            self.timeouts.submit
        };
        match target.time_left {
            Some(left) => bound.min(left.max(Duration::from_millis(1))),
            None => bound,
        }
    }

    /// The client for a URL, after checking its scheme and literal host.
    pub fn client_for(&self, url: &str, allow_local: bool) -> Result<&reqwest::Client, CallError> {
        let parsed = url::Url::parse(url).map_err(|e| {
            CallError::new(CallErrorKind::Refused, format!("invalid URL {url}: {e}"))
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(CallError::new(
                CallErrorKind::Refused,
                format!(
                    "only http and https URLs are allowed, not {}",
                    parsed.scheme()
                ),
            ));
        }
        if allow_local {
            return Ok(&self.local);
        }
        let literal = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            Some(url::Host::Domain(d))
                if d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost") =>
            {
                Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))
            }
            Some(url::Host::Domain(_)) => None,
            None => {
                return Err(CallError::new(
                    CallErrorKind::Refused,
                    format!("URL without a host: {url}"),
                ));
            }
        };
        if literal.is_some_and(is_internal) {
            return Err(CallError::new(
                CallErrorKind::Refused,
                format!("{url} points at a local or private address, which is not allowed"),
            ));
        }
        Ok(&self.public)
    }

    /// Downloads an image someone named by URL, within `max_bytes` and the download timeout
    /// (all hops together). Redirects are followed by hand, at most [`REDIRECTS_MAX`], and every
    /// hop is checked as the first one: `local_ok(url)` says whether that hop may reach a local
    /// address (the config's own host, see `Target::local_ok`); any other is held to public
    /// addresses.
    pub async fn download(
        &self,
        url: &str,
        local_ok: impl Fn(&str) -> bool,
        max_bytes: usize,
    ) -> Result<bytes::Bytes, CallError> {
        let started = Instant::now();
        let ms = |s: Instant| i64::try_from(s.elapsed().as_millis()).unwrap_or(i64::MAX);
        let fut = async {
            let mut at = url.to_owned();
            let mut hops = 0;
            let resp = loop {
                let client = self.client_for(&at, local_ok(&at))?;
                let resp = client
                    .get(&at)
                    .send()
                    .await
                    .map_err(|e| from_reqwest(&e, ms(started)))?;
                if !resp.status().is_redirection() {
                    break resp;
                }
                hops += 1;
                let next = resp
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| resp.url().join(l).ok());
                let Some(next) = next.filter(|_| hops <= REDIRECTS_MAX) else {
                    return Err(CallError::new(
                        CallErrorKind::Refused,
                        format!("downloading {url}: too many or unreadable redirects"),
                    ));
                };
                at = next.to_string();
            };
            let status = resp.status().as_u16();
            if !resp.status().is_success() {
                return Err(CallError::new(
                    CallErrorKind::Http,
                    format!("downloading {url} answered HTTP {status}"),
                )
                .with_status(status));
            }
            if resp.content_length().is_some_and(|n| n > max_bytes as u64) {
                return Err(CallError::new(
                    CallErrorKind::Refused,
                    format!("{url} is larger than {max_bytes} bytes"),
                ));
            }
            let mut body = Vec::new();
            let mut stream = resp.bytes_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| from_reqwest(&e, ms(started)))?;
                if body.len() + chunk.len() > max_bytes {
                    return Err(CallError::new(
                        CallErrorKind::Refused,
                        format!("{url} is larger than {max_bytes} bytes"),
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(bytes::Bytes::from(body))
        };
        tokio::time::timeout(self.download_timeout, fut)
            .await
            .map_err(|_| {
                CallError::new(
                    CallErrorKind::Timeout,
                    format!("downloading {url} took too long"),
                )
            })?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_or_a_date_and_nothing_else() {
        use std::time::{Duration, SystemTime};
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600);
        assert_eq!(retry_after("5", now), Some(Duration::from_secs(5)));
        assert_eq!(retry_after(" 120 ", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after("0", now), Some(Duration::ZERO));
        // 2026-01-01T00:00:30Z, 30 s after `now`; and one already past.
        let later = "Thu, 01 Jan 2026 00:00:30 GMT";
        assert_eq!(retry_after(later, now), Some(Duration::from_secs(30)));
        let past = "Wed, 31 Dec 2025 23:00:00 GMT";
        assert_eq!(retry_after(past, now), Some(Duration::ZERO));
        for bad in ["", "soon", "-1", "1.5", "30s", "Thu, 99 Jan 2026"] {
            assert_eq!(retry_after(bad, now), None, "{bad:?}");
        }
        assert_eq!(
            retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX)),
            "huge is long (the caller caps it)"
        );
    }

    #[test]
    fn literal_internal_hosts_and_other_schemes_are_refused() {
        let o = Outbound::new(CallTimeouts::all(Duration::from_secs(5))).expect("client");
        for url in [
            "http://127.0.0.1/x.png",
            "http://10.0.0.1/x",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/x",
            "http://localhost:8080/x",
            "file:///etc/passwd",
            "ftp://x.cn/a",
        ] {
            let e = o
                .client_for(url, false)
                .err()
                .unwrap_or_else(|| panic!("{url} should be refused"));
            assert_eq!(e.kind, CallErrorKind::Refused, "{url}");
        }
        assert!(o.client_for("https://www.runninghub.cn/x", false).is_ok());
        assert!(o.client_for("http://127.0.0.1:3900/x", true).is_ok());
        assert!(o.client_for("file:///etc/passwd", true).is_err());
    }

    #[tokio::test]
    async fn names_that_resolve_inside_are_refused() {
        let o = Outbound::new(CallTimeouts::all(Duration::from_secs(5))).expect("client");
        // localtest.me-style names need DNS; "localhost." with a trailing dot goes through the resolver.
        let e = o
            .download("http://localhost./x.png", |_| false, 1024)
            .await
            .expect_err("refused");
        assert!(
            matches!(
                e.kind,
                CallErrorKind::Connect | CallErrorKind::Network | CallErrorKind::Refused
            ),
            "{e:?}"
        );
    }
}
