// A verifier pastes a file's hash on /verify and sees who signed it, that the
// signature and inclusion proof check out in the browser, and the anchor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { useSite, waitForHydration, ARTIFACTS, ROOT } from '../harness.mjs';

const vectors = JSON.parse(readFileSync(join(ROOT, 'crates/provenance/vectors/statements.json'), 'utf8'));
const registered = vectors.vectors.find((v) => v.name === 'content_registered');
// The committed vector registers the SHA-256 of these bytes (see crates/provenance/tests/statements.rs).
const fileHash = createHash('sha256').update('an edition image').digest('hex');

const site = useSite({}, async () => {
  // Append the signed statement as log entry 0: the entry, its leaf node, and the head.
  site.server.sql(`
    INSERT INTO log_entries (leaf_index, leaf_hash, kind, statement, public_key, signature, content_hash, created_at)
    VALUES (0, X'${registered.leaf_hash}', 1, X'${registered.canonical_hex}', X'${registered.public_key}',
            X'${registered.signature}', X'${fileHash}', '2026-11-22T00:00:00Z');
    INSERT INTO log_nodes (level, idx, hash) VALUES (0, 0, X'${registered.leaf_hash}');
    UPDATE log_head SET size = 1 WHERE id = 1;
  `);
});

test('a pasted hash shows its creator, a browser-checked proof and the anchor', async () => {
  assert.equal(registered.statement.content_hash, fileHash);
  const page = await site.browser.newPage();
  await page.goto(site.server.url + '/verify');
  await waitForHydration(page);
  const button = page.getByRole('button', { name: 'Look up in the ledger' });
  assert.equal(await button.isDisabled(), true, 'nothing to look up yet');
  await page.getByLabel('Content hash (SHA-256)').fill(fileHash.toUpperCase());

  // The anchor service runs every second here; look up until the entry is anchored.
  let anchored = false;
  for (let attempt = 0; attempt < 30 && !anchored; attempt++) {
    await button.click();
    const anchor = page.getByTestId('verify-anchor');
    await anchor.waitFor();
    anchored = /Anchored on chain 31337 at block \d+ in transaction 0x[0-9a-f]{64}/.test(await anchor.textContent());
    if (!anchored) await page.waitForTimeout(500);
  }
  assert.ok(anchored, 'the entry gets anchored and the page shows the transaction');
  assert.equal(await page.getByTestId('verify-match').count(), 1);
  assert.match(await page.getByTestId('verify-browser-check').textContent(), /Signature and inclusion proof verified in your browser/);
  const fingerprint = await page.getByTestId('verify-fingerprint').textContent();
  assert.match(fingerprint, /^([0-9a-f]{4} ){7}[0-9a-f]{4}$/);
  await page.screenshot({ path: join(ARTIFACTS, 'verify.png'), fullPage: true });
  await page.close();
});

test('an unknown hash says so', async () => {
  const page = await site.browser.newPage();
  await page.goto(site.server.url + '/verify');
  await waitForHydration(page);
  await page.getByLabel('Content hash (SHA-256)').fill('ab'.repeat(32));
  await page.getByRole('button', { name: 'Look up in the ledger' }).click();
  await page.getByTestId('verify-not-found').waitFor();
  assert.match(await page.getByTestId('verify-not-found').textContent(), /No statement in the ledger registers this hash/);
  await page.close();
});
