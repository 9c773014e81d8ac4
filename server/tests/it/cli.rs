//! The command line, run as a real process over a temporary data directory.

use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Output, Stdio};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_rhconsole");
const KEY: &str = "rh-0123456789abcdef0123456789ab9f3a";

fn run(data: &TempDir, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args([
            "--data-dir",
            data.path().to_str().expect("path"),
            "--log",
            "warn",
        ])
        .args(args)
        .env("RHCONSOLE_POLL_INTERVAL_MS", "50")
        .env("RHCONSOLE_RETRY_UNIT_MS", "10")
        .env_remove("RHCONSOLE_MASTER_KEY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rhconsole");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn users_are_managed_from_the_shell() {
    let data = TempDir::new().expect("tmp");
    let o = run(
        &data,
        &[
            "user",
            "add",
            "--username",
            "alice",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "a strong password\n",
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(
        &data,
        &[
            "user",
            "add",
            "--username",
            "bob",
            "--role",
            "operator",
            "--password-stdin",
        ],
        "short\n",
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("password"), "{}", text(&o));
    let o = run(
        &data,
        &[
            "user",
            "add",
            "--username",
            "alice",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "another password\n",
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "a taken name is bad input: {}",
        text(&o)
    );
    let o = run(&data, &["user", "list", "--json"], "");
    let users: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(users[0]["username"], "alice");
    assert_eq!(users[0]["role"], "admin");
    assert!(!text(&o).contains("argon2"), "no hashes in the listing");
    let o = run(
        &data,
        &["user", "passwd", "alice", "--password-stdin"],
        "a new strong password\n",
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&data, &["user", "disable", "alice"], "");
    assert_eq!(
        o.status.code(),
        Some(2),
        "the last admin stays: {}",
        text(&o)
    );
    let o = run(&data, &["user", "disable", "nobody"], "");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn add_runninghub_with_flags_saves_and_masks_the_key() {
    let data = TempDir::new().expect("tmp");
    let o = run(
        &data,
        &[
            "config",
            "add-runninghub",
            "--api-key-stdin",
            "--model",
            "rhart-image-n-pro",
            "--yes",
        ],
        &format!("{KEY}\n"),
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains("RunningHub-全能图片PRO"), "{out}");
    assert!(out.contains("…9f3a"), "{out}");
    assert!(!out.contains(KEY), "the key was printed");
    let o = run(
        &data,
        &["config", "show", "RunningHub-全能图片PRO", "--json"],
        "",
    );
    let c: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(
        c["fields"]["draw_endpoint"],
        "/openapi/v2/rhart-image-n-pro/edit"
    );
    assert_eq!(
        c["fields"]["upload_endpoint"],
        "/openapi/v2/media/upload/binary"
    );
    assert_eq!(c["fields"]["is_sync_api"], false);
    assert_eq!(c["fields"]["enable_retry"], true);

    // It exists now: without --yes and without a terminal, nothing changes.
    let o = run(
        &data,
        &[
            "config",
            "add-runninghub",
            "--api-key-stdin",
            "--model",
            "x",
        ],
        &format!("{KEY}\n"),
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("already exists"), "{}", text(&o));
    // With --yes it is updated; an empty key keeps the stored one.
    let o = run(
        &data,
        &[
            "config",
            "add-runninghub",
            "--api-key-stdin",
            "--model",
            "other-model",
            "--yes",
        ],
        "\n",
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(
        &data,
        &["config", "show", "RunningHub-全能图片PRO", "--json"],
        "",
    );
    let c: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(c["fields"]["model_name"], "other-model");
    assert_eq!(c["key_mask"], "rh-…9f3a");
}

#[test]
fn add_runninghub_asks_at_a_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("util-linux `script` is missing: skipping the pseudo-terminal test");
        return;
    }
    let data = TempDir::new().expect("tmp");
    let cmd = format!(
        "{BIN} --data-dir {} --log warn config add-runninghub --name PtyConfig",
        data.path().display()
    );
    let mut child = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script");
    let mut stdin = child.stdin.take().expect("stdin");
    // The key (asked without echo), then the model name (empty takes the default).
    std::thread::sleep(std::time::Duration::from_millis(600));
    stdin.write_all(format!("{KEY}\n").as_bytes()).expect("key");
    std::thread::sleep(std::time::Duration::from_millis(300));
    stdin.write_all(b"\n").expect("model");
    drop(stdin);
    let o = child.wait_with_output().expect("wait");
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("RunningHub API key"),
        "asked for the key: {out}"
    );
    assert!(out.contains("Model name"), "asked for the model: {out}");
    assert!(!out.contains(KEY), "the key was echoed: {out}");
    let o = run(&data, &["config", "show", "PtyConfig", "--json"], "");
    let c: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(c["fields"]["model_name"], "rhart-image-n-pro");
    assert_eq!(c["key_mask"], "rh-…9f3a");
}

fn export_file(dir: &TempDir, records: Value) -> std::path::PathBuf {
    let path = dir.path().join("configs.json");
    let doc = json!({ "format": "rhconsole-configs/1", "exported_at": "2026-11-23T00:00:00Z", "configs": records });
    std::fs::write(&path, doc.to_string()).expect("write");
    path
}

fn record(name: &str, host: &str) -> Value {
    json!({
        "name": name, "api_type": "runninghub-rhart-edit", "host_domestic": host, "host_overseas": host,
        "draw_endpoint": "/openapi/v2/rhart-image-n-pro/edit", "result_endpoint": "/openapi/v2/query",
        "upload_endpoint": "/openapi/v2/media/upload/binary", "model_name": "rhart-image-n-pro",
        "is_sync_api": false, "enable_retry": true, "is_active": true, "timeout_secs": 60,
        "max_concurrency": 10, "allow_local": true, "api_key": rhconsole::sandbox::SANDBOX_KEY
    })
}

#[test]
fn an_import_with_one_bad_record_writes_nothing() {
    let data = TempDir::new().expect("tmp");
    let files = TempDir::new().expect("tmp");
    let mut bad = record("Broken", "https://x.cn");
    bad["host_domestic"] = json!("not a url");
    let path = export_file(&files, json!([record("Good", "https://x.cn"), bad]));
    let o = run(
        &data,
        &["config", "import", path.to_str().expect("path")],
        "",
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("record 2 (\"Broken\"): host_domestic"),
        "{}",
        text(&o)
    );
    let o = run(&data, &["config", "list", "--json"], "");
    assert_eq!(
        serde_json::from_slice::<Value>(&o.stdout).expect("json"),
        json!([])
    );

    let path = export_file(&files, json!([record("Good", "https://x.cn")]));
    let o = run(
        &data,
        &["config", "import", path.to_str().expect("path")],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    // Importing again keeps the existing one unless --update.
    let mut changed = record("good", "https://y.cn");
    changed["model_name"] = json!("changed");
    let path = export_file(&files, json!([changed]));
    let o = run(
        &data,
        &["config", "import", path.to_str().expect("path")],
        "",
    );
    assert!(text(&o).contains("Kept existing"), "{}", text(&o));
    let o = run(
        &data,
        &["config", "import", "--update", path.to_str().expect("path")],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&data, &["config", "show", "Good", "--json"], "");
    assert_eq!(
        serde_json::from_slice::<Value>(&o.stdout).expect("json")["fields"]["model_name"],
        "changed"
    );
}

#[test]
fn export_leaves_keys_out_unless_asked() {
    let data = TempDir::new().expect("tmp");
    let files = TempDir::new().expect("tmp");
    let path = export_file(&files, json!([record("Exported", "https://x.cn")]));
    assert!(
        run(
            &data,
            &["config", "import", path.to_str().expect("path")],
            ""
        )
        .status
        .success()
    );
    let o = run(&data, &["config", "export"], "");
    let doc: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(doc["configs"][0].get("api_key").is_none());
    assert!(!text(&o).contains(rhconsole::sandbox::SANDBOX_KEY));
    let o = run(&data, &["config", "export", "--with-keys"], "");
    let doc: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(
        doc["configs"][0]["api_key"],
        rhconsole::sandbox::SANDBOX_KEY
    );
    let o = run(&data, &["config", "set-active", "Exported", "false"], "");
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&data, &["config", "show", "Exported", "--json"], "");
    assert_eq!(
        serde_json::from_slice::<Value>(&o.stdout).expect("json")["fields"]["is_active"],
        false
    );
}

#[tokio::test]
async fn task_run_takes_the_engine_flags_serve_takes() {
    let sb = crate::common::sandbox().await;
    let data = TempDir::new().expect("tmp");
    let files = TempDir::new().expect("tmp");
    let path = export_file(&files, json!([record("Sandbox", &sb.base_url())]));
    let o = run(
        &data,
        &["config", "import", path.to_str().expect("path")],
        "",
    );
    assert!(o.status.success(), "{}", text(&o));
    let d = data.path().to_owned();
    let o = tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args(["--data-dir", d.to_str().expect("path"), "--log", "warn"])
            .args(["task", "run", "--config", "Sandbox", "--prompt", "flags"])
            .args(["--image", "https://example.com/a.png"])
            .args(["--poll-interval-ms", "50", "--retry-unit-ms", "10"])
            .args(["--request-timeout-secs", "5", "--max-requests", "8"])
            .env_remove("RHCONSOLE_POLL_INTERVAL_MS")
            .env_remove("RHCONSOLE_RETRY_UNIT_MS")
            .output()
            .expect("run")
    })
    .await
    .expect("join");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("succeeded"), "{}", text(&o));
}

