// Pages that arrive whole after interrupted loads (issue 14, item 1): a page load given up
// half-way (a quick click elsewhere, a reload) must not leave the next page without its own
// security policy (no styles or scripts: a dead page) or without its data.
import { launchTask, createSandboxConfig, expect, hydrated, signIn, test } from '../support/fixtures';

test('every page keeps its policy and its data while other loads are abandoned', async ({ page, env }) => {
  test.setTimeout(180_000);
  await signIn(page, env.console);
  const config = (await createSandboxConfig(page.request, env, 'Aborted-A')).id;
  const task = await launchTask(page.request, env, config, 'aborted loads cat');
  // Each page and what it must show once loaded (data from the backend, not only the frame).
  const pages: [string, RegExp][] = [
    ['/', /概览/],
    ['/configs', /Aborted-A/],
    [`/configs/${config}`, /Aborted-A/],
    [`/configs/${config}/edit`, /Aborted-A/],
    ['/tasks', /aborted loads cat/],
    [`/tasks/${task}`, /aborted loads cat/],
    [`/tasks/new?config=${config}`, /Aborted-A/],
    ['/users', /admin/],
  ];
  const url = (p: string) => `${env.console.url}${p}`;
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < pages.length; i++) {
      const [path, shows] = pages[i];
      const [abandoned] = pages[(i + 1 + round) % pages.length];
      // Start loading other pages and give them up while the server renders them.
      await page.evaluate(
        async ([urls, wait]) => {
          const loads = urls.map((u) => {
            const c = new AbortController();
            const done = fetch(u, { signal: c.signal }).then((r) => r.text()).catch(() => undefined);
            return { c, done };
          });
          await new Promise((r) => setTimeout(r, wait));
          loads.forEach((l) => l.c.abort());
          await Promise.all(loads.map((l) => l.done));
        },
        [[url(abandoned), url(pages[(i + 3) % pages.length][0]), url(path)], 2 + ((i * 7 + round * 3) % 15)] as [string[], number],
      );
      const resp = await page.goto(url(path));
      expect(resp, path).not.toBeNull();
      expect(resp!.status(), path).toBe(200);
      const csp = (await resp!.allHeaders())['content-security-policy'] ?? '';
      // The page's own policy: its scripts allowed by nonce, not the allow-nothing one.
      expect(csp, `${path}: ${csp}`).toMatch(/script-src[^;]*'nonce-/);
      await hydrated(page);
      await expect(page.locator('main'), path).toContainText(shows);
      // The stylesheet applied (the allow-nothing policy blocks it: an unstyled page).
      const styled = await page.evaluate(() =>
        [...document.styleSheets].some((s) => (s.href ?? '').includes('/pkg/') && s.cssRules.length > 0),
      );
      expect(styled, path).toBe(true);
    }
  }
  // Any server-side work that ran without its request would be counted, and said in the log.
  const metrics = await (await page.request.get(url('/metrics'))).text();
  expect(metrics).toMatch(/^rhconsole_request_context_misses_total 0$/m);
});
