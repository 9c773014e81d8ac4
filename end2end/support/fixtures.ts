// Shared fixtures: each worker gets its own console, fake provider and admin account.
import { test as base, expect, Page, APIRequestContext } from '@playwright/test';
import { Console, Sandbox, SANDBOX_KEY } from './console';

export { expect };

export const ADMIN = { username: 'admin', password: 'correct horse battery staple' };

export interface Env {
  console: Console;
  sandbox: Sandbox;
}

/** Creates the first admin through the setup link's server function. */
export async function completeSetup(c: Console, user = ADMIN): Promise<void> {
  if (!c.setupLink) throw new Error('no setup link was printed');
  const token = new URL(c.setupLink).searchParams.get('token') ?? '';
  const body = new URLSearchParams({ token, username: user.username, password: user.password, confirm: user.password });
  const r = await fetch(`${c.url}/api/setup/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  if (!r.ok) throw new Error(`setup failed: ${r.status} ${await r.text()}`);
}

export async function hydrated(page: Page): Promise<void> {
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 30_000 });
}

export async function signIn(page: Page, c: Console, user = ADMIN, next = '/'): Promise<void> {
  await page.goto(`${c.url}/login?next=${encodeURIComponent(next)}`);
  await hydrated(page);
  await page.getByLabel(/用户名|Username/).fill(user.username);
  await page.getByLabel(/^(密码|Password)$/).fill(user.password);
  await page.getByRole('button', { name: /^(登录|Sign in)$/ }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  await hydrated(page);
}

/** The data rows of the page's table (header rows hold column headers, not cells). */
export function dataRows(page: Page) {
  return page.getByRole('table').getByRole('row').filter({ has: page.getByRole('cell') });
}

/** Calls a JSON server function with the page's cookies. */
export async function callJson(request: APIRequestContext, c: Console, endpoint: string, body: unknown) {
  return request.post(`${c.url}/api/${endpoint}`, {
    headers: { 'content-type': 'application/json', origin: c.url },
    data: JSON.stringify(body),
  });
}

/** Launches one task on `config` through the server function (one image URL) and answers its id. */
export async function launchTask(request: APIRequestContext, env: Env, config: number, prompt: string): Promise<number> {
  const r = await callJson(request, env.console, 'tasks/launch', {
    configs: [config],
    spec: { prompt, resolution: '1k', aspect_ratio: 'auto', image_urls: ['https://example.com/cat.png'], local_images: [], region: '' },
  });
  if (!r.ok()) throw new Error(`launching failed: ${r.status()} ${await r.text()}`);
  return (await r.json()).tasks[0];
}

/** Signs in, creates a sandbox config named `name`, launches `prompt` on it and opens the task's page. */
export async function openNewTask(page: Page, env: Env, name: string, prompt: string): Promise<{ config: number; id: number }> {
  await signIn(page, env.console);
  const config = (await createSandboxConfig(page.request, env, name)).id;
  const id = await launchTask(page.request, env, config, prompt);
  await page.goto(`${env.console.url}/tasks/${id}`);
  await hydrated(page);
  return { config, id };
}

/** A RunningHub config pointing at the fake provider, created through the server function. */
export async function createSandboxConfig(request: APIRequestContext, env: Env, name: string, extra: Record<string, unknown> = {}) {
  const input = {
    name,
    api_type: 'runninghub-rhart-edit',
    host_domestic: env.sandbox.url,
    host_overseas: env.sandbox.url,
    api_key: SANDBOX_KEY,
    draw_endpoint: '/openapi/v2/rhart-image-n-pro/edit',
    result_endpoint: '/openapi/v2/query',
    upload_endpoint: '/openapi/v2/media/upload/binary',
    model_name: 'rhart-image-n-pro',
    is_sync_api: false,
    enable_retry: true,
    is_active: true,
    timeout_secs: 300,
    max_concurrency: 20,
    allow_local: true,
    ...extra,
  };
  const r = await callJson(request, env.console, 'configs/create', { input });
  if (!r.ok()) throw new Error(`creating ${name} failed: ${r.status()} ${await r.text()}`);
  return (await r.json()) as { id: number };
}

export const test = base.extend<{}, { env: Env }>({
  env: [
    async ({}, use) => {
      const sandbox = await Sandbox.start();
      const c = await Console.start();
      await completeSetup(c);
      const env = { console: c, sandbox };
      await use(env);
      await env.console.stop();
      sandbox.stop();
      env.console.cleanup();
    },
    { scope: 'worker' },
  ],
});
