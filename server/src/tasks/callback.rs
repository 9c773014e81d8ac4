//! Provider callbacks: RunningHub POSTs `{"event":"TASK_END","taskId":…,"eventData":{…}}` to a
//! task's `webhookUrl` when it ends (../shared/runninghub-api.md, "Callbacks"). `eventData` is an
//! object in live callbacks and a JSON string when read back: both are read. Callbacks are not
//! signed, so one is only a hint: every one goes into the ledger (`callback` table), and the
//! task's poll loop is woken to confirm the end with one query. A callback whose token belongs
//! to a task in "submit may have reached the provider" attaches the provider's task id: a crash
//! in mid submit heals without anyone acting.

use super::Engine;
use crate::db::{self, callback::NewCallback};
use crate::tasks::event::Event;
use app::domain::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::net::IpAddr;

/// The path a task's `webhookUrl` points at, followed by its token.
pub const CALLBACK_PATH: &str = "/callbacks/";

/// The largest callback body read (a task object with a few result links is about 2 KB).
pub const CALLBACK_BODY_MAX: usize = 64 * 1024;

/// A new unguessable token: 32 random bytes as 64 hex digits.
pub fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Whether `token` has the shape [`new_token`] makes (anything else is not looked up).
pub fn is_token(token: &str) -> bool {
    token.len() == 64
        && token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `base` (the public URL, no trailing slash) + [`CALLBACK_PATH`] + `token`.
pub fn callback_url(base: &str, token: &str) -> String {
    format!("{base}{CALLBACK_PATH}{token}")
}

/// What a callback says, as far as the console uses it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Said {
    pub event: Option<String>,
    pub task_id: Option<String>,
    pub status: Option<String>,
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads a callback body; `None` when it is not a JSON object naming an event or a task.
pub fn parse(body: &[u8]) -> Option<Said> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let o = v.as_object()?;
    // `eventData` is an object live and a JSON string when read back.
    let data = match o.get("eventData") {
        Some(Value::String(s)) => serde_json::from_str::<Value>(s).ok(),
        Some(d @ Value::Object(_)) => Some(d.clone()),
        _ => None,
    };
    let said = Said {
        event: text(o.get("event")),
        task_id: text(o.get("taskId")).or_else(|| text(data.as_ref()?.get("taskId"))),
        status: data.as_ref().and_then(|d| text(d.get("status"))),
    };
    (said.event.is_some() || said.task_id.is_some()).then_some(said)
}

impl super::Inner {
    /// The `webhookUrl` of a task with `token`, when the console knows its public address.
    pub(crate) fn callback_url(&self, token: &str) -> Option<String> {
        let base = self.settings.public_url.as_deref()?;
        Some(callback_url(base, token))
    }
}

impl Engine {
    /// Takes one callback for `token` (its body cut at [`CALLBACK_BODY_MAX`] by the caller):
    /// records it in the ledger and tells its task. The answer says what was done.
    pub async fn receive_callback(
        &self,
        token: &str,
        body: &[u8],
        remote: Option<IpAddr>,
    ) -> anyhow::Result<CallbackOutcome> {
        let inner = &self.0;
        let now = inner.clock.now_ms();
        let sha = hex::encode(Sha256::digest(body));
        let said = parse(body);
        let task = if is_token(token) {
            db::task::by_callback_token(&inner.db.read, token).await?
        } else {
            None
        };
        let outcome = match (&said, &task) {
            (_, None) => CallbackOutcome::UnknownToken,
            (None, Some(_)) => CallbackOutcome::Malformed,
            (Some(_), Some((id, _, _)))
                if db::callback::seen(&inner.db.read, *id, &sha).await? =>
            {
                CallbackOutcome::Duplicate
            }
            (Some(s), Some((id, status, pid))) => {
                self.act_on(*id, *status, pid.as_deref(), s).await?
            }
        };
        let body_text = String::from_utf8_lossy(body);
        let said = said.unwrap_or_default();
        db::callback::insert(
            &inner.db.write,
            &NewCallback {
                task_id: task.as_ref().map(|t| t.0),
                provider_task_id: said.task_id.as_deref(),
                event: said.event.as_deref(),
                status: said.status.as_deref(),
                body_sha256: &sha,
                body: &body_text,
                outcome,
                remote_addr: remote.map(|ip| ip.to_string()),
                received_at: now,
            },
        )
        .await?;
        inner.metrics.callback(outcome.as_str());
        Ok(outcome)
    }

