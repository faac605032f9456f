#!/usr/bin/env node
// Writes (or with --check, compares) the committed contract artifact that the
// Rust side's `sol!` bindings are generated from. Run after `forge build`.
import { readFileSync, writeFileSync } from 'node:fs';

const names = ['ProvenanceRegistry', 'ColophonSales', 'DemoUSD'];
const check = process.argv.includes('--check');
let stale = false;
for (const name of names) {
  const built = JSON.parse(readFileSync(`contracts/out/${name}.sol/${name}.json`, 'utf8'));
  const artifact = {
    contractName: name,
    abi: built.abi,
    bytecode: { object: built.bytecode.object },
    deployedBytecode: { object: built.deployedBytecode.object },
  };
  const text = JSON.stringify(artifact, null, 2) + '\n';
  const path = `contracts/artifacts/${name}.json`;
  if (check) {
    let committed = '';
    try { committed = readFileSync(path, 'utf8'); } catch { /* missing counts as stale */ }
    if (committed !== text) {
      console.error(`${path} differs from a fresh compile of contracts/src: run 'make contract-artifacts' and commit it.`);
      stale = true;
    }
  } else {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
process.exit(stale ? 1 : 0);
