import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes } from 'node:crypto';
import { AppError, decodeConsistencyToken, encodeConsistencyToken } from '../schema/index.js';

/** What clients see: `ct2.` and 48 base64url characters (IV, sealed position, tag). */
const PREFIX = 'ct2.';
const SEALED = /^ct2\.[A-Za-z0-9_-]{48}$/;
const AAD = Buffer.from('cqrs consistency token v2');

/**
 * Consistency tokens as clients see them: the stream position the services use (`ct1.<n>`)
 * sealed with AES-256-GCM, so that a token says nothing of how many events the whole system
 * holds (every tenant's), and a client cannot make one up (a far-future position to wait on).
 * Deterministic: the IV is an HMAC of the position (a synthetic IV), so a replayed command
 * answers the same token, and equal positions give equal tokens, which is all a token reveals.
 */
export interface TokenSeal {
  /** The client's form of a service's token (`ct1.<n>`). */
  seal(internal: string): string;
  /** The service's form of a client's token; BAD_USER_INPUT naming `field` for anything this gateway did not seal. */
  open(sealed: string, field?: string): string;
}

/**
 * A seal keyed by `material` (CONSISTENCY_TOKEN_KEY, else JWT_SECRET: every gateway replica
 * must open every other's tokens); without one, a key of this process only.
 */
export function createTokenSeal(material: string | undefined): TokenSeal {
  const keys = Buffer.from(hkdfSync('sha256', material ?? randomBytes(32), 'cqrs-gateway', 'consistency-token', 64));
  // Key objects made once: a Buffer key is checked and wrapped again by every cipher and HMAC.
  const encryptionKey = createSecretKey(keys.subarray(0, 32));
  const ivKey = createSecretKey(keys.subarray(32));
  return {
    seal(internal) {
      const position = Buffer.alloc(8);
      position.writeBigUInt64BE(BigInt(decodeConsistencyToken(internal)));
      const iv = createHmac('sha256', ivKey).update(position).digest().subarray(0, 12);
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv).setAAD(AAD);
      const sealed = Buffer.concat([iv, cipher.update(position), cipher.final(), cipher.getAuthTag()]);
      return `${PREFIX}${sealed.toString('base64url')}`;
    },
    open(sealed, field = 'consistencyToken') {
      const refused = () => AppError.badInput(field, `${field} is not a consistency token from this API`);
      if (typeof sealed !== 'string' || !SEALED.test(sealed)) throw refused();
      const bytes = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
      try {
        const decipher = createDecipheriv('aes-256-gcm', encryptionKey, bytes.subarray(0, 12)).setAAD(AAD);
        decipher.setAuthTag(bytes.subarray(20));
        const position = Buffer.concat([decipher.update(bytes.subarray(12, 20)), decipher.final()]);
        return encodeConsistencyToken(Number(position.readBigUInt64BE()));
      } catch {
        throw refused();
      }
    },
  };
}
