// Starts the real server (the debug build `make test` made) on a free port with
// a fresh data directory and its own anvil, and a headless Debian Chromium.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, existsSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

/** Starts colophon-server; resolves once it prints its URL. `demo: true` seeds the demo store. */
export async function startServer({ demo = false } = {}) {
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

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

/** Resolves once the page has hydrated (the layout flips data-hydrated in an effect). */
export async function waitForHydration(page) {
  await page.locator('[data-hydrated="true"]').waitFor({ timeout: 20_000 });
}
