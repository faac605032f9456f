// Creator onboarding in Debian Chromium: sign up, become a creator, generate
// a signing key in the browser, download its key file, rotate it, sign out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { createHash, createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { useSite, waitForHydration, ARTIFACTS, ROOT } from '../harness.mjs';

const site = useSite();

test('a creator signs up, generates a key in the browser and registers it', async () => {
  const context = await site.browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const serverSawSecrets = [];
  page.on('request', (r) => {
    const body = r.postData() || '';
    if (body.includes('ciphertext') || body.includes('passphrase')) serverSawSecrets.push(r.url());
  });

  await page.goto(site.server.url + '/sign-up');
  await waitForHydration(page);
  await page.getByLabel('Email').fill('mira@example.com');
  await page.getByLabel('Password').fill('tidal memory 1234');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/studio');
  await page.getByTestId('account-name').filter({ hasText: 'mira@example.com' }).waitFor();

  // Become a creator.
  await page.getByLabel('Handle').fill('mira');
  await page.getByLabel('Display name').fill('Mira Lindqvist');
  await page.getByLabel('Bio').fill('Tidal studies in ink.');
  await page.getByRole('button', { name: 'Become a creator' }).click();
  await page.getByTestId('creator-profile').waitFor();
  assert.match(await page.getByTestId('creator-profile').textContent(), /@mira/);

  // A picture: a GIF is refused in the page; a 300×200 PNG becomes a 256×256 square.
  await waitForHydration(page);
  const editor = page.getByTestId('avatar-editor');
  await editor.getByTestId('avatar-initial').waitFor();
  const gif = join(ARTIFACTS, 'not-a-picture.gif');
  writeFileSync(gif, Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'));
  await editor.getByTestId('avatar-input').setInputFiles(gif);
  await editor.getByRole('button', { name: 'Save picture' }).click();
  await editor.getByRole('alert').filter({ hasText: 'PNG, JPEG or WebP' }).waitFor();
  await editor.getByTestId('avatar-input').setInputFiles(writePng(join(ARTIFACTS, 'mira.png'), 300, 200));
  await editor.getByRole('button', { name: 'Save picture' }).click();
  await editor.getByRole('status').filter({ hasText: 'Picture saved.' }).waitFor();
  const shown = editor.getByTestId('avatar');
  await shown.waitFor();
  await page.waitForFunction(() => document.querySelector('[data-testid="avatar-editor"] img')?.naturalWidth > 0);
  assert.equal(await shown.evaluate((img) => img.naturalWidth), 256);

  // Generate the key: mismatched passphrases are caught first.
  await waitForHydration(page);
  await page.getByLabel('Passphrase', { exact: true }).fill('a long studio passphrase');
  await page.getByLabel('Repeat passphrase').fill('a different passphrase!!');
  await page.getByRole('button', { name: 'Generate signing key' }).click();
  await page.getByRole('alert').filter({ hasText: 'The passphrases differ.' }).waitFor();
  await page.getByLabel('Repeat passphrase').fill('a long studio passphrase');
  await page.getByRole('button', { name: 'Generate signing key' }).click();
  const fingerprint = page.getByTestId('key-fingerprint');
  await fingerprint.waitFor({ timeout: 60_000 });
  const fp = (await fingerprint.textContent()).trim();
  assert.match(fp, /^[0-9a-f]{4}( [0-9a-f]{4}){7}$/, fp);
  await page.getByTestId('key-in-browser').filter({ hasText: 'yes' }).waitFor();

  // The key file downloads in the documented format and names the registered key.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download key file' }).click(),
  ]);
  const keyPath = join(ARTIFACTS, 'key-file.json');
  await download.saveAs(keyPath);
  const keyFile = JSON.parse(readFileSync(keyPath, 'utf8'));
  assert.equal(keyFile.format, 'colophon-key/1');
  assert.equal(keyFile.kdf.name, 'argon2id');
  assert.equal(keyFile.cipher.name, 'xchacha20poly1305');

  // The server holds the public key and a KeyRegistered statement in the log, nothing secret.
  const row = site.server.sql(`SELECT hex(public_key), status FROM creator_keys;`);
  assert.equal(row.trim(), `${keyFile.public_key.toUpperCase()}|active`);
  const checkpoint = await (await fetch(site.server.url + '/api/v1/log/checkpoint')).json();
  assert.equal(checkpoint.tree_size, 1);
  assert.deepEqual(serverSawSecrets, [], 'no key material or passphrase was sent');

  // Rotate: the old key signs the hand-over; the new key becomes active.
  await page.getByLabel('Passphrase of the current key').fill('a long studio passphrase');
  await page.getByRole('button', { name: 'Rotate to a new key' }).click();
  await page.getByTestId('key-history').waitFor({ timeout: 60_000 });
  assert.match(await page.getByTestId('key-history').textContent(), /rotated \(superseded\)/);
  assert.notEqual((await page.getByTestId('key-fingerprint').textContent()).trim(), fp);
  assert.equal(site.server.sql(`SELECT count(*) FROM creator_keys WHERE status = 'active';`).trim(), '1');
  await page.screenshot({ path: join(ARTIFACTS, 'studio-keys.png'), fullPage: true });

  // List one of each kind and upload a signed file to each, watching the progress bar.
  // The edition's PNG says it was made with the LoRA (AUTOMATIC1111's 12-digit
  // short hash) and the workflow (ComfyUI's embedded graph) listed next to it.
  const workflowPath = join(ROOT, 'crates/formats/tests/fixtures/txt2img_lora.ui.json');
  const loraPath = join(ROOT, 'crates/formats/fuzz/seeds/safetensors_header/kohya_lora.safetensors');
  const loraShort = createHash('sha256').update(readFileSync(loraPath)).digest('hex').slice(0, 12);
  const files = {
    edition: writePng(join(ARTIFACTS, 'tidal.png'), 96, 64, {
      parameters: `tidal pools at dusk <lora:inkwash:0.8>\nNegative prompt: blurry\nSteps: 28, Sampler: Euler a, CFG scale: 6.5, Seed: 3141592653, Size: 96x64, Lora hashes: "inkwash: ${loraShort}"`,
      workflow: readFileSync(workflowPath, 'latin1'),
    }),
    workflow: workflowPath,
    lora: loraPath,
  };
  const titles = { edition: 'Tidal Memory', workflow: 'Heron txt2img', lora: 'Ink Wash LoRA' };
  await page.evaluate(() => {
    window.sawProgress = false;
    new MutationObserver(() => {
      if (document.querySelector('[data-testid="upload-progress"]')) window.sawProgress = true;
    }).observe(document.body, { subtree: true, childList: true });
  });
  for (const kind of ['edition', 'workflow', 'lora']) {
    const form = page.getByTestId('new-listing-form');
    await form.getByLabel('Kind').selectOption(kind);
    await form.getByLabel('Title').fill(titles[kind]);
    await form.getByLabel('Price (USD)').fill('12.50');
    if (kind === 'edition') await form.getByLabel('Edition size').fill('10');
    await form.getByRole('button', { name: 'Create draft' }).click();
    const row = page.getByTestId('studio-listing').filter({ hasText: titles[kind] });
    await row.waitFor();
    await row.getByTestId('file-input').setInputFiles(files[kind]);
    await row.getByTestId('upload-passphrase').fill('a long studio passphrase');
    await row.getByRole('button', { name: 'Sign and upload' }).click();
    const rowNow = page.getByTestId('studio-listing').filter({ hasText: titles[kind] });
    const result = rowNow.getByTestId('upload-result');
    await rowNow.getByTestId('upload-result').or(rowNow.getByRole('alert')).first().waitFor({ timeout: 60_000 });
    if (!(await result.isVisible())) {
      await page.screenshot({ path: join(ARTIFACTS, `upload-failed-${kind}.png`), fullPage: true });
      assert.fail(`upload of the ${kind} failed in the page: ${await rowNow.getByRole('alert').allTextContents()}; page errors: ${errors}`);
    }
    assert.match(await result.textContent(), /Signature verified: version 1 registered as log entry #\d+/);
    // What the server parsed out of the file is shown with it.
    const details = page.getByTestId('studio-listing').filter({ hasText: titles[kind] }).getByTestId('file-details');
    await details.waitFor();
    const expected = {
      edition: /96 × 64 px PNG/,
      workflow: /ComfyUI workflow \(ui format\): 8 nodes, 11 links[\s\S]*canonical hash[\s\S]*lora\s*ink_wash_v2\.safetensors/,
      lora: /LoRA · 6 tensors[\s\S]*tensor-data hash[\s\S]*network dim\s*16[\s\S]*training tags\s*ink wash \(40\)/,
    };
    assert.match(await details.textContent(), expected[kind]);
    const published = page.getByTestId('studio-listing').filter({ hasText: titles[kind] });
    await published.getByRole('button', { name: 'Publish' }).click();
    await published.getByTestId('listing-status').filter({ hasText: 'published' }).waitFor();
  }
  assert.equal(await page.evaluate(() => window.sawProgress), true, 'a progress bar was shown');
  await page.screenshot({ path: join(ARTIFACTS, 'studio-listings.png'), fullPage: true });

  // The file's signature verifies in the page: look the image's hash up on /verify.
  const sha = createHash('sha256').update(readFileSync(files.edition)).digest('hex');
  await page.goto(site.server.url + '/verify');
  await waitForHydration(page);
  await page.getByLabel('Content hash (SHA-256)').fill(sha);
  await page.getByRole('button', { name: 'Look up in the ledger' }).click();
  await page.getByText('Signature and inclusion proof verified in your browser.').first().waitFor({ timeout: 30_000 });

  // All three are in the Store.
  await page.goto(site.server.url + '/');
  const storeTitles = await page.getByTestId('listing-title').allTextContents();
  for (const t of Object.values(titles)) assert.ok(storeTitles.includes(t), `${t} in the store: ${storeTitles}`);

  // "Made with": the edition credits the LoRA and the workflow on Colophon; they say where they were used.
  await page.getByRole('link', { name: titles.edition }).first().click();
  const madeWith = page.getByTestId('made-with');
  await madeWith.waitFor();
  // The listing shows the creator's picture.
  await page.waitForFunction(() => document.querySelector('img[data-testid="avatar"]')?.naturalWidth === 256);
  assert.match(await madeWith.textContent(), new RegExp(`${titles.lora} · lora by Mira Lindqvist \\(credited as lora\\)`));
  assert.match(await madeWith.textContent(), new RegExp(`${titles.workflow} · workflow by Mira Lindqvist \\(credited as workflow\\)`));
  await page.getByTestId('generation').locator('summary').click();
  // The tool is named as people know it (colophon_formats::generator_name).
  assert.match(await page.getByTestId('generation').locator('summary').textContent(), /Generation metadata \(AUTOMATIC1111\)/);
  assert.equal((await page.getByTestId('generation-seed').textContent()).trim(), 'Seed 3141592653');
  await page.getByTestId('save-style').click();
  await page.getByTestId('style-saved').waitFor();
  await madeWith.getByRole('link', { name: titles.lora }).click();
  await page.getByTestId('used-in').filter({ hasText: titles.edition }).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, 'made-with.png'), fullPage: true });
  // The credited creator sees it in the Studio.
  await page.goto(site.server.url + '/studio', { waitUntil: 'domcontentloaded' });
  await waitForHydration(page);
  const credited = page.getByTestId('credited-in');
  await credited.waitFor();
  assert.match(await credited.textContent(), new RegExp(`${titles.edition} by Mira Lindqvist used ${titles.lora} \\(lora\\)`));
  assert.match(await credited.textContent(), new RegExp(`${titles.edition} by Mira Lindqvist used ${titles.workflow} \\(workflow\\)`));
  const style = page.getByTestId('style').filter({ hasText: titles.edition });
  assert.equal((await style.getByTestId('style-seed').textContent()).trim(), '3141592653');

  // The creator adds a sale webhook (a local endpoint); its secret is shown once.
  const hooks = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { hooks.push({ signature: req.headers['colophon-signature'], body }); res.writeHead(204).end(); });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${receiver.address().port}/sales`;
  await page.goto(site.server.url + '/studio', { waitUntil: 'domcontentloaded' });
  await waitForHydration(page);
  const hookPanel = page.getByTestId('webhooks-panel');
  await hookPanel.getByTestId('webhook-url').fill('ftp://nowhere.example/');
  await hookPanel.getByTestId('webhook-add').click();
  await hookPanel.getByTestId('webhook-error').filter({ hasText: 'https://' }).waitFor();
  await hookPanel.getByTestId('webhook-url').fill(hookUrl);
  await hookPanel.getByTestId('webhook-add').click();
  const hookSecret = (await hookPanel.getByTestId('webhook-secret').textContent()).trim();
  assert.match(hookSecret, /^whsec_[0-9a-f]{64}$/);

  // A collector buys a licence to the LoRA; the creator's dashboard shows the sale.
  const buyerContext = await site.browser.newContext();
  const buyer = await buyerContext.newPage();
  await buyer.goto(site.server.url + '/sign-up');
  await waitForHydration(buyer);
  await buyer.getByLabel('Email').fill('noor@example.com');
  await buyer.getByLabel('Password').fill('collecting ink washes');
  await buyer.getByRole('button', { name: 'Create account' }).click();
  await buyer.waitForURL('**/studio');
  await buyer.goto(site.server.url + '/?kind=lora');
  await buyer.getByRole('link', { name: titles.lora }).click();
  await waitForHydration(buyer);
  await buyer.getByTestId('buy').click();
  await buyer.getByTestId('bought').filter({ hasText: 'Your licence is ready' }).waitFor();
  await buyerContext.close();

  await page.goto(site.server.url + '/studio', { waitUntil: 'domcontentloaded' });
  await waitForHydration(page);
  await page.getByTestId('sales-count').filter({ hasText: '1' }).waitFor();
  assert.equal((await page.getByTestId('sales-revenue').textContent()).trim(), '$12.50');
  assert.match(await page.getByTestId('recent-sales').textContent(), new RegExp(`${titles.lora}\\s*Licence\\s*\\$12\\.50`));
  assert.match(await page.getByTestId('sales-chart').getAttribute('aria-label'), /1 in all/);
  const loraRow = page.getByTestId('studio-listing').filter({ hasText: titles.lora });
  assert.equal((await loraRow.getByTestId('stock').textContent()).trim(), '1 licence(s) sold');
  // The webhook endpoint got the sale, signed with the secret; the Studio logs the delivery.
  for (let i = 0; i < 100 && hooks.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(hooks.length, 1, 'one sale, one delivery');
  const [, t, v1] = hooks[0].signature.match(/^t=(\d+),v1=([0-9a-f]{64})$/);
  assert.equal(createHmac('sha256', hookSecret).update(`${t}.${hooks[0].body}`).digest('hex'), v1);
  assert.equal(JSON.parse(hooks[0].body).listing.title, titles.lora);
  receiver.close();
  await page.getByTestId('webhooks-refresh').click();
  await page.getByTestId('delivery-status').filter({ hasText: 'delivered' }).waitFor();
  assert.equal((await page.getByTestId('delivery-answer').first().textContent()).trim(), 'HTTP 204');
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('sales-csv').click()]);
  const csvPath = join(ARTIFACTS, 'sales.csv');
  await csv.saveAs(csvPath);
  const lines = readFileSync(csvPath, 'utf8').trim().split('\n');
  assert.equal(lines.length, 2, 'a header and one sale');
  assert.match(lines[1], new RegExp(`"${titles.lora}","lora","","","1250","USD"`));
  await page.screenshot({ path: join(ARTIFACTS, 'studio-sales.png'), fullPage: true });

  // An API token for the creator's pipeline: shown once, scoped, used, revoked.
  const tokens = page.getByTestId('tokens-panel');
  await tokens.getByTestId('token-name').fill('accounting');
  await tokens.getByTestId('token-scope-publish').uncheck();
  await tokens.getByTestId('token-scope-sales').check();
  await tokens.getByTestId('token-create').click();
  const secret = (await tokens.getByTestId('token-secret').textContent()).trim();
  assert.match(secret, /^col_[0-9a-f]{64}$/);
  const api = (path, token = secret) => fetch(site.server.url + path, { headers: { authorization: `Bearer ${token}` } });
  const me = await (await api('/api/v1/me')).json();
  assert.deepEqual(me.scopes, ['read', 'sales']);
  const sales = await (await api('/api/v1/studio/sales')).json();
  assert.equal(sales.length, 1);
  assert.equal(sales[0].title, titles.lora);
  assert.equal((await api('/api/v1/studio/listings', secret)).status, 200);
  const refused = await fetch(site.server.url + '/api/v1/studio/listings', {
    method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'lora', title: 'x', price_minor: 1 }),
  });
  assert.equal(refused.status, 403, 'a token without the publish scope cannot list');
  await page.reload({ waitUntil: 'domcontentloaded' });
  await waitForHydration(page);
  const tokenRow = page.getByTestId('token-row').filter({ hasText: 'accounting' });
  assert.match(await tokenRow.textContent(), new RegExp(secret.slice(0, 12)));
  assert.doesNotMatch(await page.content(), new RegExp(secret.slice(12)), 'the secret is not shown again');
  assert.notEqual((await tokenRow.getByTestId('token-last-used').textContent()).trim(), 'never');
  await tokenRow.getByTestId('token-revoke').click();
  await tokenRow.getByTestId('token-revoked').waitFor();
  assert.equal((await api('/api/v1/me')).status, 401, 'a revoked token stops at once');
  await page.screenshot({ path: join(ARTIFACTS, 'studio-tokens.png'), fullPage: true });

  // The API reference the panel links to lists the creator API with its scopes.
  await page.getByRole('link', { name: 'API reference' }).click();
  await page.waitForURL('**/docs/api');
  const createOp = page.getByTestId('api-operation').filter({ hasText: 'Create a draft listing' });
  assert.match(await createOp.textContent(), /POST\s*\/api\/v1\/studio\/listings[\s\S]*Token scope: publish/);
  await page.getByTestId('api-operation').filter({ hasText: '/api/v1/provenance/{sha256}' }).waitFor();
  await page.goto(site.server.url + '/studio', { waitUntil: 'domcontentloaded' });
  await waitForHydration(page);

  // Sign out: the header offers "Sign in" again and the Studio asks to sign in.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: 'Sign in' }).first().waitFor();
  await page.goto(site.server.url + '/studio', { waitUntil: 'domcontentloaded' });
  await page.getByText('to open your Studio').waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('a wrong password is refused in the page', async () => {
  const page = await site.browser.newPage();
  await page.goto(site.server.url + '/sign-in');
  await waitForHydration(page);
  await page.getByLabel('Email').fill('mira@example.com');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
  assert.match(page.url(), /\/sign-in$/);
  await page.close();
});

/** Writes a small RGB PNG (real zlib, real CRCs) and returns its path. */
function writePng(path, width, height, texts = {}) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 2;
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) row.set([(x * 5) & 255, (y * 7) & 255, 120], 1 + x * 3);
    rows.push(row);
  }
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    // Generation metadata as AUTOMATIC1111 / ComfyUI write it: tEXt chunks before the pixels.
    ...Object.entries(texts).map(([k, v]) => chunk('tEXt', Buffer.from(`${k}\0${v}`, 'latin1'))),
    chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0)),
  ]);
  writeFileSync(path, png);
  return path;
}
