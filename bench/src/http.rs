//! Talking to the console over HTTP like a browser or a script does: the setup link, sign-in
//! with a cookie-keeping client, the server functions with fixed URLs. Also the small numeric
//! helpers (percentiles) and summaries of the status counts `rhconsole::fixtures::DbWatch` reads.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

pub const ADMIN: &str = "admin";
pub const ADMIN_PW: &str = "bench password 0123456789";

/// A signed-in (or not yet) browser-like client of one console.
#[derive(Clone)]
pub struct Api {
    pub c: reqwest::Client,
    pub base: String,
}

impl Api {
    /// Keeps cookies, follows no redirects (a redirect to `/login` must show up as such).
    pub fn new(base: &str) -> Result<Api> {
        let c = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(Api {
            c,
            base: base.to_owned(),
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn form(&self, endpoint: &str, fields: &[(&str, &str)]) -> Result<()> {
        let r = self
            .c
            .post(self.url(&format!("/api/{endpoint}")))
            .header("accept", "application/json")
            .form(fields)
            .timeout(Duration::from_secs(60))
            .send()
            .await?;
        let status = r.status();
        if status != 200 {
            bail!(
                "{endpoint}: HTTP {status}: {}",
                r.text().await.unwrap_or_default()
            );
        }
        Ok(())
    }

    /// Creates the first admin through the one-time setup link.
    pub async fn setup_admin(&self, token: &str) -> Result<()> {
        self.form(
            "setup/complete",
            &[
                ("token", token),
                ("username", ADMIN),
                ("password", ADMIN_PW),
                ("confirm", ADMIN_PW),
            ],
        )
        .await
        .context("creating the first admin")
    }

    pub async fn login(&self) -> Result<()> {
        self.form(
            "auth/login",
            &[("username", ADMIN), ("password", ADMIN_PW), ("next", "/")],
        )
        .await
        .context("signing in")
    }

    /// A new client of `base`, signed in as the admin.
    pub async fn signed_in(base: &str) -> Result<Api> {
        let api = Api::new(base)?;
        api.login().await?;
        Ok(api)
    }

    /// Calls a server function with a JSON body; the answer must be 200 and JSON.
    pub async fn call(&self, endpoint: &str, body: &Value) -> Result<Value> {
        let r = self
            .c
            .post(self.url(&format!("/api/{endpoint}")))
            .header("accept", "application/json")
            .json(body)
            .timeout(Duration::from_secs(120))
            .send()
            .await
            .with_context(|| format!("POST /api/{endpoint}"))?;
        let status = r.status();
        let text = r.text().await?;
        if status != 200 {
            bail!(
                "{endpoint}: HTTP {status}: {}",
                text.chars().take(300).collect::<String>()
            );
        }
        serde_json::from_str(&text).with_context(|| {
            format!(
                "{endpoint}: not JSON: {}",
                text.chars().take(300).collect::<String>()
            )
        })
    }

    /// Creates a RunningHub config pointing at `provider` (the sandbox) and returns its id.
    pub async fn create_config(&self, name: &str, provider: &str) -> Result<i64> {
        let v = self
            .call(
                "configs/create",
                &json!({ "input": config_input(name, provider) }),
            )
            .await?;
        v["id"]
            .as_i64()
            .with_context(|| format!("configs/create answered without an id: {v}"))
    }

    /// Creates a config for the fake `provider` that asks for callbacks.
    pub async fn create_callback_config(&self, name: &str, provider: &str) -> Result<i64> {
        let mut input = config_input(name, provider);
        input["callbacks"] = json!(true);
        let v = self
            .call("configs/create", &json!({ "input": input }))
            .await?;
        v["id"]
            .as_i64()
            .with_context(|| format!("configs/create answered without an id: {v}"))
    }

    /// Launches one task on `config` and returns its id.
    pub async fn launch(&self, config: i64, prompt: &str) -> Result<i64> {
        let v = self
            .call("tasks/launch", &launch_body(config, prompt))
            .await?;
        v["tasks"][0]
            .as_i64()
            .with_context(|| format!("tasks/launch answered without a task: {v}"))
    }

    /// Every task in the list (following the keyset pages), as `(id, status)`.
    pub async fn list_all(&self) -> Result<Vec<(i64, String)>> {
        let mut out = Vec::new();
        let mut before: Option<i64> = None;
        loop {
            let v = self
                .call("tasks/list", &json!({ "filter": { "before": before } }))
                .await?;
            let items = v["items"].as_array().context("tasks/list without items")?;
            for it in items {
                let id = it["id"].as_i64().context("a task without an id")?;
                out.push((id, it["status"].as_str().unwrap_or_default().to_owned()));
            }
            match v["next_before"].as_i64() {
                Some(b) => before = Some(b),
                None => return Ok(out),
            }
        }
    }

    /// The fake provider's counters.
    pub async fn sandbox_stats(&self, sandbox: &str) -> Result<SandboxStats> {
        let v: Value = self
            .c
            .get(format!("{sandbox}/__sandbox/stats"))
            .timeout(Duration::from_secs(30))
            .send()
            .await?
            .json()
            .await?;
        Ok(SandboxStats {
            submits: v["submits"].as_u64().unwrap_or(0),
            polls: v["polls"].as_u64().unwrap_or(0),
            peak_running: v["peak_running"].as_u64().unwrap_or(0),
            queue_full: v["queue_full"].as_u64().unwrap_or(0),
            by_marker: v["submits_by_marker"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, n)| (k.clone(), n.as_u64().unwrap_or(0)))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

/// The body of `POST /api/tasks/launch` for one task on `config` with one image URL.
pub fn launch_body(config: i64, prompt: &str) -> Value {
    json!({
        "configs": [config],
        "spec": {
            "prompt": prompt,
            "resolution": "1k",
            "aspect_ratio": "auto",
            "image_urls": ["https://example.com/a.png"],
            "local_images": [],
            "region": ""
        }
    })
}

#[derive(Debug, Clone, Default)]
pub struct SandboxStats {
    pub submits: u64,
    pub polls: u64,
    /// The most tasks at the provider at once.
    pub peak_running: u64,
    /// Submits refused with 421 (the account's limit reached).
    pub queue_full: u64,
    pub by_marker: BTreeMap<String, u64>,
}

/// The config the tests use (`rhconsole::fixtures::sandbox_config`), sized for benchmarks.
pub fn config_input(name: &str, provider: &str) -> Value {
    rhconsole::fixtures::sandbox_config(name, provider, 3600, 5000)
}

/// Freezes (`true`) or thaws the fake provider's tasks: while frozen, polls do not advance them.
pub async fn set_frozen(sandbox: &str, frozen: bool) -> Result<()> {
    let r = reqwest::Client::new()
        .post(format!("{sandbox}/__sandbox/freeze"))
        .json(&json!({ "frozen": frozen }))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("freezing the fake: HTTP {}", r.status());
    }
    Ok(())
}

/// Sets the fake provider's random failure rate.
pub async fn set_failure_rate(sandbox: &str, rate: f64) -> Result<()> {
    let r = reqwest::Client::new()
        .post(format!("{sandbox}/__sandbox/faults"))
        .json(&json!({ "failure_rate": rate }))
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("setting the failure rate: HTTP {}", r.status());
    }
    Ok(())
}

/// Nearest-rank percentile of an ascending slice (`p` in 0..=100); 0 when empty.
pub fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn sort(v: &mut [f64]) {
    v.sort_by(|a, b| a.total_cmp(b));
}

/// Now, in unix milliseconds (fractional), the same clock the console stamps events with.
pub fn unix_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// Launches `n` tasks on `config`, `concurrency` at a time, the `i`-th with `prompt(i)`; the
/// results in the order they came back.
pub async fn launch_many(
    api: &Api,
    config: i64,
    n: usize,
    concurrency: usize,
    prompt: impl Fn(usize) -> String,
) -> Vec<Result<i64>> {
    use futures::StreamExt;
    futures::stream::iter(0..n)
        .map(|i| {
            let api = api.clone();
            let p = prompt(i);
            async move { api.launch(config, &p).await }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await
}

/// How many of `results` (from [`launch_many`] of `wanted` tasks) were launched: the first
/// failure is noted on `o`, and a run where none launched fails.
pub fn count_launched(
    o: &mut crate::report::Outcome,
    results: &[Result<i64>],
    wanted: usize,
) -> Result<usize> {
    let launched = results.iter().filter(|r| r.is_ok()).count();
    if let Some(Err(e)) = results.iter().find(|r| r.is_err()) {
        o.note(format!(
            "{} launch(es) failed; first error: {e:#}",
            wanted - launched
        ));
    }
    if launched == 0 {
        bail!("no task could be launched");
    }
    Ok(launched)
}

/// Waits (reading the database, every 0.5 s) until `launched` tasks exist and none is in
/// flight, for at most `limit`: the last status count, and whether it was reached.
pub async fn all_final(
    watch: &rhconsole::fixtures::DbWatch,
    launched: usize,
    limit: Duration,
) -> Result<(BTreeMap<String, i64>, bool)> {
    let deadline = std::time::Instant::now() + limit;
    loop {
        let c = watch.counts().await?;
        if in_flight(&c) == 0 && total(&c) as usize >= launched {
            return Ok((c, true));
        }
        if std::time::Instant::now() > deadline {
            return Ok((c, false));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Tasks not yet final, from a status count.
pub fn in_flight(counts: &BTreeMap<String, i64>) -> i64 {
    counts
        .iter()
        .filter(|(s, _)| {
            s.parse::<app::domain::TaskStatus>()
                .is_ok_and(|s| !s.is_terminal())
        })
        .map(|(_, n)| n)
        .sum()
}

pub fn total(counts: &BTreeMap<String, i64>) -> i64 {
    counts.values().sum()
}

/// `succeeded 990, failed 10` style.
pub fn fmt_counts(counts: &BTreeMap<String, i64>) -> String {
    if counts.is_empty() {
        return "none".into();
    }
    counts
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}
