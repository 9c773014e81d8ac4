// Hydrates the page's islands (see `hydration.rs`): loads the wasm when the browser is idle,
// then walks the page and hydrates each `<leptos-island>` in document order, an island's own
// islands after it (they may use its context). Leptos' `island_script.js`, plus the mark tests
// and scripts wait for: `data-hydrated` on `<body>` once every island is live.
((pkg) => {
  const childrenHooks = [];
  async function hydrateIsland(el, mod) {
    const f = mod[el.dataset.component || ""];
    if (!f) {
      console.error(`no wasm function for the island ${el.dataset.component}`);
      return;
    }
    const hook = childrenHooks[childrenHooks.length - 1];
    if (hook) hook();
    const done = f(el);
    if (done && done.then) await done;
    // Each island says when it is live (an island swapped in later hydrates after the page).
    el.dataset.hydrated = "true";
  }
  async function walk(node, mod) {
    // A part swapped out meanwhile (`__swapIn`) is not hydrated any more.
    if (node.nodeType !== Node.ELEMENT_NODE || !node.isConnected) return;
    const tag = node.tagName.toLowerCase();
    if (tag === "leptos-island") await hydrateIsland(node, mod);
    if (tag === "leptos-children") childrenHooks.push(node.$$on_hydrate);
    for (const child of node.children) await walk(child, mod);
    if (tag === "leptos-children") childrenHooks.pop();
  }
  // The page's words (`i18n/words.rs`), in parallel with the wasm: its texts are not in it.
  const wordsUrl = document.getElementById("rh-words")?.href;
  const words = wordsUrl
    ? fetch(wordsUrl).then((r) => (r.ok ? r.text() : Promise.reject(new Error(`HTTP ${r.status}`))))
    : Promise.reject(new Error("no #rh-words link"));
  words.catch(() => {}); // reported below, once the wasm is there
  const start = () =>
    import(`/${pkg}/rhconsole.js`).then(async (mod) => {
      await mod.default({ module_or_path: `/${pkg}/rhconsole.wasm` });
      // Without its words an island would show names instead of texts: the page then stays as
      // the server rendered it (links and the forms that post without wasm still work).
      const text = await words.catch((e) => {
        console.error(`the page's words did not load (${wordsUrl}): ${e}`);
        return null;
      });
      if (text === null) return;
      if (!mod.set_words(text)) {
        console.error(`the page's words (${wordsUrl}) are not this build's: reload the page`);
        return;
      }
      mod.hydrate();
      window.__hydrateIsland = (el) => hydrateIsland(el, mod);
      let pageHydrated;
      const hydrated = new Promise((resolve) => (pageHydrated = resolve));
      // Puts new server-rendered content into the element with id `id` and hydrates its
      // islands (`live::refresh`), once the page's own hydration is over, so the two walks
      // never meet. `false` when there is no such element.
      window.__swapIn = async (id, html) => {
        await hydrated;
        const el = document.getElementById(id);
        if (!el) return false;
        el.innerHTML = html;
        await walk(el, mod);
        return true;
      };
      await walk(document.body, mod);
      document.body.setAttribute("data-hydrated", "true");
      pageHydrated();
    });
  // The islands' code at once, in parallel with the main module (`chunk_batch.js`).
  const islands = new Set(
    [...document.querySelectorAll("leptos-island")].map((el) =>
      (el.dataset.component || "").replace(/_\d+$/, ""),
    ),
  );
  window.__preloadIslands?.([...islands].filter((n) => /^[A-Z][A-Za-z0-9]*$/.test(n)));
  if ("requestIdleCallback" in window) window.requestIdleCallback(start);
  else start();
})
