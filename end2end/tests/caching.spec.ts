// What a returning browser fetches, and what "download" saves.
import { openNewTask, launchTask, createSandboxConfig, expect, hydrated, signIn, test } from '../support/fixtures';

test('a warm reload fetches no wasm body again', async ({ page, env }) => {
  await signIn(page, env.console);
  await page.goto(`${env.console.url}/tasks`);
  await hydrated(page);
  const wasm: Promise<{ url: string; body: number }>[] = [];
  page.on('requestfinished', (req) => {
    // The wasm, and the page's words that come beside it (`/pkg/words/zh.txt`).
    if (req.url().includes('/pkg/') && (req.url().endsWith('.wasm') || req.url().includes('/pkg/words/'))) {
      wasm.push(req.sizes().then((s) => ({ url: req.url(), body: s.responseBodySize })));
    }
  });
  await page.reload();
  await hydrated(page);
  const fetched = await Promise.all(wasm);
  expect(fetched.length).toBeGreaterThan(0);
  expect(fetched.map((w) => new URL(w.url).pathname)).toContain('/pkg/words/zh.txt');
  // Revalidated (a 304 has no body) or taken from the cache: no wasm body crosses the network.
  expect(fetched.filter((w) => w.body > 0)).toEqual([]);
});

test("a page's code comes in one request, on a first visit and on the next page", async ({ page, env }) => {
  await signIn(page, env.console);
  const code: string[] = [];
  page.on('request', (req) => {
    const path = new URL(req.url()).pathname;
    if (path.startsWith('/pkg/')) code.push(path);
  });
  const chunks = () => code.filter((p) => /^\/pkg\/(chunk|split)_/.test(p));
  const batches = () => code.filter((p) => p.startsWith('/pkg/batch/'));
  const islands = () => code.filter((p) => p.startsWith('/pkg/islands/'));
  const kinds = async () =>
    page
      .locator('leptos-island')
      .evaluateAll((els) => [...new Set(els.map((e) => (e as HTMLElement).dataset.component!.replace(/_\d+$/, '')))].sort());

  for (const [path, heading] of [
    ['/users', '用户'],
    ['/configs', 'API 配置'],
  ]) {
    code.length = 0;
    await page.goto(`${env.console.url}${path}`);
    await hydrated(page);
    await expect(page.getByRole('heading', { name: heading })).toBeVisible();
    // Every island's code in one response that names them, never chunk by chunk.
    expect(chunks()).toEqual([]);
    expect(batches()).toEqual([]);
    expect(islands()).toEqual([`/pkg/islands/${(await kinds()).join('-')}.wasm`]);
    // The page's words in its language, once.
    expect(code.filter((p) => p.startsWith('/pkg/words/'))).toEqual(['/pkg/words/zh.txt']);
    // The stylesheet, the JS glue, the main module, the split loader, the islands' code and
    // the words.
    expect(code.length).toBeLessThanOrEqual(6);
  }
});

test('download saves the kept result under a name that says which task it is', async ({ page, env }) => {
  const { id } = await openNewTask(page, env, 'Download', 'save me');
  await expect(page.getByTestId('task-status')).toHaveAttribute('data-status', 'succeeded');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '下载' }).click()]);
  expect(download.suggestedFilename()).toBe(`task-${id}-1.png`);
  await expect(page).toHaveURL(new RegExp(`/tasks/${id}$`));
});
