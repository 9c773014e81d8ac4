//! `stream-latency`: how long after the console records an event a viewer of
//! `POST /api/tasks/events` has it. (a) 200 viewers of one task, (b) 50 viewers of 50 tasks,
//! one each. Latency is arrival time − `event.at` (both the same machine clock, unix ms);
//! only events recorded after the viewer's stream was open are counted (earlier ones come from
//! the backlog and say nothing about live delivery).

use crate::http::{self, Api};
use crate::procs::{Ctx, Stage};
use crate::report::Outcome;
use anyhow::{Context, Result, bail};
use futures::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;

const POLL_MS: u64 = 200;
const ROUNDS: usize = 3;
const VIEWERS_ONE_TASK: usize = 200;
const TASKS_MANY: usize = 50;
const PROMPT_TAGS: &str = "#polls=20";

/// One viewer: reads the stream to its end and returns the latencies (ms) of live events.
async fn watch(api: Api, id: i64) -> Result<Vec<f64>> {
    let r = api
        .c
        .post(api.url("/api/tasks/events"))
        .json(&json!({ "id": id, "after": 0 }))
        .timeout(Duration::from_secs(120))
        .send()
        .await?;
    if r.status() != 200 {
        bail!("tasks/events: HTTP {}", r.status());
    }
    let mut body = r.bytes_stream();
    let mut buf: Vec<u8> = Vec::new();
    let mut opened_at: Option<f64> = None;
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        let now = http::unix_ms();
        buf.extend_from_slice(&chunk);
        while let Some(pos) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=pos).collect();
            let text = &line[..pos];
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let v: Value = serde_json::from_slice(text)
                .with_context(|| format!("not JSON: {}", String::from_utf8_lossy(text)))?;
            match v["kind"].as_str() {
                Some("task") => {
                    opened_at.get_or_insert(now);
                }
                Some("event") => {
                    let at = v["event"]["at"].as_f64().context("an event without `at`")?;
                    if opened_at.is_some_and(|o| at >= o.floor()) {
                        out.push(now - at);
                    }
                }
                Some("end") => return Ok(out),
                _ => {}
            }
        }
    }
    bail!("the stream of task {id} closed before its end")
}

struct Part {
    lat: Vec<f64>,
    viewers: usize,
    errors: Vec<String>,
}

async fn collect(handles: Vec<tokio::task::JoinHandle<Result<Vec<f64>>>>, part: &mut Part) {
    for h in handles {
        match h.await {
            Ok(Ok(l)) => {
                part.viewers += 1;
                part.lat.extend(l);
            }
            Ok(Err(e)) => part.errors.push(format!("{e:#}")),
            Err(e) => part.errors.push(e.to_string()),
        }
    }
}

pub async fn run(ctx: &Ctx) -> Result<Outcome> {
    let mut o = Outcome::new("stream-latency", "");
    let Stage {
        sb,
        console,
        admin,
        tmp: _tmp,
    } = Stage::start(ctx, "stream", POLL_MS, 100).await?;
    let cfg = admin.create_config("Stream bench", &sb.base).await?;
    // Viewers share one signed-in client; every stream is its own connection.
    let viewer = Api::signed_in(&console.base).await?;
    o.setup = format!(
        "A fresh console with `--poll-interval-ms {POLL_MS}` and the fake provider; tasks carry `{PROMPT_TAGS}` (about 4.5 s \
         of polling, with events at launch, submit, each status change, the periodic \"still running\" event, and the \
         end). (a) one task, {VIEWERS_ONE_TASK} viewers open `POST /api/tasks/events` right after the launch; (b) \
         {TASKS_MANY} tasks launched together, one viewer each. {ROUNDS} rounds of each. For every event a viewer \
         receives, latency = arrival time − `event.at` (the time the console recorded it; same machine clock); only \
         events recorded after that viewer's stream delivered its first message count."
    );

    let mut a = Part {
        lat: Vec::new(),
        viewers: 0,
        errors: Vec::new(),
    };
    for round in 0..ROUNDS {
        let id = admin
            .launch(cfg, &format!("stream bench a{round} {PROMPT_TAGS}"))
            .await?;
        let handles: Vec<_> = (0..VIEWERS_ONE_TASK)
            .map(|_| tokio::spawn(watch(viewer.clone(), id)))
            .collect();
        collect(handles, &mut a).await;
    }
    let mut b = Part {
        lat: Vec::new(),
        viewers: 0,
        errors: Vec::new(),
    };
    for round in 0..ROUNDS {
        let launches = futures::stream::iter(0..TASKS_MANY)
            .map(|i| {
                let admin = admin.clone();
                let viewer = viewer.clone();
                async move {
                    let id = admin
                        .launch(cfg, &format!("stream bench b{round}-{i} {PROMPT_TAGS}"))
                        .await?;
                    Ok::<_, anyhow::Error>(tokio::spawn(watch(viewer, id)))
                }
            })
            .buffer_unordered(8)
            .collect::<Vec<_>>()
            .await;
        let mut handles = Vec::new();
        for l in launches {
            handles.push(l?);
        }
        collect(handles, &mut b).await;
    }
    let rss = console.proc.peak_rss_bytes()?;

    for (label, part, expect) in [
        (
            "(a) 200 viewers of one task",
            &mut a,
            VIEWERS_ONE_TASK * ROUNDS,
        ),
        ("(b) 50 tasks, one viewer each", &mut b, TASKS_MANY * ROUNDS),
    ] {
        http::sort(&mut part.lat);
        let (p50, p99, max) = (
            http::pct(&part.lat, 50.0),
            http::pct(&part.lat, 99.0),
            part.lat.last().copied().unwrap_or(0.0),
        );
        o.metric(
            format!("{label}: latency"),
            format!(
                "p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms over {} live events",
                part.lat.len()
            ),
        );
        o.metric(
            format!("{label}: viewers that saw the end"),
            format!("{} of {expect}", part.viewers),
        );
        if let Some(e) = part.errors.first() {
            o.note(format!(
                "{label}: {} viewer(s) failed; first error: {e}",
                part.errors.len()
            ));
        }
        o.check(
            format!("{label}: p99 latency"),
            "< 300 ms",
            format!("{p99:.1} ms (p50 {p50:.1} ms, n={})", part.lat.len()),
            p99 < 300.0 && !part.lat.is_empty() && part.errors.is_empty(),
        );
    }
    o.metric(
        "console peak RSS (VmHWM)",
        format!("{:.1} MB", rss as f64 / 1e6),
    );
    drop(console);
    drop(sb);
    Ok(o)
}
