//! Prometheus metrics: task counts by status and config (read from the database at scrape time),
//! provider latency, retries, tasks in flight, sign-in failures, and server-side work that
//! found no request context (always 0 unless something is wrong).

use app::domain::TaskStatus;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabel {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    api_type: &'static str,
    call: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StageLabel {
    api_type: &'static str,
    stage: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConfigLabel {
    config: LabelText,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TaskLabels {
    config: LabelText,
    status: String,
}

/// A label value people typed (a config's name), escaped as the text formats require: `\`,
/// `"` and a line feed as `\\`, `\"` and `\n`. prometheus-client 0.22 writes label values as
/// they are (prometheus/client_rust#151), so one quote in a name broke the whole exposition.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct LabelText(String);

impl prometheus_client::encoding::EncodeLabelValue for LabelText {
    fn encode(
        &self,
        encoder: &mut prometheus_client::encoding::LabelValueEncoder,
    ) -> Result<(), std::fmt::Error> {
        use std::fmt::Write;
        for c in self.0.chars() {
            match c {
                '\\' => encoder.write_str("\\\\")?,
                '"' => encoder.write_str("\\\"")?,
                '\n' => encoder.write_str("\\n")?,
                c => encoder.write_char(c)?,
            }
        }
        Ok(())
    }
}

fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.01, 2.0, 14))
}

pub struct Metrics {
    registry: Mutex<Registry>,
    login_failures: Family<ReasonLabel, Counter>,
    provider_latency: Family<CallLabels, Histogram, fn() -> Histogram>,
    retries: Family<StageLabel, Counter>,
    in_flight: Gauge,
    tasks: Family<TaskLabels, Gauge>,
    context_misses: Counter,
    blob_files: Gauge,
    blob_bytes: Gauge,
    callbacks: Family<OutcomeLabel, Counter>,
    account_coins: Family<ConfigLabel, Gauge<f64, AtomicU64>>,
    concurrency_limit: Family<ConfigLabel, Gauge>,
    waiting_for_slot: Family<ConfigLabel, Gauge>,
}

/// The gauges read from the database at each scrape.
#[derive(Debug, Default)]
pub struct DbGauges {
    pub in_flight: i64,
    /// `(config name, status, count)`.
    pub tasks: Vec<(String, String, i64)>,
    /// Kept images: `(files, bytes)`.
    pub kept_images: (u64, u64),
    /// Each config's latest key check: `(config name, check)`.
    pub key_checks: Vec<(String, app::domain::KeyCheck)>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("rhconsole");
        let login_failures = Family::<ReasonLabel, Counter>::default();
        let provider_latency =
            Family::<CallLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram,
            );
        let retries = Family::<StageLabel, Counter>::default();
        let in_flight = Gauge::default();
        let tasks = Family::<TaskLabels, Gauge>::default();
        let context_misses = Counter::default();
        let callbacks = Family::<OutcomeLabel, Counter>::default();
        registry.register(
            "callbacks",
            "Provider callbacks received, by what was done with them",
            callbacks.clone(),
        );
        let blob_files = Gauge::default();
        let blob_bytes = Gauge::default();
        registry.register(
            "kept_images",
            "Images the console keeps (uploads, kept results, thumbnails)",
            blob_files.clone(),
        );
        registry.register_with_unit(
            "kept_images_size",
            "Disk space of the kept images",
            prometheus_client::registry::Unit::Bytes,
            blob_bytes.clone(),
        );
        registry.register(
            "login_failures",
            "Failed sign-ins by reason",
            login_failures.clone(),
        );
        registry.register(
            "provider_call_seconds",
            "Provider call latency by API type, call and outcome",
            provider_latency.clone(),
        );
        registry.register(
            "retries",
            "Retries scheduled by API type and stage",
            retries.clone(),
        );
        registry.register(
            "tasks_in_flight",
            "Test tasks not yet final",
            in_flight.clone(),
        );
        registry.register(
            "tasks",
            "Test tasks by configuration and status",
            tasks.clone(),
        );
        registry.register(
            "request_context_misses",
            "Server-side work that found no request, or a request without what it needed (logged \
             with an id)",
            context_misses.clone(),
        );
        let account_coins = Family::<ConfigLabel, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "account_coins",
            "RH coins left on each configuration's account, at its latest key check",
            account_coins.clone(),
        );
        let concurrency_limit = Family::<ConfigLabel, Gauge>::default();
        registry.register(
            "key_concurrency_limit",
            "Tasks each configuration's key may run at once, at its latest key check",
            concurrency_limit.clone(),
        );
        let waiting_for_slot = Family::<ConfigLabel, Gauge>::default();
        registry.register(
            "tasks_waiting_for_slot",
            "Test tasks of each configuration waiting for a free slot (the configuration or its \
             account is at its concurrency limit)",
            waiting_for_slot.clone(),
        );
        Metrics {
            registry: Mutex::new(registry),
            waiting_for_slot,
            account_coins,
            concurrency_limit,
            login_failures,
            provider_latency,
            retries,
            in_flight,
            tasks,
            context_misses,
            blob_files,
            blob_bytes,
            callbacks,
        }
    }
}

