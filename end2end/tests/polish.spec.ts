// The small things a daily user meets (issue 14, polish): filters that apply themselves with a
// clean address, a theme switch that can return to following the system, a missing task said
// in words, a cancelled task that is not called a failure.
import { callJson, createSandboxConfig, expect, hydrated, launchTask, signIn, test } from '../support/fixtures';

test('a filter applies as soon as it changes, and the address holds only what is set', async ({ page, env }) => {
  await signIn(page, env.console);
  await page.goto(`${env.console.url}/tasks`);
  await hydrated(page);
  await page.getByLabel('状态').selectOption('failed');
  await expect(page).toHaveURL(/\/tasks\?status=failed$/);
  await page.goto(`${env.console.url}/configs`);
  await hydrated(page);
  await page.getByLabel('显示已归档').check();
  await expect(page).toHaveURL(/\/configs\?sort=name&archived=1$/);
});

test('the theme switch goes through light and dark and back to following the system', async ({ page, env }) => {
  await signIn(page, env.console);
  const button = page.getByRole('button', { name: /^主题/ });
  await expect(button).toHaveAttribute('data-theme-choice', 'auto');
  const seen: string[] = [];
  for (let i = 0; i < 3; i++) {
    await button.click();
    seen.push((await button.getAttribute('data-theme-choice')) ?? '');
  }
  expect(new Set(seen.slice(0, 2))).toEqual(new Set(['light', 'dark']));
  expect(seen[2]).toBe('auto');
  await expect(button).toHaveAttribute('title', '主题: 跟随系统');
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('button', { name: /^主题/ })).toHaveAttribute('data-theme-choice', 'auto');
});

test('a missing task is said in words with where to go instead', async ({ page, env }) => {
  await signIn(page, env.console);
  const r = await page.goto(`${env.console.url}/tasks/987654`);
  expect(r?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: '没有编号为 #987654 的测试任务' })).toBeVisible();
  await expect(page.getByTestId('missing').getByRole('link', { name: '测试任务' })).toBeVisible();
});

test('a cancelled task is not shown as a failure', async ({ page, env }) => {
  await signIn(page, env.console);
  const config = (await createSandboxConfig(page.request, env, 'Cancel-me')).id;
  const id = await launchTask(page.request, env, config, 'cancel me #polls=200');
  const r = await callJson(page.request, env.console, 'tasks/cancel', { id });
  expect(r.ok()).toBeTruthy();
  await page.goto(`${env.console.url}/tasks/${id}`);
  await hydrated(page);
  await expect(page.getByTestId('task-status')).toHaveAttribute('data-status', 'cancelled');
  await expect(page.getByTestId('failure')).toHaveCount(0);
});
