import { ADMIN, createSandboxConfig, expect, hydrated, signIn, test } from '../support/fixtures';

test('signing in through a crafted next stays on the console', async ({ page, env }) => {
  // A tab (or a dot segment) that a browser would turn into `//elsewhere`.
  for (const next of ['/\t/example.com/', '/.//example.com/', '//example.com/']) {
    await page.context().clearCookies();
    await page.goto(`${env.console.url}/login?next=${encodeURIComponent(next)}`);
    await hydrated(page);
    await page.getByLabel('用户名').fill(ADMIN.username);
    await page.getByLabel('密码', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    expect(new URL(page.url()).origin, JSON.stringify(next)).toBe(env.console.url);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  }
});

test('a config whose name holds markup stays on its page with the name shown as text', async ({ page, env }) => {
  await signIn(page, env.console);
  const name = '</title><meta http-equiv=refresh content=0;url=//x.example>';
  const { id } = await createSandboxConfig(page.request, env, name);
  const response = await page.goto(`${env.console.url}/configs/${id}`);
  // The server's page itself carries no refresh (a meta refresh would fire before any script).
  expect(await response!.text()).not.toContain('<meta http-equiv');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toContainText(name);
  expect(await page.title()).toContain('</title>');
  expect(page.url()).toBe(`${env.console.url}/configs/${id}`);
});

test('pointing the stored key at another host asks for the password first', async ({ page, env }) => {
  await signIn(page, env.console);
  const { id } = await createSandboxConfig(page.request, env, 'Key-destination');
  await page.goto(`${env.console.url}/configs/${id}/edit`);
  await hydrated(page);
  const confirm = page.getByLabel(/^你的密码/);
  await expect(confirm).toHaveCount(0);
  await page.getByLabel(/^国内地址/).fill('https://elsewhere.example');
  await expect(confirm).toBeVisible();
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page.getByRole('alert').filter({ hasText: '请输入你的密码，确认' })).toBeVisible();
  await confirm.fill('not my password');
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page.getByRole('alert').filter({ hasText: '密码错误' })).toBeVisible();
  await confirm.fill(ADMIN.password);
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page).toHaveURL(new RegExp(`/configs/${id}$`));
  await expect(page.getByText('https://elsewhere.example').first()).toBeVisible();
});
