// Deciding a task whose submit may have reached the provider, and running a task again on
// another config: what an operator does on the task page.
import { openNewTask, launchTask, createSandboxConfig, expect, hydrated, signIn, test } from '../support/fixtures';

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