impl Metrics {
    /// One provider callback received; `outcome` is a `CallbackOutcome` name.
    pub fn callback(&self, outcome: &'static str) {
        self.callbacks
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
    }

    pub fn login_failure(&self, reason: &'static str) {
        self.login_failures
            .get_or_create(&ReasonLabel { reason })
            .inc();
    }

    /// Called for every provider call: labels are static strings, so this allocates nothing.
    pub fn provider_call(
        &self,
        api_type: &'static str,
        call: &'static str,
        ok: bool,
        latency_ms: i64,
    ) {
        let labels = CallLabels {
            api_type,
            call,
            outcome: if ok { "ok" } else { "error" },
        };
        self.provider_latency
            .get_or_create(&labels)
            .observe(latency_ms.max(0) as f64 / 1000.0);
    }

    pub fn retry(&self, api_type: &'static str, stage: &'static str) {
        self.retries
            .get_or_create(&StageLabel { api_type, stage })
            .inc();
    }

    /// Renders everything, after setting the gauges read from the database.
    pub fn render(&self, read: &DbGauges) -> String {
        let DbGauges {
            in_flight,
            tasks,
            kept_images: (files, bytes),
            key_checks,
        } = read;
        self.account_coins.clear();
        self.concurrency_limit.clear();
        for (config, check) in key_checks {
            let label = ConfigLabel {
                config: LabelText(config.clone()),
            };
            let coins = check.account.as_ref().and_then(|a| a.coins.as_deref());
            if let Some(coins) = coins.and_then(|c| c.parse::<f64>().ok()) {
                self.account_coins.get_or_create(&label).set(coins);
            }
            if let Some(limit) = check.queue.as_ref().and_then(|q| q.limit) {
                self.concurrency_limit.get_or_create(&label).set(limit);
            }
        }
        self.in_flight.set(*in_flight);
        self.blob_files
            .set(i64::try_from(*files).unwrap_or(i64::MAX));
        self.blob_bytes
            .set(i64::try_from(*bytes).unwrap_or(i64::MAX));
        // Counted where it happens (the app's server functions and page shell), per process.
        self.context_misses
            .inner()
            .store(app::api::request::context_misses(), Ordering::Relaxed);
        self.tasks.clear();
        self.waiting_for_slot.clear();
        for (config, status, n) in tasks {
            // Every config with tasks has the gauge, 0 when none waits.
            let waiting = self.waiting_for_slot.get_or_create(&ConfigLabel {
                config: LabelText(config.clone()),
            });
            if status == TaskStatus::Waiting.as_str() {
                waiting.set(*n);
            }
            self.tasks
                .get_or_create(&TaskLabels {
                    config: LabelText(config.clone()),
                    status: status.clone(),
                })
                .set(*n);
        }
        let mut out = String::new();
        if let Ok(reg) = self.registry.lock() {
            let _ = prometheus_client::encoding::text::encode(&mut out, &reg);
        }
        out
    }
}
