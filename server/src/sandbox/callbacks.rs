//! The fake's callbacks: a task submitted with a `webhookUrl` ends by time (`#runms=N`, 300 ms by
//! default) and then POSTs `{"event":"TASK_END","taskId":…,"eventData":{…}}` there, the task
//! object a query would answer (../shared/runninghub-api.md, "Callbacks"). `#callback=late:MS`
//! sends it MS later, `twice` twice, `malformed` an unreadable body only, `string` with
//! `eventData` as a JSON string, `none` not at all. A delivery nobody took (the console down,
//! a 5xx or 429) is tried again every half second for 15 s, as the provider's own retry would.

use super::runninghub::{status_now, task_object};
use super::scenario::CallbackStyle;
use super::{FakeTask, SandboxState};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(super) fn send_when_done(s: Arc<SandboxState>, task: FakeTask, url: String) {
    let style = task.scenario.callback.clone();
    if style == CallbackStyle::None {
        return;
    }
    tokio::spawn(async move {
        let end = task.ends_at.unwrap_or_else(Instant::now);
        let late = match style {
            CallbackStyle::Late(ms) => Duration::from_millis(ms),
            _ => Duration::ZERO,
        };
        tokio::time::sleep_until((end + late).into()).await;
        let data = task_object(&s, &task, status_now(&task));
        let body = match style {
            CallbackStyle::Malformed => "{\"event\": \"TASK_END\", \"taskId\": ".to_owned(),
            CallbackStyle::AsString => json!({
                "event": "TASK_END", "taskId": task.id, "eventData": data.to_string()
            })
            .to_string(),
            _ => json!({ "event": "TASK_END", "taskId": task.id, "eventData": data }).to_string(),
        };
        let times = if style == CallbackStyle::Twice { 2 } else { 1 };
        let client = reqwest::Client::new();
        for _ in 0..times {
            for _attempt in 0..30 {
                if let Ok(mut st) = s.stats.lock() {
                    st.callbacks += 1;
                }
                let sent = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .timeout(Duration::from_secs(10))
                    .send()
                    .await;
                let taken = match &sent {
                    Ok(r) => !(r.status().is_server_error() || r.status().as_u16() == 429),
                    Err(e) => {
                        tracing::debug!(error = %e, url, "the sandbox's callback was not delivered");
                        false
                    }
                };
                if taken {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    });
}
