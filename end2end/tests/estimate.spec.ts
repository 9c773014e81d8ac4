// Price before launch (issue 15): the provider's estimate per config and the batch total.
import { createSandboxConfig, expect, hydrated, signIn, test } from '../support/fixtures';

test('a batch over two configs shows each estimate and the total before launch', async ({ page, env }) => {
  await signIn(page, env.console);
  await createSandboxConfig(page.request, env, 'Priced-A');
  await createSandboxConfig(page.request, env, 'Priced-B');
  await page.goto(`${env.console.url}/tasks/new`);
  await hydrated(page);
  await page.getByLabel(/Priced-A/).check();
  const estimate = page.getByTestId('estimate');
  await expect(estimate.getByTestId('estimate-config')).toHaveText(['Priced-A: ¥0.14/次']);
  await expect(estimate.getByTestId('estimate-total')).toHaveCount(0);

  await page.getByLabel(/Priced-B/).check();
  await expect(estimate.getByTestId('estimate-config')).toHaveText(['Priced-A: ¥0.14/次', 'Priced-B: ¥0.14/次']);
  await expect(estimate.getByTestId('estimate-total')).toHaveText('合计: ¥0.28');

  // In English, the provider's English price text. The server renders the page again in the
  // other language, so the configs are picked again.
  await page.getByTestId('lang-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await hydrated(page);
  await page.getByLabel(/Priced-A/).check();
  await page.getByLabel(/Priced-B/).check();
  await expect(estimate.getByTestId('estimate-config').first()).toHaveText('Priced-A: ¥0.14/call');
  await expect(estimate.getByTestId('estimate-total')).toHaveText('Total: ¥0.28');
});

test('a launch past the daily budget is refused with the numbers, and an admin runs it anyway', async ({ page, env }) => {
  await signIn(page, env.console);
  const { id } = await createSandboxConfig(page.request, env, 'Budget-A');
  await page.goto(`${env.console.url}/configs/${id}`);
  await hydrated(page);
  const card = page.getByTestId('budget-card');
  await expect(card.getByTestId('budget-daily')).toHaveText('未设置（不限）');
  // Styled like every other field of the console (it once had the browser's default look,
  // light grey in the dark theme).
  await expect(card.getByLabel('每日预算（元）')).toHaveCSS('border-radius', '8px');
  await card.getByLabel('每日预算（元）').fill('0.1.0');
  await card.getByTestId('budget-save').click();
  await expect(card.getByRole('alert')).toContainText('每日预算须为正数金额');
  await card.getByLabel('每日预算（元）').fill('0.10');
  await card.getByTestId('budget-save').click();
  await expect(card.getByTestId('budget-daily')).toHaveText('¥0.10');

  // The estimate (¥0.14) is past the budget (¥0.10): refused before anything is sent.
  await page.goto(`${env.console.url}/tasks/new?config=${id}`);
  await hydrated(page);
  await page.getByLabel(/^提示词/).fill('past the budget');
  await page.getByLabel('图片链接 1', { exact: true }).fill('https://example.com/budget.png');
  // The price before launch already says it would pass the budget.
  await expect(page.getByTestId('estimate-over-budget')).toContainText('超出每日测试预算');
  await page.getByRole('button', { name: '提交测试' }).click();
  const refusal = page.getByRole('alert').filter({ hasText: '超出每日测试预算' });
  await expect(refusal).toContainText('每日预算 ¥0.10');
  await expect(refusal).toContainText('本次预估 ¥0.14');
  await expect(page).toHaveURL(/\/tasks\/new/);

  // The admin runs it anyway; the task keeps its estimate.
  await page.getByTestId('launch-over-budget').click();
  await expect(page).toHaveURL(/\/tasks\/\d+$/);
  await hydrated(page);
  await expect(page.getByTestId('task-estimate')).toHaveText('¥0.14/次');
});
