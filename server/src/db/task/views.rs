//! Tasks as pages, lists, the overview and metrics read them.

use super::*;

pub async fn view(db: impl SqliteExecutor<'_>, id: TaskId) -> anyhow::Result<Option<TaskView>> {
    let r = sqlx::query!(
        r#"SELECT t.id AS "id!: i64", t.config_id, c.name AS config_name, c.api_type, t.config_version, t.region,
                  t.prompt, t.spec, t.status, t.provider_task_id, t.error_code, t.error_message, t.results,
                  t.usage, t.attempts, t.warnings, t.batch_id, COALESCE(u.username, 'cli') AS "created_by!: String",
                  t.created_at, t.started_at, t.finished_at, t.last_seq, t.request_json, t.ended_by,
                  t.callback_token IS NOT NULL AS "expects_callback!: bool", t.rerun_of,
                  CASE WHEN t.status = 'waiting' THEN
                    (SELECT COUNT(*) FROM task o
                     WHERE o.status = 'waiting' AND o.config_id = t.config_id
                       AND (o.waiting_since < t.waiting_since
                            OR (o.waiting_since = t.waiting_since AND o.id < t.id))) + 1
                  END AS "slot_position: i64", t.estimate
           FROM task t JOIN config c ON c.id = t.config_id LEFT JOIN user u ON u.id = t.created_by
           WHERE t.id = ?1"#,
        id.0
    )
    .fetch_optional(db)
    .await?;
    let Some(r) = r else { return Ok(None) };
    let stored: StoredSpec = json("task", r.id, "spec", &r.spec)?;
    let request: Option<RecordedRequest> = r
        .request_json
        .map(|t| json("task", r.id, "request_json", &t))
        .transpose()?;
    Ok(Some(TaskView {
        id: TaskId(r.id),
        config_id: ConfigId(r.config_id),
        config_name: r.config_name,
        config_version: r.config_version,
        api_type: decode("config", r.config_id, "api_type", &r.api_type)?,
        region: decode("task", r.id, "region", &r.region)?,
        prompt: r.prompt,
        resolution: stored.spec.resolution,
        aspect_ratio: stored.spec.aspect_ratio,
        status: decode("task", r.id, "status", &r.status)?,
        provider_task_id: r.provider_task_id,
        error_code: r.error_code,
        error_message: r.error_message,
        results: json("task", r.id, "results", &r.results)?,
        usage: r
            .usage
            .map(|t| json("task", r.id, "usage", &t))
            .transpose()?
            .unwrap_or_default(),
        attempts: r.attempts,
        warnings: json::<Vec<app::domain::EventText>>("task", r.id, "warnings", &r.warnings)?
            .into_iter()
            .map(app::domain::Said::Text)
            .collect(),
        batch_id: r.batch_id.map(BatchId),
        created_by: r.created_by,
        created_at: Timestamp(r.created_at),
        started_at: r.started_at.map(Timestamp),
        finished_at: r.finished_at.map(Timestamp),
        last_seq: r.last_seq,
        request_json: request
            .as_ref()
            .map(|r| serde_json::to_string_pretty(&r.json).unwrap_or_default()),
        request_curl: request.map(|r| r.curl),
        ended_by: r
            .ended_by
            .map(|e| decode("task", r.id, "ended_by", &e))
            .transpose()?,
        expects_callback: r.expects_callback,
        inputs: stored
            .spec
            .image_urls
            .iter()
            .map(|u| (u.clone(), None))
            .chain(
                stored
                    .spec
                    .local_images
                    .iter()
                    .map(|b| (format!("/files/{}", b.name), Some(b.clone()))),
            )
            .enumerate()
            .map(|(i, (url, blob))| InputImage {
                url,
                name: blob.as_ref().map(|b| b.original_name.clone()),
                sent: i < IMAGES_SENT_MAX,
                blob,
            })
            .collect(),
        rerun_of: r.rerun_of.map(TaskId),
        slot_position: r.slot_position,
        estimate: r
            .estimate
            .map(|e| json("task", r.id, "estimate", &e))
            .transpose()?,
    }))
}

fn summary_from_row(r: &sqlx::sqlite::SqliteRow) -> sqlx::Result<TaskSummary> {
    let id: i64 = r.try_get("id")?;
    let results: Vec<ResultItem> = json("task", id, "results", r.try_get("results")?)?;
    let usage: Option<Usage> = r
        .try_get::<Option<&str>, _>("usage")?
        .map(|t| json("task", id, "usage", t))
        .transpose()?;
    let status: String = r.try_get("status")?;
    let prompt: String = r.try_get("prompt")?;
    Ok(TaskSummary {
        id: TaskId(id),
        config_id: ConfigId(r.try_get("config_id")?),
        config_name: r.try_get("config_name")?,
        status: decode("task", id, "status", &status)?,
        prompt: prompt.chars().take(200).collect(),
        provider_task_id: r.try_get("provider_task_id")?,
        error_code: r.try_get("error_code")?,
        created_at: Timestamp(r.try_get("created_at")?),
        finished_at: r.try_get::<Option<i64>, _>("finished_at")?.map(Timestamp),
        // The kept thumbnail (small, served by the console); older rows have only the image.
        thumbnail: results
            .iter()
            .find_map(|x| x.thumb_url.clone().or_else(|| x.url.clone())),
        image: results.iter().find_map(|x| x.url.clone()),
        cost: usage.and_then(|u| u.cost()),
        batch_id: r.try_get::<Option<i64>, _>("batch_id")?.map(BatchId),
    })
}

