// The committed receipt verifies with an implementation written from
// docs/FORMATS.md (Node/OpenSSL Ed25519, its own RFC 9162 code), and every
// single-bit change to it is rejected with the right reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyReceipt } from '../verifier/verify-receipt.mjs';
import { ROOT } from '../harness.mjs';

const vector = JSON.parse(readFileSync(join(ROOT, 'crates/provenance/vectors/receipt.json'), 'utf8'));
const statements = JSON.parse(readFileSync(join(ROOT, 'crates/provenance/vectors/statements.json'), 'utf8'));

const flipHex = (s, i) => { const b = Buffer.from(s, 'hex'); b[i % b.length] ^= 1; return b.toString('hex'); };

test('the committed receipt verifies independently', () => {
  assert.equal(verifyReceipt(vector.file_sha256, vector.receipt, vector.anchored_root), 'ok');
});

test('tampering is caught with the right reason', () => {
  const r = () => structuredClone(vector.receipt);
  assert.throws(() => verifyReceipt(flipHex(vector.file_sha256, 3), r(), vector.anchored_root), /hash mismatch/);
  assert.throws(() => verifyReceipt(vector.file_sha256, { ...r(), signature: flipHex(vector.receipt.signature, 40) }, vector.anchored_root), /bad signature/);
  const proof = r();
  proof.inclusion_proof[1] = flipHex(proof.inclusion_proof[1], 0);
  assert.throws(() => verifyReceipt(vector.file_sha256, proof, vector.anchored_root), /proof invalid/);
  assert.throws(() => verifyReceipt(vector.file_sha256, { ...r(), leaf_index: 7 }, vector.anchored_root), /proof invalid/);
  assert.throws(() => verifyReceipt(vector.file_sha256, r(), flipHex(vector.anchored_root, 9)), /root mismatch/);
  assert.throws(() => verifyReceipt(vector.file_sha256, { ...r(), anchor: null }, vector.anchored_root), /unanchored/);
  for (let i = 0; i < Buffer.from(vector.receipt.statement, 'base64').length; i += 7) {
    const bytes = Buffer.from(vector.receipt.statement, 'base64');
    bytes[i] ^= 0x10;
    assert.throws(() => verifyReceipt(vector.file_sha256, { ...r(), statement: bytes.toString('base64') }, vector.anchored_root));
  }
});

test('every committed statement signature verifies with OpenSSL Ed25519', async () => {
  const { createPublicKey, verify } = await import('node:crypto');
  for (const v of statements.vectors) {
    const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(v.public_key, 'hex')]), format: 'der', type: 'spki' });
    assert.ok(verify(null, Buffer.from(v.canonical_hex, 'hex'), key, Buffer.from(v.signature, 'hex')), v.name);
  }
});
