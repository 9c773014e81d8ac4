//! The command line, run as a real process over a temporary data directory.

use crate::common::{output_text as text, rh_config, sandbox, with_fields};
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_rhconsole");
const KEY: &str = "rh-0123456789abcdef0123456789ab9f3a";

mod check;
mod tasks;

/// The command line on `data` with `args` (warnings only, no master key from the environment).
fn command(data: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(["--data-dir", data.to_str().expect("path"), "--log", "warn"])
        .args(args)
        .env_remove("RHCONSOLE_MASTER_KEY");
    cmd
}

/// Runs the command line on `data` with fast engine timings and `stdin` as its input.
fn run(data: impl AsRef<Path>, args: &[&str], stdin: &str) -> Output {
    let mut child = command(data.as_ref(), args)
        .env("RHCONSOLE_POLL_INTERVAL_MS", "50")
        .env("RHCONSOLE_RETRY_UNIT_MS", "10")
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

/// `run` with no input, on a blocking thread (while the test's sandbox keeps answering).
async fn run_async(data: &Path, args: &[&str]) -> Output {
    let data = data.to_owned();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&data, &args, "")
    })
    .await
    .expect("join")
}

/// `task run` of `prompt` on `config` with `image` (plus `extra` flags), as `run_async`.
async fn task_run(data: &Path, config: &str, prompt: &str, image: &str, extra: &[&str]) -> Output {
    let args = [
        "task", "run", "--config", config, "--prompt", prompt, "--image", image,
    ];
    run_async(data, &[&args[..], extra].concat()).await
}

/// Asserts that the command exited with `code`, showing `why` and what it printed otherwise.
#[track_caller]
fn assert_exit(o: &Output, code: i32, why: &str) {
    assert_eq!(o.status.code(), Some(code), "{why}: {}", text(o));
}

/// The command's standard output, read as one JSON document.
fn stdout_json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).expect("json")
}

/// Adds a user with `user add`, the password given on stdin.
fn add_user(data: &TempDir, name: &str, role: &str, password: &str) -> Output {
    let args = [
        "user",
        "add",
        "--username",
        name,
        "--role",
        role,
        "--password-stdin",
    ];
    run(data, &args, &format!("{password}\n"))
}

/// `config add-runninghub` for `model` (plus `extra` flags), the key given on stdin.
fn add_runninghub(data: &TempDir, model: &str, extra: &[&str], stdin: &str) -> Output {
    let args = [
        "config",
        "add-runninghub",
        "--api-key-stdin",
        "--model",
        model,
    ];
    run(data, &[&args[..], extra].concat(), stdin)
}

/// `config show NAME --json`, read.
fn show_config(data: &TempDir, name: &str) -> Value {
    stdout_json(&run(data, &["config", "show", name, "--json"], ""))
}

/// `config list --json`, checked and read.
fn list_configs(data: &TempDir) -> Value {
    let o = run(data, &["config", "list", "--json"], "");
    assert_exit(&o, 0, "config list");
    stdout_json(&o)
}

/// Writes `records` to an export file and runs `config import` (with `flags`) on it.
fn import(data: &TempDir, records: Value, flags: &[&str]) -> Output {
    let doc = json!({ "format": "rhconsole-configs/1", "exported_at": "2026-11-23T00:00:00Z", "configs": records });
    import_text(data, &doc.to_string(), flags)
}

/// An exported RunningHub config record (the sandbox's key, ten at a time) for `host`.
fn record(name: &str, host: &str) -> Value {
    with_fields(rh_config(name, host), json!({ "max_concurrency": 10 }))
}

#[test]
fn users_are_managed_from_the_shell() {
    let data = TempDir::new().expect("tmp");
    let o = add_user(&data, "alice", "admin", "a strong password");
    assert_exit(&o, 0, "add alice");
    let o = add_user(&data, "bob", "operator", "short");
    assert_exit(&o, 2, "a short password is bad input");
    assert!(text(&o).contains("password"), "{}", text(&o));
    let o = add_user(&data, "alice", "admin", "another password");
    assert_exit(&o, 2, "a taken name is bad input");
    let o = run(&data, &["user", "list", "--json"], "");
    let users = stdout_json(&o);
    assert_eq!(users[0]["username"], "alice");
    assert_eq!(users[0]["role"], "admin");
    assert!(!text(&o).contains("argon2"), "no hashes in the listing");
    let o = run(
        &data,
        &["user", "passwd", "alice", "--password-stdin"],
        "a new strong password\n",
    );
    assert_exit(&o, 0, "passwd");
    let o = run(&data, &["user", "disable", "alice"], "");
    assert_exit(&o, 2, "the last admin stays");
    let o = run(&data, &["user", "disable", "nobody"], "");
    assert_exit(&o, 2, "an unknown user");
}

