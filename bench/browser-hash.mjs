// Browser hashing: the /verify page's wasm SHA-256 (8 MiB slices, bounded
// memory: app/src/file_hash.rs) against Chromium's own `crypto.subtle.digest`
// on the very same File, in the same page, in headless Debian Chromium.
// SubtleCrypto has no streaming API, so the peer reads the whole file into one
// ArrayBuffer first; that is the memory the slices avoid.
//
// Usage: node bench/browser-hash.mjs [MiB=1024] [runs=5]
// Needs the site built (scripts/build debug or release: the wasm is always the
// size-optimised wasm-release profile) and prints a Markdown table row per metric.
// Memory: peak resident set of Chromium's renderer processes above the idle
// page, sampled every 10 ms from /proc.
import { openSync, writeSync, closeSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import { randomBytes, createHash } from 'node:crypto';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, waitForHydration } from '../end2end/harness.mjs';

const mib = Number(process.argv[2] ?? 1024);
const runs = Number(process.argv[3] ?? 5);
const path = join(tmpdir(), `colophon-bench-${mib}m.bin`);
{
  const fd = openSync(path, 'w');
  const block = randomBytes(1 << 20);
  for (let i = 0; i < mib; i++) writeSync(fd, block.map((b) => b ^ (i & 0xff)));
  closeSync(fd);
}
const want = createHash('sha256').update(readFileSync(path)).digest('hex');

const server = await startServer();
const browser = await launchBrowser();
const cdp = await browser.newBrowserCDPSession();
const page = await browser.newPage();
await page.goto(server.url + '/verify');
await waitForHydration(page);

async function rendererPids() {
  const { processInfo } = await cdp.send('SystemInfo.getProcessInfo');
  return processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
}
function rss(pids) {
  let kib = 0;
  for (const pid of pids) {
    try {
      const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
      if (m) kib += Number(m[1]);
    } catch { /* the process is gone */ }
  }
  return kib / 1024;
}
/** Runs `job`, sampling renderer RSS; returns [ms, peak MiB above the start]. */
async function measured(job) {
  const pids = await rendererPids();
  await page.evaluate(() => new Promise((r) => setTimeout(r, 200))); // let the last run's garbage go
  const base = rss(pids);
  let peak = base;
  const timer = setInterval(() => { peak = Math.max(peak, rss(pids)); }, 10);
  const t0 = performance.now();
  await job();
  const ms = performance.now() - t0;
  clearInterval(timer);
  peak = Math.max(peak, rss(pids));
  return [ms, peak - base];
}

async function ours() {
  await page.getByTestId('verify-file').setInputFiles([]);
  await page.locator('#hash').fill('');
  await page.getByTestId('verify-file').setInputFiles(path);
  await page.getByTestId('file-note').filter({ hasText: 'SHA-256 computed' }).waitFor({ timeout: 600_000 });
  const got = await page.locator('#hash').inputValue();
  if (got !== want) throw new Error(`the page computed ${got}, not ${want}`);
}
async function subtle() {
  const got = await page.evaluate(async () => {
    const file = document.querySelector('#verify-file').files[0];
    const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  });
  if (got !== want) throw new Error(`SubtleCrypto computed ${got}, not ${want}`);
}

const chromium = browser.version();
const results = { ours: [], subtle: [] };
try {
  for (let i = 0; i < runs; i++) {
    results.ours.push(await measured(ours)); // also leaves the file selected for subtle()
    results.subtle.push(await measured(subtle));
  }
} finally {
  await browser.close();
  await server.stop();
  rmSync(path, { force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (k) => median(results[k].map(([t]) => t));
const mem = (k) => median(results[k].map(([, m]) => m));
const rate = (t) => (mib / (t / 1000)).toFixed(0);
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`browser hashing of a ${mib} MiB file, medians of ${runs}, Chromium ${chromium}, ${cpu} ×${cpus().length}`);
console.log('| metric | ours (wasm, 8 MiB slices) | peer (crypto.subtle.digest) | ratio |');
console.log('|---|---|---|---|');
console.log(`| time | ${(ms('ours') / 1000).toFixed(2)} s (${rate(ms('ours'))} MiB/s) | ${(ms('subtle') / 1000).toFixed(2)} s (${rate(ms('subtle'))} MiB/s) | ${(ms('subtle') / ms('ours')).toFixed(2)}× the peer's speed |`);
console.log(`| peak renderer memory above idle | ${mem('ours').toFixed(0)} MiB | ${mem('subtle').toFixed(0)} MiB | ${(mem('ours') / Math.max(mem('subtle'), 1)).toFixed(2)}× |`);
// `make bench` collects one summary row per metric.
if (process.env.COLOPHON_BENCH_RESULTS) {
  const row = (metric, ours, peer, ratio) =>
    appendFileSync(process.env.COLOPHON_BENCH_RESULTS, JSON.stringify({ metric, ours, peer, ratio, command: `node bench/browser-hash.mjs ${mib} ${runs}` }) + '\n');
  row(`Browser SHA-256 of a ${mib} MiB file (/verify, Chromium ${chromium})`, `${(ms('ours') / 1000).toFixed(2)} s`,
    `crypto.subtle.digest: ${(ms('subtle') / 1000).toFixed(2)} s`, `${(ms('subtle') / ms('ours')).toFixed(2)}× the peer's speed`);
  row('Browser hashing, peak renderer memory above idle', `${mem('ours').toFixed(0)} MiB`,
    `crypto.subtle.digest: ${mem('subtle').toFixed(0)} MiB`, `${(mem('ours') / Math.max(mem('subtle'), 1)).toFixed(2)}× the memory`);
}
