//! The task page's live parts: the status, the elapsed time, the link state and the execution
//! log, fed by the task's stream. When the task ends the server renders the page again (its
//! results, usage and failure) and it replaces this one in place (`live::refresh_main`).

use crate::domain::TaskId;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One execution-log line, worded by the server in the reader's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    pub seq: i64,
    /// `info`, `warn` or `error` (the line's CSS class).
    pub level: String,
    pub stage: String,
    pub stage_label: String,
    /// Beijing time, `HH:MM:SS.mmm`.
    pub at: String,
    pub text: String,
    /// `HTTP 200 · 812 ms`, when the line is a provider call.
    pub extra: Option<String>,
}

impl LogLine {
    /// `event` worded in `lang`.
    pub fn of(event: &crate::domain::TaskEvent, lang: crate::i18n::Lang) -> LogLine {
        let extra = match (event.http_status, event.latency_ms) {
            (Some(h), Some(l)) => Some(format!("HTTP {h} · {l} ms")),
            (Some(h), None) => Some(format!("HTTP {h}")),
            (None, Some(l)) => Some(format!("{l} ms")),
            (None, None) => None,
        };
        LogLine {
            seq: event.seq,
            level: event.level.as_str().to_owned(),
            stage: event.stage.as_str().to_owned(),
            stage_label: event.stage.label().text(lang).to_owned(),
            at: event.at.format_time_ms(),
            text: event.say(lang),
            extra,
        }
    }
}

/// The task's state as the page shows it, worded by the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveState {
    pub status: String,
    pub status_label: String,
    pub tone: String,
    pub slot_text: Option<String>,
    pub attempts: i64,
    pub terminal: bool,
}

impl LiveState {
    /// `task`'s state worded in `lang`.
    pub fn of(task: &crate::domain::TaskView, lang: crate::i18n::Lang) -> LiveState {
        LiveState {
            status: task.status.as_str().to_owned(),
            status_label: task.status.label().text(lang).to_owned(),
            tone: task.status.tone().to_owned(),
            slot_text: task
                .slot_position
                .map(|n| crate::i18n::Text::SlotPosition { n }.render(lang)),
            attempts: task.attempts,
            terminal: task.status.is_terminal(),
        }
    }
}

/// One line of the live stream for islands: newline-delimited JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LiveMsg {
    State { state: LiveState },
    Line { line: LogLine },
    Heartbeat,
    End,
}

/// The words the live parts need, in the reader's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveWords {
    pub live: String,
    pub reconnecting: String,
}

/// The stream's state. Only the browser follows the stream: the server renders `Connecting` or
/// `Done`.
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", allow(dead_code))]
enum Link {
    Connecting,
    Live,
    Reconnecting,
    Done,
}

#[derive(Clone, Copy)]
struct Live {
    /// The state the page was rendered with (what each island hydrates against).
    rendered: StoredValue<LiveState>,
    state: RwSignal<LiveState>,
    /// Lines the stream brought (after the page's).
    lines: RwSignal<Vec<LogLine>>,
    link: RwSignal<Link>,
}

/// A copy of `source` that starts as `rendered` and follows `source` once this island is
/// hydrated (effects run after hydration). The stream may change `source` before an island
/// further down the page hydrates; hydrating against anything but the server's HTML fails.
fn after_hydration<T: Clone + Send + Sync + 'static>(
    rendered: T,
    source: RwSignal<T>,
) -> RwSignal<T> {
    let local = RwSignal::new(rendered);
    Effect::new(move |_| local.set(source.get()));
    local
}

/// Follows task `id` after event `after` and shares what it hears with the islands inside.
#[island(lazy)]
pub fn TaskLive(id: TaskId, after: i64, state: LiveState, children: Children) -> impl IntoView {
    let link = RwSignal::new(if state.terminal {
        Link::Done
    } else {
        Link::Connecting
    });
    let live = Live {
        rendered: StoredValue::new(state.clone()),
        state: RwSignal::new(state),
        lines: RwSignal::new(Vec::new()),
        link,
    };
    provide_context(live);
    follow(id, after, live);
    children()
}

