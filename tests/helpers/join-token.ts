// Join tokens for tests, minted as an embedding site's backend would (jose, HS256), and forged ones.
import { SignJWT } from 'jose';

/** The join secret of the test servers that require tokens. */
export const SECRET = 'a-join-secret-of-at-least-32-characters';

export interface Claims {
  room?: unknown;
  sub?: string;
  role?: unknown;
  name?: unknown;
}

/** A token as an embedding site's backend mints it. `exp` in seconds from now; null leaves it out. */
export async function mint(claims: Claims, { exp = 60 as number | null, secret = SECRET } = {}): Promise<string> {
  const { sub, ...rest } = claims;
  const jwt = new SignJWT(rest as Record<string, unknown>).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (sub !== undefined) jwt.setSubject(sub);
  if (exp !== null) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + exp);
  return jwt.sign(new TextEncoder().encode(secret));
}

/** An unsigned token (`alg: none`), as an attacker would forge one. */
export function unsigned(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...claims, exp: Math.floor(Date.now() / 1000) + 60 })}.`;
}

