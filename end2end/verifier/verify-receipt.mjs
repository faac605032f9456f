// An independent Colophon receipt verifier, written from docs/FORMATS.md alone:
// Node's crypto (OpenSSL) for SHA-256 and Ed25519, and its own RFC 9162
// inclusion-proof verification. It shares no code with crates/provenance.
//
//   node end2end/verifier/verify-receipt.mjs FILE_SHA256 RECEIPT.json ANCHORED_ROOT_HEX
import { createHash, createPublicKey, verify as edVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';

const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const hex = (s, bytes, what) => {
  if (typeof s !== 'string' || !new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(s)) throw new Error(`${what}: expected ${bytes * 2} hex digits`);
  return Buffer.from(s, 'hex');
};

/** Decodes any statement (docs/FORMATS.md §2): `{ kind, ...fields }`; throws on anything off. */
export function parseStatement(bytes) {
  let pos = 0;
  const take = (n) => {
    if (pos + n > bytes.length) throw new Error('statement truncated');
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const u8 = () => take(1)[0];
  const u32 = () => take(4).readUInt32BE(0);
  const u64 = () => take(8).readBigUInt64BE(0);
  const str = () => { const n = u32(); if (n > 4096) throw new Error('field too long'); return new TextDecoder('utf-8', { fatal: true }).decode(take(n)); };
  const blob = () => { const n = u32(); if (n > 4096) throw new Error('field too long'); return take(n); };
  const opt = (read) => { const f = u8(); if (f === 0) return null; if (f === 1) return read(); throw new Error('bad option flag'); };
  const tag = (what, max) => { const t = u8(); if (t < 1 || t > max) throw new Error(`unknown ${what}`); return t; };
  if (take(13).toString('latin1') !== 'COLOPHON-STMT') throw new Error('bad magic');
  const version = u8();
  if (version !== 1 && version !== 2) throw new Error('unsupported version');
  const kind = u8();
  if (version === 2 && (kind < 5 || kind > 7)) throw new Error('version 2 is only for sale statements');
  if (version === 1 && kind === 7) throw new Error('EditionTransferred exists only in version 2');
  const s = { version, kind };
  switch (kind) {
    case 1: {
      s.contentHash = take(32);
      s.contentKind = tag('content kind', 4);
      s.size = u64();
      s.creatorKey = take(32);
      s.listingId = str();
      s.fileId = str();
      const parents = u32();
      if (parents > 1024) throw new Error('too many parents');
      s.parents = [];
      for (let i = 0; i < parents; i++) s.parents.push(take(32));
      for (let i = 1; i < s.parents.length; i++) if (Buffer.compare(s.parents[i - 1], s.parents[i]) >= 0) throw new Error('parents not strictly ascending');
      s.licenseTerms = opt(() => take(32));
      s.perceptualHash = opt(() => { const b = blob(); if (b.length < 1 || b.length > 64) throw new Error('bad perceptual hash'); return b; });
      break;
    }
    case 2: s.publicKey = take(32); s.account = str(); break;
    case 3: s.oldKey = take(32); s.newPublicKey = take(32); break;
    case 4: s.key = take(32); s.reason = ['compromised', 'superseded', 'retired'][tag('revocation reason', 3) - 1]; break;
    case 5:
      s.listingId = str(); s.contentHash = take(32); s.edition = u64(); s.editionSize = u64();
      s.buyerRef = take(32); s.priceMinor = u64(); s.currency = str();
      if (s.edition < 1n || s.edition > s.editionSize) throw new Error('edition outside 1..=edition size');
      if (!/^[A-Z]{3}$/.test(s.currency)) throw new Error('currency is not 3 uppercase letters');
      break;
    case 6: s.listingId = str(); s.contentHash = take(32); s.licenseeRef = take(32); s.licenseTerms = take(32); break;
    case 7:
      s.listingId = str(); s.contentHash = take(32); s.edition = u64(); s.editionSize = u64();
      s.sellerRef = take(32); s.buyerRef = take(32); s.priceMinor = u64(); s.currency = str();
      if (s.edition < 1n || s.edition > s.editionSize) throw new Error('edition outside 1..=edition size');
      if (!/^[A-Z]{3}$/.test(s.currency)) throw new Error('currency is not 3 uppercase letters');
      break;
    default: throw new Error('unknown statement kind');
  }
  s.timeMs = u64();
  // Version 2 (§2.1): the sale's chain payment follows.
  if (version === 2) {
    s.payment = {
      chainId: u64(), contract: take(20), txHash: take(32), logIndex: u64(), token: take(20),
      amount: BigInt('0x' + take(32).toString('hex')),
    };
  }
  if (pos !== bytes.length) throw new Error('trailing bytes');
  return s;
}

/** The ContentRegistered statement in `bytes`, or an error. */
export function parseContentRegistered(bytes) {
  const s = parseStatement(bytes);
  if (s.kind !== 1) throw new Error('not a ContentRegistered statement');
  return s;
}

// Ed25519 strictness (docs/FORMATS.md §3): a public key or R must be the
// canonical encoding of a point (y < p) and not one of small order
// (y ∈ {0, 1, p − 1, ±y8}, whatever the sign bit). OpenSSL checks neither:
// with A = R = the identity and S = 0 it accepts any message.
const P = (1n << 255n) - 19n;
const Y8 = 0x7a03ac9277fdc74ec6cc392cfa53202a0f67100d760b3cba4fd84d3d706a17c7n; // an order-8 point's y
const SMALL_ORDER_Y = new Set([0n, 1n, P - 1n, Y8, P - Y8]);
export function checkStrictPoint(bytes, what) {
  const le = Buffer.from(bytes).reverse();
  le[0] &= 0x7f; // drop the sign bit of x
  const y = BigInt(`0x${le.toString('hex')}`);
  if (y >= P) throw new Error(`bad signature (${what} is not canonically encoded)`);
  if (SMALL_ORDER_Y.has(y)) throw new Error(`bad signature (${what} is a small-order point)`);
}

/** RFC 9162 §2.1.3.2: the root an inclusion proof leads to. */
export function rootFromInclusion(leafHash, index, size, proof) {
  if (index >= size) throw new Error('index out of range');
  let fn = index, sn = size - 1n, r = leafHash;
  for (const p of proof) {
    if (sn === 0n) throw new Error('proof too long');
    if ((fn & 1n) === 1n || fn === sn) {
      r = sha256(Buffer.from([1]), p, r);
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      r = sha256(Buffer.from([1]), r, p);
    }
    fn >>= 1n; sn >>= 1n;
  }
  if (sn !== 0n) throw new Error('proof too short');
  return r;
}

function ed25519Key(raw) {
  // RFC 8410 SubjectPublicKeyInfo for Ed25519: fixed 12-byte prefix + 32-byte key.
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

const RECEIPT_FIELDS = ['format', 'statement', 'public_key', 'signature', 'leaf_index', 'tree_size', 'inclusion_proof', 'root', 'anchor'];

/**
 * The receipt's statement, signature and inclusion proof checked (§5 steps
 * 1–4 but the hash and key-standing steps): `{ statement, keyId, root }`.
 * Throws 'malformed …', 'bad signature …' or 'proof invalid'.
 */
function checkSignedAndIncluded(receipt) {
  const unknown = Object.keys(receipt).filter((k) => !RECEIPT_FIELDS.includes(k));
  if (unknown.length) throw new Error(`malformed: unknown field ${unknown[0]}`);
  const anchorFields = ['chain_id', 'contract', 'tx_hash', 'block_number'];
  const unknownInAnchor = Object.keys(receipt.anchor ?? {}).filter((k) => !anchorFields.includes(k));
  if (unknownInAnchor.length) throw new Error(`malformed: unknown field anchor.${unknownInAnchor[0]}`);
  if (receipt.format !== 'colophon-receipt/1') throw new Error('malformed: unsupported format');
  const bytes = Buffer.from(receipt.statement, 'base64');
  if (bytes.toString('base64') !== receipt.statement) throw new Error('malformed: statement is not canonical base64');
  let statement;
  try { statement = parseStatement(bytes); } catch (e) { throw new Error(`malformed: ${e.message}`); }
  const publicKey = hex(receipt.public_key, 32, 'public_key');
  const signature = hex(receipt.signature, 64, 'signature');
  checkStrictPoint(publicKey, 'the public key');
  checkStrictPoint(signature.subarray(0, 32), 'R');
  if (!edVerify(null, bytes, ed25519Key(publicKey), signature)) throw new Error('bad signature');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(bytes.length);
  const leafData = Buffer.concat([Buffer.from('COLOPHON-LEAF', 'latin1'), Buffer.from([1]), len, bytes, publicKey, signature]);
  const leafHash = sha256(Buffer.from([0]), leafData);
  const proof = receipt.inclusion_proof.map((h, i) => hex(h, 32, `proof[${i}]`));
  let root;
  try { root = rootFromInclusion(leafHash, BigInt(receipt.leaf_index), BigInt(receipt.tree_size), proof); } catch { throw new Error('proof invalid'); }
  if (!root.equals(hex(receipt.root, 32, 'root'))) throw new Error('proof invalid');
  return { statement, keyId: sha256(publicKey), root };
}

/**
 * Returns 'ok' or throws with the reason (hash mismatch, bad signature,
 * revoked key, proof invalid, unanchored, root mismatch, malformed).
 * `expect`: 'registration' (ContentRegistered, signed by its creator key) or
 * 'sale' (EditionSold / LicenseGranted, signed by `operatorKeyHex`).
 * `keyStatus`: from keyEventStatus(), when the key was ended.
 */
export function verifyReceipt(fileSha256Hex, receipt, anchoredRootHex, { expect = 'registration', operatorKeyHex = null, keyStatus = null } = {}) {
  const { statement: s, keyId, root } = checkSignedAndIncluded(receipt);
  const wanted = expect === 'sale' ? [5, 6] : [1];
  if (!wanted.includes(s.kind)) throw new Error(`malformed: not a ${expect} statement`);
  if (!s.contentHash.equals(hex(fileSha256Hex, 32, 'file hash'))) throw new Error('hash mismatch');
  const signer = expect === 'sale' ? sha256(hex(operatorKeyHex, 32, 'operator key')) : s.creatorKey;
  if (!keyId.equals(signer)) throw new Error('bad signature (the signer is not the statement\'s key)');
  if (keyStatus && (keyStatus.reason === 'compromised' || s.timeMs >= keyStatus.atMs)) throw new Error('revoked key');
  if (!receipt.anchor || !anchoredRootHex) throw new Error('unanchored');
  if (!root.equals(hex(anchoredRootHex, 32, 'anchored root'))) throw new Error('root mismatch');
  return 'ok';
}

/**
 * §5.1: the standing a KeyRevoked / KeyRotated receipt gives key `keyIdHex`:
 * `{ reason, atMs }`. A rotation counts as revocation for reason
 * 'superseded' at its time; a revocation may be signed by the key or its
 * successor; a rotation must be signed by the key it rotates away from.
 */
export function keyEventStatus(receipt, keyIdHex) {
  const { statement: s, keyId } = checkSignedAndIncluded(receipt);
  const key = hex(keyIdHex, 32, 'key id');
  if (s.kind === 4 && s.key.equals(key)) return { reason: s.reason, atMs: s.timeMs };
  if (s.kind === 3 && s.oldKey.equals(key) && keyId.equals(key)) return { reason: 'superseded', atMs: s.timeMs };
  throw new Error('malformed: the statement does not end this key');
}

/** RFC 9162 §2.1.4.2: throws unless the tree of `n` leaves with `newRoot` extends that of `m` with `oldRoot`. */
export function verifyConsistency(m, n, oldRoot, newRoot, proof) {
  m = BigInt(m); n = BigInt(n);
  if (m > n) throw new Error('inconsistent: from > to');
  if (m === n) {
    if (proof.length !== 0 || !oldRoot.equals(newRoot)) throw new Error('inconsistent');
    return;
  }
  if (m === 0n) { if (proof.length !== 0) throw new Error('inconsistent'); return; }
  const path = (m & (m - 1n)) === 0n ? [oldRoot, ...proof] : [...proof];
  if (path.length === 0) throw new Error('inconsistent: empty proof');
  let fn = m - 1n, sn = n - 1n;
  while ((fn & 1n) === 1n) { fn >>= 1n; sn >>= 1n; }
  let fr = path[0], sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) throw new Error('inconsistent: proof too long');
    if ((fn & 1n) === 1n || fn === sn) {
      fr = sha256(Buffer.from([1]), c, fr);
      sr = sha256(Buffer.from([1]), c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
    } else {
      sr = sha256(Buffer.from([1]), sr, c);
    }
    fn >>= 1n; sn >>= 1n;
  }
  if (sn !== 0n) throw new Error('inconsistent: proof too short');
  if (!fr.equals(oldRoot) || !sr.equals(newRoot)) throw new Error('inconsistent');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [fileHash, receiptPath, anchoredRoot] = process.argv.slice(2);
  try {
    console.log(verifyReceipt(fileHash, JSON.parse(readFileSync(receiptPath, 'utf8')), anchoredRoot));
  } catch (e) {
    console.error(`not verified: ${e.message}`);
    process.exit(1);
  }
}
