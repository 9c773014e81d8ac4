//! The table of texts with parameters: each text is declared once, with its typed parameters
//! and both templates side by side. A template is a `format!` string whose placeholders are the
//! parameters, captured from the match arm that renders it, so the compiler checks both
//! languages: a placeholder that is not a parameter does not compile, and a template that leaves
//! a parameter out does not either (`unused_variables` is denied there).
//!
//! Parameters render through `Localized`, so one whose words depend on the language (a region,
//! a duration, a `Msg`) is written in the reader's language, never as an English fragment.
//!
//! Keep this module free of constants and statics: a template could name one and capture it.

use super::{Lang, Msg};
// Parameters of the event log's texts, which only the server has.
#[cfg(any(feature = "ssr", not(feature = "hydrate")))]
use crate::domain::{AspectRatio, DurationMs, Region, Resolution, Timestamp};
use std::fmt;

/// A value as a reader of some language reads it: a parameter of a `Text`.
pub trait Localized {
    /// Writes the value for a reader of `lang`, honouring the formatter's flags (`{n:02}`).
    fn fmt_in(&self, lang: Lang, f: &mut fmt::Formatter<'_>) -> fmt::Result;

    /// The value in `lang`.
    fn render(&self, lang: Lang) -> String {
        In(self, lang).to_string()
    }
}

/// A value bound to a language: `Display` writes it in that language, `Debug` as it is (a
/// template's `{status:?}` quotes a provider's word verbatim).
pub struct In<'x, T: ?Sized>(pub &'x T, pub Lang);

impl<T: Localized + ?Sized> fmt::Display for In<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_in(self.1, f)
    }
}

impl<T: fmt::Debug + ?Sized> fmt::Debug for In<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: Localized + ?Sized> Localized for &T {
    fn fmt_in(&self, lang: Lang, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt_in(lang, f)
    }
}

/// Values that read the same in every language: numbers, and words from elsewhere (names,
/// URLs, what a provider or the network said).
macro_rules! same_in_every_language {
    ($($t:ty),*) => {$(
        impl Localized for $t {
            fn fmt_in(&self, _: Lang, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }
    )*};
}

same_in_every_language!(u32, u64, usize, i64, str, String);

impl Localized for Msg {
    fn fmt_in(&self, lang: Lang, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.text(lang))
    }
}

/// Test-case fields by their keys (`config`, `prompt`, … see
/// [`crate::domain::spec_field_label`]), named and listed as each language does: `配置、提示词`,
/// `Configuration, Prompt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldList<'a>(pub &'a [String]);

impl Localized for FieldList<'_> {
    fn fmt_in(&self, lang: Lang, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sep = match lang {
            Lang::Zh => "、",
            Lang::En => ", ",
        };
        let names: Vec<&str> = self
            .0
            .iter()
            .map(|k| crate::domain::spec_field_label(k).map_or(k.as_str(), |m| m.text(lang)))
            .collect();
        f.write_str(&names.join(sep))
    }
}

