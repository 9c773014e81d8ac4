//! The table of texts without parameters: every label, heading, hint and error the console
//! shows, Chinese first, English second. A missing language is a syntax error in the table.

use super::Lang;
use serde::{Deserialize, Serialize};

macro_rules! messages {
    ($($key:ident => $zh:literal, $en:literal;)*) => {
        /// Every piece of text the console shows.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Msg { $($key),* }

        impl Msg {
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $( (Msg::$key, Lang::Zh) => $zh, (Msg::$key, Lang::En) => $en, )*
                }
            }
            /// The name scripts see in JSON answers, e.g. `"NameTaken"`.
            pub fn name(self) -> &'static str {
                match self {
                    $( Msg::$key => stringify!($key), )*
                }
            }
            pub const ALL: &'static [Msg] = &[$(Msg::$key),*];
        }
    };
}

// By name, as serde's derive would, but without its per-format visitor code: a few hundred
// variants made that a noticeable share of the browser bundle.
impl Serialize for Msg {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Msg {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Msg::ALL
            .iter()
            .copied()
            .find(|m| m.name() == name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown message {name:?}")))
    }
}

impl Msg {
    pub fn en(self) -> &'static str {
        self.text(Lang::En)
    }
    pub fn zh(self) -> &'static str {
        self.text(Lang::Zh)
    }
}

impl std::fmt::Display for Msg {
    /// Both languages, for places with no language choice (CLI, logs).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.zh(), self.en())
    }
}

