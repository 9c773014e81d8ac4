// Price before launch (issue 15): the provider's estimate per config and the batch total.
import { createSandboxConfig, expect, hydrated, signIn, test } from '../support/fixtures';

test('a batch over two configs shows each estimate and the total before launch', async ({ page, env }) => {
  await signIn(page, env.console);
  await createSandboxConfig(page.request, env, 'Priced-A');
  await createSandboxConfig(page.request, env, 'Priced-B');
  await page.goto(`${env.console.url}/tasks/new`);
  await hydrated(page);
  await page.getByLabel(/Priced-A/).check();
  const estimate = page.getByTestId('estimate');
  await expect(estimate.getByTestId('estimate-config')).toHaveText(['Priced-A: ¥0.14/次']);
  await expect(estimate.getByTestId('estimate-total')).toHaveCount(0);

  await page.getByLabel(/Priced-B/).check();
  await expect(estimate.getByTestId('estimate-config')).toHaveText(['Priced-A: ¥0.14/次', 'Priced-B: ¥0.14/次']);
  await expect(estimate.getByTestId('estimate-total')).toHaveText('合计: ¥0.28');

  // In English, the provider's English price text.
  await page.getByTestId('lang-switch').click();
  await expect(estimate.getByTestId('estimate-config').first()).toHaveText('Priced-A: ¥0.14/call');
  await expect(estimate.getByTestId('estimate-total')).toHaveText('Total: ¥0.28');
});