fn follow(id: TaskId, after: i64, live: Live) {
    #[cfg(not(feature = "ssr"))]
    Effect::new(move |_| {
        use crate::live::{sleep_ms, take_lines};
        use futures::StreamExt;
        if live.link.get_untracked() == Link::Done {
            return;
        }
        leptos::task::spawn_local(async move {
            let mut backoff = 500u64;
            let mut last = after;
            loop {
                if let Ok(stream) = crate::api::tasks::task_live(id, last).await {
                    let mut s = stream.into_inner();
                    let mut buf = String::new();
                    while let Some(Ok(chunk)) = s.next().await {
                        live.link.set(Link::Live);
                        backoff = 500;
                        buf.push_str(&chunk);
                        for msg in take_lines::<LiveMsg>(&mut buf) {
                            match msg {
                                LiveMsg::Line { line } if line.seq > last => {
                                    last = line.seq;
                                    live.lines.update(|l| l.push(line));
                                }
                                LiveMsg::State { state } => live.state.set(state),
                                LiveMsg::End => {
                                    live.link.set(Link::Done);
                                    crate::live::refresh_main().await;
                                    return;
                                }
                                _ => {}
                            }
                        }
                    }
                }
                live.link.set(Link::Reconnecting);
                sleep_ms(backoff).await;
                backoff = (backoff * 2).min(5000);
            }
        });
    });
    #[cfg(feature = "ssr")]
    let _ = (id, after, live);
}

/// The status badge, the place in line and the link state.
#[island(lazy)]
pub fn LiveStatus(words: LiveWords) -> impl IntoView {
    let live = expect_context::<Live>();
    let s = after_hydration(live.rendered.get_value(), live.state);
    let first_link = if live.rendered.with_value(|r| r.terminal) {
        Link::Done
    } else {
        Link::Connecting
    };
    let link = after_hydration(first_link, live.link);
    view! {
        <span data-testid="task-status" data-status=move || s.with(|s| s.status.clone())>
            <span class=move || s.with(|s| format!("badge badge-{}", s.tone)) data-status=move || s.with(|s| s.status.clone())>
                {move || s.with(|s| s.status_label.clone())}
            </span>
        </span>
        {move || s.with(|s| s.slot_text.clone()).map(|t| view! { <span class="slot-position" data-testid="slot-position">{t}</span> })}
        {move || match link.get() {
            Link::Live => Some(view! { <span class="live-dot" role="status">{words.live.clone()}</span> }.into_any()),
            Link::Reconnecting => Some(view! { <span class="live-dot off" role="status">{words.reconnecting.clone()}</span> }.into_any()),
            _ => None,
        }}
    }
}

/// The execution log: the lines the page was rendered with, then those the stream brings.
#[island(lazy)]
pub fn LiveLog(lines: Vec<LogLine>) -> impl IntoView {
    let live = expect_context::<Live>();
    // Hydrated with the server's lines; the stream's are added after (see `after_hydration`).
    let shown = RwSignal::new(lines);
    Effect::new(move |_| {
        let more = live.lines.get();
        shown.update(|s| {
            let last = s.last().map_or(0, |l| l.seq);
            s.extend(more.into_iter().filter(|l| l.seq > last));
        });
    });
    view! {
        <ol class="timeline" data-testid="timeline" aria-live="polite">
            <For each=move || shown.get() key=|l| l.seq let:l>
                <li class=format!("lv-{}", l.level) data-seq=l.seq data-stage=l.stage>
                    <span class="t">{l.at}</span>
                    <span class="stage">{l.stage_label}</span>
                    <span class="msg">{l.text}{l.extra.map(|x| view! { <span class="extra">{x}</span> })}</span>
                </li>
            </For>
        </ol>
    }
}

