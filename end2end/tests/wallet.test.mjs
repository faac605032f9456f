// Paying from a browser wallet (EIP-1193) on the demo store, against the
// server's own anvil: the wallet says no first (nothing is held or charged),
// then pays in ETH; another collector pays in the dUSD stablecoin (approve,
// then pay); the page shows the fee and the creator's share before the
// wallet confirms, then the confirmations; the order appears in the
// collection; every balance is read back from the chain.
import { test, before, after } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, waitForHydration, injectWallet, rpc } from '../harness.mjs';

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
