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

/** Parses the fields of a ContentRegistered statement (docs/FORMATS.md §2). */
export function parseContentRegistered(bytes) {
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
  if (take(13).toString('latin1') !== 'COLOPHON-STMT') throw new Error('bad magic');
  if (u8() !== 1) throw new Error('unsupported version');
  if (u8() !== 1) throw new Error('not a ContentRegistered statement');
  const s = {};
  s.contentHash = take(32);
  s.contentKind = u8();
  if (s.contentKind < 1 || s.contentKind > 4) throw new Error('unknown content kind');
  s.size = u64();
  s.creatorKey = take(32);
  s.listingId = str();
  s.fileId = str();
  const parents = u32();
  if (parents > 1024) throw new Error('too many parents');
  s.parents = [];
  for (let i = 0; i < parents; i++) s.parents.push(take(32));
  const opt = (read) => { const f = u8(); if (f === 0) return null; if (f === 1) return read(); throw new Error('bad option flag'); };
  s.licenseTerms = opt(() => take(32));
  s.perceptualHash = opt(() => { const n = u32(); if (n < 1 || n > 64) throw new Error('bad perceptual hash'); return take(n); });
  s.timeMs = u64();
  if (pos !== bytes.length) throw new Error('trailing bytes');
  return s;
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

/** Returns 'ok' or throws with the reason (hash mismatch, bad signature, ...). */
export function verifyReceipt(fileSha256Hex, receipt, anchoredRootHex) {
  if (receipt.format !== 'colophon-receipt/1') throw new Error('unsupported format');
  const statement = Buffer.from(receipt.statement, 'base64');
  if (statement.toString('base64') !== receipt.statement) throw new Error('statement is not canonical base64');
  const s = parseContentRegistered(statement);
  if (!s.contentHash.equals(hex(fileSha256Hex, 32, 'file hash'))) throw new Error('hash mismatch');
  const publicKey = hex(receipt.public_key, 32, 'public_key');
  if (!sha256(publicKey).equals(s.creatorKey)) throw new Error('bad signature (key is not the creator key)');
  const signature = hex(receipt.signature, 64, 'signature');
  if (!edVerify(null, statement, ed25519Key(publicKey), signature)) throw new Error('bad signature');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(statement.length);
  const leafData = Buffer.concat([Buffer.from('COLOPHON-LEAF', 'latin1'), Buffer.from([1]), len, statement, publicKey, signature]);
  const leafHash = sha256(Buffer.from([0]), leafData);
  const proof = receipt.inclusion_proof.map((h, i) => hex(h, 32, `proof[${i}]`));
  const root = rootFromInclusion(leafHash, BigInt(receipt.leaf_index), BigInt(receipt.tree_size), proof);
  if (!root.equals(hex(receipt.root, 32, 'root'))) throw new Error('proof invalid');
  if (!receipt.anchor || !anchoredRootHex) throw new Error('unanchored');
  if (!root.equals(hex(anchoredRootHex, 32, 'anchored root'))) throw new Error('root mismatch');
  return 'ok';
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
