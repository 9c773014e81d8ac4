// An operator on a slow link (issue 14, item 3): the page is there seconds before its wasm.
// What is typed meanwhile must stay, and pressing 提交测试 must launch, not send a GET.
import { Page, Route } from '@playwright/test';
import { createSandboxConfig, expect, hydrated, signIn, test } from '../support/fixtures';

/// A 4 Mbps / 150 ms link, and the page's wasm held back until `release` is called:
/// the test decides when hydration may happen, so nothing depends on how fast this machine is.
async function slowLink(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 150,
    downloadThroughput: (4 * 1024 * 1024) / 8,
    uploadThroughput: (4 * 1024 * 1024) / 8,
  });
  const held: Route[] = [];
  let open = false;
  await page.route('**/pkg/*.wasm', (route) => {
    if (open) return route.continue();
    held.push(route);
  });
  return {
    release: async () => {
      open = true;
      for (const r of held.splice(0)) await r.continue();
    },
  };
}

test('text typed before the wasm arrives stays when it arrives, and the form still launches', async ({ page, env }) => {
  await signIn(page, env.console);
  const config = (await createSandboxConfig(page.request, env, 'Slow-A')).id;
  const link = await slowLink(page);
  await page.goto(`${env.console.url}/tasks/new?config=${config}`, { waitUntil: 'domcontentloaded' });
  await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel(/^提示词/).fill('typed before the wasm');
  await page.getByLabel('图片链接 1', { exact: true }).fill('https://example.com/early.png');
  await page.getByLabel('分辨率').selectOption('2k');
  await link.release();
  await hydrated(page);
  await expect(page.getByLabel(/^提示词/)).toHaveValue('typed before the wasm');
  await expect(page.getByLabel('图片链接 1', { exact: true })).toHaveValue('https://example.com/early.png');
  await expect(page.getByLabel('分辨率')).toHaveValue('2k');
  // The config picked by the link stays picked.
  await expect(page.locator(`#cfg-${config}`)).toBeChecked();
  await page.getByRole('button', { name: '提交测试' }).click();
  await expect(page).toHaveURL(/\/tasks\/\d+$/);
  await expect(page.getByText('typed before the wasm')).toBeVisible();
});

test('submitting before the wasm arrives launches the task with a real post', async ({ page, env }) => {
  await signIn(page, env.console);
  const config = (await createSandboxConfig(page.request, env, 'Slow-B')).id;
  await slowLink(page); // never released: the wasm does not arrive at all
  await page.goto(`${env.console.url}/tasks/new?config=${config}`, { waitUntil: 'domcontentloaded' });
  await expect(page.locator('body')).not.toHaveAttribute('data-hydrated', 'true');
  const launched = page.waitForRequest((r) => r.url().endsWith('/tasks/launch'));
  await page.getByLabel(/^提示词/).fill('sent without wasm');
  await page.getByLabel('图片链接 1', { exact: true }).fill('https://example.com/cat.png');
  await page.getByRole('button', { name: '提交测试' }).click();
  const post = await launched;
  expect(post.method()).toBe('POST');
  // The prompt never goes into a URL.
  expect(post.url()).not.toContain('sent');
  await expect(page).toHaveURL(/\/tasks\/\d+$/);
  // The task page, rendered by the server: the task is there with its prompt.
  await expect(page.getByText('sent without wasm')).toBeVisible();
});

test('a form post the server refuses comes back with the error beside the field', async ({ page, env }) => {
  await signIn(page, env.console);
  await createSandboxConfig(page.request, env, 'Slow-C');
  await slowLink(page);
  await page.goto(`${env.console.url}/tasks/new`, { waitUntil: 'domcontentloaded' });
  // No config picked: the browser cannot know that one is needed, the server says so.
  await page.getByLabel(/^提示词/).fill('no config chosen');
  await page.getByLabel('图片链接 1', { exact: true }).fill('https://example.com/cat.png');
  await page.getByRole('button', { name: '提交测试' }).click();
  await expect(page).toHaveURL(/\/tasks\/new\?.*__err=/);
  await expect(page.locator('#configs-error')).toHaveText('请至少选择一个配置');
});

test('signing in before the wasm arrives is a real post that signs in', async ({ page, env }) => {
  await slowLink(page); // never released
  await page.goto(`${env.console.url}/login?next=%2Ftasks`, { waitUntil: 'domcontentloaded' });
  await page.getByLabel('用户名').fill('admin');
  await page.getByLabel(/^密码$/).fill('correct horse battery staple');
  const post = page.waitForRequest((r) => r.url().endsWith('/api/auth/login'));
  await page.getByRole('button', { name: '登录' }).click();
  expect((await post).method()).toBe('POST');
  await expect(page).toHaveURL(`${env.console.url}/tasks`);
});
