import { test as base, expect } from '@playwright/test';
import { Console } from '../support/console';
import { ADMIN, completeSetup, hydrated, signIn, test } from '../support/fixtures';

base.describe('first start', () => {
  base('the printed setup link creates the first admin, once', async ({ page }) => {
    const c = await Console.start();
    try {
      expect(c.setupLink).toMatch(/\/setup\?token=/);
      await page.goto(c.setupLink!);
      await hydrated(page);
      await expect(page.getByRole('heading', { name: '创建第一个管理员' })).toBeVisible();
      await page.getByLabel('用户名').fill('root-admin');
      await page.getByLabel('密码', { exact: true }).fill('a long enough password');
      await page.getByLabel('确认密码').fill('a long enough password');
      await page.getByRole('button', { name: '创建管理员' }).click();
      // Signed in by the setup itself: on to the overview, no second sign-in.
      await expect(page).toHaveURL(`${c.url}/`);
      await hydrated(page);
      await expect(page.getByText('root-admin')).toBeVisible();

      // The link is dead now.
      await page.goto(c.setupLink!);
      await expect(page.getByRole('alert')).toContainText('设置链接无效或已使用');
    } finally {
      await c.stop();
      c.cleanup();
    }
  });
});

test.describe('signing in', () => {
  test('a protected page sends you to sign in, then back to it', async ({ page, env }) => {
    await page.goto(`${env.console.url}/configs?sort=updated`);
    await expect(page).toHaveURL(/\/login\?next=/);
    await hydrated(page);
    await page.getByLabel('用户名').fill(ADMIN.username);
    await page.getByLabel('密码', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: '登录' }).click();
    await expect(page).toHaveURL(`${env.console.url}/configs?sort=updated`);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  });

  test('a wrong password is refused with the same message as an unknown user', async ({ page, env }) => {
    await page.goto(`${env.console.url}/login`);
    await hydrated(page);
    await page.getByLabel('用户名').fill(ADMIN.username);
    await page.getByLabel('密码', { exact: true }).fill('not the password');
    await page.getByRole('button', { name: '登录' }).click();
    const first = page.getByRole('alert');
    await expect(first).toContainText('用户名或密码错误');
    await page.getByLabel('用户名').fill('nobody-here');
    await page.getByRole('button', { name: '登录' }).click();
    await expect(page.getByRole('alert')).toContainText('用户名或密码错误');
  });

  test('signing out ends the session', async ({ page, env }) => {
    await signIn(page, env.console);
    await page.getByRole('button', { name: '退出登录' }).click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto(`${env.console.url}/tasks`);
    await expect(page).toHaveURL(/\/login\?next=%2Ftasks/);
  });

  test('the language switch changes the page and is remembered', async ({ page, env }) => {
    await signIn(page, env.console);
    await expect(page.getByRole('navigation').getByRole('link', { name: '配置' })).toBeVisible();
    await page.getByTestId('lang-switch').click();
    await expect(page.getByRole('navigation').getByRole('link', { name: 'Configurations' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await page.reload();
    await hydrated(page);
    await expect(page.getByRole('navigation').getByRole('link', { name: 'Configurations' })).toBeVisible();
    await page.getByTestId('lang-switch').click();
    await expect(page.getByRole('navigation').getByRole('link', { name: '配置' })).toBeVisible();
  });
});
