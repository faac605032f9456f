#!/usr/bin/env node
// forge's `solc`: answers --version like the native compiler and otherwise
// compiles standard JSON from stdin with solc-js (npm `solc`).
'use strict';
const solc = require('solc');
if (process.argv.includes('--version')) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  process.stdout.write(solc.compile(Buffer.concat(chunks).toString('utf8')));
});
