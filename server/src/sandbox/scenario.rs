//! Scenarios chosen by tags in the prompt.

/// What the fake does with a task. Tags (any order, in the prompt):
/// `#instant` success in the submit answer · `#fail` FAILED 1000 · `#moderation` FAILED 1501 ·
/// `#realperson` FAILED 1505 · `#auth` key rejected · `#balance` 812 · `#queuefull` 421 on the
/// first submit · `#http429` / `#http502` on the first submit (`#http502always` every time) ·
/// `#malformed` garbage submit answer · `#malformedpoll` garbage poll answers · `#unknown`
/// status PAUSED (undocumented) while running, then SUCCESS · `#cancel` CANCEL · `#never` runs forever · `#slow` 1.5 s per answer ·
/// `#hang` submit answers after 60 s · `#drop` the submit is taken, then the connection breaks
/// before the answer · `#noid` the submit is taken and answered QUEUED without a task id ·
/// `#lowercase` statuses in lower case · `#numericid` a 22-digit task id as a JSON number ·
/// `#snakeid` the id under `task_id` · `#envelope` answers inside `{"code":0,"data":{…}}` ·
/// `#textonly` SUCCESS with only a text item · `#emptyresults` SUCCESS with no results ·
/// `#nullurl` SUCCESS with an item whose url is null · `#b64url` (nano-banana) base64 as a data:
/// URL in the URL-safe alphabet with line breaks · `#b64text` (nano-banana) base64 of text ·
/// `#failedreason` FAILED with an empty errorMessage and a ComfyUI-style failedReason object ·
/// `#errorobject` FAILED with an errorMessage that is an object · `#echokey` the submit is refused with a message repeating the key, whole and in part ·
/// `#echokeyfail` the first poll answers FAILED with a message repeating the key ·
/// `#retryafter=V` the 429s carry `Retry-After: V` (`date`: an HTTP date 2 s ahead) ·
/// `#poll429` the first poll is answered 429 · `#flaky` half the polls fail with 500 · `#succeed` and
/// `#cancelled` use the other spellings · `#polls=N` RUNNING polls before the end (default 2) ·
/// `#queued=N` QUEUED polls first (default 1) · `#expire=N` result links stop working N seconds
/// after the answer (403, as expired CDN links) · `#privateresult` a result link on a private
/// address · `#redirectresult` a result link that redirects to a metadata address · `#wait=N` (nano-banana sync) the answer comes
/// after N seconds (at most 120) · `#imagefield=image` / `#imagefield=image[]` (nano-banana) only
/// image parts under that field name are read, the others ignored · `#results=N` result images (default 1) · `#b64` nano-banana answers base64 · `#id=X` marks a
/// prompt for double-submit counting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scenario {
    pub instant: bool,
    pub fail: Option<(&'static str, &'static str)>,
    pub auth: bool,
    pub balance: bool,
    pub queue_full: bool,
    pub http429: bool,
    pub http502: bool,
    pub http502_always: bool,
    pub malformed: bool,
    pub malformed_poll: bool,
    pub unknown: bool,
    pub cancel: bool,
    pub never: bool,
    pub slow: bool,
    pub hang: bool,
    pub drop_answer: bool,
    /// The `Retry-After` value 429 answers carry (`date`: an HTTP date 2 s ahead).
    pub retry_after: Option<String>,
    pub poll429: bool,
    pub lowercase: bool,
    pub failed_reason: bool,
    pub error_object: bool,
    pub text_only: bool,
    pub empty_results: bool,
    pub null_url: bool,
    pub b64_url: bool,
    pub b64_text: bool,
    pub echo_key: bool,
    pub echo_key_fail: bool,
    pub numeric_id: bool,
    pub snake_id: bool,
    pub envelope: bool,
    pub no_id: bool,
    pub flaky: bool,
    pub alt_spelling: bool,
    pub polls: u32,
    /// Polls answered QUEUED before RUNNING (default 1).
    pub queued: u32,
    pub results: u32,
    pub b64: bool,
    pub marker: Option<String>,
    /// Seconds after the answer at which result links expire.
    pub expire_secs: Option<u64>,
    pub private_result: bool,
    pub redirect_result: bool,
    /// Seconds a sync answer waits before its first byte.
    pub wait_secs: Option<u64>,
    /// The one field name image parts are read under (`None`: `image` and `image[]`).
    pub image_field: Option<String>,
    /// With a `webhookUrl`: how long the task runs (ms) before it ends and the callback goes.
    pub run_ms: u64,
    /// How the callback is sent: `late=MS` after the end, `twice`, `malformed` (unreadable
    /// only), `string` (`eventData` as a JSON string, as read back), `none`.
    pub callback: CallbackStyle,
}

/// How the sandbox calls back (`#callback=…`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CallbackStyle {
    #[default]
    Once,
    Late(u64),
    Twice,
    Malformed,
    AsString,
    None,
}