#[test]
fn add_runninghub_with_flags_saves_and_masks_the_key() {
    let data = TempDir::new().expect("tmp");
    let o = add_runninghub(&data, "rhart-image-n-pro", &["--yes"], &format!("{KEY}\n"));
    assert_exit(&o, 0, "add");
    let out = text(&o);
    assert!(out.contains("RunningHub-全能图片PRO"), "{out}");
    assert!(out.contains("…9f3a"), "{out}");
    assert!(!out.contains(KEY), "the key was printed");
    let c = show_config(&data, "RunningHub-全能图片PRO");
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
    let o = add_runninghub(&data, "x", &[], &format!("{KEY}\n"));
    assert_exit(&o, 2, "no --yes");
    assert!(text(&o).contains("already exists"), "{}", text(&o));
    // With --yes it is updated; an empty key keeps the stored one.
    let o = add_runninghub(&data, "other-model", &["--yes"], "\n");
    assert_exit(&o, 0, "--yes");
    let c = show_config(&data, "RunningHub-全能图片PRO");
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
    let c = show_config(&data, "PtyConfig");
    assert_eq!(c["fields"]["model_name"], "rhart-image-n-pro");
    assert_eq!(c["key_mask"], "rh-…9f3a");
}

#[test]
fn an_import_with_one_bad_record_writes_nothing() {
    let data = TempDir::new().expect("tmp");
    let mut bad = record("Broken", "https://x.cn");
    bad["host_domestic"] = json!("not a url");
    let o = import(&data, json!([record("Good", "https://x.cn"), bad]), &[]);
    assert_exit(&o, 2, "one bad record");
    assert!(
        text(&o).contains("record 2 (\"Broken\"): host_domestic"),
        "{}",
        text(&o)
    );
    assert_eq!(list_configs(&data), json!([]));

    let o = import(&data, json!([record("Good", "https://x.cn")]), &[]);
    assert_exit(&o, 0, "import");
    // Importing again keeps the existing one unless --update.
    let mut changed = record("good", "https://y.cn");
    changed["model_name"] = json!("changed");
    let o = import(&data, json!([changed.clone()]), &[]);
    assert!(text(&o).contains("Kept existing"), "{}", text(&o));
    let o = import(&data, json!([changed]), &["--update"]);
    assert_exit(&o, 0, "import --update");
    assert_eq!(
        show_config(&data, "Good")["fields"]["model_name"],
        "changed"
    );
}

#[test]
fn export_leaves_keys_out_unless_asked() {
    let data = TempDir::new().expect("tmp");
    let o = import(&data, json!([record("Exported", "https://x.cn")]), &[]);
    assert_exit(&o, 0, "import");
    let o = run(&data, &["config", "export"], "");
    let doc = stdout_json(&o);
    assert!(doc["configs"][0].get("api_key").is_none());
    assert!(!text(&o).contains(rhconsole::sandbox::SANDBOX_KEY));
    let doc = stdout_json(&run(&data, &["config", "export", "--with-keys"], ""));
    assert_eq!(
        doc["configs"][0]["api_key"],
        rhconsole::sandbox::SANDBOX_KEY
    );
    let o = run(&data, &["config", "set-active", "Exported", "false"], "");
    assert_exit(&o, 0, "set-active");
    assert_eq!(show_config(&data, "Exported")["fields"]["is_active"], false);
}

#[test]
fn backup_writes_a_consistent_copy() {
    let data = TempDir::new().expect("tmp");
    let o = add_user(&data, "alice", "admin", "a strong password");
    assert_exit(&o, 0, "add alice");
    let out = TempDir::new().expect("tmp");
    let file = out.path().join("copy.db");
    let o = run(&data, &["backup", file.to_str().expect("path")], "");
    assert_exit(&o, 0, "backup");
    let bytes = std::fs::read(&file).expect("backup");
    assert!(bytes.starts_with(b"SQLite format 3\0"));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| {
            std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
        };
        assert_eq!(
            mode(&file),
            0o600,
            "a backup holds sessions and sealed keys"
        );
        assert_eq!(mode(data.path()), 0o700);
    }
    let o = run(&data, &["backup", file.to_str().expect("path")], "");
    assert_exit(&o, 1, "never overwrites");
}

#[test]
fn a_missing_or_wrong_master_key_stops_the_start_and_loses_nothing() {
    let data = TempDir::new().expect("tmp");
    let o = import(&data, json!([record("Keyed", "https://x.cn")]), &[]);
    assert_exit(&o, 0, "import");
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
    let configs_before = list_configs(&data);

    std::fs::remove_file(&key_file).expect("remove");
    let o = run(&data, &["config", "list"], "");
    assert_exit(&o, 1, "no master key");
    assert!(
        text(&o).contains("the master key is missing"),
        "{}",
        text(&o)
    );
    assert!(
        !key_file.exists(),
        "no new key is made over existing secrets"
    );

    let wrong = command(data.path(), &["config", "list"])
        .env("RHCONSOLE_MASTER_KEY", "ab".repeat(32))
        .output()
        .expect("run");
    assert_exit(&wrong, 1, "a wrong master key");
    assert!(
        text(&wrong).contains("does not match this database"),
        "{}",
        text(&wrong)
    );

    std::fs::write(&key_file, &saved).expect("restore");
    let o = run(&data, &["config", "export", "--with-keys"], "");
    assert_exit(&o, 0, "export");
    assert_eq!(
        stdout_json(&o)["configs"][0]["api_key"],
        rhconsole::sandbox::SANDBOX_KEY,
        "the key survived"
    );
    assert_eq!(
        list_configs(&data),
        configs_before,
        "every config (name, version, settings) is as it was"
    );
}

