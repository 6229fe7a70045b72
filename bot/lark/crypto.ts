// Lark webhook security: request signatures, AES event (de)cryption and timestamp freshness.
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export class LarkCryptoError extends Error {
  readonly code = 'bad_encryption' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LarkCryptoError';
  }
}

export interface LarkSignatureHeaders {
  timestamp: string;
  nonce: string;
  signature: string;
}

// Lark signs the exact bytes it sent; a Buffer lets callers hash what came off the wire even if
// it is not valid UTF-8 (a string round trip would silently change such bytes).
type RawBody = string | Buffer;

export function signLarkRequest(
  encryptKey: string,
  rawBody: RawBody,
  timestamp: string,
  nonce: string,
): string {
  return createHash('sha256')
    .update(timestamp + nonce + encryptKey, 'utf8')
    .update(rawBody)
    .digest('hex');
}

export function verifyLarkSignature(h: LarkSignatureHeaders, encryptKey: string, rawBody: RawBody): boolean {
  if (!h.signature || !encryptKey) return false;
  const expected = Buffer.from(signLarkRequest(encryptKey, rawBody, h.timestamp, h.nonce), 'utf8');
  const given = Buffer.from(h.signature.trim().toLowerCase(), 'utf8');
  // timingSafeEqual throws on unequal lengths; the length of a sha256 hex is public anyway.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function aesKey(encryptKey: string): Buffer {
  return createHash('sha256').update(encryptKey, 'utf8').digest();
}

// A garbage block has about a 1/256 chance of ending in valid PKCS7 padding, so a wrong key
// could "succeed"; also requiring valid UTF-8 makes that practically impossible.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function decryptLarkEvent(encryptKey: string, encrypted: string): string {
  const text = typeof encrypted === 'string' ? encrypted.trim() : '';
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new LarkCryptoError('encrypted payload is not base64');
  const raw = Buffer.from(text, 'base64');
  if (raw.length < 32 || raw.length % 16 !== 0)
    throw new LarkCryptoError(`encrypted payload has a bad length (${raw.length} bytes)`);
  try {
    const decipher = createDecipheriv('aes-256-cbc', aesKey(encryptKey), raw.subarray(0, 16));
    const plain = Buffer.concat([decipher.update(raw.subarray(16)), decipher.final()]);
    return strictUtf8.decode(plain);
  } catch (e) {
    throw new LarkCryptoError('cannot decrypt the event (wrong encrypt key or damaged payload)', {
      cause: e,
    });
  }
}

export function encryptLarkEvent(
  encryptKey: string,
  plaintext: string,
  iv: Buffer = randomBytes(16),
): string {
  if (iv.length !== 16) throw new LarkCryptoError(`IV must be 16 bytes, got ${iv.length}`);
  const cipher = createCipheriv('aes-256-cbc', aesKey(encryptKey), iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

// X-Lark-Request-Timestamp is whole seconds; anything else (milliseconds included, which land far in
// the future) is refused rather than guessed at. The window is symmetric to tolerate clock skew.
export function isStale(timestampSeconds: string, now: Date, maxAgeSeconds = 300): boolean {
  if (typeof timestampSeconds !== 'string' || !/^\d{1,12}$/.test(timestampSeconds.trim())) return true;
  const nowMs = now.getTime();
  if (!Number.isFinite(nowMs)) return true;
  const skew = nowMs / 1000 - Number(timestampSeconds.trim());
  return Math.abs(skew) > maxAgeSeconds;
}
