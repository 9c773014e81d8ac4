// The key check (检测密钥, issue 15): balance, capacity, site and tier before any paid call.
import { createSandboxConfig, expect, hydrated, signIn, test } from '../support/fixtures';
import { SANDBOX_KEY } from '../support/console';

test('checking typed values shows balance, capacity and site, the tier and the other site, and saves nothing', async ({ page, env }) => {
  await signIn(page, env.console, undefined, '/configs/new');
  await page.getByLabel(/^名称/).fill('Typed key');
  await page.getByLabel(/^国内地址/).fill(env.sandbox.url);
  await page.getByLabel(/^海外地址/).fill(env.sandbox.otherSite);
  await page.getByLabel('允许本地/内网地址（仅沙盒或局域网）').check();
  const key = page.getByLabel(/^API 密钥/);
  const run = page.getByTestId('key-check-typed');
  const result = page.getByTestId('key-check');

  await key.fill(SANDBOX_KEY);
  await run.click();
  await expect(result).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('key-site')).toHaveAttribute('data-site', 'configured');
  await expect(page.getByTestId('key-balance')).toHaveText('177814 RH币');
  // Running counts the worker's own earlier tasks still at the fake: only the limit is fixed.
  await expect(page.getByTestId('key-capacity')).toHaveText(/^\d+ \/ 50$/);

  // A key whose tier may not call standard-model APIs: said in words, with what to do.
  await key.fill('sandbox-personal-0123456789abcdef0123');
  await run.click();
  await expect(page.getByTestId('key-tier')).toContainText('企业级-共享');
  await expect(result).toHaveAttribute('data-ok', 'false');

  // A key of the other site: that host is proposed, the form keeps what was typed.
  await key.fill('sandbox-ai-0123456789abcdef0123456789');
  await run.click();
  await expect(page.getByTestId('key-site')).toHaveAttribute('data-site', 'other');
  await expect(page.getByTestId('key-check-verdict')).toContainText(`建议把主机改为 ${env.sandbox.otherSite}`);
  await expect(page.getByLabel(/^国内地址/)).toHaveValue(env.sandbox.url);

  // No key typed: said beside the key field.
  await key.fill('');
  await run.click();
  await expect(page.locator('#api_key-error')).toContainText('API 密钥');
  await expect(page).toHaveURL(/\/configs\/new$/);
});

test("a saved config's check is kept with its time and shown again", async ({ page, env }) => {
  await signIn(page, env.console);
  const config = (await createSandboxConfig(page.request, env, 'Kept check')).id;
  await page.goto(`${env.console.url}/configs/${config}`);
  await hydrated(page);
  await expect(page.getByText('尚未检测。检测只查询账户、并发和价格，不会产生费用。')).toBeVisible();
  await page.getByTestId('key-check-run').click();
  await expect(page.getByTestId('key-check')).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('key-balance')).toHaveText('177814 RH币');

  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('key-check')).toHaveAttribute('data-ok', 'true');
  await page.getByTestId('lang-switch').click();
  await expect(page.getByTestId('key-balance')).toHaveText('177814 RH coins');

  // The list's compact line: verdict, balance, concurrency, when.
  await page.goto(`${env.console.url}/configs`);
  await hydrated(page);
  const line = page.getByRole('row', { name: /Kept check/ }).getByTestId('key-line');
  await expect(line).toHaveAttribute('data-ok', 'true');
  await expect(line).toContainText(/The key works · 177814 RH coins · Concurrency \d+\/50 · Checked /);
});
