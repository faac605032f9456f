// Browser journeys through the real site in Debian Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { useSite, waitForHydration, ARTIFACTS } from '../harness.mjs';

const site = useSite();

test('the store renders listings from the database', async () => {
  const page = await site.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto(site.server.url + '/');
  await assert.doesNotReject(page.getByTestId('store-empty').waitFor(), 'an empty store says so');

  site.server.sql(`
    INSERT INTO creators (handle, display_name, created_at) VALUES ('mira', 'Mira Lindqvist', '2026-11-20T10:00:00Z');
    INSERT INTO listings (creator_id, slug, kind, title, price_minor, currency, edition_size, status, created_at, published_at)
    VALUES ((SELECT id FROM creators WHERE handle = 'mira'), 'tidal-memory', 'edition', 'Tidal Memory', 4800, 'USD', 12, 'published',
            '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z');
    INSERT INTO listings (creator_id, slug, kind, title, price_minor, currency, edition_size, status, created_at, published_at)
    VALUES ((SELECT id FROM creators WHERE handle = 'mira'), 'draft-one', 'workflow', 'Hidden Draft', 900, 'USD', NULL, 'draft',
            '2026-11-20T10:00:00Z', NULL);
  `);

  // Written behind the server's back, so its anonymous-page cache learns of it
  // only when the page's second is up (writes through the site empty it at once).
  const titles = page.getByTestId('listing-title');
  const shown = Date.now();
  do {
    await page.reload();
  } while (!(await titles.count()) && Date.now() - shown < 5000 && (await page.waitForTimeout(200), true));
  await titles.first().waitFor();
  assert.ok(Date.now() - shown < 3000, 'the store shows the new listing within the cache\'s second');
  assert.deepEqual(await titles.allTextContents(), ['Tidal Memory']);
  const grid = page.getByTestId('listing-grid');
  assert.match(await grid.textContent(), /Mira Lindqvist/);
  assert.match(await grid.textContent(), /12 of 12 left/);
  assert.match(await grid.textContent(), /\$48\.00/);

  // Styled by Tailwind: the grid is a CSS grid, not unstyled markup.
  assert.equal(await grid.evaluate((el) => getComputedStyle(el).display), 'grid');
  await waitForHydration(page);
  await page.screenshot({ path: join(ARTIFACTS, 'store.png'), fullPage: true });
  assert.deepEqual(errors, [], 'no script errors');
  await page.close();
});

test('hydration makes the mobile menu work', async () => {
  const context = await site.browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(site.server.url + '/');
  const menu = page.getByRole('button', { name: 'Menu' });
  const nav = page.locator('#site-nav');
  assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  assert.equal(await nav.isVisible(), false, 'the nav starts folded on a phone');

  await waitForHydration(page);
  await menu.click();
  const close = page.getByRole('button', { name: 'Close menu' });
  await close.waitFor();
  assert.equal(await close.getAttribute('aria-expanded'), 'true');
  assert.equal(await nav.isVisible(), true);
  await page.screenshot({ path: join(ARTIFACTS, 'mobile-menu.png') });

  await page.getByRole('link', { name: 'Verify' }).click();
  await page.getByRole('heading', { name: 'Verify' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/verify', 'client-side navigation');
  await context.close();
});

test('the verify page checks a pasted hash as you type', async () => {
  const page = await site.browser.newPage();
  await page.goto(site.server.url + '/verify');
  await waitForHydration(page);
  const input = page.getByLabel('Content hash (SHA-256)');
  const feedback = page.locator('#hash-feedback');

  await input.fill('abc123');
  assert.match(await feedback.textContent(), /64 hex digits; this has 6/);
  await input.fill('not a hash!');
  assert.match(await feedback.textContent(), /Only the digits 0–9 and letters a–f/);
  await input.fill('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08');
  assert.match(await feedback.textContent(), /well-formed SHA-256 content hash/);
  await page.close();
});

test('healthz reports the database and the chain', async () => {
  const res = await fetch(site.server.url + '/healthz');
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.status, 'ok');
  assert.equal(body.database.backend, 'sqlite');
  assert.equal(body.chain.chain_id, 31337);
});

test('unknown pages answer 404 inside the site shell', async () => {
  const page = await site.browser.newPage();
  const res = await page.goto(site.server.url + '/nope');
  assert.equal(res.status(), 404);
  await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 1);
  await page.close();
});

