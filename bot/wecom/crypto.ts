// WeCom's callback security with Tencent's own library (@wecom/crypto): the msg_signature over
// token, timestamp, nonce and ciphertext; AES-256-CBC with the EncodingAESKey; the receive id at
// the end of the plaintext ("" for an enterprise's own 智能机器人); stale timestamps refused.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { decrypt, encrypt, getSignature } from '@wecom/crypto';

export class WecomCryptoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WecomCryptoError';
  }
}

/** An EncodingAESKey is 43 base64 characters that decode (with "=") to a 32-byte AES key. */
export function checkAesKey(key: string): string | undefined {
  if (!/^[A-Za-z0-9+/]{43}$/.test(key))
    return 'must be 43 letters and digits (企业微信 生成的 EncodingAESKey)';
  if (Buffer.from(`${key}=`, 'base64').length !== 32) return 'does not decode to a 32-byte key';
  return undefined;
}

/** A Token is 3–32 letters or digits. */
export const checkToken = (token: string) =>
  /^[A-Za-z0-9]{3,32}$/.test(token) ? undefined : 'must be 3–32 letters or digits';

export interface Signed {
  msg_signature: string;
  timestamp: string;
  nonce: string;
}

export function verifySignature(token: string, q: Signed, ciphertext: string): boolean {
  const expected = Buffer.from(getSignature(token, q.timestamp, q.nonce, ciphertext));
  const given = Buffer.from(q.msg_signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The timestamp (seconds) is more than maxAge seconds away from now. */
export function isStale(timestamp: string, now: Date, maxAgeSeconds: number): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return true;
  return Math.abs(now.getTime() / 1000 - Number(timestamp)) > maxAgeSeconds;
}

/** Decrypts a ciphertext; its receive id must be the expected one. */
export function open(aesKey: string, ciphertext: string, receiveId = ''): string {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(ciphertext) || ciphertext.length % 4 !== 0)
    throw new WecomCryptoError('the ciphertext is not base64');
  let plain: { message: string; id: string };
  try {
    plain = decrypt(aesKey, ciphertext);
  } catch (e) {
    throw new WecomCryptoError(`cannot decrypt: ${(e as Error).message}`);
  }
  // the library checks no padding: another key yields bytes that are not text
  if (plain.message.includes('\uFFFD') || plain.id.includes('\uFFFD'))
    throw new WecomCryptoError('the plaintext is not text (another EncodingAESKey?)');
  if (plain.id !== receiveId) throw new WecomCryptoError('the receive id does not match');
  return plain.message;
}

/** An encrypted, signed answer as WeCom takes it: {encrypt, msgsignature, timestamp, nonce}. */
export function seal(
  token: string,
  aesKey: string,
  plaintext: string,
  at: Date,
  receiveId = '',
): { encrypt: string; msgsignature: string; timestamp: number; nonce: string } {
  const ciphertext = encrypt(aesKey, plaintext, receiveId);
  const timestamp = Math.floor(at.getTime() / 1000);
  const nonce = randomBytes(8).toString('hex');
  return {
    encrypt: ciphertext,
    msgsignature: getSignature(token, timestamp, nonce, ciphertext),
    timestamp,
    nonce,
  };
}