/// A result's thumbnail that opens the full image over the page (Esc or a click closes it).
/// `testid`: the thumbnail's `data-testid`.
#[island(lazy)]
pub fn ZoomImage(
    url: String,
    thumb: String,
    label: String,
    alt: String,
    close: String,
    testid: String,
) -> impl IntoView {
    let open = RwSignal::new(false);
    #[cfg(not(feature = "ssr"))]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "Escape" {
                open.set(false);
            }
        });
        on_cleanup(move || handle.remove());
    }
    view! {
        <button type="button" class="btn-link" on:click=move |_| open.set(true) aria-label=label>
            <img src=thumb alt=alt loading="lazy" data-testid=testid/>
        </button>
        <Show when=move || open.get()>
            <div class="lightbox" role="dialog" aria-modal="true" on:click=move |_| open.set(false)>
                <img src=url.clone() alt=""/>
                <button type="button" class="btn close" on:click=move |_| open.set(false)>{close.clone()}</button>
            </div>
        </Show>
    }
}

/// Time since `created_ms`, ticking while the task runs.
#[island(lazy)]
pub fn Elapsed(created_ms: i64, finished_ms: Option<i64>, zh: bool) -> impl IntoView {
    let now = RwSignal::new(crate::live::now_ms());
    #[cfg(not(feature = "ssr"))]
    if finished_ms.is_none()
        && let Ok(h) = set_interval_with_handle(
            move || now.set(crate::live::now_ms()),
            std::time::Duration::from_millis(500),
        )
    {
        on_cleanup(move || h.clear());
    }
    let text = move || {
        let ms = finished_ms.unwrap_or_else(|| now.get()) - created_ms;
        crate::domain::duration_words(ms, zh)
    };
    view! { <strong data-testid="elapsed">{text}</strong> }
}

/// The request view's words, in the reader's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestWords {
    pub show: String,
    pub hide: String,
    pub json: String,
    pub curl: String,
    pub copy: String,
    pub copied: String,
}

/// The request that was sent (JSON and curl), shown on demand.
#[island(lazy)]
pub fn RequestToggle(json: String, curl: String, words: RequestWords) -> impl IntoView {
    let open = RwSignal::new(false);
    let w = StoredValue::new(words);
    let (json, curl) = (StoredValue::new(json), StoredValue::new(curl));
    let word = move |f: fn(&RequestWords) -> &String| w.with_value(|w| f(w).clone());
    view! {
        <button type="button" class="btn" aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
            {move || if open.get() { word(|w| &w.hide) } else { word(|w| &w.show) }}
        </button>
        <Show when=move || open.get()>
            <h3 style="margin-top:1rem">{word(|w| &w.json)}" "<CopyText text=json.get_value() label=word(|w| &w.copy) copied=word(|w| &w.copied)/></h3>
            <pre class="code" data-testid="request-json">{json.get_value()}</pre>
            <h3>{word(|w| &w.curl)}" "<CopyText text=curl.get_value() label=word(|w| &w.copy) copied=word(|w| &w.copied)/></h3>
            <pre class="code" data-testid="request-curl">{curl.get_value()}</pre>
        </Show>
    }
}

/// Copies `text` to the clipboard and says so for a moment.
#[island(lazy)]
pub fn CopyText(text: String, label: String, copied: String) -> impl IntoView {
    let done = RwSignal::new(false);
    #[cfg(feature = "ssr")]
    let _ = &text;
    let on_click = move |_| {
        #[cfg(not(feature = "ssr"))]
        {
            let promise = window().navigator().clipboard().write_text(&text);
            leptos::task::spawn_local(async move {
                if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok() {
                    done.set(true);
                    set_timeout(
                        move || done.set(false),
                        std::time::Duration::from_millis(1500),
                    );
                }
            });
        }
    };
    view! {
        <button type="button" class="btn btn-small" on:click=on_click>
            {move || if done.get() { copied.clone() } else { label.clone() }}
        </button>
    }
}