const SUMMARY_COLUMNS: &str = "SELECT t.id, t.config_id, c.name AS config_name, t.status, substr(t.prompt, 1, 200) AS prompt, \
     t.provider_task_id, t.error_code, t.created_at, t.finished_at, t.results, t.usage, t.batch_id \
     FROM task t JOIN config c ON c.id = t.config_id";

pub async fn summary(db: impl SqliteExecutor<'_>, id: TaskId) -> sqlx::Result<Option<TaskSummary>> {
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(SUMMARY_COLUMNS);
    q.push(" WHERE t.id = ").push_bind(id.0);
    let row = q.build().fetch_optional(db).await?;
    row.as_ref().map(summary_from_row).transpose()
}

/// The filter's conditions (not its paging), each as ` AND …` with its values bound.
fn push_filters(
    q: &mut QueryBuilder<'_, Sqlite>,
    f: &TaskFilter,
    from_ms: Option<i64>,
    to_ms: Option<i64>,
) {
    if let Some(c) = f.config_id {
        q.push(" AND t.config_id = ").push_bind(c.0);
    }
    if let Some(s) = f.status {
        q.push(" AND t.status = ").push_bind(s.as_str());
    }
    if let Some(b) = f.batch_id {
        q.push(" AND t.batch_id = ").push_bind(b.0);
    }
    if let Some(from) = from_ms {
        q.push(" AND t.created_at >= ").push_bind(from);
    }
    if let Some(to) = to_ms {
        q.push(" AND t.created_at < ").push_bind(to);
    }
    let needle = f.q.trim();
    if !needle.is_empty() {
        q.push(" AND (t.provider_task_id = ")
            .push_bind(needle.to_owned());
        if let Ok(n) = needle.trim_start_matches('#').parse::<i64>() {
            q.push(" OR t.id = ").push_bind(n);
        }
        q.push(" OR instr(lower(t.prompt), ")
            .push_bind(needle.to_lowercase())
            .push(") > 0)");
    }
}

/// How many tasks match the filter, with ids above `above` when given.
async fn count(
    db: impl SqliteExecutor<'_>,
    f: &TaskFilter,
    from_ms: Option<i64>,
    to_ms: Option<i64>,
    above: Option<i64>,
) -> sqlx::Result<i64> {
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT COUNT(*) FROM task t WHERE 1 = 1");
    push_filters(&mut q, f, from_ms, to_ms);
    if let Some(id) = above {
        q.push(" AND t.id > ").push_bind(id);
    }
    q.build_query_scalar().fetch_one(db).await
}

/// One page of the task list, newest first, with where it is among all matching tasks.
/// Filters are optional, so the SQL is built here (the checked macros cannot vary their WHERE
/// clause); every value is bound, never spliced. Paging is by id (keyset: `before` for the next
/// page, `after` for the previous one), so page 2,000 costs what page 1 costs.
pub async fn list(
    db: &sqlx::SqlitePool,
    f: &TaskFilter,
    from_ms: Option<i64>,
    to_ms: Option<i64>,
    limit: i64,
) -> sqlx::Result<TaskPage> {
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(SUMMARY_COLUMNS);
    q.push(" WHERE 1 = 1");
    push_filters(&mut q, f, from_ms, to_ms);
    match f.after {
        // Back towards newer tasks: the ones just above `after`, then newest first again.
        Some(after) => q
            .push(" AND t.id > ")
            .push_bind(after.0)
            .push(" ORDER BY t.id ASC LIMIT "),
        None => q
            .push(" AND t.id < ")
            .push_bind(f.before.map(|b| b.0).unwrap_or(i64::MAX))
            .push(" ORDER BY t.id DESC LIMIT "),
    }
    .push_bind(limit + 1);
    let rows = q.build().fetch_all(db).await?;
    let mut items = rows
        .iter()
        .map(summary_from_row)
        .collect::<sqlx::Result<Vec<_>>>()?;
    let more = items.len() as i64 > limit;
    items.truncate(usize::try_from(limit).unwrap_or(0));
    if f.after.is_some() {
        items.reverse();
    }
    let total = count(db, f, from_ms, to_ms, None).await?;
    let newer = match items.first() {
        Some(t) => count(db, f, from_ms, to_ms, Some(t.id.0)).await?,
        None => 0,
    };
    let older = total - newer - items.len() as i64;
    let next_before = if (f.after.is_none() && more) || (f.after.is_some() && older > 0) {
        items.last().map(|t| t.id)
    } else {
        None
    };
    let prev_after = (newer > 0).then(|| items.first().map(|t| t.id)).flatten();
    Ok(TaskPage {
        items,
        next_before,
        prev_after,
        total,
        newer,
        page_size: limit,
    })
}

