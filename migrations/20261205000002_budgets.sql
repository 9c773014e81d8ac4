-- Price and budget.
-- `task.estimate` is the price preview at launch (app::domain::ConfigEstimate as JSON: the
-- provider's estimate, or why it is unknown), shown beside the cost the provider reports
-- afterwards; `estimate_milli` is that estimate in thousandths of a yuan when known in CNY.
-- `task.spent_milli` is the money the provider reported in the task's usage
-- (`thirdPartyConsumeMoney`, else `consumeMoney`), in thousandths of a yuan: budgets and the
-- overview's spend chart sum it without reading JSON.
-- `config_budget` holds a config's optional daily test budget in CNY (a decimal as text); a
-- config without a row has no budget.
ALTER TABLE task ADD COLUMN estimate TEXT;
ALTER TABLE task ADD COLUMN estimate_milli INTEGER;
ALTER TABLE task ADD COLUMN spent_milli INTEGER;
UPDATE task SET spent_milli = CAST(ROUND(CAST(COALESCE(
        NULLIF(json_extract(usage, '$.third_party_consume_money'), ''),
        NULLIF(json_extract(usage, '$.consume_money'), '')) AS REAL) * 1000) AS INTEGER)
    WHERE usage IS NOT NULL;
CREATE INDEX task_spend ON task (created_at, config_id, spent_milli);
CREATE TABLE config_budget (
    config_id  INTEGER PRIMARY KEY REFERENCES config (id) ON DELETE CASCADE,
    daily_cny  TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES user (id) ON DELETE SET NULL
);