impl Scenario {
    pub fn from_prompt(prompt: &str) -> Scenario {
        let mut s = Scenario {
            polls: 2,
            queued: 1,
            results: 1,
            run_ms: 300,
            ..Default::default()
        };
        for tag in prompt
            .split_whitespace()
            .filter_map(|w| w.strip_prefix('#'))
        {
            let tag = tag.trim_end_matches([',', '.', ';']);
            let (name, value) = tag.split_once('=').unwrap_or((tag, ""));
            match name.to_ascii_lowercase().as_str() {
                "instant" => s.instant = true,
                "fail" => s.fail = Some(("1000", "unknown error")),
                "moderation" => s.fail = Some(("1501", "Content verification failed")),
                "realperson" => {
                    s.fail = Some(("1505", "Photorealistic real people are prohibited"))
                }
                "auth" => s.auth = true,
                "balance" => s.balance = true,
                "queuefull" => s.queue_full = true,
                "http429" => s.http429 = true,
                "http502" => s.http502 = true,
                "http502always" => s.http502_always = true,
                "malformed" => s.malformed = true,
                "malformedpoll" => s.malformed_poll = true,
                "unknown" => s.unknown = true,
                "cancel" => s.cancel = true,
                "never" => s.never = true,
                "slow" => s.slow = true,
                "hang" => s.hang = true,
                "drop" => s.drop_answer = true,
                "retryafter" => s.retry_after = Some(value.to_owned()),
                "poll429" => s.poll429 = true,
                "lowercase" => s.lowercase = true,
                "failedreason" => {
                    s.failed_reason = true;
                    s.fail = Some(("1000", ""));
                }
                "errorobject" => {
                    s.error_object = true;
                    s.fail = Some(("1012", ""));
                }
                "textonly" => s.text_only = true,
                "emptyresults" => s.empty_results = true,
                "nullurl" => s.null_url = true,
                "b64url" => s.b64_url = true,
                "b64text" => s.b64_text = true,
                "echokey" => s.echo_key = true,
                "echokeyfail" => s.echo_key_fail = true,
                "numericid" => s.numeric_id = true,
                "snakeid" => s.snake_id = true,
                "envelope" => s.envelope = true,
                "noid" => s.no_id = true,
                "flaky" => s.flaky = true,
                "succeed" | "cancelled" => {
                    s.alt_spelling = true;
                    if name.eq_ignore_ascii_case("cancelled") {
                        s.cancel = true;
                    }
                }
                "polls" => s.polls = value.parse().unwrap_or(2).min(1000),
                "queued" => s.queued = value.parse().unwrap_or(1).clamp(1, 1000),
                "wait" => s.wait_secs = Some(value.parse().unwrap_or(5).min(120)),
                "expire" => s.expire_secs = Some(value.parse().unwrap_or(2).min(3600)),
                "privateresult" => s.private_result = true,
                "redirectresult" => s.redirect_result = true,
                "imagefield" => s.image_field = Some(value.to_owned()),
                "runms" => s.run_ms = value.parse().unwrap_or(300).min(600_000),
                "callback" => {
                    s.callback = match value.split_once(':').unwrap_or((value, "")) {
                        ("late", ms) => {
                            CallbackStyle::Late(ms.parse().unwrap_or(2000).min(600_000))
                        }
                        ("twice", _) => CallbackStyle::Twice,
                        ("malformed", _) => CallbackStyle::Malformed,
                        ("string", _) => CallbackStyle::AsString,
                        ("none", _) => CallbackStyle::None,
                        _ => CallbackStyle::Once,
                    }
                }
                "results" => s.results = value.parse().unwrap_or(1).clamp(1, 8),
                "b64" => s.b64 = true,
                "id" if !value.is_empty() => s.marker = Some(value.to_owned()),
                _ => {}
            }
        }
        s
    }

    /// The status after `polls` queries: QUEUED, then RUNNING, then the end.
    pub fn status_after(&self, polls: u32) -> &'static str {
        if polls <= self.queued {
            return "QUEUED";
        }
        if self.never || polls <= self.queued + self.polls {
            return if self.unknown && polls > 1 {
                "PAUSED"
            } else {
                "RUNNING"
            };
        }
        if self.fail.is_some() {
            "FAILED"
        } else if self.cancel {
            if self.alt_spelling {
                "CANCELLED"
            } else {
                "CANCEL"
            }
        } else if self.alt_spelling {
            "SUCCEED"
        } else {
            "SUCCESS"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_pick_the_scenario() {
        let s = Scenario::from_prompt("make it blue #moderation #polls=5 #id=abc");
        assert_eq!(s.fail, Some(("1501", "Content verification failed")));
        assert_eq!(s.polls, 5);
        assert_eq!(s.marker.as_deref(), Some("abc"));
        assert_eq!(Scenario::from_prompt("plain").polls, 2);
    }

    #[test]
    fn a_plain_task_goes_queued_running_success() {
        let s = Scenario::from_prompt("plain");
        let seq: Vec<&str> = (1..=4).map(|n| s.status_after(n)).collect();
        assert_eq!(seq, vec!["QUEUED", "RUNNING", "RUNNING", "SUCCESS"]);
    }
}