messages! {
    AppName => "RH 控制台", "RH Console";
    AppTagline => "图像生成接口配置与测试", "Image-generation API configurations and tests";
    NavHome => "概览", "Overview";
    NavConfigs => "配置", "Configurations";
    NavTasks => "测试任务", "Test tasks";
    NavUsers => "用户", "Users";
    NavMain => "主导航", "Main navigation";
    SkipToContent => "跳到正文", "Skip to content";
    LangSwitch => "English", "中文";
    LangSwitchLabel => "切换语言", "Switch language";
    ThemeSwitch => "主题", "Theme";
    ThemeAuto => "跟随系统", "Follow system";
    ThemeLight => "浅色", "Light";
    ThemeDark => "深色", "Dark";
    SignOut => "退出登录", "Sign out";
    SignIn => "登录", "Sign in";
    SigningIn => "正在登录…", "Signing in…";
    SignInTitle => "登录 RH 控制台", "Sign in to RH Console";
    Username => "用户名", "Username";
    Password => "密码", "Password";
    PasswordConfirm => "确认密码", "Confirm password";
    PasswordNew => "新密码", "New password";
    Role => "角色", "Role";
    RoleAdmin => "管理员", "Admin";
    RoleOperator => "操作员", "Operator";
    Loading => "加载中…", "Loading…";
    Save => "保存", "Save";
    Saving => "正在保存…", "Saving…";
    Saved => "已保存", "Saved";
    Cancel => "取消", "Cancel";
    Confirm => "确认", "Confirm";
    Close => "关闭", "Close";
    Edit => "编辑", "Edit";
    Delete => "删除", "Delete";
    Search => "搜索", "Search";
    Filter => "筛选", "Filter";
    All => "全部", "All";
    Yes => "是", "Yes";
    No => "否", "No";
    Actions => "操作", "Actions";
    Back => "返回", "Back";
    Never => "从未", "Never";
    None_ => "无", "None";
    Copy => "复制", "Copy";
    Copied => "已复制", "Copied";
    NextPage => "下一页", "Next page";
    PrevPage => "上一页", "Previous page";
    Pages => "分页", "Pages";
    FirstPage => "第一页", "First page";
    NotFoundTitle => "页面不存在", "Page not found";
    NotFoundHint => "它可能已被删除，或者链接中的编号有误。", "It may have been deleted, or the number in the link is wrong.";
    NotFoundBody => "你要找的页面不存在或已被移走。", "The page you asked for does not exist or has moved.";
    ErrorTitle => "出错了", "Something went wrong";
    Retry => "重试", "Retry";

    SetupTitle => "创建第一个管理员", "Create the first admin";
    SetupIntro => "这是首次启动。创建管理员账号后，此链接即失效。", "This is the first start. Once the admin account is created, this link stops working.";
    SetupCreate => "创建管理员", "Create admin";
    SetupInvalid => "设置链接无效或已使用。请查看服务器日志中的新链接，或使用命令行 `rhconsole user add`。", "The setup link is invalid or already used. Look for a new link in the server log, or use `rhconsole user add`.";
    SetupDone => "管理员已创建，你已登录。", "Admin created; you are signed in.";

    UsersTitle => "用户", "Users";
    UsersAdd => "添加用户", "Add user";
    UsersDisabled => "已停用", "Disabled";
    UsersEnabled => "正常", "Active";
    UsersDisable => "停用", "Disable";
    UsersEnable => "启用", "Enable";
    UsersResetPassword => "重置密码", "Reset password";
    UsersChangeRole => "修改角色", "Change role";
    UsersCreated => "创建时间", "Created";
    UsersStatus => "状态", "Status";
    UsersYou => "（你）", "(you)";
    UsersPasswordReset => "密码已重置", "Password reset";

    HomeRecentFailures => "最近的失败", "Recent failures";
    HomeNoFailures => "最近没有失败的任务。", "No failed tasks lately.";
    HomeAllFailures => "查看全部失败的任务", "All failed tasks";
    HomeTitle => "概览", "Overview";
    HomeToday => "今日任务", "Today's tasks";
    HomeInFlight => "进行中", "In flight";
    HomeSuccessRate => "成功率", "Success rate";
    HomeMedian => "中位耗时", "Median duration";
    HomeStorage => "已保存的图片", "Kept images";
    HomeKeepForever => "不自动清理（--keep-days 0）", "Never removed automatically (--keep-days 0)";
    HomePerConfig => "各配置今日表现", "Today per configuration";
    HomeNoTasks => "今天还没有测试任务。", "No test tasks today yet.";
    HomeWelcome => "欢迎", "Welcome";

    ConfigsTitle => "API 配置", "API configurations";
    ConfigsNew => "新建配置", "New configuration";
    ConfigsEmpty => "还没有配置。", "No configurations yet.";
    ConfigsNoMatch => "没有符合条件的配置。", "No configurations match.";
    ConfigsSearch => "按名称搜索", "Search by name";
    ConfigsShowArchived => "显示已归档", "Show archived";
    ConfigsSort => "排序", "Sort";
    SortName => "名称", "Name";
    SortUpdated => "最近修改", "Last changed";
    SortLastTest => "最近测试", "Last test";
    ConfigsLastTest => "最近测试", "Last test";
    ConfigsRate24h => "24 小时成功率", "Success (24 h)";
    ConfigsActiveOn => "已启用", "On";
    ConfigsActiveOff => "已停用", "Off";
    ConfigsToggleActive => "启用/停用", "Switch on/off";
    ConfigsArchived => "已归档", "Archived";
    ConfigEditTitle => "编辑配置", "Edit configuration";
    ConfigNewTitle => "新建配置", "New configuration";
    ConfigPresetHint => "选择类型会填入该类型的默认值，所有字段仍可修改。", "Picking a type fills in its defaults; every field stays editable.";
    ConfigKeyKeep => "留空则保留当前密钥", "Leave blank to keep the current key";
    ConfigKeyNone => "未设置", "Not set";
    KeyCheck => "检测密钥", "Check key";
    KeyChecking => "正在检测…", "Checking…";
    KeyCheckTitle => "密钥检测", "Key check";
    KeyCheckNever => "尚未检测。检测只查询账户、并发和价格，不会产生费用。", "Not checked yet. A check only asks about the account, capacity and price; it costs nothing.";
    KeyCheckHint => "用当前填写的主机和密钥向服务商查询余额、并发和站点；不会保存密钥。", "Asks the provider about balance, capacity and site with the hosts and key typed here; the key is not saved.";
    KeySite => "站点", "Site";
    KeyBalance => "余额", "Balance";
    KeyAccountRunning => "账户运行中任务", "Account tasks running";
    KeyCapacity => "并发（运行 / 上限）", "Concurrency (running / limit)";
    KeyQueued => "排队", "Queued";
    KeyType => "密钥类型", "Key type";
    KeyCheckedAt => "检测时间", "Checked at";
    KeyCapacityUnknown => "并发信息暂不可用（服务商的队列状态接口没有应答）", "Capacity unknown (the provider's queue status did not answer)";
    KeyTierRefused => "此密钥的等级不能调用标准模型接口（错误 1014）：全能图片PRO 等标准模型需要「企业级-共享」密钥。请在 RunningHub 账户的 API 密钥页面创建或升级密钥。", "This key's tier may not call standard-model APIs (error 1014): 全能图片PRO and the other standard models need an Enterprise-Shared key. Create or upgrade one on the API keys page of your RunningHub account.";
    KeyCheckOk => "密钥可用", "The key works";
    KeyCheckHistory => "检测记录", "Check history";
    EstimateTitle => "费用估算", "Estimated cost";
    EstimateLoading => "正在估算…", "Estimating…";
    EstimateUnknown => "未知", "unknown";
    EstimateTotal => "合计", "Total";
    EstimateFree => "本次免费", "free this call";
    EstimateNote => "来自服务商的价格预览，仅供参考；实际费用以任务结束时服务商报告的为准。估算未知不会阻止提交。", "From the provider's price preview, for guidance: the real cost is what the provider reports when the task ends. An unknown estimate does not stop a launch.";
    KeyCheckModelMissing => "密钥可用，但配置的模型不在服务商的模型列表中", "The key works, but the configured model is not in the provider's model list";
    KeyModels => "模型列表", "Model list";
    KeyLineOtherSite => "密钥属于另一站点", "Key of the other site";
    KeyLineRefused => "密钥被拒绝", "Key refused";
    KeyLineUnknown => "检测无应答", "No answer to the check";
    KeyLineTier => "密钥等级不符（1014）", "Wrong key tier (1014)";
    KeyLineCapacity => "并发", "Concurrency";
    KeyLineChecked => "检测于", "Checked";
    ConfigKeyReveal => "查看完整密钥", "Reveal full key";
    ConfigKeyRevealHint => "查看完整密钥需要再次输入你的密码，此操作会被记录。", "Revealing the full key needs your password again and is recorded.";
    ConfigKeyHide => "隐藏", "Hide";
    ConfigDeleteConfirm => "确定删除此配置？有测试任务的配置会被归档（可恢复），不会被抹除。", "Delete this configuration? One with test tasks is archived (restorable), never erased.";
    ConfigArchive => "归档", "Archive";
    ConfigUnarchive => "恢复", "Restore";
    ConfigDeleted => "配置已删除", "Configuration deleted";
    ConfigArchivedNote => "此配置已归档：它不会出现在列表中，也不能用于新任务。", "This configuration is archived: hidden from the list and not usable for new tasks.";
    ConfigHistory => "变更历史", "History";
    ConfigHistoryEmpty => "没有历史记录。", "No history.";
    ConfigRestoreVersion => "恢复此版本", "Restore this version";
    ConfigRestoreConfirm => "恢复到此版本？（密钥不变）", "Restore this version? (The key stays as it is.)";
    ConfigVersion => "版本", "Version";
    ConfigCreatedBy => "创建", "Created";
    ConfigUpdatedBy => "修改", "Changed";
    ConfigLaunchTest => "发起测试", "Launch a test";
    ConfigLaunchHint => "在测试页填写提示词和图片：此配置已选中，也可以再选几个配置一起对比。", "Fill in the prompt and images on the test page: this configuration is picked already, and you can add others to compare.";
    ConfigSyncWaitServer => "服务器默认值（--sync-timeout-secs）", "the server's default (--sync-timeout-secs)";
    ConfigLaunchGo => "测试此配置", "Test this configuration";
    ConfigDetails => "配置详情", "Details";
    ConfigKeyChanged => "已更改", "changed";
    ConfigTypeChangeTitle => "更换接口类型？", "Change the API type?";
    ConfigTypeChangeReplace => "换成默认值", "Use its defaults";
    ConfigTypeChangeKeep => "只换类型，保留我填的值", "Change only the type, keep my values";
    HistRestoredFrom => "恢复自", "Restored from";
    ConfigAllTasks => "查看此配置的全部测试任务", "All tests of this config";
    ConfigRecentTasks => "最近的测试任务", "Recent test tasks";
    ConfigLimits => "超时与并发", "Timeout and concurrency";
    ConfigSectionProvider => "接口", "Provider";
    ConfigSectionEndpoints => "端点", "Endpoints";
    ConfigSectionBehaviour => "行为", "Behaviour";
    HistCreated => "创建", "created";
    HistUpdated => "修改", "edited";
    HistActivated => "启用", "switched on";
    HistDeactivated => "停用", "switched off";
    HistArchived => "归档", "archived";
    HistUnarchived => "恢复归档", "restored from archive";
    HistReverted => "恢复旧版本", "restored an earlier version";
    HistKeyRevealed => "查看了完整密钥", "revealed the key";
    HistImported => "导入", "imported";

    FieldName => "名称", "Name";
    FieldApiType => "接口类型", "API type";
    FieldHostDomestic => "国内地址", "Domestic host";
    FieldHostOverseas => "海外地址", "Overseas host";
    FieldApiKey => "API 密钥", "API key";
    FieldDrawEndpoint => "提交端点", "Draw endpoint";
    FieldResultEndpoint => "结果端点", "Result endpoint";
    FieldUploadEndpoint => "上传端点", "Upload endpoint";
    FieldModelName => "模型名称", "Model name";
    FieldIsSync => "同步接口", "Synchronous API";
    FieldEnableRetry => "失败重试", "Retry on failure";
    FieldIsActive => "启用", "Active";
    FieldTimeout => "超时（秒）", "Timeout (seconds)";
    FieldMaxConcurrency => "最大并发任务数", "Max concurrent tasks";
    FieldCallbacks => "任务结束时由服务商回调", "Provider calls back when a task ends";
    FieldCallbacksHint => "需要控制台的公网地址（--public-url）。回调只作提示：控制台会再查询一次确认；仍会放慢轮询作为兜底。", "Needs the console's public address (--public-url). A callback is a hint: the console confirms it with one query, and keeps polling, slower, as a fallback.";
    EndedByPoll => "轮询得知", "Found by polling";
    EndedByCallback => "回调得知（已查询确认）", "By callback (confirmed by a query)";
    EndedByOperator => "由操作员决定", "Decided by an operator";
    CallbackAccepted => "已处理", "Accepted";
    CallbackDuplicate => "重复（忽略）", "Duplicate (ignored)";
    CallbackUnknownToken => "未知令牌", "Unknown token";
    CallbackMalformed => "无法解析", "Malformed";
    CallbackIgnored => "忽略（任务已结束或不匹配）", "Ignored (task final or not matching)";
    TaskEndedBy => "结束方式", "How the end was known";
    TaskCallbacks => "回调记录", "Callbacks received";
    CallbackBody => "查看回调内容", "Show what was sent";
    TaskExpectsCallback => "等待服务商回调（轮询已放慢）", "Waiting for the provider's callback (polling slowed down)";
    FieldAllowLocal => "允许本地/内网地址（仅沙盒或局域网）", "Allow local/private addresses (sandbox or LAN only)";
    ConfigSectionConfirm => "确认", "Confirm";
    ConfigKeyMovesHint => "你修改了主机、接口路径或本地地址许可：已保存的密钥将发往新的地址。为防止密钥泄露，请输入你的登录密码；也可以在上方重新填写密钥。", "You changed a host, an endpoint or the local-address permission: the stored key will be sent to a new address. To keep it from leaking, enter your sign-in password, or type the key again above.";
    FieldConfirmPassword => "你的密码（确认密钥的新去向）", "Your password (to confirm where the key now goes)";
    FieldSyncTimeout => "同步等待上限（秒）", "Sync call wait (seconds)";
    FieldSyncTimeoutHint => "同步接口在返回第一个字节前可能要等好几分钟。0 表示使用服务器默认值（--sync-timeout-secs，默认 300 秒）；不会超过任务超时。", "A sync gateway may take minutes before its first byte. 0 uses the server's default (--sync-timeout-secs, 300 s unless set); never longer than the task timeout.";
    FieldImageField => "多图字段名", "Image field name";
    FieldImageFieldHint => "各网关对多张图片的字段名要求不同（image 或 image[]）。不确定时保持“自动”。", "Gateways differ on the field name for several images (image or image[]). Keep Auto unless yours needs the other.";
    ImageFieldAuto => "自动（单图 image，多图 image[]）", "Auto (image for one, image[] for several)";
    ImageFieldImage => "image（每张图都用 image）", "image (for every image)";
    ImageFieldArray => "image[]（每张图都用 image[]）", "image[] (for every image)";
    FieldUnknown => "字段", "Field";
    ApiTypeRunningHub => "RunningHub 全能图片PRO（图生图）", "RunningHub 全能图片PRO (image edit)";
    ApiTypeNanoBanana => "nano-banana 图片编辑（OpenAI 兼容）", "nano-banana edits (OpenAI-compatible)";

    TasksTitle => "测试任务", "Test tasks";
    TasksShared => "任务由团队共享：每位成员都能查看、取消和再次运行任何任务，发起人会记录在任务上。", "Tasks are shared by the team: everyone can view, cancel and run again any task; who started it is recorded on it.";
    TasksEmpty => "还没有测试任务。", "No test tasks yet.";
    TasksNoMatch => "没有符合条件的任务。", "No tasks match.";
    TasksSearch => "搜索提示词或任务 ID", "Search prompt or task id";
    TasksFrom => "从", "From";
    TasksTo => "到", "To";
    TasksNew => "新建测试", "New test";
    TasksBatch => "批量对比测试", "Batch comparison";
    TaskLaunch => "提交测试", "Launch test";
    TaskLaunching => "正在提交…", "Launching…";
    TaskConfig => "配置", "Configuration";
    TaskConfigs => "选择配置（可多选）", "Configurations (several)";
    TaskPrompt => "提示词", "Prompt";
    TaskResolution => "分辨率", "Resolution";
    TaskAspect => "宽高比", "Aspect ratio";
    TaskAspectAuto => "自动（跟随输入图片）", "Auto (follow the input image)";
    TaskImageUrls => "图片链接", "Image URLs";
    TaskAddUrl => "添加链接", "Add URL";
    TaskRemove => "移除", "Remove";
    TaskLocalImages => "本地图片", "Local images";
    TaskDropHint => "拖放图片到这里，或点击选择（PNG/JPEG/WEBP，每张不超过 10 MB）", "Drop images here or click to choose (PNG/JPEG/WEBP, up to 10 MB each)";
    TaskUploading => "正在上传…", "Uploading…";
    TaskRegion => "线路", "Region";
    TaskOnlyFirst10 => "最多发送前 10 张图片，其余不会发送。", "Only the first 10 images are sent; the rest will not be.";
    TaskChars => "字", "characters";
    TaskStatus => "状态", "Status";
    TaskElapsed => "耗时", "Elapsed";
    TaskProviderId => "服务商任务 ID", "Provider task id";
    TaskCreated => "创建时间", "Created";
    TaskTimeline => "执行日志", "Execution log";
    RerunEdit => "修改后再运行…", "Edit, then run…";
    BatchCase => "测试内容（各配置相同）", "The test case (the same for every config)";
    TaskInputs => "输入图片", "Input images";
    TaskInputNotSent => "未发送（只发送前 10 张）", "not sent (only the first 10 are)";
    TaskResults => "结果", "Results";
    TaskNoResults => "暂无结果。", "No results yet.";
    TaskOpenOriginal => "打开原图", "Open original";
    TaskDownload => "下载", "Download";
    TaskProviderLink => "服务商链接", "Provider link";
    TaskResultRemoved => "控制台保存的副本已按保留期限清理。", "The console's copy was removed by the retention policy.";
    TaskProviderLinkExpires => "（结果生成约 24 小时后失效；上方图片已保存在控制台）", "(expires about 24 h after the result; the image above is kept on the console)";
    TaskUsage => "用量与费用", "Usage and cost";
    TaskCost => "费用", "Cost";
    TaskShowRequest => "查看请求", "Show request";
    TaskHideRequest => "隐藏请求", "Hide request";
    TaskRequestJson => "发送的 JSON（密钥已隐去）", "JSON sent (key redacted)";
    TaskRequestCurl => "等效 curl 命令（从 $RUNNINGHUB_API_KEY 读取密钥）", "Equivalent curl (key read from $RUNNINGHUB_API_KEY)";
    TaskRerun => "再次运行", "Run again";
    BatchRerunFailed => "重新运行失败的任务", "Run the failed tasks again";
    RerunTitle => "再次运行这个测试", "Run this test again";
    RerunAsItWas => "同一配置，当时的版本", "Same config, the version it ran with";
    RerunCurrent => "同一配置，当前版本", "Same config, its current version";
    RerunOther => "其他配置（当前版本）", "Another config (its current version)";
    RerunPickConfig => "选择配置…", "Choose a config…";
    RerunMayBeBilled => "上一次尝试超时或提交结果不明：服务商可能已经收到并计费。再次运行可能重复计费。", "The earlier attempt timed out or its submit may have reached the provider: it may already have been billed. Running it again may cost twice.";
    RerunConfirmBilled => "我知道可能重复计费，继续", "I know it may cost twice: go ahead";
    RerunOf => "再次运行自任务", "Runs again task";
    RerunSame => "参数与原任务相同。", "Same parameters as the original task.";
    RerunDiffers => "与原任务不同的参数：", "Parameters that differ from the original task:";
    DecideTitle => "提交可能已到达服务商：请决定如何处理", "The submit may have reached the provider: decide what to do";
    DecideHint => "先在服务商的调用记录中查找这个任务。找到了就填入它的任务号，控制台会继续跟踪到结束；没有找到可以标记为失败，或重新发送（可能重复计费）。", "Look for this task in the provider's call record first. Found it: enter its taskId and the console follows it to the end. Not there: close it as failed, or send it again (it may cost twice).";
    DecideTaskId => "服务商任务号（taskId）", "Provider taskId";
    DecideAttach => "关联并继续跟踪", "Attach and follow";
    DecideClose => "标记为失败", "Close as failed";
    DecideResend => "重新发送…", "Send again…";
    DecideResendTitle => "重新发送这个任务？", "Send this task again?";
    DecideResendWarning => "第一次提交可能已被服务商受理并计费；重新发送会创建一个新任务，两次都可能计费。此操作会记录在审计日志中。", "The first submit may have been accepted and billed; sending again creates a new task, and both may be billed. This is recorded in the audit log.";
    TaskCancel => "取消任务", "Cancel task";
    TaskCancelConfirm => "确定取消此任务？", "Cancel this task?";
    TaskError => "失败原因", "Failure";
    TaskErrorCode => "错误码", "Code";
    TaskErrorMessage => "信息", "Message";
    TaskExplanation => "说明", "What it means";
    TaskLive => "实时", "Live";
    TaskReconnecting => "连接中断，正在重连…", "Connection lost, reconnecting…";
    TaskWarnings => "警告", "Warnings";
    TaskAttempts => "提交次数", "Attempts";
    TaskVersion => "配置版本", "Config version";
    TaskBatchTitle => "批量对比", "Batch comparison";
    TaskTimeToResult => "出图耗时", "Time to result";
    TaskThumbnail => "缩略图", "Thumbnail";
    TaskUncertainHelp => "提交请求已发出，但没有得到可用的答复（超时、连接中断、答复无法读取，或服务器中途停止）：服务商可能已受理并计费。不会自动重新提交；请先在服务商的调用记录中核实，再决定是否重新运行。", "The submit was sent but no usable answer came back (a timeout, a broken connection, an unreadable answer, or the server stopping): the provider may have accepted and billed it. It is not sent again automatically; check the provider's call record before running it again.";
    TaskFullView => "查看大图", "Full view";

    StatusPending => "等待中", "pending";
    StatusWaiting => "等待空位", "waiting for a slot";
    StatusUploading => "上传中", "uploading";
    StatusSubmitting => "提交中", "submitting";
    StatusQueued => "排队中", "queued";
    StatusRunning => "运行中", "running";
    StatusSucceeded => "成功", "succeeded";
    StatusFailed => "失败", "failed";
    StatusCancelled => "已取消", "cancelled";
    StatusTimedOut => "超时", "timed out";
    StatusSubmitUncertain => "提交状态不确定", "submit may have reached the provider";
    StageValidate => "校验", "validate";
    StageUpload => "上传", "upload";
    StageSubmit => "提交", "submit";
    StagePoll => "轮询", "poll";
    StageRetry => "重试", "retry";
    StageResult => "结果", "result";
    StageCancel => "取消", "cancel";
    StageResume => "恢复", "resume";
    RegionDomestic => "国内", "domestic";
    RegionOverseas => "海外", "overseas";

    Explain1501 => "内容审核未通过：提示词或图片被服务商的内容安全检查拦截。请修改内容后重试。", "Content moderation: the prompt or an image was blocked by the provider's safety check. Change the content and try again.";
    Explain1505 => "禁止生成写实真人：输入或要求包含写实的真实人物。", "Photorealistic real people are not allowed: the input or the request shows a realistic real person.";
    Explain421 => "队列已满或超出并发上限：此密钥同时运行的任务太多，稍后会自动重试（若开启重试）。", "Queue full or concurrency limit reached: this key runs too many tasks at once. Retried later when retry is on.";
    Explain415 => "任务实例已达上限：稍后再试。", "Task instances maxed out: try again later.";
    Explain814 => "个人队列已满：等待已有任务完成。", "Personal queue full: wait for running tasks to finish.";
    Explain812 => "余额不足：请为此密钥所属账户充值。", "Insufficient balance: top up the account this key belongs to.";
    ExplainAuth => "API 密钥校验失败：密钥错误，或此密钥只能在另一站点使用（国内 .cn / 海外 .ai），请尝试切换线路。", "API key rejected: the key is wrong, or it only works on the other site (.cn domestic / .ai overseas). Try the other region.";
    Explain301 => "参数无效：检查提示词、图片链接、分辨率和宽高比。", "Invalid parameters: check the prompt, image URLs, resolution and aspect ratio.";
    Explain433 => "提示词校验失败。", "The prompt failed validation.";
    Explain1000 => "服务商内部未知错误，可稍后重试。", "Unknown error inside the provider; try again later.";
    Explain1001 => "图片链接无效：服务商无法下载某个输入图片。请确认链接可公开访问（未过期、无需登录）。", "Invalid image URL: the provider could not fetch an input image. Check that the link is public (not expired, no sign-in).";
    Explain1002 => "API 密钥无效：请检查配置里的密钥是否完整、是否已被删除或重置。", "Invalid API key: check that the key in the configuration is complete and has not been deleted or reset.";
    Explain1003 => "请求过于频繁，服务商限流：稍等后会按服务商要求的时间自动重试（若开启重试）。", "Rate limited by the provider: retried after the wait it asks for (when retry is on).";
    Explain1004 => "服务商找不到该任务或任务已过期。", "The provider does not know this task, or it expired.";
    Explain1005 => "服务商服务器错误或暂时不可用：稍后会自动重试（若开启重试）。", "Provider server error or temporarily unavailable: retried later (when retry is on).";
    Explain1006 => "任务在服务商处超时。", "The task timed out at the provider.";
    Explain1007 => "参数无效：检查分辨率、宽高比和图片数量（最多 10 张）。", "Invalid parameters: check the resolution, aspect ratio and number of images (at most 10).";
    Explain1008 => "文件过大：每张图片不能超过 10 MB。", "File too large: each image must be at most 10 MB.";
    Explain1009 => "请求方法错误：这是控制台的问题，请反馈给管理员。", "Wrong HTTP method: a bug on the console's side; tell an admin.";
    Explain1012 => "上游（第三方模型）出错：换个时间或换个输入再试。", "Upstream (third-party model) error: try later or with other input.";
    Explain1013 => "文件处理失败：服务商无法读取某个输入图片，请换一张 PNG/JPG 图片。", "File processing failed: the provider could not read an input image; use another PNG/JPG.";
    Explain1014 => "此密钥的等级不能调用标准模型 API（全能图片PRO 属于此类）：需要「企业共享」（Enterprise-Shared）密钥。请在 RunningHub 账户中创建或换用企业共享密钥；切换线路没有用。", "This key's tier cannot call the standard-model APIs (全能图片PRO is one): they need an Enterprise-Shared key. Create or use an Enterprise-Shared key in the RunningHub account; switching region does not help.";
    Explain1015 => "生成失败：换个提示词或输入图片再试。", "Generation failed: try another prompt or input image.";
    Explain1101 => "节点信息错误（AI 应用/工作流）：检查节点 ID 和字段名。", "Node information error (AI app/workflow): check the node ids and field names.";
    Explain1504 => "模型运行超时：稍后再试，或降低分辨率。", "The model timed out: try later or at a lower resolution.";
    Explain416 => "余额不足：请为此密钥所属账户充值。", "Insufficient balance: top up the account this key belongs to.";
    Explain435 => "此账户不能使用所选的机器类型（instanceType）：去掉该设置或升级账户。", "This account may not use the chosen machine type (instanceType): leave it out or upgrade the account.";
    Explain801 => "免费账户不能使用 API：请升级账户。", "Free accounts may not use the API: upgrade the account.";
    ExplainNotFound => "服务商说这个地址不存在（HTTP 404）：请检查配置的主机地址和接口路径（例如 /openapi/v2/rhart-image-n-pro/edit）。", "The provider says this address does not exist (HTTP 404): check the configured host and endpoint path (e.g. /openapi/v2/rhart-image-n-pro/edit).";
    ExplainOtherSite => "服务商不认识此密钥的用户：RunningHub 的密钥按站点区分，国内站（runninghub.cn）的密钥不能用于国际站（runninghub.ai），反之亦然。请检查配置的主机地址或改用另一条线路。", "The provider does not know this key's user: RunningHub keys are per site, so a key from runninghub.cn does not work on runninghub.ai and the reverse. Check the configured host or use the other region.";
    ExplainAccount => "账户、密钥或应用权限问题：请按服务商的原始提示处理。", "An account, key or app access problem: follow the provider's own message.";
    ExplainNoImage => "服务商报告成功，但答复里没有可用的图片（没有结果、链接为空或只有文字）。上面引用了它的原始答复；这次调用可能已计费，请先在服务商的调用记录中核实。",
        "The provider reported success but its answer holds no usable image (no results, empty links or only text). Its answer is quoted above; the call may have been billed, so check the provider's call record.";
    ExplainDns => "找不到服务商的主机名（DNS 解析失败）：请检查配置里的主机地址是否拼写正确，以及运行控制台的服务器能否解析外网域名。", "The provider's host name could not be found (DNS lookup failed): check the host in the config for typos, and that the console's server can resolve outside names.";
    ExplainConnRefused => "服务商的主机拒绝了连接：地址或端口可能不对，或者对方的服务没有在运行。", "The provider's host refused the connection: the address or port may be wrong, or the service is not running.";
    ExplainConnect => "连接不上服务商：请检查主机地址、网络和防火墙（服务器能否访问该地址）。", "Could not connect to the provider: check the host, the network and any firewall between the console's server and it.";
    ExplainNetwork => "与服务商的连接中途断开，没有收到完整答复：多为网络不稳定，可稍后重试。", "The connection to the provider broke before a full answer arrived: usually an unstable network; try again later.";
    ExplainMalformed => "服务商的答复无法解读（不是预期的 JSON）：可能是地址指向了别的服务，或中间的网关返回了错误页。", "The provider's answer could not be read (not the expected JSON): the address may point at another service, or a gateway in between answered with an error page.";
    ExplainOutbound => "控制台拒绝访问这个地址：它指向本机或内网。只有勾选“允许本地/内网地址”的配置（沙盒或局域网）才能访问。", "The console refused this address: it points at this machine or a private network. Only configs that allow local addresses (sandbox or LAN) may use it.";
    ExplainTimeout => "在设定的时间内没有得到最终结果。任务可能仍在服务商处运行。", "No final result within the time limit. The task may still be running at the provider.";

    ErrRequired => "必填", "Required";
    ErrUnauthorized => "请先登录", "Please sign in";
    ErrForbidden => "你没有权限执行此操作", "You are not allowed to do this";
    ErrNotFound => "找不到该对象", "Not found";
    ErrInternal => "服务器内部错误，请稍后再试", "Internal error, please try again later";
    ErrNetwork => "无法连接服务器", "Cannot reach the server";
    ErrBadRequest => "请求无效", "Invalid request";
    ErrBadOrigin => "跨站请求被拒绝", "Cross-site request refused";
    ErrTooLarge => "请求内容过大", "Request too large";
    ErrLoginFailed => "用户名或密码错误", "Wrong username or password";
    ErrLoginLocked => "登录失败次数过多，请稍后再试", "Too many failed sign-ins, try again later";
    ErrPasswordWrong => "密码错误", "Wrong password";
    ErrUsernameLength => "用户名长度为 3–32 个字符", "Usernames are 3–32 characters";
    ErrUsernameChars => "用户名只能包含字母、数字、点、下划线和连字符", "Usernames use letters, digits, '.', '_' and '-' only";
    ErrUsernameTaken => "该用户名已存在", "That username is taken";
    ErrPasswordShort => "密码至少 10 个字符", "Passwords have at least 10 characters";
    ErrPasswordLong => "密码最多 128 个字符", "Passwords have at most 128 characters";
    ErrPasswordMismatch => "两次输入的密码不一致", "The passwords differ";
    ErrRoleUnknown => "角色只能是 admin 或 operator", "The role is admin or operator";
    ErrLastAdmin => "不能停用或降级最后一个管理员", "The last admin cannot be disabled or demoted";
    ErrSelf => "不能对自己执行此操作", "You cannot do this to yourself";
    ErrNameLength => "名称为 1–64 个字符", "Names are 1–64 characters";
    ErrNameChars => "名称不能包含控制字符、不可见字符或改变文字方向的字符", "Names cannot contain control, invisible or text-direction characters";
    ErrNameTaken => "已有同名配置（不区分大小写和首尾空格）", "A configuration with this name exists (ignoring case and spaces)";
    ErrApiTypeUnknown => "未知的接口类型", "Unknown API type";
    ErrHostScheme => "地址必须以 http:// 或 https:// 开头", "Hosts start with http:// or https://";
    ErrHostPath => "地址只写到域名（和端口）为止，不含路径或查询参数：例如 https://www.runninghub.cn；/openapi/v2/… 这样的路径请写在接口字段里", "A host ends at the domain (and port), without a path or query: e.g. https://www.runninghub.cn; paths such as /openapi/v2/… go in the endpoint fields";
    ErrHostInvalid => "地址无效", "Invalid host";
    ErrEndpointSlash => "端点必须以 / 开头", "Endpoints start with /";
    ErrEndpointInvalid => "端点不能包含空白或 #", "Endpoints cannot contain spaces or #";
    ErrModelInvalid => "模型名称最多 128 个字符", "Model names have at most 128 characters";
    ErrKeyRequiredActive => "启用的配置必须有 API 密钥", "An active configuration needs an API key";
    ErrKeyLooksMasked => "这看起来是打码后的密钥，请输入完整密钥或留空", "This looks like a masked key: type the full key or leave it blank";
    ErrKeyLength => "密钥长度为 8–512 个字符", "Keys are 8–512 characters";
    ErrKeyChars => "密钥不能包含空白或非 ASCII 字符", "Keys cannot contain spaces or non-ASCII characters";
    ErrTimeoutRange => "超时为 10–86400 秒", "The timeout is 10–86400 seconds";
    ErrKeyRepointPassword => "请输入你的密码，确认已保存密钥的新去向（或重新填写密钥）", "Enter your password to confirm where the stored key now goes (or type the key again)";
    ErrRevertRepoints => "恢复此版本会把已保存的密钥发往另一个地址。请改为编辑配置，并用你的密码确认。", "Restoring this version would send the stored key to another address. Edit the configuration instead and confirm with your password.";
    ErrSyncTimeoutRange => "同步等待上限为 0（服务器默认值）或 10–86400 秒", "The sync call wait is 0 (the server's default) or 10–86400 seconds";
    ErrImageFieldUnknown => "多图字段名只能是 auto（自动）、image 或 image[]", "The image field name is auto, image or image[]";
    ErrConcurrencyRange => "并发数为 1–5000", "Concurrency is 1–5000";
    ErrConfigArchived => "此配置已归档", "This configuration is archived";
    ErrConfigInactive => "此配置已停用，无法发起测试", "This configuration is switched off and cannot run tests";
    ErrConfigNoKey => "此配置没有 API 密钥", "This configuration has no API key";
    TaskEstimate => "启动时预估", "Estimated at launch";
    BudgetTitle => "每日测试预算", "Daily test budget";
    BudgetDaily => "每日预算", "Budget per day";
    BudgetNone => "未设置（不限）", "Not set (no limit)";
    BudgetSpent => "今日已花费", "Spent today";
    BudgetPending => "进行中预估", "In flight (estimated)";
    BudgetHint => "按服务商报告的费用计（按北京时间的日期）。会超出预算的运行将被拒绝，管理员可确认后仍然运行。", "Counted from the cost the provider reports, per day in Beijing time. A launch that would pass the budget is refused; an admin may run it anyway.";
    BudgetLabel => "每日预算（元）", "Budget per day (yuan)";
    BudgetSave => "保存预算", "Save budget";
    BudgetClear => "取消预算", "Remove budget";
    SpendTitle => "近 30 天测试花费", "Test spend, last 30 days";
    SpendTotal => "合计", "Total";
    SpendDayMax => "单日最高", "Highest day";
    SpendNone => "近 30 天没有服务商报告的费用", "No cost reported by the provider in the last 30 days";
    BudgetOverride => "仍然运行", "Run anyway";
    BudgetOverrideNote => "超出预算运行会记录在审计日志中", "Running past the budget is recorded in the audit log";
    BudgetAskAdmin => "需要管理员提高预算，或由管理员确认后运行", "An admin can raise the budget, or run it past the budget";
    ErrBudget => "每日预算须为正数金额（元），最多两位小数，不超过 1000000", "The daily budget must be a positive amount in yuan, with at most two decimals and at most 1000000";
    ErrVersionUnknown => "没有这个版本", "No such version";
    ErrStatusUnknown => "未知状态", "Unknown status";
    ErrRegionUnknown => "线路只能是国内或海外", "The region is domestic or overseas";
    ErrResolutionUnknown => "分辨率只能是 1k、2k 或 4k", "The resolution is 1k, 2k or 4k";
    ErrAspectUnknown => "不支持的宽高比", "Unsupported aspect ratio";
    ErrPromptLong => "提示词最多 20000 个字符", "Prompts have at most 20,000 characters";
    ErrImagesRequired => "至少需要一张图片（链接或本地图片）", "At least one image (URL or local file) is needed";
    ErrImagesTooMany => "图片太多（最多 50 张）", "Too many images (50 at most)";
    ErrImageUrlScheme => "图片链接必须是 http(s) 或 data:image 链接", "Image URLs are http(s) or data:image URLs";
    ErrImageUrlInvalid => "图片链接无效", "Invalid image URL";
    ErrImageTooLarge => "图片超过 10 MB", "The image is larger than 10 MB";
    ErrFormFilesTooMany => "一次最多上传 10 个本地图片", "At most 10 local images per launch";
    ErrImageType => "只接受真正的 PNG、JPEG 或 WEBP 图片", "Only real PNG, JPEG or WEBP images are accepted";
    ErrBlobUnknown => "找不到上传的图片，请重新上传", "Uploaded image not found, upload it again";
    ErrUploadEndpointMissing => "此配置没有上传端点，不能使用本地图片", "This configuration has no upload endpoint: local images cannot be used";
    ErrNoConfigsSelected => "请至少选择一个配置", "Select at least one configuration";
    ErrTaskFinished => "任务已结束", "The task has already finished";
    ErrBatchNothingFailed => "这个批次没有失败或超时的任务", "This batch has no failed or timed-out task";
    ErrTaskNotFinished => "任务尚未结束，不能再次运行", "The task has not finished yet, so it cannot run again";
    ErrRerunMayBeBilled => "上一次尝试可能已经计费（超时或提交结果不明）：请确认可能重复计费后再运行", "The earlier attempt may already have been billed (it timed out or its submit may have reached the provider): confirm the possible double cost to run it again";
    ErrRerunKeyElsewhere => "该配置的地址已改变：只能按当前版本再次运行（旧地址不会收到现在的密钥）", "The config now sends its key elsewhere: run it again with the current version (the old address does not get today's key)";
    ErrTaskNotUncertain => "只有“提交可能已到达服务商”的任务可以这样处理", "Only a task whose submit may have reached the provider can be decided this way";
    ErrProviderTaskId => "服务商任务号只能包含字母、数字、- 和 _（1–64 个字符）", "A provider task id holds letters, digits, - and _ only (1–64 characters)";
    ErrResendNotConfirmed => "重新发送可能重复计费：请先确认", "Sending it again may cost twice: confirm first";
    ErrUrlNotAllowed => "不允许访问本地或内网地址", "Local and private addresses are not allowed";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_text_in_both_languages() {
        for m in Msg::ALL {
            assert!(!m.zh().is_empty(), "{m:?} has no Chinese text");
            assert!(!m.en().is_empty(), "{m:?} has no English text");
        }
    }

    #[test]
    fn messages_travel_in_json_by_name_and_come_back() {
        for &m in Msg::ALL {
            let json = serde_json::to_string(&m).expect("serialize");
            assert_eq!(json, format!("\"{m:?}\""));
            let back: Msg = serde_json::from_str(&json).expect("deserialize");
            assert_eq!(back, m);
        }
        let err = serde_json::from_str::<Msg>("\"NoSuchMessage\"").expect_err("unknown name");
        assert!(err.to_string().contains("NoSuchMessage"), "{err}");
        assert!(serde_json::from_str::<Msg>("17").is_err());
    }
}
