// A large upload cut off mid-way survives a page reload: choosing the same
// file again resumes at the server's offset instead of starting over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { randomBytes, createHash } from 'node:crypto';
import { join } from 'node:path';
import { useSite, waitForHydration, ARTIFACTS } from '../harness.mjs';

const site = useSite();

/** A kohya-style LoRA of about 20 MiB: one rank-16 lora_down/lora_up pair and its alpha (F16). */
function writeLora(path) {
  const rank = 16;
  const width = 327_680;
  const pair = rank * width * 2;
  const header = {
    __metadata__: { ss_network_module: 'networks.lora', ss_network_dim: '16', ss_network_alpha: '8' },
    'lora_unet_mid_block_attentions_0_proj_in.lora_down.weight': { dtype: 'F16', shape: [rank, width], data_offsets: [0, pair] },
    'lora_unet_mid_block_attentions_0_proj_in.lora_up.weight': { dtype: 'F16', shape: [width, rank], data_offsets: [pair, 2 * pair] },
    'lora_unet_mid_block_attentions_0_proj_in.alpha': { dtype: 'F16', shape: [], data_offsets: [2 * pair, 2 * pair + 2] },
  };
  let json = JSON.stringify(header);
  while (json.length % 8) json += ' ';
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const bytes = Buffer.concat([len, Buffer.from(json), randomBytes(2 * pair + 2)]);
  writeFileSync(path, bytes);
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

test('an upload cut off mid-way resumes after a reload', async () => {
  const page = await site.browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await page.goto(site.server.url + '/sign-up');
  await waitForHydration(page);
  await page.getByLabel('Email').fill('ines@example.com');
  await page.getByLabel('Password').fill('resumable uploads 42');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/studio');
  await page.getByLabel('Handle').fill('ines');
  await page.getByLabel('Display name').fill('Inès Moreau');
  await page.getByRole('button', { name: 'Become a creator' }).click();
  await page.getByTestId('creator-profile').waitFor();
  await waitForHydration(page);
  await page.getByLabel('Passphrase', { exact: true }).fill('a long studio passphrase');
  await page.getByLabel('Repeat passphrase').fill('a long studio passphrase');
  await page.getByRole('button', { name: 'Generate signing key' }).click();
  await page.getByTestId('key-fingerprint').waitFor({ timeout: 60_000 });

  const form = page.getByTestId('new-listing-form');
  await form.getByLabel('Kind').selectOption('lora');
  await form.getByLabel('Title').fill('Long Exposure LoRA');
  await form.getByLabel('Price (USD)').fill('9.00');
  await form.getByRole('button', { name: 'Create draft' }).click();
  const row = page.getByTestId('studio-listing').filter({ hasText: 'Long Exposure LoRA' });
  await row.waitFor();

  const lora = writeLora(join(ARTIFACTS, 'long-exposure.safetensors'));
  // The network drops the second chunk of the first attempt.
  const starts = [];
  const puts = [];
  let cut = false;
  await page.context().route('**/api/v1/uploads**', async (route) => {
    const req = route.request();
    if (req.method() === 'POST' && new URL(req.url()).pathname === '/api/v1/uploads') starts.push(req.url());
    if (req.method() === 'PUT') {
      puts.push(Number(req.headers()['upload-offset']));
      if (puts.length === 2 && !cut) {
        cut = true;
        return route.abort('connectionreset');
      }
    }
    return route.continue();
  });

  await row.getByTestId('file-input').setInputFiles(join(ARTIFACTS, 'long-exposure.safetensors'));
  await row.getByTestId('upload-passphrase').fill('a long studio passphrase');
  await row.getByRole('button', { name: 'Sign and upload' }).click();
  await row.getByRole('alert').filter({ hasText: 'interrupted' }).waitFor({ timeout: 60_000 });
  assert.equal(starts.length, 1);
  const firstChunkEnd = puts[1];
  assert.ok(firstChunkEnd > 0 && firstChunkEnd < lora.bytes.length, `the first chunk ended at ${firstChunkEnd}`);
  // Nothing is registered yet.
  assert.equal(site.server.sql('SELECT count(*) FROM listing_files;').trim(), '0');

  // Reload (the page forgets everything but what this browser stored), choose the same file again.
  await page.reload();
  await waitForHydration(page);
  const again = page.getByTestId('studio-listing').filter({ hasText: 'Long Exposure LoRA' });
  await page.evaluate(() => {
    window.progressLabels = [];
    new MutationObserver(() => {
      const bar = document.querySelector('[data-testid="upload-progress"]');
      if (bar) window.progressLabels.push(bar.parentElement.textContent.trim());
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await again.getByTestId('file-input').setInputFiles(join(ARTIFACTS, 'long-exposure.safetensors'));
  await again.getByTestId('upload-passphrase').fill('a long studio passphrase');
  await again.getByRole('button', { name: 'Sign and upload' }).click();
  const result = again.getByTestId('upload-result').or(again.getByRole('alert')).first();
  await result.waitFor({ timeout: 120_000 });
  if (await again.getByRole('alert').count()) {
    await page.screenshot({ path: join(ARTIFACTS, 'resume-failed.png'), fullPage: true });
    assert.fail(`the resumed upload failed: ${await again.getByRole('alert').allTextContents()}; ${errors}`);
  }
  assert.match(await again.getByTestId('upload-result').textContent(), /Signature verified: version 1/);

  // One upload was opened in all; the second attempt went on from the first chunk's end.
  assert.equal(starts.length, 1, 'no second upload was opened');
  assert.equal(puts[2], firstChunkEnd, `after the reload the upload resumed at ${firstChunkEnd}: ${puts}`);
  const labels = await page.evaluate(() => window.progressLabels);
  assert.ok(labels.some((l) => /^Uploading \(resumed at \d+ %\)/.test(l)), `the page said it resumed: ${labels}`);
  assert.equal(site.server.sql('SELECT count(*), lower(hex(sha256)) FROM listing_files;').trim(), `1|${lora.sha256}`);
  assert.deepEqual(errors, []);
});