#[tokio::test]
async fn task_run_follows_the_task_and_exits_by_its_outcome() {
    let sb = crate::common::sandbox().await;
    let data = TempDir::new().expect("tmp");
    let files = TempDir::new().expect("tmp");
    let path = export_file(&files, json!([record("Sandbox", &sb.base_url())]));
    let d = data.path().to_owned();
    let p = path.clone();
    let run_blocking = move |args: Vec<String>| {
        let data = TempDir::new_in(&d).expect("tmp");
        let _ = data;
        let mut cmd = Command::new(BIN);
        cmd.args(["--data-dir", d.to_str().expect("path"), "--log", "warn"])
            .args(&args)
            .env("RHCONSOLE_POLL_INTERVAL_MS", "50")
            .env("RHCONSOLE_RETRY_UNIT_MS", "10");
        cmd.output().expect("run")
    };
    let r = run_blocking.clone();
    let o = tokio::task::spawn_blocking(move || {
        r(vec![
            "config".into(),
            "import".into(),
            p.to_str().expect("p").into(),
        ])
    })
    .await
    .expect("join");
    assert!(o.status.success(), "{}", text(&o));

    let r = run_blocking.clone();
    let o = tokio::task::spawn_blocking(move || {
        r([
            "task",
            "run",
            "--config",
            "Sandbox",
            "--prompt",
            "make it blue",
            "--image",
            "https://example.com/a.png",
            "--resolution",
            "2K",
        ]
        .map(String::from)
        .to_vec())
    })
    .await
    .expect("join");
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("Accepted: taskId"),
        "events are printed: {out}"
    );
    assert!(out.contains("succeeded"), "{out}");
    assert!(out.contains("/output/"), "the result URL is printed: {out}");

    let r = run_blocking.clone();
    let o = tokio::task::spawn_blocking(move || {
        r([
            "task",
            "run",
            "--config",
            "Sandbox",
            "--prompt",
            "no #moderation",
            "--image",
            "https://example.com/a.png",
            "--json",
        ]
        .map(String::from)
        .to_vec())
    })
    .await
    .expect("join");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let lines: Vec<Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert!(lines.iter().any(|l| l["kind"] == "event"));
    assert_eq!(lines.last().expect("lines")["kind"], "end");

    let r = run_blocking.clone();
    let o = tokio::task::spawn_blocking(move || {
        r([
            "task",
            "run",
            "--config",
            "Nope",
            "--prompt",
            "x",
            "--image",
            "https://example.com/a.png",
        ]
        .map(String::from)
        .to_vec())
    })
    .await
    .expect("join");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let r = run_blocking.clone();
    let o = tokio::task::spawn_blocking(move || {
        r([
            "task",
            "run",
            "--config",
            "Sandbox",
            "--prompt",
            "x",
            "--image",
            "/no/such/file.png",
        ]
        .map(String::from)
        .to_vec())
    })
    .await
    .expect("join");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));

    let r = run_blocking.clone();
    let o = tokio::task::spawn_blocking(move || {
        r(["task", "list", "--json"].map(String::from).to_vec())
    })
    .await
    .expect("join");
    let list: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    assert_eq!(list[0]["status"], "failed");
    let id = list[1]["id"].to_string();
    let r = run_blocking.clone();
    let o = tokio::task::spawn_blocking(move || r(vec!["task".into(), "show".into(), id]))
        .await
        .expect("join");
    assert!(text(&o).contains("Execution log"), "{}", text(&o));
}

