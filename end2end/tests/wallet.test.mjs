// Paying from a browser wallet (EIP-1193) on the demo store, against the
// server's own anvil: the wallet says no first (nothing is held or charged),
// then pays in ETH; another collector pays in the dUSD stablecoin (approve,
// then pay); the page shows the fee and the creator's share before the
// wallet confirms, then the confirmations; the order appears in the
// collection; every balance is read back from the chain. A creator proves
// their payout address by signing a Sign-In-With-Ethereum message, is paid,
// and withdraws what the contract owes them.
import { test, before, after } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, waitForHydration, injectWallet, rpc, ROOT } from '../harness.mjs';

let server;
let browser;
// anvil's second dev account: the buyer's wallet.
const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

async function signUp(page, email, password) {
  await page.goto(server.url + '/sign-up');
  await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/studio');
}

before(async () => {
  server = await startServer({ demo: true, payments: 'chain' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a collector pays from their wallet in ETH, after saying no once', async () => {
  const chain = await (await fetch(server.url + '/api/v1/chain')).json();
  assert.ok(chain.rpc_url, 'the local chain is public to browsers');
  const context = await browser.newContext();
  const wallet = await injectWallet(context, chain.rpc_url, BUYER);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await signUp(page, 'wallet@example.com', 'a collector with a wallet');

  await page.goto(server.url + '/listings/tidal-memory-demo');
  await waitForHydration(page);
  const left = (await page.getByTestId('left').textContent()).trim();
  const [, before] = left.match(/^(\d+) of 25 left$/);

  // The wallet refuses: said plainly, and nothing is held.
  wallet.reject = true;
  await page.getByTestId('pay-eth').click();
  assert.match(await page.getByTestId('wallet-error').textContent(), /declined in your wallet/);
  await page.reload();
  await waitForHydration(page);
  assert.equal(await page.getByTestId('reserved').count(), 0, 'a refused wallet holds nothing');

  // It accepts: the quote states the fee and the creator's share before the wallet confirms.
  wallet.reject = false;
  const balanceBefore = BigInt(await rpc(chain.rpc_url, 'eth_getBalance', [BUYER, 'latest']));
  await page.getByTestId('pay-eth').click();
  const status = page.getByTestId('wallet-status');
  await status.filter({ hasText: /Submitted \(0x[0-9a-f]{64}\)/ }).waitFor({ timeout: 30_000 });
  const txHash = (await status.textContent()).match(/0x[0-9a-f]{64}/)[0];
  assert.ok(wallet.calls.includes('eth_sendTransaction'), 'the wallet sent the payment');

  // One block on top confirms it; the page follows and links the certificate.
  await rpc(chain.rpc_url, 'anvil_mine', ['0x1']);
  const done = page.getByTestId('wallet-done');
  await done.waitFor({ timeout: 30_000 });
  const orderId = (await done.getByRole('link', { name: 'View the certificate' }).getAttribute('href')).split('/').pop();

  // On chain: the buyer paid exactly the quoted amount plus gas; the contract holds it.
  const receipt = await rpc(chain.rpc_url, 'eth_getTransactionReceipt', [txHash]);
  assert.equal(receipt.status, '0x1');
  const tx = await rpc(chain.rpc_url, 'eth_getTransactionByHash', [txHash]);
  const gas = BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice);
  const balanceAfter = BigInt(await rpc(chain.rpc_url, 'eth_getBalance', [BUYER, 'latest']));
  assert.equal(balanceBefore - balanceAfter, BigInt(tx.value) + gas, 'charged the quote, once');
  const held = BigInt(await rpc(chain.rpc_url, 'eth_getBalance', [tx.to, 'latest']));
  assert.equal(held, BigInt(tx.value), 'the sales contract holds the payment for the creator and the platform');

  // The order: numbered, paid on chain, in the collection.
  const order = await (await page.request.get(server.url + `/api/v1/orders/${orderId}`)).json();
  assert.equal(order.payment_provider, 'chain');
  assert.ok(order.payment_ref.startsWith(txHash), order.payment_ref);
  // The certificate names the payment, and says nothing of test mode.
  await page.goto(server.url + `/collection/${orderId}`);
  await waitForHydration(page);
  assert.match(await page.getByTestId('certificate-payment').textContent(), new RegExp(`transaction ${txHash}, log \\d+`));
  assert.doesNotMatch(await page.getByTestId('certificate').textContent(), /Test-mode purchase/);
  await page.goto(server.url + '/listings/tidal-memory-demo');
  await waitForHydration(page);
  assert.equal((await page.getByTestId('left').textContent()).trim(), `${Number(before) - 1} of 25 left`);
  assert.deepEqual(errors, []);
  await context.close();
});

/** An ERC-20 balance, read with `balanceOf(address)` (selector 0x70a08231). */
async function tokenBalance(rpcUrl, token, owner) {
  const data = '0x70a08231' + owner.toLowerCase().replace(/^0x/, '').padStart(64, '0');
  return BigInt(await rpc(rpcUrl, 'eth_call', [{ to: token, data }, 'latest']));
}

test('another collector pays in the stablecoin: approve, then pay', async () => {
  const chain = await (await fetch(server.url + '/api/v1/chain')).json();
  const deployed = JSON.parse(readFileSync(join(server.dataDir, 'chain', 'sales.json'), 'utf8'));
  const { usd, sales } = deployed.deployment;
  const context = await browser.newContext();
  const wallet = await injectWallet(context, chain.rpc_url, BUYER);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await signUp(page, 'stable@example.com', 'a collector in dollars');

  await page.goto(server.url + '/listings/tidal-memory-demo');
  await waitForHydration(page);
  const buyerBefore = await tokenBalance(chain.rpc_url, usd, BUYER);
  const contractBefore = await tokenBalance(chain.rpc_url, usd, sales);
  await page.getByTestId('pay-usd').click();
  const status = page.getByTestId('wallet-status');
  await status.filter({ hasText: /Submitted \(0x[0-9a-f]{64}\)/ }).waitFor({ timeout: 30_000 });
  assert.equal(wallet.calls.filter((m) => m === 'eth_sendTransaction').length, 2, 'an approval, then the payment');
  await rpc(chain.rpc_url, 'anvil_mine', ['0x1']);
  const done = page.getByTestId('wallet-done');
  await done.waitFor({ timeout: 30_000 });
  const orderId = (await done.getByRole('link', { name: 'View the certificate' }).getAttribute('href')).split('/').pop();
  const order = await (await page.request.get(server.url + `/api/v1/orders/${orderId}`)).json();
  assert.equal(order.payment_provider, 'chain');

  // A price in cents is exactly cents × 10⁴ dUSD units: taken from the wallet, held by the contract.
  const price = BigInt(order.price_minor) * 10_000n;
  assert.equal(buyerBefore - (await tokenBalance(chain.rpc_url, usd, BUYER)), price);
  assert.equal((await tokenBalance(chain.rpc_url, usd, sales)) - contractBefore, price);
  assert.deepEqual(errors, []);
  await context.close();
});

/** What the sales contract owes `account` in ETH: `owed(address,address)` (selector 0x28079e4a). */
async function owedEth(rpcUrl, contract, account) {
  const word = (a) => a.toLowerCase().replace(/^0x/, '').padStart(64, '0');
  const data = '0x28079e4a' + word(account) + word('0x0');
  return BigInt(await rpc(rpcUrl, 'eth_call', [{ to: contract, data }, 'latest']));
}

test('a creator proves a payout address in their wallet, is paid by a collector, and withdraws', async () => {
  const chain = await (await fetch(server.url + '/api/v1/chain')).json();
  const { sales } = JSON.parse(readFileSync(join(server.dataDir, 'chain', 'sales.json'), 'utf8')).deployment;
  // anvil's fourth dev account: the creator's wallet.
  const PAYEE = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
  const context = await browser.newContext();
  const wallet = await injectWallet(context, chain.rpc_url, PAYEE);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await signUp(page, 'payee@example.com', 'a creator who wants paying');
  await page.getByLabel('Handle').fill('payee');
  await page.getByLabel('Display name').fill('Pay Ee');
  await page.getByRole('button', { name: 'Become a creator' }).click();
  await page.getByTestId('creator-profile').waitFor();
  await waitForHydration(page);

  // No payout address yet; the wallet says no first, then signs the Sign-In-With-Ethereum message.
  const payouts = page.getByTestId('payouts');
  await payouts.getByTestId('payout-address').filter({ hasText: 'No payout address yet' }).waitFor();
  wallet.reject = true;
  await payouts.getByTestId('payout-prove').click();
  assert.match(await payouts.getByTestId('payouts-error').textContent(), /declined in your wallet/);
  wallet.reject = false;
  await payouts.getByTestId('payout-prove').click();
  await payouts.getByTestId('payout-address').filter({ hasText: PAYEE }).waitFor();
  assert.ok(wallet.calls.includes('personal_sign'), 'the wallet signed the message');
  assert.equal(wallet.calls.filter((m) => m === 'eth_sendTransaction').length, 0, 'proving an address costs nothing');

  // A key and a published edition of 5 at $20.00.
  await page.getByLabel('Passphrase', { exact: true }).fill('a long payee passphrase');
  await page.getByLabel('Repeat passphrase').fill('a long payee passphrase');
  await page.getByRole('button', { name: 'Generate signing key' }).click();
  await page.getByTestId('key-fingerprint').waitFor({ timeout: 60_000 });
  const form = page.getByTestId('new-listing-form');
  await form.getByLabel('Kind').selectOption('edition');
  await form.getByLabel('Title').fill('Paid Tides');
  await form.getByLabel('Price (USD)').fill('20.00');
  await form.getByLabel('Edition size').fill('5');
  await form.getByRole('button', { name: 'Create draft' }).click();
  const row = page.getByTestId('studio-listing').filter({ hasText: 'Paid Tides' });
  await row.waitFor();
  await row.getByTestId('file-input').setInputFiles(join(ROOT, 'crates/formats/fuzz/seeds/generation_metadata/a1111_and_comfyui_workflow.png'));
  await row.getByTestId('upload-passphrase').fill('a long payee passphrase');
  await row.getByRole('button', { name: 'Sign and upload' }).click();
  await page.getByTestId('studio-listing').filter({ hasText: 'Paid Tides' }).getByTestId('upload-result').waitFor({ timeout: 60_000 });
  await page.getByTestId('studio-listing').filter({ hasText: 'Paid Tides' }).getByRole('button', { name: 'Publish' }).click();
  await page.getByTestId('studio-listing').filter({ hasText: 'Paid Tides' }).getByTestId('listing-status').filter({ hasText: 'published' }).waitFor();
  const listingUrl = await page.getByTestId('studio-listing').filter({ hasText: 'Paid Tides' }).getByRole('link', { name: 'Paid Tides' }).getAttribute('href');

  // A collector pays for it in ETH from their own wallet.
  const buyerContext = await browser.newContext();
  await injectWallet(buyerContext, chain.rpc_url, BUYER);
  const buyer = await buyerContext.newPage();
  await signUp(buyer, 'payer@example.com', 'a collector who pays');
  await buyer.goto(server.url + listingUrl);
  await waitForHydration(buyer);
  await buyer.getByTestId('pay-eth').click();
  await buyer.getByTestId('wallet-status').filter({ hasText: /Submitted \(0x[0-9a-f]{64}\)/ }).waitFor({ timeout: 30_000 });
  await rpc(chain.rpc_url, 'anvil_mine', ['0x1']);
  await buyer.getByTestId('wallet-done').waitFor({ timeout: 30_000 });
  await buyerContext.close();

  // The Studio shows what the contract owes the payout address — the chain's own figure.
  const owed = await owedEth(chain.rpc_url, sales, PAYEE);
  assert.ok(owed > 0n, 'the creator was credited');
  await page.reload();
  await waitForHydration(page);
  const ethRow = page.getByTestId('owed-ETH');
  await ethRow.waitFor().catch(async (e) => assert.fail(`${e.message}\nthe panel says: ${await payouts.textContent()}`));
  const shown = (await ethRow.getByTestId('owed-amount').textContent()).trim();
  const whole = `${owed / 10n ** 18n}.${(owed % 10n ** 18n).toString().padStart(18, '0')}`.replace(/\.?0+$/, '');
  assert.equal(shown, `${whole} ETH`);

  // Withdraw: exactly what was owed arrives in the wallet (less gas), and the contract owes nothing more.
  const before = BigInt(await rpc(chain.rpc_url, 'eth_getBalance', [PAYEE, 'latest']));
  await ethRow.getByTestId('withdraw-ETH').click();
  const status = page.getByTestId('payouts-status').filter({ hasText: /^Withdrew / });
  await status.waitFor({ timeout: 30_000 });
  const txHash = (await status.textContent()).match(/0x[0-9a-f]{64}/)[0];
  const receipt = await rpc(chain.rpc_url, 'eth_getTransactionReceipt', [txHash]);
  assert.equal(receipt.status, '0x1');
  const gas = BigInt(receipt.gasUsed) * BigInt(receipt.effectiveGasPrice);
  const after = BigInt(await rpc(chain.rpc_url, 'eth_getBalance', [PAYEE, 'latest']));
  assert.equal(after - before + gas, owed, 'the whole balance, once');
  assert.equal(await owedEth(chain.rpc_url, sales, PAYEE), 0n);
  await page.getByTestId('withdrawal').filter({ hasText: txHash }).waitFor();
  assert.equal((await page.getByTestId('owed-ETH').getByTestId('owed-amount').textContent()).trim(), '0 ETH');
  assert.deepEqual(errors, []);
  await context.close();
});
