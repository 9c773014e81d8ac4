// The small things a daily user meets (issue 14, polish): filters that apply themselves with a
// clean address, a theme switch that can return to following the system, a missing task said
// in words, a cancelled task that is not called a failure.
import { openNewTask, callJson, createSandboxConfig, expect, hydrated, launchTask, signIn, test } from '../support/fixtures';

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

test('an end the console decided is explained in the reader\'s language, not in stored English', async ({ page, env }) => {
  const { id } = await openNewTask(page, env, 'Own-words', 'lost answer #drop #id=own-words');
  await expect(page.getByTestId('task-status')).toHaveAttribute('data-status', 'submit_uncertain');
  const message = page.getByTestId('error-message');
  await expect(message).not.toContainText('The submit was sent');
  await expect(message).toContainText(/[\u4e00-\u9fff]/);
  const r = await callJson(page.request, env.console, 'tasks/close_uncertain', { id });
  expect(r.ok()).toBeTruthy();
  await page.reload();
  await hydrated(page);
  await expect(message).toContainText('将此任务标记为失败');
  await expect(message).not.toContainText('Closed by');
});

test('each file that cannot be used is named with what is wrong with it', async ({ page, env }) => {
  await signIn(page, env.console);
  await page.goto(`${env.console.url}/tasks/new`);
  await hydrated(page);
  await page.locator('#local-files').setInputFiles([
    { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') },
    { name: 'readme.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('neither is this') },
  ]);
  const errors = page.getByTestId('upload-error');
  await expect(errors).toHaveCount(2);
  await expect(errors.filter({ hasText: 'notes.png' })).toContainText('只接受真正的 PNG、JPEG 或 WEBP 图片');
  await expect(errors.filter({ hasText: 'readme.jpg' })).toContainText('只接受真正的 PNG、JPEG 或 WEBP 图片');
});

test('history names API types and image fields in words, not slugs', async ({ page, env }) => {
  await signIn(page, env.console);
  const config = (await createSandboxConfig(page.request, env, 'Words-not-slugs')).id;
  await page.goto(`${env.console.url}/configs/${config}`);
  await hydrated(page);
  const created = page.getByTestId('history-entry').first();
  await expect(created).toContainText('接口类型: RunningHub 全能图片PRO（图生图）');
  await expect(created).toContainText('多图字段名: 自动（单图 image，多图 image[]）');
  await expect(created).not.toContainText('runninghub-rhart-edit');

  // The launch form's config picker names the type in words too.
  await page.goto(`${env.console.url}/tasks/new`);
  await hydrated(page);
  const pick = page.locator('label.check', { hasText: 'Words-not-slugs' });
  await expect(pick).toContainText('RunningHub 全能图片PRO');
  await expect(pick).not.toContainText('runninghub-rhart-edit');
});

test('changing the API type asks before replacing what was typed, and a new config keeps nothing of the old type', async ({ page, env }) => {
  await signIn(page, env.console);
  await page.goto(`${env.console.url}/configs/new`);
  await hydrated(page);
  const type = page.getByLabel(/^接口类型/);
  // Untouched: the new type's defaults at once, name and hosts included.
  await type.selectOption('nano-banana-edits');
  await expect(page.getByTestId('type-change')).toHaveCount(0);
  await expect(page.getByLabel(/^名称/)).toHaveValue('nano-banana');
  await expect(page.getByLabel(/^国内地址/)).toHaveValue('');
  await expect(page.getByLabel(/^提交端点/)).toHaveValue('/v1/images/edits');
  // Typed values: asked first; cancel changes nothing.
  await page.getByLabel(/^提交端点/).fill('/v1/custom/edits');
  await type.selectOption('runninghub-rhart-edit');
  await expect(page.getByTestId('type-change')).toBeVisible();
  await page.getByTestId('type-change').getByRole('button', { name: '取消' }).click();
  await expect(type).toHaveValue('nano-banana-edits');
  await expect(page.getByLabel(/^提交端点/)).toHaveValue('/v1/custom/edits');
  // Keep my values: only the type changes.
  await type.selectOption('runninghub-rhart-edit');
  await page.getByRole('button', { name: '只换类型，保留我填的值' }).click();
  await expect(type).toHaveValue('runninghub-rhart-edit');
  await expect(page.getByLabel(/^提交端点/)).toHaveValue('/v1/custom/edits');
});

test('run again offers "edit, then run" with the form filled from the task', async ({ page, env }) => {
  const { config, id } = await openNewTask(page, env, 'Edit-then-run', 'the first wording');
  await expect(page.getByTestId('inputs').getByTestId('input-image')).toHaveCount(1);
  await page.getByRole('button', { name: '再次运行' }).click();
  await page.getByTestId('rerun-edit').click();
  await expect(page).toHaveURL(new RegExp(`/tasks/new\\?from=${id}$`));
  await hydrated(page);
  await expect(page.getByLabel(/^提示词/)).toHaveValue('the first wording');
  await expect(page.getByLabel('图片链接 1', { exact: true })).toHaveValue('https://example.com/cat.png');
  await expect(page.locator(`#cfg-${config}`)).toBeChecked();
  await page.getByLabel(/^提示词/).fill('the second wording');
  await page.getByRole('button', { name: '提交测试' }).click();
  await expect(page).toHaveURL(/\/tasks\/\d+$/);
  await expect(page.getByText('the second wording')).toBeVisible();
  expect(page.url()).not.toMatch(new RegExp(`/tasks/${id}$`));
});

test('in English, the users list tells you apart with a space before "(you)"', async ({ page, env }) => {
  await signIn(page, env.console);
  await page.context().addCookies([{ name: 'rh_lang', value: 'en', url: env.console.url }]);
  await page.goto(`${env.console.url}/users`);
  await expect(page.getByRole('rowheader', { name: 'admin (you)' })).toBeVisible();
});

test("on a phone, in English, the overview's table per config scrolls sideways to its last column", async ({ page, env }) => {
  await signIn(page, env.console);
  const config = (await createSandboxConfig(page.request, env, 'Phone')).id;
  await launchTask(page.request, env, config, 'small screen');
  await page.context().addCookies([{ name: 'rh_lang', value: 'en', url: env.console.url }]);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${env.console.url}/`);
  await hydrated(page);
  const table = page.getByRole('table', { name: 'Today per configuration' });
  const last = table.getByRole('columnheader').last();
  await expect(last).toHaveText('Median duration');
  // The page itself is never wider than the phone: the table scrolls inside its card, and
  // scrolled to the end it shows its last column whole (it once ran off the screen).
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const card = page.locator('section', { has: table });
  await table.evaluate((t) => {
    const box = t.parentElement!;
    box.scrollLeft = box.scrollWidth;
  });
  const cardBox = (await card.boundingBox())!;
  const lastBox = (await last.boundingBox())!;
  expect(lastBox.x).toBeGreaterThanOrEqual(cardBox.x);
  expect(lastBox.x + lastBox.width).toBeLessThanOrEqual(cardBox.x + cardBox.width);
});