/// The table: texts shown `everywhere` (the browser too), then texts of the `server` only (the
/// task's event log: the browser gets events already rendered, see `domain::Said`), which the
/// browser build does not have at all.
macro_rules! texts {
    (
        everywhere { $($key:ident { $($p:ident : $ty:ty),* $(,)? } => $zh:literal, $en:literal;)* }
        server { $($skey:ident { $($sp:ident : $sty:ty),* $(,)? } => $szh:literal, $sen:literal;)* }
    ) => {
        /// Every text with parameters the console, its log and its CLI show.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Text<'a> {
            $($key { $($p: $ty),* },)*
            $(#[cfg(any(feature = "ssr", not(feature = "hydrate")))] $skey { $($sp: $sty),* },)*
        }

        /// Each text's place in the table, and so in the page's words (`super::words`).
        #[allow(clippy::enum_variant_names, dead_code)]
        #[derive(Clone, Copy)]
        enum Place { $($key,)* $($skey,)* }

        /// The Chinese and English templates, in the table's order (a function: this module
        /// holds no constants).
        #[cfg(any(feature = "ssr", not(feature = "hydrate")))]
        pub(super) fn templates() -> &'static [[&'static str; 2]] {
            &[$([$zh, $en],)* $([$szh, $sen],)*]
        }

        impl Text<'_> {
            /// How many texts the table has.
            pub const COUNT: usize = [$(Place::$key,)* $(Place::$skey,)*].len();

            /// How many of them are shown `everywhere`: the first ones, whose templates the
            /// browser's words carry.
            pub const SHOWN: usize = [$(Place::$key,)*].len();

            /// The text's place in the table.
            #[cfg(any(test, all(feature = "hydrate", not(feature = "ssr"))))]
            fn place(&self) -> usize {
                match self {
                    $(Text::$key { .. } => Place::$key as usize,)*
                    $(#[cfg(any(feature = "ssr", not(feature = "hydrate")))] Text::$skey { .. } => Place::$skey as usize,)*
                }
            }

            /// Writes the text from `template`, its template in `lang`, filling the
            /// placeholders as it goes (the browser's way: the templates come with the page's
            /// words, `super::words::fill`).
            #[cfg(any(test, all(feature = "hydrate", not(feature = "ssr"))))]
            pub(super) fn fill(&self, template: &str, lang: Lang, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                use super::words::Arg;
                match self {
                    $(
                        Text::$key { $($p),* } => super::words::fill(
                            template,
                            &[$((stringify!($p), &In($p, lang) as &dyn Arg)),*],
                            f,
                        ),
                    )*
                    $(
                        #[cfg(any(feature = "ssr", not(feature = "hydrate")))]
                        Text::$skey { $($sp),* } => super::words::fill(
                            template,
                            &[$((stringify!($sp), &In($sp, lang) as &dyn Arg)),*],
                            f,
                        ),
                    )*
                }
            }
        }

        impl Localized for Text<'_> {
            // Each arm rebinds the parameters, by the names the templates use, to values that
            // write themselves in the arm's language; a parameter a template leaves out is then
            // an unused variable, which is an error here.
            #[cfg(any(feature = "ssr", not(feature = "hydrate")))]
            #[deny(unused_variables)]
            fn fmt_in(&self, lang: Lang, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match (self, lang) {
                    $(
                        (Text::$key { $($p),* }, Lang::Zh) => {
                            $(let $p = In($p, Lang::Zh);)*
                            write!(f, $zh)
                        }
                        (Text::$key { $($p),* }, Lang::En) => {
                            $(let $p = In($p, Lang::En);)*
                            write!(f, $en)
                        }
                    )*
                    $(
                        (Text::$skey { $($sp),* }, Lang::Zh) => {
                            $(let $sp = In($sp, Lang::Zh);)*
                            write!(f, $szh)
                        }
                        (Text::$skey { $($sp),* }, Lang::En) => {
                            $(let $sp = In($sp, Lang::En);)*
                            write!(f, $sen)
                        }
                    )*
                }
            }

            // In the browser the templates come with the page's words: the table stays out of
            // the wasm.
            #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
            fn fmt_in(&self, lang: Lang, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.fill(super::words::template(self.place()), lang, f)
            }
        }

        #[cfg(test)]
        impl Text<'static> {
            /// One of each text, its parameters filled with `Sample` values.
            pub(super) fn samples() -> Vec<Text<'static>> {
                vec![
                    $(Text::$key { $($p: Sample::sample()),* },)*
                    $(Text::$skey { $($sp: Sample::sample()),* },)*
                ]
            }
        }

        #[cfg(test)]
        impl Text<'_> {
            /// The Chinese and English templates, as written in the table.
            fn templates(&self) -> [&'static str; 2] {
                templates()[self.place()]
            }

            /// The template in `lang`.
            pub(super) fn template_in(&self, lang: Lang) -> &'static str {
                self.templates()[usize::from(lang == Lang::En)]
            }
        }
    };
}

impl Text<'_> {
    /// The text in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        In(self, lang).to_string()
    }

    /// The text in English, for the CLI and logs.
    pub fn english(&self) -> String {
        self.render(Lang::En)
    }
}

