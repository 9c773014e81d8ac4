// Deciding a task whose submit may have reached the provider, and running a task again on
// another config: what an operator does on the task page.
import { callJson, openNewTask, launchTask, createSandboxConfig, expect, hydrated, signIn, test } from '../support/fixtures';

test.describe.configure({ mode: 'serial' });

test('an operator attaches the provider task id to an undecided task and watches it finish', async ({ page, env }) => {
  const { id } = await openNewTask(page, env, 'Undecided-PW', 'lost answer #drop #id=pw-lost');
  await expect(page.getByTestId('task-status')).toHaveAttribute('data-status', 'submit_uncertain');
  const decide = page.getByTestId('decide');
  await expect(decide).toBeVisible();
  await expect(decide).toContainText('调用记录');

  // A typo is refused in words, and nothing changes.
  await page.getByTestId('attach-pid').fill('12 34');
  await page.getByTestId('attach-go').click();
  await expect(decide.getByRole('alert')).toContainText('任务号');

  // The id the provider's call record shows: the console follows it to the end.
  const pid = await (await fetch(`${env.sandbox.url}/__sandbox/task-id/pw-lost`)).text();
  await page.getByTestId('attach-pid').fill(pid);
  await page.getByTestId('attach-go').click();
  await expect(page.getByTestId('task-status')).toHaveAttribute('data-status', 'succeeded');
  await expect(page.getByTestId('provider-task-id')).toHaveText(pid);
  await expect(page.getByTestId('timeline')).toContainText(`admin 关联了服务商任务号 ${pid}`);
  await expect(page.getByTestId('decide')).toHaveCount(0);
  await expect(page.getByTestId('result-image')).toHaveCount(1);
});

test('running a task again on another config opens a new task showing what differs', async ({ page, env }) => {
  await signIn(page, env.console);
  const a = (await createSandboxConfig(page.request, env, 'Rerun-A')).id;
  await createSandboxConfig(page.request, env, 'Rerun-B', { timeout_secs: 120 });
  const first = await launchTask(page.request, env, a, 'compare the two');
  await page.goto(`${env.console.url}/tasks/${first}`);
  await hydrated(page);
  await expect(page.getByTestId('task-status')).toHaveAttribute('data-status', 'succeeded');

  await page.getByTestId('rerun').click();
  const dialog = page.getByTestId('rerun-dialog');
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId('rerun-billed')).toHaveCount(0);
  await page.getByTestId('rerun-other').check();
  await page.getByTestId('rerun-config').selectOption({ label: 'Rerun-B' });
  await page.getByTestId('rerun-go').click();

  await expect(page).toHaveURL(new RegExp(`/tasks/(?!${first}$)\\d+$`));
  await hydrated(page);
  const origin = page.getByTestId('rerun-origin');
  await expect(origin).toContainText(`#${first}`);
  const diff = page.getByTestId('rerun-diff');
  await expect(diff.locator('[data-field="config"]')).toContainText('Rerun-A v1');
  await expect(diff.locator('[data-field="config"]')).toContainText('Rerun-B v1');
  await expect(diff.locator('[data-field="timeout_secs"]')).toContainText('300');
  await expect(diff.locator('[data-field="timeout_secs"]')).toContainText('120');
  await expect(page.getByTestId('timeline')).toContainText(`再次运行任务 #${first}`);
  await expect(page.getByTestId('task-status')).toHaveAttribute('data-status', 'succeeded');
});

test("a batch's failed tasks run again from its comparison, as a new batch", async ({ page, env }) => {
  await signIn(page, env.console);
  const a = (await createSandboxConfig(page.request, env, 'Again-A')).id;
  const b = (await createSandboxConfig(page.request, env, 'Again-B')).id;
  const r = await callJson(page.request, env.console, 'tasks/launch', {
    configs: [a, b],
    spec: { prompt: 'refused #moderation', resolution: '1k', aspect_ratio: 'auto', image_urls: ['https://example.com/x.png'], local_images: [], region: '' },
  });
  expect(r.ok()).toBeTruthy();
  const { batch } = (await r.json()) as { batch: number };
  await page.goto(`${env.console.url}/tasks?batch=${batch}`);
  await hydrated(page);
  // The comparison follows the tasks to their end in place, then offers to run both again.
  const columns = page.getByRole('listitem').filter({ has: page.getByRole('heading') });
  await expect(columns.nth(0)).toHaveAttribute('data-status', 'failed', { timeout: 30_000 });
  await expect(columns.nth(1)).toHaveAttribute('data-status', 'failed', { timeout: 30_000 });
  const again = page.getByTestId('rerun-failed');
  await expect(again).toContainText('(2)');
  // The button came with the list rendered again in place: click it once its island is live.
  await expect(page.locator('leptos-island[data-hydrated="true"]', { has: again })).toHaveCount(1);
  await again.click();
  await expect(page).toHaveURL(new RegExp(`/tasks\\?batch=(?!${batch}$)\\d+$`));
  await hydrated(page);
  await expect(page.getByTestId('batch-case')).toContainText('refused #moderation');
});
