// The committed receipt verifies with an implementation written from
// docs/FORMATS.md (Node/OpenSSL Ed25519, its own RFC 9162 code), and every
// single-bit change to it is rejected with the right reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { keyEventStatus, parseStatement, verifyConsistency, verifyReceipt } from '../verifier/verify-receipt.mjs';
import { ROOT } from '../harness.mjs';

const vector = JSON.parse(readFileSync(join(ROOT, 'crates/provenance/vectors/receipt.json'), 'utf8'));
const ledger = JSON.parse(readFileSync(join(ROOT, 'crates/provenance/vectors/ledger.json'), 'utf8'));
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

const h = (x) => Buffer.from(x, 'hex');

test('every committed statement decodes to what its JSON says, in both versions', () => {
  const kinds = { content_registered: 1, key_registered: 2, key_rotated: 3, key_revoked: 4, edition_sold: 5, license_granted: 6, edition_transferred: 7 };
  const seen = new Set();
  for (const v of statements.vectors) {
    const bytes = h(v.canonical_hex);
    const s = parseStatement(bytes);
    assert.equal(s.kind, kinds[v.statement.type], v.name);
    assert.equal(s.timeMs, BigInt(v.statement.time_ms), v.name);
    seen.add(s.version);
    if (v.statement.payment) {
      const p = v.statement.payment;
      assert.equal(s.version, 2, v.name);
      assert.equal(s.payment.chainId, BigInt(p.chain_id), v.name);
      assert.equal('0x' + s.payment.contract.toString('hex'), p.contract, v.name);
      assert.equal('0x' + s.payment.txHash.toString('hex'), p.tx_hash, v.name);
      assert.equal(s.payment.logIndex, BigInt(p.log_index), v.name);
      assert.equal('0x' + s.payment.token.toString('hex'), p.token, v.name);
      assert.equal(s.payment.amount, BigInt(p.amount), v.name);
      // The same sale in version 1 is the statement without its last 120 bytes
      // (a transfer has no version 1).
      const plain = Buffer.from(bytes.subarray(0, bytes.length - 120));
      plain[13] = 1;
      if (s.kind === 7) {
        assert.equal('0x' + s.sellerRef.toString('hex'), '0x' + v.statement.seller_ref, v.name);
        assert.equal('0x' + s.buyerRef.toString('hex'), '0x' + v.statement.buyer_ref, v.name);
        assert.equal(s.edition, BigInt(v.statement.edition), v.name);
        assert.throws(() => parseStatement(plain), /only in version 2/, v.name);
      } else {
        assert.equal(parseStatement(plain).payment, undefined, v.name);
      }
      // …and neither version accepts the other's body.
      const v1WithPayment = Buffer.from(bytes); v1WithPayment[13] = 1;
      assert.throws(() => parseStatement(v1WithPayment), s.kind === 7 ? /only in version 2/ : /trailing/, v.name);
      plain[13] = 2;
      assert.throws(() => parseStatement(plain), /truncated/, v.name);
    } else {
      assert.equal(s.version, 1, v.name);
      assert.equal(s.payment, undefined, v.name);
    }
  }
  assert.deepEqual([...seen].sort(), [1, 2], 'the vectors cover both versions');
  const registered = h(statements.vectors.find((v) => v.name === 'content_registered').canonical_hex);
  registered[13] = 2;
  assert.throws(() => parseStatement(registered), /only for sale/);
});

test('every committed consistency proof verifies, and every broken one is refused', () => {
  for (const c of ledger.consistency) {
    assert.equal(ledger.roots[c.from] ?? null, c.from === 0 ? null : c.from_root, `root of ${c.from}`);
    verifyConsistency(c.from, c.to, h(c.from_root), h(c.to_root), c.proof.map(h));
  }
  for (const c of ledger.invalid_consistency) {
    assert.throws(() => verifyConsistency(c.from, c.to, h(c.from_root), h(c.to_root), c.proof.map(h)), /inconsistent/, c.name);
  }
});

test('a sale receipt verifies against the operator key, and only that key', () => {
  const { operator_public_key: op, file_sha256: file, anchored_root: root, receipt } = ledger.sale;
  assert.equal(verifyReceipt(file, receipt, root, { expect: 'sale', operatorKeyHex: op }), 'ok');
  const other = ledger.key_standing.creator_public_key;
  assert.throws(() => verifyReceipt(file, receipt, root, { expect: 'sale', operatorKeyHex: other }), /bad signature/);
  assert.throws(() => verifyReceipt(file, receipt, root), /malformed: not a registration/);
});

test("a key's revocation ends what it signs from its time on, not before", () => {
  const k = ledger.key_standing;
  const keyId = createHash('sha256').update(h(k.creator_public_key)).digest('hex');
  const status = keyEventStatus(k.ended_receipt, keyId);
  assert.deepEqual(status, { reason: 'retired', atMs: 1795000200000n });
  assert.equal(verifyReceipt(k.before.file_sha256, k.before.receipt, k.anchored_root, { keyStatus: status }), k.before.verdict);
  assert.throws(() => verifyReceipt(k.after.file_sha256, k.after.receipt, k.anchored_root, { keyStatus: status }), new RegExp(k.after.verdict));
  // The revocation is about this key only.
  assert.throws(() => keyEventStatus(k.ended_receipt, '00'.repeat(32)), /does not end this key/);
});

test('every committed invalid receipt fails for the reason it states', () => {
  for (const v of ledger.invalid_receipts) {
    assert.throws(() => verifyReceipt(v.file_sha256, v.receipt, v.anchored_root), (e) => e.message.startsWith(v.reason), `${v.name}: expected ${v.reason}`);
  }
  assert.throws(() => verifyReceipt(vector.file_sha256, ledger.invalid_receipt_json, vector.anchored_root), /malformed: unknown field/);
});

test('plain OpenSSL alone accepts the identity-key forgery: the strict point checks are what refuse it', async () => {
  const { createPublicKey, verify } = await import('node:crypto');
  const forged = ledger.invalid_receipts.find((v) => v.name.startsWith('the identity point as public key')).receipt;
  const key = createPublicKey({ key: Buffer.concat([h('302a300506032b6570032100'), h(forged.public_key)]), format: 'der', type: 'spki' });
  assert.ok(verify(null, Buffer.from(forged.statement, 'base64'), key, h(forged.signature)), 'OpenSSL takes it');
});