texts! {
    everywhere {
        DurMs { ms: i64 } => "{ms} 毫秒", "{ms} ms";
        DurSecs { secs: i64, tenths: i64 } => "{secs}.{tenths} 秒", "{secs}.{tenths} s";
        DurMinutes { min: i64, sec: i64 } => "{min} 分 {sec:02} 秒", "{min} min {sec:02} s";
        DurHours { h: i64, min: i64 } => "{h} 小时 {min:02} 分", "{h} h {min:02} min";

        ErrOverBudget { name: &'a str, daily: &'a str, spent: &'a str, pending: &'a str, launch: &'a str }
            => "超出每日测试预算：{name} 每日预算 ¥{daily}，今日已花费 ¥{spent}，进行中预估 ¥{pending}，本次预估 ¥{launch}",
               "Over the daily test budget: {name} may spend ¥{daily} a day; spent today ¥{spent}, in flight ¥{pending} (estimated), this launch ¥{launch} (estimated)";
        SlotPosition { n: i64 } => "排在第 {n} 位", "number {n} in line";
        NoSuchTask { id: i64 } => "没有编号为 #{id} 的测试任务", "There is no test task #{id}";
        NoSuchConfig { id: i64 } => "没有编号为 {id} 的配置", "There is no configuration {id}";
        ConfigTypeChange { to: Msg }
            => "端点、模型和主机地址会换成“{to}”的默认值，你在这里改过的值会丢失。",
               "The endpoints, model and hosts will be replaced by the defaults of “{to}”; what you changed here will be lost.";
        PagePosition { page: i64, pages: i64, total: i64 }
            => "第 {page} / {pages} 页，共 {total} 个任务", "Page {page} of {pages}, {total} tasks";
        UserAdded { name: &'a str } => "已添加用户 {name}", "User {name} added";
        KeySiteConfigured { host: &'a str } => "{host} 接受此密钥", "{host} accepts the key";
        KeySiteOther { refused_by: &'a str, host: &'a str }
            => "{refused_by} 拒绝此密钥，而 {host} 接受：密钥属于另一个站点。建议把主机改为 {host}（检测不会自动修改配置）。",
               "{refused_by} refuses the key and {host} accepts it: the key belongs to the other site. Set the host to {host} (the check changes nothing by itself).";
        KeySiteRefused { host: &'a str, code: &'a str, message: &'a str }
            => "{host} 拒绝此密钥（{code}）：{message}", "{host} refuses the key ({code}): {message}";
        KeyModelListed { model: &'a str, count: usize }
            => "包含 {model}（共 {count} 个模型）", "{model} is listed ({count} models)";
        KeyModelMissing { model: &'a str, count: usize }
            => "没有 {model}（共 {count} 个模型）：请检查模型名称", "{model} is not listed ({count} models): check the model name";
        KeySiteUnknown { host: &'a str, message: &'a str }
            => "{host} 没有给出答复：{message}", "No answer about the key from {host}: {message}";

        KeptImages { files: u64 } => "{files} 张图片", "{files} images";
        KeepDays { days: u32 } => "未使用超过 {days} 天的图片会被清理", "Images unused for {days} days are removed";
        KeepCap { size: &'a str } => "总量超过 {size} 时先清理最久未用的", "Over {size} in all, the least recently used go first";

        ErrTryAgainIn { error: Msg, mins: u64 } => "{error}（约 {mins} 分钟后）", "{error} (in about {mins} min)";
        ErrWithRequestId { error: Msg, id: &'a str } => "{error}（{id}）", "{error} ({id})";
    }

    // The task's event log.
    server {
        EvCreated { by: &'a str, config: &'a str, version: i64, region: Region, resolution: Resolution, aspect: AspectRatio, images: usize }
            => "{by} 创建，配置 {config}（版本 {version}），{region}线路，{resolution} 分辨率，宽高比 {aspect}，{images} 张图片",
               "Created by {by} for {config} (v{version}), {region} host, {resolution} resolution, aspect ratio {aspect}, {images} image(s)";
        EvImagesCut { total: usize, sent: usize, left: usize }
            => "共 {total} 张图片：只发送前 {sent} 张，其余 {left} 张不发送",
               "{total} images given: only the first {sent} are sent, {left} left out";
        EvUploading { count: usize } => "正在上传 {count} 张本地图片", "Uploading {count} local image(s)";
        EvUploaded { n: usize, of: usize, url: &'a str } => "已上传图片 {n}/{of}：{url}", "Uploaded image {n}/{of}: {url}";
        EvUploadRetry { n: usize, of: usize, error: &'a str, delay: DurationMs }
            => "图片 {n}/{of} 上传失败：{error}；{delay}后重试",
               "Upload of image {n}/{of} failed: {error}; retrying in {delay}";
        EvSubmitting { attempt: u32, max: u32, url: &'a str }
            => "提交（第 {attempt}/{max} 次）：POST {url}", "Submitting (attempt {attempt}/{max}): POST {url}";
        EvSubmitFailed { error: &'a str } => "提交失败：{error}", "Submit failed: {error}";
        EvSubmitRetry { error: &'a str, delay: DurationMs, next: u32, max: u32 }
            => "提交失败：{error}；{delay}后重试（第 {next}/{max} 次）",
               "Submit failed: {error}; retrying in {delay} (attempt {next}/{max})";
        EvSubmitRetryMaybeSent { error: &'a str, delay: DurationMs, next: u32, max: u32 }
            => "提交失败：{error}（请求可能已到达服务商）；{delay}后重试（第 {next}/{max} 次）",
               "Submit failed: {error} (the request may have reached the provider); retrying in {delay} (attempt {next}/{max})";
        EvAccepted { task_id: &'a str, status: &'a str }
            => "已受理：taskId {task_id}，状态 {status}", "Accepted: taskId {task_id}, status {status}";
        EvAcceptedDone { task_id: &'a str, status: &'a str }
            => "已受理并已完成（任务 {task_id}，{status}）", "Accepted and already finished (task {task_id}, {status})";
        EvAnswered { status: &'a str } => "服务商答复 {status}", "The provider answered {status}";
        EvProviderStatus { status: &'a str } => "服务商状态：{status}", "Provider status: {status}";
        EvStillRunning { status: &'a str, elapsed: DurationMs, polls: u32 }
            => "已过 {elapsed}，仍为 {status}（轮询 {polls} 次）", "Still {status} after {elapsed} ({polls} polls)";
        EvPollFailed { error: &'a str } => "轮询失败：{error}", "Poll failed: {error}";
        EvPollFailedInARow { error: &'a str, failures: u32 }
            => "轮询失败：{error}（连续 {failures} 次）", "Poll failed: {error} ({failures} failed polls in a row)";
        EvPollRetry { error: &'a str, n: u32, max: u32 }
            => "轮询失败：{error}；继续轮询（{n}/{max}）", "Poll failed: {error}; polling again ({n}/{max})";
        EvNoResultsYet {}
            => "服务商返回成功但还没有结果，再次查询", "Provider says SUCCESS but sent no results yet; asking again";
        EvUnknownStatus { status: &'a str, n: u32, max: u32 }
            => "服务商返回未知状态：{status:?}（{n}/{max}）", "Unknown status from the provider: {status:?} ({n}/{max})";
        EvSucceeded { elapsed: DurationMs, results: usize }
            => "成功，用时 {elapsed}：{results} 个结果", "Succeeded after {elapsed}: {results} result(s)";
        EvSucceededCost { elapsed: DurationMs, results: usize, cost: &'a str }
            => "成功，用时 {elapsed}：{results} 个结果，费用 {cost}", "Succeeded after {elapsed}: {results} result(s), cost {cost}";
        EvFailed { code: &'a str, message: &'a str } => "失败：[{code}] {message}", "Failed: [{code}] {message}";
        EvTimedOut { after: DurationMs }
            => "{after}内没有得到最终状态，已超时", "Timed out after {after}: the provider gave no final status in time";
        EvProviderCancelled { status: &'a str } => "服务商取消了任务（{status}）", "The provider cancelled the task ({status})";
        EvCancelled { by: &'a str }
            => "{by} 取消了任务：控制台已停止跟踪。若任务已提交，服务商可能仍会完成它。",
               "Cancelled by {by}: the console stopped following this task. If it had reached the provider, the provider may still finish it.";
        EvResumedFollowing { provider_task_id: &'a str }
            => "重启后继续：跟踪服务商任务 {provider_task_id}",
               "Picked up again after a restart: following provider task {provider_task_id}";
        EvResumedUnsent {}
            => "重启后继续：任务尚未发送，现在发送", "Picked up again after a restart: it was never sent, so it is sent now";
        EvSubmitOutcomeUnknown { error: &'a str, sent_at: Timestamp }
            => "提交请求已于 {sent_at} 发出，但没有收到可用的答复（{error}）：服务商可能已受理并计费。不会自动重新提交；重新运行前，请先在服务商的调用记录中核实。",
               "The submit request was sent at {sent_at} but no usable answer came back ({error}): the provider may have accepted and billed it. It is not sent again automatically; check the provider's call record before running it again.";
        EvPollWait { error: &'a str, delay: DurationMs }
            => "服务商要求放慢查询（{error}）：{delay}后再查询，不计为失败",
               "The provider asked to slow down ({error}): next poll in {delay}, not counted as a failure";
        EvResultNotKept { n: usize, error: &'a str }
            => "结果图片 {n} 未能保存到控制台（{error}）：仍显示服务商的链接，它在结果生成约 24 小时后失效",
               "Result image {n} could not be kept on the console ({error}): the provider's link is shown instead, and it expires about 24 hours after the result";
        EvImageParts { count: usize, field: &'a str }
            => "随提交一并发送 {count} 张图片，表单字段名 {field}",
               "Sending {count} image part(s) with the submit, under the field name {field}";
        EvCallbacksOff { flag: &'a str }
            => "此配置要求回调，但控制台没有公网地址（{flag}）：本任务只靠轮询",
               "This config asks for callbacks, but the console has no public address ({flag}): the task is only polled";
        EvCallbacksSilent {}
            => "此配置上一次的回调没有到达：按正常间隔轮询",
               "This config's last callback never came: polling at the normal pace";
        EvCallbackMissing {}
            => "任务已结束，但没有收到回调：此配置之后的任务按正常间隔轮询，直到再次收到回调",
               "The task ended before any callback came: this config's next tasks poll at the normal pace until one arrives";
        EvCallbackReceived { status: &'a str }
            => "服务商回调（状态 {status}）：查询一次确认",
               "The provider called back (status {status}): confirming with one query";
        EvTaskIdAttachedByCallback { task_id: &'a str }
            => "服务商回调给出了任务号 {task_id}：继续跟踪到结束",
               "The provider's callback named taskId {task_id}: following it to the end";
        EvTaskIdAttached { by: &'a str, task_id: &'a str }
            => "{by} 关联了服务商任务号 {task_id}：继续跟踪到结束",
               "{by} attached taskId {task_id}: following it to the end";
        EvMarkedFailed { by: &'a str }
            => "{by} 将此任务标记为失败（其提交可能已到达服务商）",
               "{by} closed this task as failed (its submit may have reached the provider)";
        EvResent { by: &'a str, task: i64 }
            => "{by} 已将此任务重新发送为任务 #{task}（两次都可能计费）",
               "{by} sent this task again as task #{task}, knowing both may be billed";
        EvReruns { of: i64, by: &'a str }
            => "{by} 再次运行任务 #{of}，参数不变",
               "{by} runs task #{of} again, unchanged";
        EvRerunsChanged { of: i64, by: &'a str, changed: FieldList<'a> }
            => "{by} 再次运行任务 #{of}，改动：{changed}",
               "{by} runs task #{of} again, changed: {changed}";
        EvUndocumentedStatus { status: &'a str }
            => "服务商返回了文档中没有的状态 {status:?}：既不算成功也不算失败，继续查询，直到任务截止时间",
               "The provider answered a status nobody documented, {status:?}: neither success nor failure; polling goes on until the task's deadline";
        EvWaitingForSlot { in_use: u32, limit: u32 }
            => "等待空位：此配置已有 {in_use} 个任务在服务商处（上限 {limit}），有任务结束后按顺序发送",
               "Waiting for a slot: {in_use} of this config's tasks are at the provider (limit {limit}); it is sent in turn when one ends";
        EvQueueFull { code: &'a str, message: &'a str }
            => "服务商答复并发已满（{code} {message}）：回到等待空位，这次不计入重试次数",
               "The provider answered that the queue is full ({code} {message}): back to waiting for a slot; this attempt does not count against the retries";
        EvSandboxRestarted {}
            => "沙盒随控制台重启已清空，它不再记得这个任务：无法继续跟踪，任务记为失败。需要时请再次运行。",
               "The sandbox was emptied when the console restarted and no longer knows this task: it cannot be followed, so it is marked failed. Run it again if needed.";
        EvSubmitUncertain {}
            => "服务器在提交请求发出期间停止：服务商可能已收到此任务，也可能没有。不会自动重新提交；请先向服务商核实，需要时再重新运行。",
               "The server stopped while a submit request was in the air: the provider may or may not have this task. It is not resubmitted automatically; check with the provider, then run it again if needed.";
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
use tests::Sample;
