#!/usr/bin/env node
// forge's `solc`: answers --version like the native compiler and otherwise
// compiles standard JSON from stdin with solc-js (npm `solc`).
'use strict';
const fs = require('fs');
const solc = require('solc');
if (process.argv.includes('--version')) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  // forge hands over the project's sources; libraries it reaches through
  // `../node_modules` (OpenZeppelin) are read here when solc asks for them.
  const read = (path) => {
    try {
      return { contents: fs.readFileSync(path, 'utf8') };
    } catch {
      return { error: `File not found: ${path}` };
    }
  };
  process.stdout.write(solc.compile(Buffer.concat(chunks).toString('utf8'), { import: read }));
});
