// What createRoom takes: its options, checked, with their defaults, and the ids and names of the
// two people that the room exposes as `data`.
import { Limits, displayNameFor, idProblem } from './protocol/checks.js';
import { invalid } from './errors.js';
import type { RecoveryOptions } from './recovery.js';
import type { CreateSocket } from './signal-client.js';
import { randomId } from './url.js';

export interface CreateRoomOptions {
  /** The Cignal server's base URL. Default: the page's origin. */
  url?: string;
  /** This person's id in the room. Default: a random id. */
  peerId?: string;
  /** The room to join. Default: a new random room id (128 bits). */
  roomId?: string | number;
  /** Shown to the other person. Default: `role`, else "Peer". */
  peerName?: string;
  role?: string;
  /**
   * A join token (a JWT the page's own backend signed with the server's join secret), for servers
   * that require one (`CIGNAL_JOIN_SECRET`). Sent with the join and with every reconnect.
   */
  token?: string;
  /**
   * The seat secret from an earlier presence of this peer id in this room (`cignal.seatSecret`):
   * it takes the seat again while it is held, e.g. after a reload.
   */
  seatSecret?: string;
  /** getUserMedia constraints. Default `{ audio: true, video: true }`. */
  mediaConstraints?: MediaStreamConstraints;
  /** How long to wait for the server (or the other side) to answer a request. Default 10 000 ms. */
  timeoutMs?: number;
  /**
   * How a call whose network failed is restored: `disconnectedGraceMs` (1500) before an ICE
   * restart, `pathGraceMs` (1000) for the path to come back by itself once the network is back,
   * `maxOutageMs` (60 000) after which the call ends with `connection-lost` (and twice
   * that, a server that cannot be reached again, with `server-unreachable`), or a `policy` of your own.
   */
  recovery?: RecoveryOptions;
  /**
   * `relay`: the call goes only through the TURN server, so that the other person never learns
   * this side's network address. Fails at once (`relay-unavailable`) where the server offers no
   * TURN server. Default `all`.
   */
  iceTransportPolicy?: 'all' | 'relay';
  /**
   * Keeps the screen on during a call (the Screen Wake Lock API), so that a phone nobody touches
   * does not sleep: taken when the call is on (`in-call`), taken again when the page is visible
   * again (browsers let it go when the page is hidden), released when the call ends. Silently
   * skipped where the browser has no wake lock or refuses it. Default `false`.
   */
  wakeLock?: boolean;
  /** Collaborators, for tests and unusual environments. */
  createSocket?: CreateSocket;
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  getUserMedia?: (constraints: MediaStreamConstraints) => Promise<MediaStream>;
  getDisplayMedia?: (options: DisplayMediaStreamOptions) => Promise<MediaStream>;
}

export interface CignalData {
  myPeerId: string;
  myDisplayName: string;
  myRole: string | null;
  remotePeerId: string | null;
  remoteDisplayName: string | null;
  remoteRole: string | null;
}

/** createRoom's options, checked, with the defaults filled in. */
export interface ResolvedOptions {
  roomId: string;
  url: string;
  timeoutMs: number;
  data: CignalData;
}

/** Checks createRoom's options; throws `invalid-argument` with the reason for any that is wrong. */
export function resolveOptions(options: CreateRoomOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) invalid('createRoom expects an options object');
  const roomId = options.roomId === undefined || options.roomId === null || options.roomId === '' ? randomId() : String(options.roomId);
  const peerId = options.peerId === undefined || options.peerId === null || options.peerId === '' ? randomId(12) : options.peerId;
  const idError = idProblem('roomId', roomId) ?? idProblem('peerId', peerId);
  if (idError) invalid(idError);
  if (options.peerName !== undefined && typeof options.peerName !== 'string') invalid('peerName must be a string');
  if (options.role !== undefined && options.role !== null && typeof options.role !== 'string') invalid('role must be a string');
  for (const [name, max] of [['token', Limits.tokenMaxLength], ['seatSecret', Limits.seatSecretMaxLength]] as const) {
    const value = options[name];
    if (value !== undefined && value !== null && (typeof value !== 'string' || value.length > max)) invalid(`${name} must be a string of at most ${max} characters`);
  }
  let url = options.url ?? `${globalThis.location?.origin}/`;
  try {
    url = new URL(url, globalThis.location?.href).href;
  } catch {
    invalid(`url is not a valid URL: ${String(options.url)}`);
  }
  if (options.iceTransportPolicy !== undefined && options.iceTransportPolicy !== 'all' && options.iceTransportPolicy !== 'relay') invalid("iceTransportPolicy must be 'all' or 'relay'");
  const role = options.role || null;
  return {
    roomId,
    url,
    timeoutMs: options.timeoutMs ?? 10_000,
    data: {
      myPeerId: peerId,
      myDisplayName: displayNameFor(options.peerName, role),
      myRole: role,
      remotePeerId: null,
      remoteDisplayName: null,
      remoteRole: null,
    },
  };
}
