// Starts the real server (the debug build `make test` made) on a free port with
// a fresh data directory and its own anvil, and a headless Debian Chromium.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, existsSync, appendFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '..');
export const ARTIFACTS = join(ROOT, 'end2end', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

function anvilBin() {
  if (process.env.COLOPHON_ANVIL_BIN) return process.env.COLOPHON_ANVIL_BIN;
  const dir = join(ROOT, 'node_modules', '@foundry-rs');
  for (const entry of readdirSync(dir)) {
    const candidate = join(dir, entry, 'bin', 'anvil');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('anvil not found: run `make test`, which installs it');
}

/** Starts colophon-server; resolves once it prints its URL. `demo: true` seeds the demo store;
 * `payments: 'chain'` lets buyers pay from a wallet (one confirmation). */
export async function startServer({ demo = false, payments = 'test' } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'colophon-e2e-'));
  // The journeys run the debug build; `make bench` points this at its release build.
  const bin = process.env.COLOPHON_E2E_SERVER_BIN || join(ROOT, 'target', 'debug', 'colophon-server');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: scripts/build debug builds it`);
  const child = spawn(bin, [], {
    cwd: ROOT,
    env: {
      ...process.env,
      COLOPHON_ADDR: '127.0.0.1:0',
      COLOPHON_DATA_DIR: dataDir,
      COLOPHON_ANVIL_PORT: '0',
      COLOPHON_ANVIL_BIN: anvilBin(),
      COLOPHON_SITE_ROOT: join(ROOT, 'target', 'site'),
      COLOPHON_LOG: process.env.E2E_SERVER_LOG ? 'info' : 'warn',
      COLOPHON_ANCHOR_INTERVAL: '1',
      COLOPHON_DEMO: demo ? '1' : '0',
      // Journeys point webhooks at local endpoints.
      COLOPHON_WEBHOOK_ALLOW_PRIVATE: '1',
      COLOPHON_PAYMENTS: payments,
      COLOPHON_PAYMENT_CONFIRMATIONS: '1',
      DATABASE_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  // E2E_SERVER_LOG=path keeps the server's log for debugging.
  if (process.env.E2E_SERVER_LOG) child.stdout.on('data', (d) => appendFileSync(process.env.E2E_SERVER_LOG, d));
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${stderr}`)), 60_000);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/running at (http:\/\/[0-9.:]+)/);
      if (m) { clearTimeout(timer); resolveUrl(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${stderr}`)); });
  });
  return {
    url,
    dataDir,
    /** Runs SQL against the server's SQLite database (the embedded default). */
    sql(statements) {
      return execFileSync('sqlite3', [join(dataDir, 'colophon.db')], { input: statements, encoding: 'utf8' });
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
    },
  };
}

/** A journey file's site: one server (`startServer(options)`) and one
 * browser, started before its tests and stopped after them; `ready(site)`,
 * if given, runs once both are up (to seed the database, say). */
export function useSite(options, ready) {
  const site = {};
  before(async () => {
    site.server = await startServer(options);
    site.browser = await launchBrowser();
    await ready?.(site);
  });
  after(async () => {
    const violations = site.browser?.cspViolations ?? [];
    await site.browser?.close();
    await site.server?.stop();
    assert.deepEqual(violations, [], 'no page broke its Content-Security-Policy');
  });
  return site;
}

/** Chromium, headless. Every page it opens reports Content-Security-Policy
 * violations into `browser.cspViolations`; `useSite` fails the file on any. */
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  browser.cspViolations = [];
  const watch = (page) => page.on('console', (m) => {
    if (/Content Security Policy|CSP violation/i.test(m.text())) browser.cspViolations.push(`${page.url()}: ${m.text()}`);
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await context.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`)));
    context.on('page', watch);
    return context;
  };
  browser.newPage = async (options) => (await browser.newContext(options)).newPage();
  return browser;
}

/** Resolves once the page has hydrated (the layout flips data-hydrated in an effect). */
export async function waitForHydration(page) {
  await page.locator('[data-hydrated="true"]').waitFor({ timeout: 20_000 });
  await auditAccessibility(page);
}

/** axe-core, the accessibility engine browsers' own audits use. */
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Fails unless the page, as it stands, passes axe-core's WCAG 2 A and AA
 * rules. Every journey runs it on every page it waits to hydrate. Injected
 * through the DevTools protocol, which the page's CSP does not govern. */
export async function auditAccessibility(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
  });
  assert.deepEqual(violations, [], `${page.url()} passes WCAG 2 A and AA (axe-core)`);
}

/** JSON-RPC to a chain node. */
export async function rpc(url, method, params = []) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const body = await res.json();
  if (body.error) {
    const e = new Error(body.error.message);
    e.code = body.error.code;
    throw e;
  }
  return body.result;
}

/**
 * A browser wallet in the page: `window.ethereum` (EIP-1193) whose requests
 * reach this process, which forwards them to the chain node as `account`
 * (anvil's dev accounts are unlocked, so the node signs what it is sent).
 * `wallet.reject = true` makes it refuse like a user clicking "Reject"
 * (error 4001); `wallet.noTypedData = true` makes it a wallet without
 * `eth_signTypedData_v4` (error 4200); `wallet.calls` records every method
 * asked, `wallet.typedData` every EIP-712 message it signed.
 */
export async function injectWallet(context, chainUrl, account) {
  const wallet = { reject: false, noTypedData: false, calls: [], typedData: [] };
  await context.exposeBinding('colophonWalletRequest', async (_source, { method, params }) => {
    wallet.calls.push(method);
    if (wallet.reject) return { error: { code: 4001, message: 'User rejected the request.' } };
    try {
      if (method === 'eth_requestAccounts' || method === 'eth_accounts') return { result: [account] };
      if (method === 'eth_signTypedData_v4' && wallet.noTypedData) {
        return { error: { code: 4200, message: 'The requested method is not supported by this wallet.' } };
      }
      if (method === 'eth_signTypedData_v4' && typeof params?.[1] === 'string') {
        // Pages send the typed data as a JSON string (MetaMask's form); the node takes the object.
        wallet.typedData.push(JSON.parse(params[1]));
        return { result: await rpc(chainUrl, method, [params[0], JSON.parse(params[1])]) };
      }
      return { result: await rpc(chainUrl, method, params ?? []) };
    } catch (e) {
      return { error: { code: e.code ?? -32603, message: e.message } };
    }
  });
  await context.addInitScript(() => {
    window.ethereum = {
      isColophonTestWallet: true,
      async request(args) {
        const answer = await window.colophonWalletRequest(args);
        if (answer.error) {
          const e = new Error(answer.error.message);
          e.code = answer.error.code;
          throw e;
        }
        return answer.result;
      },
      on() {},
      removeListener() {},
    };
  });
  return wallet;
}
