import { expect, hydrated, signIn, test } from '../support/fixtures';

test('an admin adds a user, changes the role, resets the password and disables them', async ({ page, browser, env }) => {
  await signIn(page, env.console, undefined, '/users');
  await page.getByText('添加用户').first().click();
  await page.getByLabel('用户名').fill('x');
  await page.getByLabel('密码', { exact: true }).fill('short');
  await page.getByRole('button', { name: '添加用户' }).click();
  await expect(page.getByText('用户名长度为 3–32 个字符')).toBeVisible();
  await expect(page.getByText('密码至少 10 个字符')).toBeVisible();

  await page.getByLabel('用户名').fill('olivia');
  await page.getByLabel('密码', { exact: true }).fill('olivia password 1');
  await page.getByRole('button', { name: '添加用户' }).click();
  const row = page.getByRole('row', { name: /olivia/ });
  await expect(row).toBeVisible();
  // Said, and the form is empty for the next one.
  await expect(page.getByTestId('user-added')).toHaveText('已添加用户 olivia');
  await expect(page.getByLabel('用户名')).toHaveValue('');
  await expect(row.getByRole('combobox')).toHaveValue('operator');

  // Olivia signs in elsewhere and, as an operator, has no Users page.
  const other = await browser.newContext();
  const theirs = await other.newPage();
  await signIn(theirs, env.console, { username: 'olivia', password: 'olivia password 1' });
  await expect(theirs.getByRole('navigation').getByRole('link', { name: '用户' })).toHaveCount(0);
  // Nor a config form with a key field: they are told at once that they may not.
  await theirs.goto(`${env.console.url}/configs/new`);
  await expect(theirs.getByText('你没有权限执行此操作')).toBeVisible();
  await expect(theirs.getByLabel(/API 密钥/)).toHaveCount(0);

  await row.getByRole('combobox').selectOption('admin');
  await expect(row.getByRole('combobox')).toHaveValue('admin');
  await row.getByRole('button', { name: '重置密码' }).click();
  await row.getByPlaceholder('新密码').fill('olivia new password');
  await row.getByRole('button', { name: '保存' }).click();
  await expect(page.getByRole('status').filter({ hasText: '密码已重置' })).toBeVisible();

  await page.getByRole('row', { name: /olivia/ }).getByRole('button', { name: '停用' }).click();
  await expect(page.getByRole('row', { name: /olivia/ })).toContainText('已停用');

  // Their session ended with the change.
  await theirs.goto(`${env.console.url}/configs`);
  await expect(theirs).toHaveURL(/\/login/);
  await other.close();
});
