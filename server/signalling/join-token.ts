// Join tokens: with a join secret configured, every join carries a JWT that the embedding site
// signed (HS256) for one room, and optionally one peer id, role and display name. Verified with
// jose; a refusal says why in a sentence and never echoes the token or the secret.
import { errors, jwtVerify, type JWTPayload } from 'jose';
import { Limits, ServerErrorCode, labelPattern } from '../../sdk/protocol/index.js';
import { SignallingError } from './types.js';

/** The shortest join secret accepted: 32 characters, as HS256 wants a key of at least 256 bits. */
export const JOIN_SECRET_MIN_LENGTH = 32;

/** Clocks of the site that mints tokens and of this server may differ by this much. */
const CLOCK_TOLERANCE_S = 5;

/** What a verified token grants. */
export interface JoinGrant {
  /** The peer id the token is for (`sub`); null when it admits any peer id. */
  peerId: string | null;
  /** Win over what the client claims, when set. */
  role?: string;
  displayName?: string;
}

export class JoinTokens {
  readonly #key: Uint8Array;

  constructor(secret: string) {
    if (typeof secret !== 'string' || secret.length < JOIN_SECRET_MIN_LENGTH) {
      throw new TypeError(`The join secret must be at least ${JOIN_SECRET_MIN_LENGTH} characters long`);
    }
    this.#key = new TextEncoder().encode(secret);
  }

  /** Checks the token of a join into `roomId` as `peerId`; rejects with an `unauthorized` SignallingError saying why. */
  async verify(token: string | undefined, roomId: string, peerId: string): Promise<JoinGrant> {
    if (token === undefined) throw refused('This room needs a join token, and the join carried none');
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, this.#key, { algorithms: ['HS256'], clockTolerance: CLOCK_TOLERANCE_S, requiredClaims: ['exp'] }));
    } catch (error) {
      throw refused(why(error));
    }
    const { room, sub, role, name } = claims as JWTPayload & Record<string, unknown>;
    if (typeof room !== 'string') throw refused('The join token has no "room" claim');
    if (room !== roomId) throw refused('The join token is for another room');
    if (sub !== undefined && typeof sub !== 'string') throw refused('The join token\'s "sub" claim is not a string');
    if (sub !== undefined && sub !== peerId) throw refused('The join token is for another peer id');
    if (role !== undefined && !isLabel(role, Limits.roleMaxLength)) throw refused(`The join token's "role" claim must be text of at most ${Limits.roleMaxLength} characters`);
    if (name !== undefined && !isLabel(name, Limits.displayNameMaxLength)) {
      throw refused(`The join token's "name" claim must be text of at most ${Limits.displayNameMaxLength} characters`);
    }
    return { peerId: sub ?? null, ...(role !== undefined && { role: role as string }), ...(name !== undefined && { displayName: name as string }) };
  }
}

function isLabel(value: unknown, max: number): boolean {
  return typeof value === 'string' && value.length <= max && labelPattern.test(value);
}

function refused(message: string): SignallingError {
  return new SignallingError(ServerErrorCode.Unauthorized, message);
}

/** Why jose refused a token, in a sentence that holds nothing of the token. */
function why(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The join token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'exp') return error.reason === 'missing' ? 'The join token has no "exp" (expiry) claim' : 'The join token\'s "exp" claim is not valid';
    if (error.claim === 'nbf') return 'The join token is not valid yet';
    return `The join token's "${error.claim}" claim is not valid`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'The join token\'s signature does not match this server\'s join secret';
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return 'The join token must be signed with HS256';
  return 'The join token is malformed: it is not a signed JWT';
}
