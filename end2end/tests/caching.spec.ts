// What a returning browser fetches, and what "download" saves.
import { openNewTask, launchTask, createSandboxConfig, expect, hydrated, signIn, test } from '../support/fixtures';

test('a warm reload fetches no wasm body again', async ({ page, env }) => {
  await signIn(page, env.console);
  await page.goto(`${env.console.url}/tasks`);
  await hydrated(page);
  const wasm: Promise<{ url: string; body: number }>[] = [];
  page.on('requestfinished', (req) => {
    if (req.url().includes('/pkg/') && req.url().endsWith('.wasm')) {
      wasm.push(req.sizes().then((s) => ({ url: req.url(), body: s.responseBodySize })));
    }
  });
  await page.reload();
  await hydrated(page);
  const fetched = await Promise.all(wasm);
  expect(fetched.length).toBeGreaterThan(0);
  // Revalidated (a 304 has no body) or taken from the cache: no wasm body crosses the network.
  expect(fetched.filter((w) => w.body > 0)).toEqual([]);
});

test("a page's code comes in one request, on a first visit and on the way to the next page", async ({ page, env }) => {
  await signIn(page, env.console);
  const code: string[] = [];
  page.on('request', (req) => {
    const path = new URL(req.url()).pathname;
    if (path.startsWith('/pkg/')) code.push(path);
  });
  const chunks = () => code.filter((p) => /^\/pkg\/(chunk|split)_/.test(p));
  const batches = () => code.filter((p) => p.startsWith('/pkg/batch/'));

  // The users page's islands: each kind's code in one batch, never chunk by chunk.
  const kinds = async () =>
    page.locator('leptos-island').evaluateAll((els) => new Set(els.map((e) => (e as HTMLElement).dataset.component)).size);
  await page.goto(`${env.console.url}/users`);
  await hydrated(page);
  await expect(page.getByRole('row', { name: /admin/ })).toBeVisible();
  expect(chunks()).toEqual([]);
  expect(batches().length).toBeGreaterThanOrEqual(1);
  expect(batches().length).toBeLessThanOrEqual(await kinds());
  // The stylesheet, the JS glue, the main module, the split loader and the batches.
  expect(code.length).toBeLessThanOrEqual(4 + batches().length);

  // Moving on in the app: the next page's missing code (its islands'), again never chunk by
  // chunk, and at most one request.
  code.length = 0;
  await page.locator('nav a[href="/configs"]').click();
  await expect(page).toHaveURL(/\/configs$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'API 配置' })).toBeVisible();
  expect(chunks()).toEqual([]);
  expect(batches().length).toBeLessThanOrEqual(1);
});

test('download saves the kept result under a name that says which task it is', async ({ page, env }) => {
  const { id } = await openNewTask(page, env, 'Download', 'save me');
  await expect(page.getByTestId('task-status')).toHaveAttribute('data-status', 'succeeded');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '下载' }).click()]);
  expect(download.suggestedFilename()).toBe(`task-${id}-1.png`);
  await expect(page).toHaveURL(new RegExp(`/tasks/${id}$`));
});