#[test]
fn backup_writes_a_consistent_copy() {
    let data = TempDir::new().expect("tmp");
    let o = run(
        &data,
        &[
            "user",
            "add",
            "--username",
            "alice",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "a strong password\n",
    );
    assert!(o.status.success());
    let out = TempDir::new().expect("tmp");
    let file = out.path().join("copy.db");
    let o = run(&data, &["backup", file.to_str().expect("path")], "");
    assert!(o.status.success(), "{}", text(&o));
    let bytes = std::fs::read(&file).expect("backup");
    assert!(bytes.starts_with(b"SQLite format 3\0"));
    let o = run(&data, &["backup", file.to_str().expect("path")], "");
    assert_eq!(o.status.code(), Some(1), "never overwrites: {}", text(&o));
}

#[test]
fn a_missing_or_wrong_master_key_stops_the_start_and_loses_nothing() {
    let data = TempDir::new().expect("tmp");
    let files = TempDir::new().expect("tmp");
    let path = export_file(&files, json!([record("Keyed", "https://x.cn")]));
    assert!(
        run(
            &data,
            &["config", "import", path.to_str().expect("path")],
            ""
        )
        .status
        .success()
    );
    let key_file = data.path().join("master.key");
    let saved = std::fs::read(&key_file).expect("the master key was created");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the master key file is private");
    }
    // What must not be lost is what the database holds, not its file layout (SQLite may
    // checkpoint its WAL into the file at any start): compare the configs as the CLI reads them.
    let listed = |data: &TempDir| {
        let o = run(data, &["config", "list", "--json"], "");
        assert!(o.status.success(), "{}", text(&o));
        serde_json::from_slice::<Value>(&o.stdout).expect("json")
    };
    let configs_before = listed(&data);

    std::fs::remove_file(&key_file).expect("remove");
    let o = run(&data, &["config", "list"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("the master key is missing"),
        "{}",
        text(&o)
    );
    assert!(
        !key_file.exists(),
        "no new key is made over existing secrets"
    );

    let wrong = Command::new(BIN)
        .args([
            "--data-dir",
            data.path().to_str().expect("path"),
            "config",
            "list",
        ])
        .env("RHCONSOLE_MASTER_KEY", "ab".repeat(32))
        .output()
        .expect("run");
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        text(&wrong).contains("does not match this database"),
        "{}",
        text(&wrong)
    );

    std::fs::write(&key_file, &saved).expect("restore");
    let o = run(&data, &["config", "export", "--with-keys"], "");
    assert!(o.status.success(), "{}", text(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(
        doc["configs"][0]["api_key"],
        rhconsole::sandbox::SANDBOX_KEY,
        "the key survived"
    );
    assert_eq!(
        listed(&data),
        configs_before,
        "every config (name, version, settings) is as it was"
    );
}