/// Per config: its last task, and succeeded/finished counts since `since`.
#[derive(Debug, Default, Clone)]
pub struct ConfigStats {
    pub last: Option<LastTest>,
    pub succeeded_24h: i64,
    pub finished_24h: i64,
}

pub async fn config_stats(
    db: &sqlx::SqlitePool,
    since: i64,
) -> sqlx::Result<HashMap<ConfigId, ConfigStats>> {
    let mut out: HashMap<ConfigId, ConfigStats> = HashMap::new();
    let last = sqlx::query!(
        r#"SELECT t.config_id, t.id AS "id!: i64", t.status, t.created_at, t.finished_at
           FROM task t
           WHERE t.id IN (SELECT (SELECT MAX(id) FROM task WHERE config_id = c.id) FROM config c)"#
    )
    .fetch_all(db)
    .await?;
    for r in last {
        out.entry(ConfigId(r.config_id)).or_default().last = Some(LastTest {
            task_id: TaskId(r.id),
            status: decode("task", r.id, "status", &r.status)?,
            at: Timestamp(r.created_at),
            duration_ms: r.finished_at.map(|f| f - r.created_at),
        });
    }
    let rates = sqlx::query!(
        r#"SELECT config_id,
                  SUM(status = 'succeeded') AS "succeeded!: i64",
                  SUM(status IN ('succeeded','failed','cancelled','timed_out','submit_uncertain')) AS "finished!: i64"
           FROM task INDEXED BY task_created_stats WHERE created_at >= ?1 GROUP BY config_id"#,
        since
    )
    .fetch_all(db)
    .await?;
    for r in rates {
        let e = out.entry(ConfigId(r.config_id)).or_default();
        e.succeeded_24h = r.succeeded;
        e.finished_24h = r.finished;
    }
    Ok(out)
}

/// Today's numbers for the home page (`since` is the start of the day).
pub async fn overview(db: &sqlx::SqlitePool, since: i64) -> sqlx::Result<Overview> {
    let by_status = sqlx::query!(
        r#"SELECT status, COUNT(*) AS "n!: i64" FROM task INDEXED BY task_created_stats
           WHERE created_at >= ?1 GROUP BY status"#,
        since
    )
    .fetch_all(db)
    .await?
    .into_iter()
    .map(|r| Ok((decode("task", None, "status", &r.status)?, r.n)))
    .collect::<sqlx::Result<Vec<(TaskStatus, i64)>>>()?;
    // In the order a task goes through them (queued … succeeded, failed …), not the database's.
    let mut by_status = by_status;
    by_status.sort_by_key(|(s, _)| {
        <TaskStatus as strum::VariantArray>::VARIANTS
            .iter()
            .position(|v| v == s)
    });
    let in_flight = count_in_flight(db).await?;
    let rows = sqlx::query!(
        r#"SELECT t.config_id, c.name AS config_name, t.status, t.created_at, t.finished_at
           FROM task t INDEXED BY task_created_stats JOIN config c ON c.id = t.config_id
           WHERE t.created_at >= ?1"#,
        since
    )
    .fetch_all(db)
    .await?;
    let mut per: HashMap<i64, (String, i64, i64, i64, Vec<i64>)> = HashMap::new();
    for r in rows {
        let e = per
            .entry(r.config_id)
            .or_insert_with(|| (r.config_name.clone(), 0, 0, 0, Vec::new()));
        e.1 += 1;
        let status: TaskStatus = decode("task", None, "status", &r.status)?;
        if status == TaskStatus::Succeeded {
            e.2 += 1;
            if let Some(f) = r.finished_at {
                e.4.push(f - r.created_at);
            }
        }
        if status.is_terminal() {
            e.3 += 1;
        }
    }
    let mut per_config: Vec<ConfigDayStats> = per
        .into_iter()
        .map(|(id, (name, total, succeeded, finished, mut durations))| {
            durations.sort_unstable();
            ConfigDayStats {
                config_id: ConfigId(id),
                config_name: name,
                total,
                succeeded,
                finished,
                median_ms: durations.get(durations.len() / 2).copied(),
            }
        })
        .collect();
    per_config.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then(a.config_name.cmp(&b.config_name))
    });
    Ok(Overview {
        by_status,
        in_flight,
        per_config,
        recent_failures: Vec::new(),
        storage: None,
        spend: SpendChart::default(),
    })
}

/// `(config name, status, count)` over every task, for metrics.
pub async fn counts_by_config_status(
    db: &sqlx::SqlitePool,
) -> sqlx::Result<Vec<(String, String, i64)>> {
    let rows = sqlx::query!(
        r#"SELECT c.name AS config, t.status, COUNT(*) AS "n!: i64"
           FROM task t JOIN config c ON c.id = t.config_id GROUP BY c.name, t.status"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.config, r.status, r.n))
        .collect())
}
