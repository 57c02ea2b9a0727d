// The rules for values a person or a page hands us (ids, inform data, ICE servers), as plain
// functions with no dependency: the server's schemas apply them, and the SDK applies them early
// to give clear errors without shipping a validation library to browsers.

/** Limits shared by the server (enforcement) and the SDK (early, clearer errors). */
export const Limits = {
  /** Room and peer ids: URL-safe characters only. */
  idMaxLength: 64,
  displayNameMaxLength: 64,
  roleMaxLength: 32,
  /** A full audio+video+data SDP with candidates is 5–15 KB; leave headroom, refuse megabytes. */
  sdpMaxLength: 32 * 1024,
  candidateMaxLength: 1024,
  /** `inform` data, measured as JSON. */
  informMaxBytes: 16 * 1024,
  sessionMaxLength: 64,
  /** A join token (a JWT) in the handshake. */
  tokenMaxLength: 4096,
  /** A seat secret in the handshake; the server's are 43 characters. */
  seatSecretMaxLength: 128,
  iceServers: 8,
  iceFieldMaxLength: 512,
} as const;

/**
 * The figures a call report sums up from the samples taken during the call (each a median and a
 * largest value), in the order the SDK keeps them; the report's schema is in call-report.ts.
 */
export const CallReportFigures = ['rttMs', 'packetLoss', 'jitterMs', 'bitrateIn', 'bitrateOut', 'videoWidth', 'videoHeight', 'framesPerSecond'] as const;

const idPattern = /^[A-Za-z0-9_-]+$/;

/** Why `value` is not a valid id (room, peer, session, connection), or null when it is. */
export function idProblem(what: string, value: unknown, max: number = Limits.idMaxLength): string | null {
  if (typeof value !== 'string') return `${what} must be a string`;
  if (value.length === 0) return `${what} must not be empty`;
  if (value.length > max) return `${what} must be at most ${max} characters`;
  if (!idPattern.test(value)) return `${what} may contain only letters, digits, "-" and "_"`;
  return null;
}

/** The name a peer is shown by: its display name, else its role, else "Peer". */
export function displayNameFor(displayName: string | null | undefined, role: string | null | undefined): string {
  return displayName?.trim() || role || 'Peer';
}

/** Measures a value as JSON; undefined when it cannot be serialised (cycles, BigInt). */
export function jsonSize(value: unknown): number | undefined {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : new TextEncoder().encode(text).length;
  } catch {
    return undefined;
  }
}

/** Why `data` cannot be sent with `inform`, or null when it can. */
export function informDataProblem(data: unknown): string | null {
  if (data === undefined) return 'data is required';
  const size = jsonSize(data);
  if (size === undefined) return 'data must be JSON-serialisable';
  if (size > Limits.informMaxBytes) return `data must be at most ${Limits.informMaxBytes} bytes as JSON`;
  return null;
}

/** Why a camera that is on sends no pictures for now (a media state's `cameraPaused`). */
export const CameraPauseReasons = [
  /** The system paused the camera while the page is hidden (phones do when the browser goes to the background). */
  'background',
] as const;
export type CameraPauseReason = (typeof CameraPauseReasons)[number];

/**
 * How a pause reason may look: a receiver takes any such word as "paused", so a newer SDK can add
 * reasons that older ones still show.
 */
const pauseReasonPattern = /^[a-z][a-z0-9-]{0,31}$/;

/** A peer's microphone, camera and screen share, with the count that orders its changes. */
export interface MediaStateMessage {
  microphone: boolean;
  camera: boolean;
  screenShare: boolean;
  seq: number;
  /** Present while the camera is on but paused, saying why. Older SDKs neither send nor read it. */
  cameraPaused?: CameraPauseReason | (string & {});
}

/** Why `value` is not a media state message, or null when it is. */
export function mediaStateProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the media state must be an object';
  const state = value as Record<string, unknown>;
  for (const flag of ['microphone', 'camera', 'screenShare']) if (typeof state[flag] !== 'boolean') return `${flag} must be a boolean`;
  if (!Number.isSafeInteger(state.seq) || (state.seq as number) < 0) return 'seq must be a whole number, 0 or more';
  return null;
}

/**
 * Why `value` is not a media state the server relays, or null when it is: `mediaStateProblem`
 * and a bounded `cameraPaused`. Only the server checks the reason: a receiving SDK reads the
 * field as "paused" or not, whatever it says, so browsers do not carry this rule.
 */
export function relayedMediaStateProblem(value: unknown): string | null {
  const reason = (value as Record<string, unknown> | null)?.cameraPaused;
  return (
    mediaStateProblem(value) ??
    (reason === undefined || (typeof reason === 'string' && pauseReasonPattern.test(reason)) ? null : 'cameraPaused must be a lowercase word of at most 32 characters')
  );
}

/** A checked media state reduced to its fields. */
export const toMediaState = ({ microphone, camera, screenShare, seq, cameraPaused }: MediaStateMessage): MediaStateMessage => ({
  microphone,
  camera,
  screenShare,
  seq,
  ...(cameraPaused !== undefined ? { cameraPaused } : {}),
});

/** RTCIceServer as configured by operators and by `setICEServers`. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

const iceUrlPattern = /^(stun|stuns|turn|turns):/;

/** Why `value` is not a usable list of ICE servers, or null when it is. */
export function iceServersProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return 'iceServers must be an array';
  if (value.length > Limits.iceServers) return `at most ${Limits.iceServers} ICE servers`;
  for (const [index, server] of value.entries()) {
    const at = `iceServers[${index}]`;
    if (typeof server !== 'object' || server === null || Array.isArray(server)) return `${at} must be an object`;
    const { urls, username, credential } = server as Record<string, unknown>;
    const list = Array.isArray(urls) ? urls : [urls];
    if (list.length === 0 || list.length > Limits.iceServers) return `${at}.urls must be a URL or a list of 1 to ${Limits.iceServers} URLs`;
    for (const url of list) {
      if (typeof url !== 'string' || url.length > Limits.iceFieldMaxLength) return `${at}.urls must be a URL or a list of URLs`;
      if (!iceUrlPattern.test(url)) return `${at}.urls: ICE server URLs start with stun:, stuns:, turn: or turns:`;
    }
    for (const [name, field] of [['username', username], ['credential', credential]] as const) {
      if (field !== undefined && (typeof field !== 'string' || field.length > Limits.iceFieldMaxLength)) {
        return `${at}.${name} must be a string of at most ${Limits.iceFieldMaxLength} characters`;
      }
    }
  }
  return null;
}

/** A checked list reduced to the fields RTCIceServer knows. */
export function toIceServers(value: readonly IceServer[]): IceServer[] {
  return value.map(({ urls, username, credential }) => ({
    urls,
    ...(username !== undefined ? { username } : {}),
    ...(credential !== undefined ? { credential } : {}),
  }));
}

/** An ICE username fragment (RFC 8839's ice-char: letters, digits, `+` and `/`; at most 256). */
export const icePattern = /^[A-Za-z0-9+/]{1,256}$/;
