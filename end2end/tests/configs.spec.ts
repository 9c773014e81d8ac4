import { SANDBOX_KEY } from '../support/console';
import { createSandboxConfig, expect, hydrated, launchTask, signIn, test } from '../support/fixtures';

test('create the RunningHub config from its preset, edit it, switch it off and on, see its history', async ({ page, env }) => {
  await signIn(page, env.console, undefined, '/configs');
  await page.getByRole('link', { name: /新建配置/ }).first().click();
  await expect(page).toHaveURL(/\/configs\/new$/);
  await hydrated(page);

  // The preset fills every field.
  await expect(page.getByLabel(/^名称/)).toHaveValue('RunningHub-全能图片PRO');
  await expect(page.getByLabel(/^提交端点/)).toHaveValue('/openapi/v2/rhart-image-n-pro/edit');
  await expect(page.getByLabel(/^结果端点/)).toHaveValue('/openapi/v2/query');
  await expect(page.getByLabel(/^上传端点/)).toHaveValue('/openapi/v2/media/upload/binary');
  await expect(page.getByLabel(/^国内地址/)).toHaveValue('https://www.runninghub.cn');
  await expect(page.getByLabel(/^模型名称/)).toHaveValue('rhart-image-n-pro');

  // Saving without a key is refused next to the field.
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page.getByText('启用的配置必须有 API 密钥')).toBeVisible();

  // Switching type fills that type's defaults; switching back restores RunningHub's.
  await page.getByLabel(/^接口类型/).selectOption('nano-banana-edits');
  await expect(page.getByLabel(/^提交端点/)).toHaveValue('/v1/images/edits');
  await page.getByLabel(/^接口类型/).selectOption('runninghub-rhart-edit');
  await expect(page.getByLabel(/^提交端点/)).toHaveValue('/openapi/v2/rhart-image-n-pro/edit');

  await page.getByLabel(/^API 密钥/).fill('sk-e2e-0123456789abcdef0123456789ab77aa');
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page).toHaveURL(/\/configs\/\d+$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('RunningHub-全能图片PRO');
  await expect(page.getByTestId('key-mask')).toHaveText('sk-…77aa');
  await expect(page.locator('body')).not.toContainText('0123456789abcdef0123456789ab77aa');

  // Edit: the key field stays blank and keeps the key.
  await page.getByRole('link', { name: '编辑' }).click();
  await hydrated(page);
  await expect(page.getByLabel(/^API 密钥/)).toHaveValue('');
  await page.getByLabel(/^模型名称/).fill('rhart-image-n-pro-e2e');
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page).toHaveURL(/\/configs\/\d+$/);
  await hydrated(page);
  await expect(page.getByTestId('key-mask')).toHaveText('sk-…77aa');
  const history = page.getByTestId('history');
  await expect(history).toContainText('rhart-image-n-pro-e2e');
  await expect(history).toContainText('修改');

  // Off and on again from the list; the saved state shows at once and survives a reload.
  await page.goto(`${env.console.url}/configs?q=RunningHub`);
  await hydrated(page);
  const row = page.getByRole('row', { name: /RunningHub-全能图片PRO/ });
  const toggle = row.getByRole('switch');
  await expect(toggle).toBeChecked();
  await toggle.click({ force: true });
  await expect(row.getByTestId('active-state')).toHaveText('已停用');
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('row', { name: /RunningHub-全能图片PRO/ }).getByRole('switch')).not.toBeChecked();
  await page.getByRole('row', { name: /RunningHub-全能图片PRO/ }).getByRole('switch').click({ force: true });
  await expect(page.getByRole('row', { name: /RunningHub-全能图片PRO/ }).getByTestId('active-state')).toHaveText('已启用');

  // The history records it all.
  await page.getByRole('row', { name: /RunningHub-全能图片PRO/ }).getByRole('link', { name: 'RunningHub-全能图片PRO' }).click();
  await hydrated(page);
  await expect(page.getByTestId('history-entry')).toHaveCount(4);
  await expect(page.getByTestId('history-entry').first()).toContainText('启用');
});

test('revealing the key asks for the password again and is recorded', async ({ page, env }) => {
  await signIn(page, env.console);
  const { id } = await createSandboxConfig(page.request, env, 'Reveal-me');
  await page.goto(`${env.console.url}/configs/${id}`);
  await hydrated(page);
  await expect(page.getByTestId('key-mask')).toHaveText('…cdef');
  await page.getByRole('button', { name: '查看完整密钥' }).click();
  // The keyboard is in the password field; Esc closes the dialog.
  await expect(page.getByLabel('密码')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await page.getByRole('button', { name: '查看完整密钥' }).click();
  await page.getByLabel('密码').fill('wrong password');
  await page.getByRole('button', { name: '确认' }).click();
  // A wrong password keeps the dialog open and says so inside it.
  await expect(page.getByRole('dialog').getByRole('alert').filter({ hasText: '密码错误' })).toBeVisible();
  await page.getByLabel('密码').fill('correct horse battery staple');
  await page.getByRole('button', { name: '确认' }).click();
  await expect(page.getByTestId('revealed-key')).toHaveText(SANDBOX_KEY);
  await expect(page.getByTestId('history')).toContainText('查看了完整密钥');
});

test('an admin restores an earlier version, archives a config that has tasks and brings it back', async ({ page, env }) => {
  await signIn(page, env.console);
  const { id } = await createSandboxConfig(page.request, env, 'Restore-me');
  await page.goto(`${env.console.url}/configs/${id}/edit`);
  await hydrated(page);
  await page.getByLabel(/^模型名称/).fill('model-v2');
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page).toHaveURL(new RegExp(`/configs/${id}$`));
  await hydrated(page);
  const entries = page.getByTestId('history-entry');
  await expect(entries).toHaveCount(2);

  // Restore v1: asked first, then the page shows the new version in place.
  await entries.filter({ hasText: 'v1' }).getByRole('button', { name: '恢复此版本' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: '确认' }).click();
  await expect(entries).toHaveCount(3);
  await expect(entries.first()).toContainText('恢复自');
  await expect(page.getByTestId('history')).toContainText('model-v2');

  // With a task, delete archives it (and says so); restoring brings it back.
  await launchTask(page.request, env, id, 'keeps it archived, not erased');
  await page.reload();
  await hydrated(page);
  await page.getByRole('button', { name: '删除' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: '确认' }).click();
  await expect(page).toHaveURL(new RegExp(`/configs/${id}\\?archived=1$`));
  await expect(page.getByRole('status').filter({ hasText: '此配置已归档' })).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('已归档');
  await hydrated(page);
  await page.getByRole('button', { name: '恢复', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/configs/${id}$`));
  await expect(page.getByRole('heading', { level: 1 })).toContainText('已启用');
});
