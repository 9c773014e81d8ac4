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

test('download saves the kept result under a name that says which task it is', async ({ page, env }) => {
  const { id } = await openNewTask(page, env, 'Download', 'save me');
  await expect(page.getByTestId('task-status')).toHaveAttribute('data-status', 'succeeded');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '下载' }).click()]);
  expect(download.suggestedFilename()).toBe(`task-${id}-1.png`);
  await expect(page).toHaveURL(new RegExp(`/tasks/${id}$`));
});
