import { Page } from '@playwright/test';
import { Console, freePort, runCli } from '../support/console';
import { Env, createSandboxConfig, dataRows, expect, hydrated, launchTask, signIn, test } from '../support/fixtures';

test.describe.configure({ mode: 'serial' });

async function launchOn(page: Page, env: Env, configId: number, prompt: string, urls = ['https://example.com/cat.png']) {
  await page.goto(`${env.console.url}/configs/${configId}`);
  await page.getByRole('link', { name: '测试此配置' }).click();
  await expect(page).toHaveURL(new RegExp(`/tasks/new\\?config=${configId}$`));
  await hydrated(page);
  await page.getByLabel(/^提示词/).fill(prompt);
  for (let i = 0; i < urls.length; i++) {
    if (i > 0) await page.getByRole('button', { name: /添加链接/ }).click();
    await page.getByLabel(`图片链接 ${i + 1}`, { exact: true }).fill(urls[i]);
  }
  await page.getByRole('button', { name: '提交测试' }).click();
  await expect(page).toHaveURL(/\/tasks\/\d+$/);
  await hydrated(page);
}

test.describe('test tasks', () => {
  let config = 0;

  test.beforeAll(async ({ browser, env }) => {
    const page = await browser.newPage();
    await signIn(page, env.console);
    config = (await createSandboxConfig(page.request, env, 'Sandbox-A')).id;
    await page.close();
  });

  test('a task goes queued → running → succeeded and its image appears without reloading', async ({ page, env }) => {
    await signIn(page, env.console);
    await launchOn(page, env, config, 'make the cat blue #queued=6 #polls=6');
    // Every status the badge shows from now on, and a mark that a reload would wipe. How many
    // of the early ones the page catches depends on the machine's speed; their order does not.
    await page.evaluate(() => {
      const w = window as unknown as { seen: string[]; sameDocument: boolean };
      const badge = () => document.querySelector('[data-testid="task-status"]')?.getAttribute('data-status') ?? '';
      w.seen = [];
      w.sameDocument = true;
      const note = () => {
        const now = badge();
        if (now && w.seen[w.seen.length - 1] !== now) w.seen.push(now);
      };
      note();
      new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
    });
    const status = page.getByTestId('task-status');
    await expect(status).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
    const { seen, sameDocument } = await page.evaluate(() => {
      const w = window as unknown as { seen: string[]; sameDocument: boolean };
      return { seen: w.seen, sameDocument: w.sameDocument };
    });
    expect(sameDocument).toBe(true);
    const order = ['pending', 'uploading', 'submitting', 'queued', 'running', 'succeeded'];
    const ranks = seen.map((s) => order.indexOf(s));
    expect(ranks.every((r) => r >= 0), seen.join(' → ')).toBe(true);
    expect(ranks, seen.join(' → ')).toEqual([...ranks].sort((x, y) => x - y));
    await expect(page.getByTestId('result-image')).toHaveCount(1);
    await expect(page.getByTestId('result-image')).toHaveJSProperty('complete', true);
    await expect(page.getByTestId('provider-task-id')).toHaveText(/^\d+$/);
    await expect(page.getByTestId('cost')).toHaveText('¥0.14');
    const timeline = page.getByTestId('timeline');
    await expect(timeline).toContainText('已受理：taskId');
    // The whole way is in the log, whatever the page caught live.
    await expect(timeline).toContainText('QUEUED');
    await expect(timeline).toContainText('服务商状态：RUNNING');
    await expect(timeline).toContainText('成功，用时');
    // Shown once each: no duplicates from the stream.
    const seqs = await timeline.getByRole('listitem').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  test('a failing task shows the code, the message and what it means', async ({ page, env }) => {
    await signIn(page, env.console);
    await launchOn(page, env, config, 'not allowed #moderation');
    await expect(page.getByTestId('task-status')).toHaveAttribute('data-status', 'failed');
    await expect(page.getByTestId('error-code')).toHaveText('1501');
    await expect(page.getByTestId('error-message')).toHaveText('Content verification failed');
    await expect(page.getByTestId('explanation')).toContainText('内容审核未通过');
  });

  test('a success without an image is a failure that quotes the answer and says why', async ({ page, env }) => {
    await signIn(page, env.console);
    await launchOn(page, env, config, 'only words #textonly');
    await expect(page.getByTestId('task-status')).toHaveAttribute('data-status', 'failed');
    await expect(page.getByTestId('error-code')).toHaveText('no_image');
    await expect(page.getByTestId('error-message')).toContainText('a caption instead of an image');
    await expect(page.getByTestId('explanation')).toContainText('没有可用的图片');
  });

  test('reloading mid-task shows the whole history and goes on live', async ({ page, env }) => {
    await signIn(page, env.console);
    await launchOn(page, env, config, 'long running #polls=25');
    await expect(page.getByTestId('task-status')).toHaveAttribute('data-status', 'running');
    // Reload once the log has a few events, so there is history to show again.
    const timeline0 = page.getByTestId('timeline');
    await expect.poll(() => timeline0.getByRole('listitem').count()).toBeGreaterThan(3);
    await page.reload();
    await hydrated(page);
    const timeline = page.getByTestId('timeline');
    await expect(timeline.getByRole('listitem').first()).toHaveAttribute('data-seq', '1');
    await expect(page.getByTestId('task-status')).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
    const seqs = await timeline.getByRole('listitem').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    await expect(timeline).toContainText('成功，用时');
  });

  test('from the 11th image URL on, a warning says only 10 are sent', async ({ page, env }) => {
    await signIn(page, env.console, undefined, '/tasks/new');
    for (let i = 0; i < 10; i++) {
      if (i > 0) await page.getByRole('button', { name: /添加链接/ }).click();
      await page.getByLabel(`图片链接 ${i + 1}`, { exact: true }).fill(`https://example.com/${i}.png`);
    }
    await expect(page.getByTestId('only-first-10')).toHaveCount(0);
    await page.getByRole('button', { name: /添加链接/ }).click();
    await page.getByLabel('图片链接 11', { exact: true }).fill('https://example.com/10.png');
    await expect(page.getByTestId('only-first-10')).toBeVisible();
    await page.getByRole('button', { name: '移除 11' }).click();
    await expect(page.getByTestId('only-first-10')).toHaveCount(0);
  });

  test('a batch test runs on two configs and shows them side by side', async ({ page, env }) => {
    await signIn(page, env.console);
    await createSandboxConfig(page.request, env, 'Sandbox-B');
    await page.goto(`${env.console.url}/tasks/new`);
    await hydrated(page);
    await page.getByLabel(/Sandbox-A/).check();
    await page.getByLabel(/Sandbox-B/).check();
    await page.getByLabel(/^提示词/).fill('compare these #polls=3');
    await page.getByLabel('图片链接 1', { exact: true }).fill('https://example.com/cmp.png');
    await page.getByRole('button', { name: '提交测试' }).click();
    await expect(page).toHaveURL(/\/tasks\?batch=\d+/);
    await hydrated(page);
    // The shared test case once, then one column per config.
    await expect(page.getByTestId('batch-case')).toContainText('compare these #polls=3');
    await expect(page.getByTestId('batch-case').getByTestId('input-image')).toHaveCount(1);
    const columns = page.getByRole('listitem').filter({ has: page.getByRole('heading') });
    await expect(columns).toHaveCount(2);
    await expect(columns.nth(0)).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
    await expect(columns.nth(1)).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
    await expect(columns.nth(0)).toContainText('¥0.14');
    await expect(columns.nth(0).getByTestId('compare-image')).toHaveCount(1);
    // A result opens large; Esc closes it.
    await columns.nth(0).getByTestId('compare-image').click();
    await expect(page.locator('.lightbox img')).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.locator('.lightbox')).toHaveCount(0);
  });

  test('the list filters by status and finds a task by prompt', async ({ page, env }) => {
    await signIn(page, env.console);
    await page.goto(`${env.console.url}/tasks?q=${encodeURIComponent('not allowed')}`);
    await hydrated(page);
    await expect(dataRows(page)).toHaveCount(1);
    await expect(dataRows(page)).toContainText('not allowed');
    await page.goto(`${env.console.url}/tasks`);
    await hydrated(page);
    await page.getByLabel('状态').selectOption('failed');
    await page.getByRole('button', { name: '筛选' }).click();
    await expect(page).toHaveURL(/status=failed/);
    // Only failed tasks are listed (other tests of this file add failures of their own).
    const failed = dataRows(page);
    await expect(failed.filter({ hasText: 'not allowed' })).toHaveCount(1);
    await expect(failed.filter({ hasText: 'make the cat blue' })).toHaveCount(0);
    const n = await failed.count();
    for (let i = 0; i < n; i++) {
      await expect(failed.nth(i)).toHaveAttribute('data-status', 'failed');
    }
  });

  test('a task launched from the command line appears in the open list live and finishes there', async ({ page, env }) => {
    await signIn(page, env.console, undefined, '/tasks');
    const before = await dataRows(page).count();
    const run = runCli(env.console.dataDir, [
      'task', 'run', '--config', 'Sandbox-A', '--prompt', 'from the shell #polls=4', '--image', 'https://example.com/x.png',
    ]);
    // The console serving this data directory follows the task, so its list shows it live.
    await expect(dataRows(page)).toHaveCount(before + 1);
    await expect(dataRows(page).first()).toContainText('from the shell');
    await expect(dataRows(page).first()).toHaveAttribute('data-status', 'succeeded', { timeout: 20_000 });
    const { code, output } = await run;
    expect(code, output).toBe(0);
    expect(output).toContain('follows it');
  });

  test('a new task appears in the list live', async ({ page, env }) => {
    await signIn(page, env.console, undefined, '/tasks');
    const before = await dataRows(page).count();
    const r = await page.request.post(`${env.console.url}/api/tasks/launch`, {
      headers: { 'content-type': 'application/json', origin: env.console.url },
      data: JSON.stringify({
        configs: [config],
        spec: { prompt: 'appears live', resolution: '1k', aspect_ratio: 'auto', image_urls: ['https://example.com/x.png'], local_images: [], region: '' },
      }),
    });
    expect(r.ok()).toBeTruthy();
    await expect(dataRows(page)).toHaveCount(before + 1);
    await expect(dataRows(page).first()).toContainText('appears live');
    await expect(dataRows(page).first()).toHaveAttribute('data-status', 'succeeded', { timeout: 20_000 });
  });
});

test('the page reconnects after a server restart and the task completes', async ({ page, env }) => {
  // Its own console on a fixed port, sharing the worker's fake provider.
  const port = await freePort();
  let c = await Console.start({ port });
  try {
    const token = new URL(c.setupLink!).searchParams.get('token')!;
    await fetch(`${c.url}/api/setup/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, username: 'admin', password: 'correct horse battery staple', confirm: 'correct horse battery staple' }),
    });
    await signIn(page, c);
    const id = (await createSandboxConfig(page.request, { console: c, sandbox: env.sandbox }, 'Sandbox-R')).id;
    await launchOn(page, { console: c, sandbox: env.sandbox }, id, 'survive a restart #polls=30');
    await expect(page.getByTestId('task-status')).toHaveAttribute('data-status', 'running');
    c = await c.restart('SIGTERM');
    await expect(page.getByTestId('task-status')).toHaveAttribute('data-status', 'succeeded', { timeout: 45_000 });
    const timeline = page.getByTestId('timeline');
    await expect(timeline).toContainText('重启后继续');
    const seqs = await timeline.getByRole('listitem').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  } finally {
    await c.stop();
    c.cleanup();
  }
});

test('the overview counts a task launched elsewhere, in place, without reloading', async ({ page, env }) => {
  await signIn(page, env.console);
  const config = (await createSandboxConfig(page.request, env, 'Overview-A')).id;
  await page.goto(`${env.console.url}/`);
  await hydrated(page);
  const before = Number(await page.getByTestId('today-total').textContent());
  // A mark on this document: a reload or a navigation would lose it.
  await page.evaluate(() => ((window as unknown as { keep: string }).keep = 'this document'));
  await launchTask(page.request, env, config, 'counted on the overview');
  await expect(page.getByTestId('today-total')).toHaveText(String(before + 1), { timeout: 20_000 });
  expect(await page.evaluate(() => (window as unknown as { keep?: string }).keep)).toBe('this document');
});
