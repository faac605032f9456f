// A collector in Debian Chromium, on the demo store: finds a listing by
// search, buys it (test mode), sees it in the collection, downloads the
// original, opens the certificate; a sold-out listing cannot be bought.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { useSite, waitForHydration, ARTIFACTS } from '../harness.mjs';

const site = useSite({ demo: true });

test('a collector searches, buys, collects, downloads and opens the certificate', async () => {
  const context = await site.browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto(site.server.url + '/sign-up');
  await waitForHydration(page);
  await page.getByLabel('Email').fill('ines@example.com');
  await page.getByLabel('Password').fill('a collector of tides');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/studio');

  // The demo store is there; search narrows it and the URL can be shared.
  await page.goto(site.server.url + '/');
  await waitForHydration(page);
  assert.match(await page.getByTestId('result-count').textContent(), /12 listings/);
  await page.getByLabel('Search').fill('tidal');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/\?q=tidal/);
  await page.getByTestId('result-count').filter({ hasText: '1 listing' }).waitFor();
  assert.deepEqual(await page.getByTestId('listing-title').allTextContents(), ['Tidal Memory']);
  // Filters: LoRAs only, by URL.
  await page.goto(site.server.url + '/?kind=lora&sort=price_asc');
  await page.getByTestId('result-count').filter({ hasText: '3 listings' }).waitFor();
  assert.deepEqual(await page.getByTestId('listing-title').allTextContents(),
    ['Ink Bloom LoRA', 'Linocut Texture LoRA', 'Watercolor Wash LoRA']);

  // The listing page: what is left, the licence, a verified signature; buy.
  await page.goto(site.server.url + '/?q=tidal');
  await page.getByRole('link', { name: 'Tidal Memory' }).click();
  await page.waitForURL('**/listings/tidal-memory-demo');
  await waitForHydration(page);
  const left = (await page.getByTestId('left').textContent()).trim();
  const [, before] = left.match(/^(\d+) of 25 left$/);
  assert.match(await page.getByTestId('signature-status').textContent(), /Signature valid/);
  assert.match(await page.getByTestId('licence').textContent(), /Credit the creator/);
  assert.match(await page.getByTestId('test-mode').textContent(), /Test mode/);
  // The watermarked preview: the worker renders it from the original within seconds of start.
  const previewUrl = await page.getByTestId('listing-preview').getAttribute('src');
  let preview;
  for (let i = 0; i < 120; i++) {
    preview = await page.request.get(site.server.url + previewUrl);
    if (preview.headers()['content-type'] === 'image/jpeg') break;
    await page.waitForTimeout(500);
  }
  assert.equal(preview.headers()['content-type'], 'image/jpeg', 'the preview was rendered');
  await page.reload();
  await waitForHydration(page);
  // Decoded and shown (srcset widths scale naturalWidth, so only ask that it has pixels).
  const shown = await page.getByTestId('listing-preview').evaluate(
    (img) => img.complete ? img.naturalWidth : new Promise((ok) => { img.onload = () => ok(img.naturalWidth); }));
  assert.ok(shown > 100, `the page shows the preview (${shown} px wide)`);
  await page.getByTestId('buy').click();
  const bought = page.getByTestId('bought');
  await bought.waitFor();
  const edition = Number((await bought.textContent()).match(/#(\d+) of 25/)[1]);
  assert.equal(edition, 25 - Number(before) + 1, 'the next edition number');
  await page.getByTestId('left').filter({ hasText: `${Number(before) - 1} of 25 left` }).waitFor();

  // The collection lists it; the original downloads intact.
  await page.goto(site.server.url + '/collection');
  await page.getByTestId('owned-title').filter({ hasText: 'Tidal Memory' }).waitFor();
  assert.equal((await page.getByTestId('owned-label').textContent()).trim(), `#${edition} of 25`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download').click()]);
  const path = join(ARTIFACTS, 'original.png');
  await download.saveAs(path);
  const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
  const receiptHref = await page.getByTestId('receipt-download').getAttribute('href');
  const receiptPath = join(ARTIFACTS, 'receipt.json');
  writeFileSync(receiptPath, await (await page.request.get(site.server.url + receiptHref)).text());

  // The certificate: edition, the file's hash, a QR code of the verify URL.
  await page.getByTestId('certificate-link').click();
  await page.getByTestId('certificate').waitFor();
  assert.match(await page.getByTestId('certificate-edition').textContent(), new RegExp(`#${edition} of 25`));
  assert.equal((await page.getByTestId('certificate-hash').textContent()).trim(), sha);
  assert.equal(await page.getByTestId('qr').locator('svg').count(), 1);
  await page.screenshot({ path: join(ARTIFACTS, 'certificate.png'), fullPage: true });

  // A verifier drops the purchased original on /verify: hashed in the browser
  // (nothing is uploaded), then every statement about it checked there.
  // The only non-GET requests allowed are JSON-RPC reads of the chain.
  const chainInfo = await (await fetch(site.server.url + '/api/v1/chain')).json();
  const uploads = [];
  const rpcCalls = [];
  page.on('request', (r) => {
    if (r.method() === 'GET' || r.method() === 'OPTIONS') return;
    if (chainInfo.rpc_url && r.url().startsWith(chainInfo.rpc_url)) rpcCalls.push(JSON.parse(r.postData()).method);
    else uploads.push(r.url());
  });
  await page.goto(site.server.url + '/verify');
  await waitForHydration(page);
  await page.getByTestId('verify-file').setInputFiles(path);
  await page.getByTestId('file-note').filter({ hasText: 'The file was not uploaded' }).waitFor();
  assert.equal(await page.locator('#hash').inputValue(), sha, 'the browser computed the same SHA-256');
  const registration = page.getByTestId('verify-match').filter({ hasText: 'content registered' });
  await registration.waitFor();
  await registration.getByTestId('verify-browser-check').filter({ hasText: 'verified in your browser' }).waitFor();
  assert.match((await registration.getByTestId('verify-fingerprint').textContent()).trim(), /^([0-9a-f]{4} ){7}[0-9a-f]{4}$/);
  await registration.getByTestId('verify-key').filter({ hasText: 'The key is active' }).waitFor();
  assert.match(await registration.getByTestId('verify-anchor').textContent(), /Anchored on chain 31337 at block \d+/);
  await page.getByTestId('verify-sale').filter({ hasText: `Edition #${edition} of 25` }).waitFor();
  // The browser itself read the anchored root from the chain (anvil) and it matches.
  await registration.getByTestId('verify-chain').filter({ hasText: /On-chain root matches: your browser read the root for \d+ entries from chain 31337 \(\d+ confirmations\)/ }).waitFor();
  const sale = page.getByTestId('verify-match').filter({ hasText: `Edition #${edition} of 25` });
  // The sale was just made: until the next anchor covers it the page says so; look up again until it has.
  for (let i = 0; i < 30; i++) {
    if (await sale.getByTestId('verify-chain').filter({ hasText: 'On-chain root matches' }).count()) break;
    assert.match(await sale.getByTestId('verify-anchor').textContent(), /Not anchored on-chain yet|Anchored on chain/);
    await page.waitForTimeout(500);
    await page.getByRole('button', { name: 'Look up in the ledger' }).click();
    await sale.getByTestId('verify-anchor').waitFor();
  }
  await sale.getByTestId('verify-chain').filter({ hasText: 'On-chain root matches' }).waitFor();
  assert.ok(rpcCalls.includes('eth_call') && rpcCalls.includes('eth_chainId'), `the browser read the chain: ${rpcCalls}`);
  assert.deepEqual(uploads, [], 'the file never left the browser');
  // The receipt from the collection opens on the same page and verifies there too.
  await page.getByTestId('verify-receipt').setInputFiles(receiptPath);
  await page.getByTestId('receipt-note').filter({ hasText: 'signature and inclusion proof' }).waitFor();
  assert.match(await page.getByTestId('receipt-note').textContent(), new RegExp(sha));
  await page.screenshot({ path: join(ARTIFACTS, 'verify-dropped-file.png'), fullPage: true });
  // A verifier who pins another registry sees the anchor refused, not trusted.
  await page.getByTestId('chain-settings').locator('summary').click();
  assert.equal((await page.getByTestId('chain-registry').inputValue()).toLowerCase(), chainInfo.registry.toLowerCase());
  await page.getByTestId('chain-registry').fill('0x00000000000000000000000000000000000000c0');
  await page.getByTestId('chain-registry').dispatchEvent('change');
  await registration.getByTestId('verify-chain').filter({ hasText: 'not the registry you check against' }).waitFor();

  // A sold-out listing says so and offers no buy button.
  await page.goto(site.server.url + '/listings/undertow-demo');
  await page.getByTestId('unavailable').filter({ hasText: 'Sold out' }).waitFor();
  assert.equal(await page.getByTestId('buy').count(), 0);
  assert.equal((await page.getByTestId('left').textContent()).trim(), 'Sold out');
  assert.deepEqual(errors, [], 'no script errors');
  await context.close();
});

test('a verifier pages through a popular file’s sales, newest first, each checked in the browser', async () => {
  // The demo store's most-sold file, read from the ledger itself (kind 5 = EditionSold).
  const [hash, total] = site.server
    .sql("SELECT lower(hex(content_hash)), count(*) FROM log_entries WHERE kind = 5 GROUP BY content_hash ORDER BY count(*) DESC LIMIT 1;")
    .trim()
    .split('|');
  assert.ok(Number(total) >= 3, `a file with several sales: ${total}`);
  const page = await site.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Two sales a page, so the older ones take more than one click.
  await page.goto(`${site.server.url}/verify?hash=${hash}&sales=2`);
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Look up in the ledger' }).click();
  const count = page.getByTestId('verify-sales-count');
  await count.filter({ hasText: `Showing the newest 2 of ${total} sales of this file.` }).waitFor();
  const sales = page.getByTestId('verify-match').filter({ has: page.getByTestId('verify-sale') });
  assert.equal(await sales.count(), 2);
  assert.equal(await page.getByTestId('verify-match').filter({ hasText: 'content registered' }).count(), 1, 'the registration heads the list');

  const older = page.getByRole('button', { name: 'Show older sales' });
  for (let shown = 2; shown < Number(total); shown = Math.min(shown + 2, Number(total))) {
    await older.click();
    await sales.nth(Math.min(shown + 2, Number(total)) - 1).waitFor();
  }
  await count.filter({ hasText: `All ${total} sales of this file are shown.` }).waitFor();
  assert.equal(await older.count(), 0, 'no more pages to load');
  assert.equal(await sales.count(), Number(total));
  // Newest first, no sale twice, and every one verified here.
  const leaves = [];
  for (let i = 0; i < Number(total); i++) {
    const card = sales.nth(i);
    leaves.push(Number((await card.textContent()).match(/Log entry #(\d+) of/)[1]));
    assert.match(await card.getByTestId('verify-browser-check').textContent(), /Signature and inclusion proof verified in your browser/);
  }
  assert.deepEqual(leaves, [...leaves].sort((a, b) => b - a), `newest first: ${leaves}`);
  assert.equal(new Set(leaves).size, leaves.length, 'no sale shown twice');
  await page.screenshot({ path: join(ARTIFACTS, 'verify-sales-pages.png'), fullPage: true });
  assert.deepEqual(errors, [], 'no script errors');
  await page.close();
});

/** Presses Tab until the focused element matches `selector`; every element
 * focus lands on along the way must show that it has it. */
async function tabTo(page, selector, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate((s) => {
      const el = document.activeElement;
      if (!el || el === document.body) return { none: true };
      const cs = getComputedStyle(el);
      const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
      return {
        match: el.matches(s),
        visible: outline || (cs.boxShadow && cs.boxShadow !== 'none'),
        what: `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} ${(el.textContent || el.getAttribute('aria-label') || el.getAttribute('name') || '').trim().slice(0, 40)}`,
      };
    }, selector);
    if (at.none) continue;
    assert.ok(at.visible, `keyboard focus is visible on ${at.what}`);
    if (at.match) return;
  }
  assert.fail(`Tab never reached ${selector}`);
}

test('with the keyboard alone, a collector signs up, finds, buys and downloads an edition', async () => {
  const context = await site.browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(site.server.url + '/sign-up');
  await waitForHydration(page);
  await tabTo(page, 'input[name="email"]');
  await page.keyboard.type('keys@example.com');
  await tabTo(page, 'input[name="password"]');
  await page.keyboard.type('only the keyboard here');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/studio');

  await page.goto(site.server.url + '/');
  await waitForHydration(page);
  await tabTo(page, 'input[name="q"]');
  await page.keyboard.type('tidal');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\?q=tidal/);
  await page.getByTestId('result-count').filter({ hasText: '1 listing' }).waitFor();
  await tabTo(page, 'a[href="/listings/tidal-memory-demo"]');
  await page.keyboard.press('Enter');
  await page.waitForURL('**/listings/tidal-memory-demo');
  await waitForHydration(page);
  await tabTo(page, '[data-testid="buy"]');
  await page.keyboard.press('Enter');
  await page.getByTestId('bought').waitFor();

  await page.goto(site.server.url + '/collection');
  await waitForHydration(page);
  await page.getByTestId('owned-title').filter({ hasText: 'Tidal Memory' }).waitFor();
  await tabTo(page, '[data-testid="download"]');
  const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  const path = join(ARTIFACTS, 'keyboard-original.png');
  await download.saveAs(path);
  assert.ok(readFileSync(path).subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), 'the original PNG');
  await context.close();
});
