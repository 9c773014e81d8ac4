// Temporary: screenshots of the new task-page parts (deleted after looking at them).
const { chromium, request } = require('playwright-core');
const BASE = 'http://127.0.0.1:3811';
(async () => {
  const token = process.argv[2];
  const api = await request.newContext({ baseURL: BASE, extraHTTPHeaders: { origin: BASE } });
  let r = await api.post('/api/setup/complete', { form: { token, username: 'admin', password: 'correct horse battery staple', confirm: 'correct horse battery staple' } });
  r = await api.post('/api/auth/login', { form: { username: 'admin', password: 'correct horse battery staple', next: '/' } });
  const call = async (ep, body) => { const x = await api.post('/api/' + ep, { data: body, headers: { 'content-type': 'application/json' } }); return x.json(); };
  const sb = 'http://127.0.0.1:3812';
  const cfg = (name, extra) => ({ name, api_type: 'runninghub-rhart-edit', host_domestic: sb, host_overseas: sb, api_key: 'sandbox-0123456789abcdef0123456789abcdef', draw_endpoint: '/openapi/v2/rhart-image-n-pro/edit', result_endpoint: '/openapi/v2/query', upload_endpoint: '/openapi/v2/media/upload/binary', model_name: 'rhart-image-n-pro', is_sync_api: false, enable_retry: true, is_active: true, timeout_secs: 300, max_concurrency: 5, allow_local: true, ...extra });
  const a = (await call('configs/create', { input: cfg('回调配置', { callbacks: true }) })).id;
  const b = (await call('configs/create', { input: cfg('对比配置', { timeout_secs: 120 }) })).id;
  const spec = (prompt) => ({ prompt, resolution: '1k', aspect_ratio: 'auto', image_urls: ['https://example.com/cat.png'], local_images: [], region: '' });
  const t1 = (await call('tasks/launch', { configs: [b], spec: spec('丢失的答复 #drop #id=s1') })).tasks[0];
  const t2 = (await call('tasks/launch', { configs: [a], spec: spec('把猫变成蓝色 #runms=1500 #callback=twice') })).tasks[0];
  await new Promise((res) => setTimeout(res, 5000));
  const t3 = await call('tasks/rerun', { req: { of: t2, config: b } });
  await new Promise((res) => setTimeout(res, 3000));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  const state = await api.storageState();
  for (const [lang, theme, w] of [['zh', 'light', 1280], ['en', 'dark', 1280], ['zh', 'light', 390]]) {
    const ctx = await browser.newContext({ storageState: state, viewport: { width: w, height: 900 } });
    await ctx.addCookies([{ name: 'rh_lang', value: lang, url: BASE }, { name: 'rh_theme', value: theme, url: BASE }]);
    const page = await ctx.newPage();
    for (const [name, path] of [['undecided', `/tasks/${t1}`], ['callback', `/tasks/${t2}`], ['rerun', `/tasks/${t3}`], ['home', '/']]) {
      await page.goto(BASE + path);
      await page.waitForSelector('body[data-hydrated="true"]', { state: 'attached' });
      await page.waitForTimeout(600);
      await page.screenshot({ path: `/tmp/shots/${name}-${lang}-${theme}-${w}.png`, fullPage: true });
    }
    await page.goto(BASE + `/tasks/${t2}`);
    await page.waitForSelector('body[data-hydrated="true"]', { state: 'attached' });
    await page.getByTestId('rerun').click();
    await page.getByTestId('rerun-other').check();
    await page.waitForTimeout(400);
    await page.screenshot({ path: `/tmp/shots/dialog-${lang}-${theme}-${w}.png` });
    await page.goto(BASE + `/tasks/${t1}`);
    await page.waitForSelector('body[data-hydrated="true"]', { state: 'attached' });
    await page.getByTestId('resend').click();
    await page.waitForTimeout(300);
    await page.screenshot({ path: `/tmp/shots/resend-${lang}-${theme}-${w}.png` });
    await ctx.close();
  }
  await browser.close();
  console.log('ok', t1, t2, t3);
})();
