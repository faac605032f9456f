// Creator onboarding in Debian Chromium: sign up, become a creator, generate
// a signing key in the browser, download its key file, rotate it, sign out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launchBrowser, waitForHydration, ARTIFACTS } from '../harness.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a creator signs up, generates a key in the browser and registers it', async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const serverSawSecrets = [];
  page.on('request', (r) => {
    const body = r.postData() || '';
    if (body.includes('ciphertext') || body.includes('passphrase')) serverSawSecrets.push(r.url());
  });

  await page.goto(server.url + '/sign-up');
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
  assert.match(fp, /^[0-9a-f]{4}(:[0-9a-f]{4}){3,}$/i, fp);
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
  const row = server.sql(`SELECT hex(public_key), status FROM creator_keys;`);
  assert.equal(row.trim(), `${keyFile.public_key.toUpperCase()}|active`);
  const checkpoint = await (await fetch(server.url + '/api/v1/log/checkpoint')).json();
  assert.equal(checkpoint.tree_size, 1);
  assert.deepEqual(serverSawSecrets, [], 'no key material or passphrase was sent');

  // Rotate: the old key signs the hand-over; the new key becomes active.
  await page.getByLabel('Passphrase of the current key').fill('a long studio passphrase');
  await page.getByRole('button', { name: 'Rotate to a new key' }).click();
  await page.getByTestId('key-history').waitFor({ timeout: 60_000 });
  assert.match(await page.getByTestId('key-history').textContent(), /rotated \(superseded\)/);
  assert.notEqual((await page.getByTestId('key-fingerprint').textContent()).trim(), fp);
  assert.equal(server.sql(`SELECT count(*) FROM creator_keys WHERE status = 'active';`).trim(), '1');
  await page.screenshot({ path: join(ARTIFACTS, 'studio-keys.png'), fullPage: true });

  // Sign out: the header offers "Sign in" again and the Studio asks to sign in.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: 'Sign in' }).first().waitFor();
  await page.goto(server.url + '/studio');
  await page.getByText('to open your Studio').waitFor();
  assert.deepEqual(errors, []);
  await context.close();
});

test('a wrong password is refused in the page', async () => {
  const page = await browser.newPage();
  await page.goto(server.url + '/sign-in');
  await waitForHydration(page);
  await page.getByLabel('Email').fill('mira@example.com');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
  assert.match(page.url(), /\/sign-in$/);
  await page.close();
});