#[test]
fn add_runninghub_sets_what_the_form_sets_and_an_update_changes_only_what_is_given() {
    let data = TempDir::new().expect("tmp");
    let key = "0123456789abcdef0123456789abcdef";
    let o = add_runninghub(
        &data,
        "rhart-image-n-pro",
        &[
            "--name",
            "LAN",
            "--host",
            "http://192.168.1.20:8080",
            "--overseas-host",
            "http://192.168.1.21:8080",
            "--allow-local",
            "true",
            "--timeout-secs",
            "120",
            "--max-concurrency",
            "3",
            "--retry",
            "false",
        ],
        &format!("{key}\n"),
    );
    assert_exit(&o, 0, "a LAN gateway from the command line");
    let f = &show_config(&data, "LAN")["fields"];
    assert_eq!(f["host_domestic"], "http://192.168.1.20:8080");
    assert_eq!(f["allow_local"], true);
    assert_eq!(
        (f["timeout_secs"].as_i64(), f["max_concurrency"].as_i64()),
        (Some(120), Some(3))
    );
    assert_eq!(f["enable_retry"], false);
    // Again with --yes and only a new model: hosts, limits and the key stay as they were.
    let o = add_runninghub(&data, "other-model", &["--name", "LAN", "--yes"], "\n");
    assert_exit(&o, 0, "update");
    let after = show_config(&data, "LAN");
    let f = &after["fields"];
    assert_eq!(f["model_name"], "other-model");
    assert_eq!(
        f["host_domestic"], "http://192.168.1.20:8080",
        "the host was kept"
    );
    assert_eq!(f["host_overseas"], "http://192.168.1.21:8080");
    assert_eq!(
        (f["timeout_secs"].as_i64(), f["allow_local"].as_bool()),
        (Some(120), Some(true))
    );
    assert_eq!(after["key_mask"], "…cdef", "the key was kept");
}

/// Runs `config import` (with `flags`) on a file holding exactly `text`.
fn import_text(data: &TempDir, text: &str, flags: &[&str]) -> Output {
    let files = TempDir::new().expect("tmp");
    let path = files.path().join("configs.json");
    std::fs::write(&path, text).expect("write");
    let args = [
        &["config", "import"],
        flags,
        &[path.to_str().expect("path")],
    ]
    .concat();
    run(data, &args, "")
}

#[test]
fn an_import_names_every_bad_record_writes_nothing_and_never_echoes_a_key() {
    let data = TempDir::new().expect("tmp");
    let secret = "sk-importsecret0123456789abcdef";
    let mut good = record("good", "https://x.cn");
    good["color"] = json!("blue");
    let bad_host = record("bad host", "x.cn");
    let mut bad_type = record("bad type", "https://y.cn");
    bad_type["is_active"] = json!(secret);
    bad_type["api_key"] = json!(secret);
    // Hand-written: a byte-order mark, no format, no exported_at.
    let file = format!(
        "\u{feff}{}",
        json!({ "configs": [good, bad_host, bad_type] })
    );
    let o = import_text(&data, &file, &[]);
    assert_exit(&o, 2, "bad records");
    let out = text(&o);
    assert!(
        out.contains("record 2 (\"bad host\"): host_domestic"),
        "{out}"
    );
    assert!(out.contains("record 3 (\"bad type\")"), "{out}");
    assert!(out.contains("unknown field \"color\" ignored"), "{out}");
    assert!(out.contains("nothing was imported"), "{out}");
    assert!(!out.contains("importsecret"), "a key was echoed: {out}");
    assert_eq!(
        list_configs(&data).as_array().map(Vec::len),
        Some(0),
        "nothing written"
    );
    // --partial takes the good one and says how many were skipped.
    let o = import_text(&data, &file, &["--partial"]);
    assert_exit(&o, 0, "partial import");
    assert!(text(&o).contains("1 created, 0 updated, 0 kept as they were, 2 skipped"));
    assert_eq!(
        show_config(&data, "good")["fields"]["host_domestic"],
        "https://x.cn"
    );
}

#[test]
fn log_lines_sent_to_a_file_or_pipe_carry_no_colour_codes() {
    let data = TempDir::new().expect("tmp");
    let o = run(&data, &["config", "list"], "");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("generated a new master key"), "{err}");
    assert!(!err.contains('\u{1b}'), "ANSI escape codes in {err:?}");
}
