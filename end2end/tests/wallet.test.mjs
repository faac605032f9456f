// Paying from a browser wallet (EIP-1193) on the demo store, against the
// server's own anvil: the wallet says no first (nothing is held or charged),
// then pays in ETH; another collector pays in the dUSD stablecoin (approve,
// then pay); the page shows the fee and the creator's share before the
// wallet confirms, then the confirmations; the order appears in the
// collection; every balance is read back from the chain. A creator proves
// their payout address by signing a Sign-In-With-Ethereum message, is paid,
// and withdraws what the contract owes them.
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { useSite, waitForHydration, injectWallet, rpc, ROOT } from '../harness.mjs';

const site = useSite({ demo: true, payments: 'chain' });

// anvil's second dev account: the buyer's wallet.
const BUYER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

async function signUp(page, email, password) {
  await page.goto(site.server.url + '/sign-up');
  await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/studio');
}

test('a collector pays from their wallet in ETH, after saying no once', async () => {
  const chain = await (await fetch(site.server.url + '/api/v1/chain')).json();
  assert.ok(chain.rpc_url, 'the local chain is public to browsers');
  const context = await site.browser.newContext();
  const wallet = await injectWallet(context, chain.rpc_url, BUYER);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await signUp(page, 'wallet@example.com', 'a collector with a wallet');

  await page.goto(site.server.url + '/listings/tidal-memory-demo');
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
  const order = await (await page.request.get(site.server.url + `/api/v1/orders/${orderId}`)).json();
  assert.equal(order.payment_provider, 'chain');
  assert.ok(order.payment_ref.startsWith(txHash), order.payment_ref);
  // The certificate names the payment, and says nothing of test mode.
  await page.goto(site.server.url + `/collection/${orderId}`);
  await waitForHydration(page);
  assert.match(await page.getByTestId('certificate-payment').textContent(), new RegExp(`transaction ${txHash}, log \\d+`));
  assert.doesNotMatch(await page.getByTestId('certificate').textContent(), /Test-mode purchase/);
  await page.goto(site.server.url + '/listings/tidal-memory-demo');
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

test('another collector pays in the stablecoin: a permit signature and one transaction; a wallet without permits approves, then pays', async () => {
  const chain = await (await fetch(site.server.url + '/api/v1/chain')).json();
  const deployed = JSON.parse(readFileSync(join(site.server.dataDir, 'chain', 'sales.json'), 'utf8'));
  const { usd, sales } = deployed.deployment;
  const context = await site.browser.newContext();
  const wallet = await injectWallet(context, chain.rpc_url, BUYER);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));

  await signUp(page, 'stable@example.com', 'a collector in dollars');

  /** Pays for the demo listing in dUSD; returns the order and what the wallet was asked. */
  const payUsd = async () => {
    await page.goto(site.server.url + '/listings/tidal-memory-demo');
    await waitForHydration(page);
    wallet.calls.length = 0;
    const buyerBefore = await tokenBalance(chain.rpc_url, usd, BUYER);
    const contractBefore = await tokenBalance(chain.rpc_url, usd, sales);
    await page.getByTestId('pay-usd').click();
    const status = page.getByTestId('wallet-status');
    await status.filter({ hasText: /Submitted \(0x[0-9a-f]{64}\)/ }).waitFor({ timeout: 30_000 });
    await rpc(chain.rpc_url, 'anvil_mine', ['0x1']);
    const done = page.getByTestId('wallet-done');
    await done.waitFor({ timeout: 30_000 });
    const orderId = (await done.getByRole('link', { name: 'View the certificate' }).getAttribute('href')).split('/').pop();
    const order = await (await page.request.get(site.server.url + `/api/v1/orders/${orderId}`)).json();
    assert.equal(order.payment_provider, 'chain');
    // A price in cents is exactly cents × 10⁴ dUSD units: taken from the wallet, held by the contract.
    const price = BigInt(order.price_minor) * 10_000n;
    assert.equal(buyerBefore - (await tokenBalance(chain.rpc_url, usd, BUYER)), price);
    assert.equal((await tokenBalance(chain.rpc_url, usd, sales)) - contractBefore, price);
    return { order, price, sent: wallet.calls.filter((m) => m === 'eth_sendTransaction').length };
  };

  // A wallet that signs typed data: an EIP-2612 permit for exactly this payment, then one transaction.
  const first = await payUsd();
  assert.equal(first.sent, 1, 'the permit replaces the approval: one transaction');
  assert.ok(wallet.calls.includes('eth_signTypedData_v4'), 'the wallet signed a permit');
  const permit = wallet.typedData.at(-1);
  assert.equal(permit.primaryType, 'Permit');
  assert.equal(permit.domain.verifyingContract.toLowerCase(), usd.toLowerCase(), "the token's own domain");
  assert.equal(BigInt(permit.domain.chainId), BigInt(chain.chain_id));
  assert.equal(permit.message.owner.toLowerCase(), BUYER.toLowerCase());
  assert.equal(permit.message.spender.toLowerCase(), sales.toLowerCase(), 'only the sales contract may take it');
  assert.equal(BigInt(permit.message.value), first.price, 'exactly the amount quoted');
  const allowance = await rpc(chain.rpc_url, 'eth_call', [{ to: usd, data: '0xdd62ed3e' + [BUYER, sales].map((a) => a.toLowerCase().replace(/^0x/, '').padStart(64, '0')).join('') }, 'latest']);
  assert.equal(BigInt(allowance), 0n, 'the permit was spent whole: no allowance is left behind');

  // A wallet without eth_signTypedData_v4: the page approves, then pays.
  wallet.noTypedData = true;
  const second = await payUsd();
  assert.equal(second.sent, 2, 'an approval, then the payment');
  assert.notEqual(second.order.order_id, first.order.order_id);
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
  const chain = await (await fetch(site.server.url + '/api/v1/chain')).json();
  const { sales } = JSON.parse(readFileSync(join(site.server.dataDir, 'chain', 'sales.json'), 'utf8')).deployment;
  // anvil's fourth dev account: the creator's wallet.
  const PAYEE = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
  const context = await site.browser.newContext();
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
  await form.getByLabel('Resale royalty (%)').fill('7.5');
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
  const buyerContext = await site.browser.newContext();
  await injectWallet(buyerContext, chain.rpc_url, BUYER);
  const buyer = await buyerContext.newPage();
  await signUp(buyer, 'payer@example.com', 'a collector who pays');
  await buyer.goto(site.server.url + listingUrl);
  await waitForHydration(buyer);
  assert.equal(await buyer.getByTestId('royalty').textContent(), 'Editions resold here pay the creator 7.5 % of the price.');
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

/** The words of a `Paid` event's data: kind, token, amount, payee, payeeShare, royaltyReceiver, royalty, platformFee. */
function paidEvent(receipt, contract) {
  const PAID = '0xc6545308d61d1be2fc7fe7feb16c520f2c661e1856aec28fe419d9e5d2d39cd8';
  const log = receipt.logs.find((l) => l.address.toLowerCase() === contract.toLowerCase() && l.topics[0] === PAID);
  assert.ok(log, 'the payment emitted Paid');
  const words = log.data.replace(/^0x/, '').match(/.{64}/g).map((w) => BigInt('0x' + w));
  const address = (w) => '0x' + w.toString(16).padStart(40, '0');
  return {
    kind: words[0], amount: words[2], payee: address(words[3]), payeeShare: words[4],
    royaltyReceiver: address(words[5]), royalty: words[6], platformFee: words[7],
  };
}

test('a collector resells an edition; the buyer pays from their wallet and the creator\'s royalty arrives', async () => {
  const chain = await (await fetch(site.server.url + '/api/v1/chain')).json();
  const { sales } = JSON.parse(readFileSync(join(site.server.dataDir, 'chain', 'sales.json'), 'utf8')).deployment;
  // anvil's third and fifth dev accounts: the first holder's and the resale buyer's wallets.
  const SELLER = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
  const NEXT = '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65';
  const errors = [];

  // The first holder buys an edition from their wallet.
  const sellerContext = await site.browser.newContext();
  await injectWallet(sellerContext, chain.rpc_url, SELLER);
  const seller = await sellerContext.newPage();
  seller.on('pageerror', (e) => errors.push(e.message));
  await signUp(seller, 'holder@example.com', 'a collector who resells');
  await seller.goto(site.server.url + '/listings/tidal-memory-demo');
  await waitForHydration(seller);
  await seller.getByTestId('pay-eth').click();
  await seller.getByTestId('wallet-status').filter({ hasText: /Submitted/ }).waitFor({ timeout: 30_000 });
  await rpc(chain.rpc_url, 'anvil_mine', ['0x1']);
  const done = seller.getByTestId('wallet-done');
  await done.waitFor({ timeout: 30_000 });
  const firstOrder = (await done.getByRole('link', { name: 'View the certificate' }).getAttribute('href')).split('/').pop();

  // From the collection: a price that is not one is refused in words; then it is offered at $60.00.
  await seller.goto(site.server.url + '/collection');
  await waitForHydration(seller);
  const item = seller.getByTestId('collection').locator('li').filter({ hasText: 'Tidal Memory' });
  await item.getByTestId('resell-price').fill('sixty');
  await item.getByTestId('resell').click();
  assert.match(await seller.getByTestId('resell-error').textContent(), /price/i);
  await item.getByTestId('resell-price').fill('60');
  await item.getByTestId('resell').click();
  await item.getByTestId('offered').filter({ hasText: '$60.00' }).waitFor();
  // On the listing page the seller sees their own offer without a Buy button.
  await seller.goto(site.server.url + '/listings/tidal-memory-demo');
  await waitForHydration(seller);
  const mine = seller.getByTestId('resale-offer').filter({ hasText: '$60.00' });
  await mine.getByTestId('own-offer').waitFor();
  assert.equal(await mine.getByTestId('pay-eth').count(), 0, 'no Buy on your own offer');

  // Another collector sees the offer with the creator's royalty, and pays it from their wallet.
  const buyerContext = await site.browser.newContext();
  const wallet = await injectWallet(buyerContext, chain.rpc_url, NEXT);
  const buyer = await buyerContext.newPage();
  buyer.on('pageerror', (e) => errors.push(e.message));
  await signUp(buyer, 'second-hand@example.com', 'a collector of resales');
  await buyer.goto(site.server.url + '/listings/tidal-memory-demo');
  await waitForHydration(buyer);
  const offer = buyer.getByTestId('resale-offer').filter({ hasText: '$60.00' });
  assert.match(await offer.getByTestId('resale-royalty').textContent(), /^5 % of the price goes to the creator/);
  const sellerOwedBefore = await owedEth(chain.rpc_url, sales, SELLER);
  await offer.getByTestId('pay-eth').click();
  const status = offer.getByTestId('wallet-status').filter({ hasText: /Submitted \(0x[0-9a-f]{64}\)/ });
  await status.waitFor({ timeout: 30_000 });
  const txHash = (await status.textContent()).match(/0x[0-9a-f]{64}/)[0];
  assert.equal(wallet.calls.filter((m) => m === 'eth_sendTransaction').length, 1);

  // On chain: a resale (kind 1) whose payee is the seller's wallet, the creator's 5 % and the fee credited.
  const receipt = await rpc(chain.rpc_url, 'eth_getTransactionReceipt', [txHash]);
  assert.equal(receipt.status, '0x1');
  const paid = paidEvent(receipt, sales);
  assert.equal(paid.kind, 1n);
  assert.equal(paid.payee.toLowerCase(), SELLER.toLowerCase());
  assert.equal(paid.royalty, (paid.amount * 500n) / 10_000n, 'the 5 % the page stated');
  assert.equal(paid.payeeShare + paid.royalty + paid.platformFee, paid.amount, 'every wei is someone\'s');
  assert.equal((await owedEth(chain.rpc_url, sales, SELLER)) - sellerOwedBefore, paid.payeeShare);
  await rpc(chain.rpc_url, 'anvil_mine', ['0x1']);
  const bought = offer.getByTestId('wallet-done');
  await bought.waitFor({ timeout: 30_000 });
  const newOrder = (await bought.getByRole('link', { name: 'View the certificate' }).getAttribute('href')).split('/').pop();

  // The buyer's certificate shows the chain of custody: sold, then resold to them.
  await buyer.goto(site.server.url + `/collection/${newOrder}`);
  await waitForHydration(buyer);
  const custody = buyer.getByTestId('custody-entry');
  assert.equal(await custody.count(), 2);
  assert.match(await custody.nth(0).textContent(), /^Sold /);
  assert.match(await custody.nth(1).textContent(), new RegExp(`^Resold .*\\$60\\.00.*${txHash}.*this certificate`));
  const sha = (await buyer.getByTestId('certificate-hash').textContent()).trim();

  // /verify shows the resale among the file's sales, checked in the browser.
  await buyer.goto(site.server.url + '/verify');
  await waitForHydration(buyer);
  await buyer.locator('#hash').fill(sha);
  await buyer.getByRole('button', { name: 'Look up in the ledger' }).click();
  const resale = buyer.getByTestId('verify-match').filter({ hasText: /resold/ });
  await resale.getByTestId('verify-browser-check').filter({ hasText: 'verified in your browser' }).waitFor({ timeout: 30_000 });
  assert.match(await resale.getByTestId('verify-sale').textContent(), new RegExp(`resold: holder [0-9a-f]{12}… to [0-9a-f]{12}….*${txHash.slice(2)}`));
  await buyer.getByTestId('verify-sale').filter({ hasText: /resold/ }).first().waitFor({ timeout: 30_000 })
    .catch(async (e) => assert.fail(`${e.message}\nthe page says: ${await buyer.locator('main').textContent()}`));

  // The seller no longer holds it: gone from the collection, the old certificate says so.
  await seller.goto(site.server.url + '/collection');
  await waitForHydration(seller);
  assert.equal(await seller.getByTestId('collection').locator('li').filter({ hasText: 'Tidal Memory' }).count(), 0);
  await seller.goto(site.server.url + `/collection/${firstOrder}`);
  await waitForHydration(seller);
  await seller.getByTestId('certificate-resold').waitFor();
  const download = await seller.request.get(site.server.url + `/api/v1/orders/${firstOrder}/download`);
  assert.equal(download.status(), 409);

  // Licences are not resellable, and the page says so.
  await buyer.goto(site.server.url + '/listings/ink-bloom-lora-demo');
  await waitForHydration(buyer);
  assert.match(await buyer.getByTestId('not-resellable').textContent(), /^Licences \(workflows and LoRAs\) are not resellable/);
  assert.deepEqual(errors, []);
  await sellerContext.close();
  await buyerContext.close();
});
