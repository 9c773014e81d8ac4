//! `rhconsole task run` and `task list` as a real process against the sandbox.

use super::*;

#[tokio::test]
async fn task_run_takes_the_engine_flags_serve_takes() {
    let sb = sandbox().await;
    let data = TempDir::new().expect("tmp");
    let o = import(&data, json!([record("Sandbox", &sb.base_url())]), &[]);
    assert_exit(&o, 0, "import");
    let d = data.path().to_owned();
    let o = tokio::task::spawn_blocking(move || {
        command(
            &d,
            &["task", "run", "--config", "Sandbox", "--prompt", "flags"],
        )
        .args(["--image", "https://example.com/a.png"])
        .args(["--poll-interval-ms", "50", "--retry-unit-ms", "10"])
        .args(["--submit-timeout-secs", "5", "--poll-timeout-secs", "5"])
        .args(["--sync-timeout-secs", "9", "--upload-timeout-secs", "5"])
        .args(["--connect-timeout-secs", "2", "--max-requests", "8"])
        .env_remove("RHCONSOLE_POLL_INTERVAL_MS")
        .env_remove("RHCONSOLE_RETRY_UNIT_MS")
        .output()
        .expect("run")
    })
    .await
    .expect("join");
    assert_exit(&o, 0, "task run with flags");
    assert!(text(&o).contains("succeeded"), "{}", text(&o));
}

#[tokio::test]
async fn task_run_follows_the_task_and_exits_by_its_outcome() {
    let sb = sandbox().await;
    let data = TempDir::new().expect("tmp");
    let d = data.path();
    let o = import(&data, json!([record("Sandbox", &sb.base_url())]), &[]);
    assert_exit(&o, 0, "import");
    let image = "https://example.com/a.png";

    let o = task_run(d, "Sandbox", "make it blue", image, &["--resolution", "2K"]).await;
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("Accepted: taskId"),
        "events are printed: {out}"
    );
    assert!(out.contains("succeeded"), "{out}");
    assert!(out.contains("/output/"), "the result URL is printed: {out}");

    let o = task_run(d, "Sandbox", "no #moderation", image, &["--json"]).await;
    assert_exit(&o, 1, "a failed task");
    let lines: Vec<Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert!(lines.iter().any(|l| l["kind"] == "event"));
    assert_eq!(lines.last().expect("lines")["kind"], "end");

    let o = task_run(d, "Nope", "x", image, &[]).await;
    assert_exit(&o, 2, "an unknown config");
    let o = task_run(d, "Sandbox", "x", "/no/such/file.png", &[]).await;
    assert_exit(&o, 2, "a missing image file");

    let list = stdout_json(&run_async(d, &["task", "list", "--json"]).await);
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    assert_eq!(list[0]["status"], "failed");
    let id = list[1]["id"].to_string();
    let o = run_async(d, &["task", "show", &id]).await;
    let shown = text(&o);
    assert!(shown.contains("Execution log"), "{shown}");
    assert!(
        shown.contains("result: /files/") && shown.contains("provider link, expires"),
        "the kept copy and the provider's link: {shown}"
    );

    // The succeeded task's result and thumbnail are kept; a day's retention keeps them.
    let usage = stdout_json(&run_async(d, &["blobs", "usage", "--json"]).await);
    assert_eq!(usage["files"], 2, "{usage}");
    let gc = stdout_json(&run_async(d, &["blobs", "gc", "--keep-days", "1", "--json"]).await);
    assert_eq!(
        (&gc["removed"], &gc["kept"]),
        (&json!(0), &json!(2)),
        "{gc}"
    );
    let o = run_async(d, &["blobs", "gc", "--keep-days", "x"]).await;
    assert_exit(&o, 2, "a bad number of days");
    // No config asked for callbacks: the ledger is empty, and says so as JSON.
    let ledger = stdout_json(&run_async(d, &["task", "callbacks", "--json"]).await);
    assert_eq!(ledger, json!([]));
}