test('pages carry a strict Content-Security-Policy with a fresh nonce, and it stops an injected script', async () => {
  const nonceOf = (csp) => csp.match(/'nonce-([A-Za-z0-9_-]{16,})'/)?.[1];
  const first = await fetch(site.server.url + '/');
  const second = await fetch(site.server.url + '/');
  const csp = first.headers.get('content-security-policy');
  const nonce = nonceOf(csp);
  assert.ok(nonce, `a nonce in ${csp}`);
  assert.notEqual(nonceOf(second.headers.get('content-security-policy')), nonce, 'a new nonce for every response');
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/, 'no inline or eval allowance for scripts');
  for (const directive of ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "'strict-dynamic'"]) {
    assert.ok(csp.includes(directive), `${directive} in ${csp}`);
  }
  const html = await first.text();
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  assert.ok(scripts.length > 0, 'the page has its hydration scripts');
  for (const tag of scripts) assert.ok(tag.includes(`nonce="${nonce}"`), `${tag} carries the response's nonce`);
  assert.equal(first.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.match(first.headers.get('permissions-policy'), /camera=\(\), microphone=\(\), geolocation=\(\)/);
  assert.equal(first.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(first.headers.get('strict-transport-security'), null, 'no HSTS on plain http');
  const api = await fetch(site.server.url + '/api/v1/log/checkpoint');
  assert.match(api.headers.get('content-security-policy'), /^default-src 'none'/, 'JSON may load and run nothing');

  // The page hydrates under the policy, and markup injected into it (the
  // shape of a stored XSS: an inline event handler) does not run.
  const page = await site.browser.newPage();
  await page.goto(site.server.url + '/');
  await waitForHydration(page);
  await page.evaluate(() => {
    const div = document.createElement('div');
    div.innerHTML = '<img src="/no-such-image.png" onerror="window.__injected = true">';
    document.body.append(div);
  });
  await page.waitForFunction(() => document.querySelector('img[src="/no-such-image.png"]')?.complete);
  assert.equal(await page.evaluate(() => window.__injected === true), false, 'an injected inline handler is blocked');
  for (let i = 0; i < 50 && site.browser.cspViolations.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  const seen = site.browser.cspViolations.splice(0);
  assert.ok(seen.some((v) => /script-src/.test(v)), `the browser reported the blocked script: ${seen}`);
});

test("the browser's files have content-hashed names, are kept for good and come compressed", async () => {
  const html = await (await fetch(site.server.url + '/')).text();
  const js = html.match(/\/pkg\/colophon-[0-9a-f]{16}\.js/)?.[0];
  const css = html.match(/\/pkg\/colophon-[0-9a-f]{16}\.css/)?.[0];
  assert.ok(js && css, 'the page links the hashed module and stylesheet');
  for (const path of [js, js.replace(/\.js$/, '_bg.wasm'), css]) {
    const res = await fetch(site.server.url + path, { headers: { 'accept-encoding': 'br, gzip' } });
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-encoding'), 'br', `${path} comes as brotli`);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable', path);
    await res.arrayBuffer();
  }
  const gz = await fetch(site.server.url + css, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(gz.headers.get('content-encoding'), 'gzip', 'or gzip where brotli is not accepted');
  assert.match(await gz.text(), /\.grid\{display:grid\}/, 'and is the stylesheet');
  // A second anonymous visit to a page is answered from memory, and a reload revalidates.
  const first = await fetch(site.server.url + '/verify');
  const tag = first.headers.get('etag');
  assert.match(tag ?? '', /^W\/"[0-9a-f]+\..+"$/);
  await first.text();
  const again = await fetch(site.server.url + '/verify', { headers: { 'if-none-match': tag } });
  assert.equal(again.status, 304, 'an unchanged page is not sent again');
});

test('a visitor who asks for less motion gets none', async () => {
  const context = await site.browser.newContext({ reducedMotion: 'reduce' });
  const page = await context.newPage();
  await page.goto(site.server.url + '/');
  await waitForHydration(page);
  const moving = await page.evaluate(() => {
    // What a future component might add: a transition and an endless animation.
    const probe = document.createElement('div');
    probe.style.transition = 'opacity 1s';
    probe.style.animation = 'pulse 2s infinite';
    document.body.append(probe);
    return [...document.querySelectorAll('*')]
      .flatMap((el) => [el, ...['::before', '::after'].map((p) => [el, p])])
      .map((x) => (Array.isArray(x) ? getComputedStyle(x[0], x[1]) : getComputedStyle(x)))
      .filter((s) => [s.animationDuration, s.transitionDuration].some((d) => d.split(',').some((v) => parseFloat(v) > 0)))
      .length;
  });
  assert.equal(moving, 0, 'no element animates or transitions');
  assert.equal(await page.evaluate(() => matchMedia('(prefers-reduced-motion: reduce)').matches), true);
  await context.close();
});
