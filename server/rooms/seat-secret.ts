// Seat secrets: what proves that a join comes from whoever holds a seat. The secret goes to the
// client once, in `joined`; the store keeps only its hash, so that neither a dump of Redis nor a
// snapshot of the rooms hands out a seat.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new seat secret: 256 random bits, base64url (43 characters). */
export function newSeatSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The hash a store keeps of a seat secret: SHA-256, base64url. */
export function hashSeatSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Compares two hashes in constant time. */
export function sameSecretHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