#[tokio::test]
async fn task_run_ends_each_provider_fault_in_its_state_with_its_exit_code() {
    let sb = sandbox().await;
    let data = TempDir::new().expect("tmp");
    let o = import(&data, json!([record("Sandbox", &sb.base_url())]), &[]);
    assert_exit(&o, 0, "import");
    let image = "https://example.com/a.png";
    // (tags, exit code, what the output must say)
    let cases = [
        ("#drop", 1, "submit_uncertain"),
        (
            "#noid",
            1,
            "a timeout, a broken connection, an unreadable answer",
        ),
        ("#http429 #retryafter=0", 0, "succeeded"),
        ("#poll429 #retryafter=0", 0, "succeeded"),
        ("#lowercase #numericid #snakeid #envelope", 0, "succeeded"),
        ("#unknown #polls=3", 0, "nobody documented"),
        ("#textonly", 1, "no_image"),
        ("#failedreason", 1, "CUDA out of memory"),
        ("#errorobject", 1, "model overloaded"),
        ("#echokey", 1, "802"),
    ];
    for (tags, code, said) in cases {
        let o = task_run(data.path(), "Sandbox", &format!("cli {tags}"), image, &[]).await;
        assert_exit(&o, code, tags);
        let out = text(&o);
        assert!(out.contains(said), "{tags}: {out}");
        assert!(
            !out.contains(rhconsole::sandbox::SANDBOX_KEY),
            "{tags}: the key was printed"
        );
    }
}

#[tokio::test]
async fn text_from_other_people_cannot_drive_the_terminal() {
    let sb = sandbox().await;
    let data = TempDir::new().expect("tmp");
    let o = import(&data, json!([record("Sandbox", &sb.base_url())]), &[]);
    assert_exit(&o, 0, "import");
    // A prompt that retitles the terminal, moves the cursor and reorders the line.
    let prompt = "cat \u{1b}]0;owned\u{7}\u{1b}[2J\r\u{202E}txt.exe #instant";
    let o = task_run(
        data.path(),
        "Sandbox",
        prompt,
        "https://example.com/a.png",
        &[],
    )
    .await;
    assert_exit(&o, 0, "task run");
    let o = run(&data, &["task", "list"], "");
    assert_exit(&o, 0, "task list");
    let out = text(&o);
    assert!(out.contains("cat \u{FFFD}]0;owned"), "{out}");
    for c in ['\u{1b}', '\u{7}', '\r', '\u{202E}'] {
        assert!(!out.contains(c), "{c:?} reached the terminal: {out:?}");
    }
}

#[tokio::test]
async fn task_run_keeps_to_the_daily_budget_unless_told_to_go_past_it() {
    let sb = sandbox().await;
    let data = TempDir::new().expect("tmp");
    let d = data.path();
    let o = import(&data, json!([record("Sandbox", &sb.base_url())]), &[]);
    assert_exit(&o, 0, "import");
    let o = run_async(d, &["config", "budget", "Sandbox", "--daily", "abc"]).await;
    assert_exit(&o, 2, "a malformed budget");
    assert!(text(&o).contains("daily"), "{}", text(&o));
    let o = run_async(d, &["config", "budget", "Sandbox", "--daily", "0.20"]).await;
    assert_exit(&o, 0, "budget set");
    let image = "https://example.com/a.png";
    let o = task_run(d, "Sandbox", "within", image, &[]).await;
    assert_exit(&o, 0, "0.14 of 0.20");
    let o = task_run(d, "Sandbox", "past it", image, &[]).await;
    assert_exit(&o, 2, "0.14 more is past 0.20");
    let out = text(&o);
    assert!(
        out.contains("Over the daily test budget") && out.contains("¥0.14"),
        "{out}"
    );
    let o = task_run(
        d,
        "Sandbox",
        "past it, knowingly",
        image,
        &["--over-budget"],
    )
    .await;
    assert_exit(&o, 0, "--over-budget");
    let o = run_async(d, &["config", "budget", "Sandbox", "--json"]).await;
    assert_exit(&o, 0, "budget shown");
    let b = stdout_json(&o);
    assert_eq!(b["daily"], "0.20", "{b}");
    assert_eq!(b["spent"], "0.28", "{b}");
}