    /// What a readable, first-seen callback does to its task.
    async fn act_on(
        &self,
        id: TaskId,
        status: TaskStatus,
        known_pid: Option<&str>,
        said: &Said,
    ) -> anyhow::Result<CallbackOutcome> {
        let inner = &self.0;
        // Callbacks do arrive for this config: its tasks may poll slowly again.
        if let Some(t) = db::task::engine_task(&inner.db.read, id).await? {
            inner.set_callbacks_silent(t.config_id, false);
        }
        // A callback naming another task than the one its token belongs to is not believed.
        if let (Some(known), Some(named)) = (known_pid, said.task_id.as_deref())
            && known != named
        {
            return Ok(CallbackOutcome::Ignored);
        }
        if status == TaskStatus::SubmitUncertain {
            let Some(pid) = said.task_id.as_deref() else {
                return Ok(CallbackOutcome::Ignored);
            };
            let attached = self.attach(id, pid, None).await?;
            return Ok(if attached {
                CallbackOutcome::Accepted
            } else {
                CallbackOutcome::Ignored
            });
        }
        if status.is_terminal() {
            return Ok(CallbackOutcome::Ignored);
        }
        let text = EventText::CallbackReceived {
            status: said.status.clone().unwrap_or_else(|| "?".into()),
        };
        inner
            .record(id, None, Event::info(Stage::Poll, text))
            .await?;
        inner.hint(id).callback();
        Ok(CallbackOutcome::Accepted)
    }

    /// Attaches the provider's task id `pid` to a "submit may have reached the provider" task
    /// and follows it to the end (a fresh deadline of the config's length), as `by` (an
    /// operator's name, or `None`: the provider's callback). False when the task is no longer
    /// in that state (someone decided first).
    pub async fn attach(&self, id: TaskId, pid: &str, by: Option<&str>) -> anyhow::Result<bool> {
        let inner = &self.0;
        let Some(task) = db::task::engine_task(&inner.db.read, id).await? else {
            return Ok(false);
        };
        let now = inner.clock.now_ms();
        let deadline = now + i64::from(task.stored.config.timeout_secs) * 1000;
        let mut tx = inner.db.begin().await?;
        if !db::task::reopen(&mut *tx, id, pid, deadline, now).await? {
            return Ok(false);
        }
        let text = EventText::TaskIdAttached {
            by: by.map(str::to_owned),
            task_id: pid.to_owned(),
        };
        let ev = super::append(&mut tx, id, Event::warn(Stage::Submit, text), now).await?;
        db::engine::set_follower(&mut *tx, id, &inner.id).await?;
        tx.commit().await?;
        if let Some(ev) = ev {
            inner.hub.publish(ev, true);
        }
        // Ask at once: a callback came because the task ended, and an operator attaching an id
        // wants to see where it is.
        let hint = inner.hint(id);
        match by {
            None => hint.callback(),
            Some(_) => hint.wake.notify_one(),
        }
        self.spawn(id);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_data_is_read_as_an_object_or_as_a_json_string() {
        let live = br#"{"event":"TASK_END","taskId":"123","eventData":{"taskId":"123","status":"SUCCESS"}}"#;
        let read_back = br#"{"event":"TASK_END","taskId":"123","eventData":"{\"taskId\":\"123\",\"status\":\"SUCCESS\"}"}"#;
        let want = Said {
            event: Some("TASK_END".into()),
            task_id: Some("123".into()),
            status: Some("SUCCESS".into()),
        };
        assert_eq!(parse(live), Some(want));
        let b = parse(read_back).expect("read back");
        assert_eq!(b.status.as_deref(), Some("SUCCESS"));
        // A numeric id, an id only inside eventData.
        let numeric =
            br#"{"event":"TASK_END","eventData":{"taskId":2013508786110730241,"status":"FAILED"}}"#;
        assert_eq!(
            parse(numeric).and_then(|s| s.task_id).as_deref(),
            Some("2013508786110730241")
        );
        for bad in [&b"not json"[..], b"[]", b"{}", b"{\"hello\":1}"] {
            assert_eq!(parse(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn tokens_are_unguessable_and_only_their_shape_is_looked_up() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(is_token(&a) && is_token(&b));
        assert!(!is_token("../../etc/passwd"));
        assert!(!is_token(&a.to_uppercase()));
        assert!(!is_token(&a[1..]));
    }
}
