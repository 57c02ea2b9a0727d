// One peer of a call as each server's clients speak to it: Cignal's SDK (socket.io, the join in
// the handshake auth, acked signals), the bare relay (the same socket.io calls, no checks), and
// peerjs-server (raw WebSocket, its own OFFER/ANSWER/CANDIDATE messages addressed with `dst`).
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../../sdk/protocol/index.js';

export type Protocol = 'cignal' | 'bare' | 'peerjs';
export type SignalKind = 'offer' | 'answer' | 'candidate';

/** One peer, joined. Counts what it receives and the acks it is owed. */
export interface Peer {
  /** Resolves once the server (or, for peerjs, which has no rooms, the load generator) says the partner is there. */
  partnerJoined(): Promise<void>;
  /** Sends a signal to the partner, asking for an ack when `acked` (and the protocol has acks). */
  send(kind: SignalKind, acked: boolean): void;
  /** Calls `listener` for each signal of this kind from the partner. */
  on(kind: SignalKind, listener: () => void): void;
  /** Resolves when `count` signals of this kind have arrived in all. */
  received(kind: SignalKind, count: number): Promise<void>;
  /** Resolves when every ack asked for so far has come back. */
  acked(): Promise<void>;
  /** Acks that came back refusing. */
  readonly refusals: number;
  close(): void;
}

/** A Chrome-like offer for audio, video and a data channel, without candidates (they trickle): about 5 KB. */
export const sdp = (type: 'offer' | 'answer') => {
  const ice = 'a=ice-ufrag:Xk4b\r\na=ice-pwd:7YpC6mN3kz1QvT2wH9rJ5sLd\r\na=ice-options:trickle\r\na=fingerprint:sha-256 5B:3C:9A:11:0F:7E:2D:64:C8:AA:91:3E:57:0B:DE:48:22:F1:6C:09:B4:7D:33:E5:A0:18:9F:62:C7:4B:0D:AE\r\n';
  const setup = `a=setup:${type === 'offer' ? 'actpass' : 'active'}\r\n`;
  const audio = [111, 63, 9, 0, 8, 13, 110, 126].map((pt) => `a=rtpmap:${pt} opus/48000/2\r\na=rtcp-fb:${pt} transport-cc\r\na=fmtp:${pt} minptime=10;useinbandfec=1\r\n`).join('');
  const video = [96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 127, 125, 39, 40, 45, 46].map(
    (pt) => `a=rtpmap:${pt} VP8/90000\r\na=rtcp-fb:${pt} goog-remb\r\na=rtcp-fb:${pt} transport-cc\r\na=rtcp-fb:${pt} ccm fir\r\na=rtcp-fb:${pt} nack\r\na=rtcp-fb:${pt} nack pli\r\n`,
  ).join('');
  const extensions = Array.from({ length: 10 }, (_, i) => `a=extmap:${i + 1} urn:ietf:params:rtp-hdrext:ext-${i}\r\n`).join('');
  const ssrc = 'a=ssrc:3735928559 cname:4TOk42mSjXCkVIa6\r\na=ssrc:3735928559 msid:stream-0 track-0\r\n';
  return (
    'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS stream-0\r\n' +
    `m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n${ice}${setup}a=mid:0\r\n${extensions}a=sendrecv\r\na=rtcp-mux\r\n${audio}${ssrc}` +
    `m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 102 103 104 105 106 107 108 109 127 125 39 40 45 46\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n${ice}${setup}a=mid:1\r\n${extensions}a=sendrecv\r\na=rtcp-mux\r\na=rtcp-rsize\r\n${video}${ssrc}` +
    `m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n${ice}${setup}a=mid:2\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n`
  );
};
const OFFER_SDP = sdp('offer');
const ANSWER_SDP = sdp('answer');

/** An RTCIceCandidateInit as Chrome hands it to the SDK. */
const candidateInit = (n: number) => ({
  candidate: `candidate:${842163049 + n} 1 udp 1677729535 192.0.2.${10 + n} ${54400 + n} typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag Xk4b network-cost 999`,
  sdpMid: '0',
  sdpMLineIndex: 0,
  usernameFragment: 'Xk4b',
});

/** Counts arrivals per kind and resolves waiters. */
class Inbox {
  readonly #counts: Record<SignalKind, number> = { offer: 0, answer: 0, candidate: 0 };
  readonly #listeners: Record<SignalKind, Array<() => void>> = { offer: [], answer: [], candidate: [] };
  #waiters: Array<{ kind: SignalKind; count: number; resolve: () => void }> = [];

  arrived(kind: SignalKind) {
    this.#counts[kind]++;
    for (const listener of this.#listeners[kind]) listener();
    if (this.#waiters.length === 0) return;
    this.#waiters = this.#waiters.filter((w) => (w.kind === kind && this.#counts[kind] >= w.count ? (w.resolve(), false) : true));
  }
  on(kind: SignalKind, listener: () => void) {
    this.#listeners[kind].push(listener);
  }
  received(kind: SignalKind, count: number): Promise<void> {
    if (this.#counts[kind] >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ kind, count, resolve }));
  }
}

/** Acks owed to one peer. */
class Acks {
  pending = 0;
  refusals = 0;
  #waiters: Array<() => void> = [];
  expect() {
    this.pending++;
  }
  settle(response: { ok: boolean } | undefined) {
    if (!response?.ok) this.refusals++;
    if (--this.pending === 0) for (const resolve of this.#waiters.splice(0)) resolve();
  }
  all(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve));
  }
}

const socketOptions: Partial<ManagerOptions & SocketOptions> = { transports: ['websocket'], forceNew: true, reconnection: false };

/** A socket.io peer: Cignal's SDK traffic, or the same calls to the bare relay. */
async function socketIoPeer(url: string, roomId: string, peerId: string, partnerId: string, protocol: 'cignal' | 'bare'): Promise<Peer> {
  const auth =
    protocol === 'cignal'
      ? { roomId, peerId, session: `s${peerId}`, protocol: PROTOCOL_VERSION, displayName: `Bench ${peerId}` }
      : { roomId, peerId };
  const socket: Socket = io(url, { ...socketOptions, auth });
  const inbox = new Inbox();
  const acks = new Acks();
  let partnerPresent = false;
  let onPartner: (() => void) | undefined;
  const joined = new Promise<void>((resolve, reject) => {
    socket.once('joined', (payload: { peer: unknown }) => {
      partnerPresent = payload.peer !== null;
      resolve();
    });
    socket.once('connect_error', (error: Error & { data?: unknown }) => reject(new Error(`${peerId} could not join ${roomId}: ${error.message} ${JSON.stringify(error.data ?? '')}`)));
  });
  socket.on('peerJoined', () => {
    partnerPresent = true;
    onPartner?.();
  });
  for (const kind of ['offer', 'answer', 'candidate'] as const) socket.on(kind, () => inbox.arrived(kind));
  await joined;
  const connection = `pc-${peerId}`;
  let remoteConnection: string | undefined;
  // The SDK names the receiver's connection once it knows it (after the first signal from it).
  const to = () => (remoteConnection ? { to: remoteConnection } : {});
  inbox.on('offer', () => (remoteConnection = `pc-${partnerId}`));
  inbox.on('answer', () => (remoteConnection = `pc-${partnerId}`));
  let candidates = 0;
  const payload = (kind: SignalKind) =>
    kind === 'candidate'
      ? { candidate: candidateInit(candidates++ % 16), connection, ...to() }
      : { description: { type: kind, sdp: kind === 'offer' ? OFFER_SDP : ANSWER_SDP }, connection, ...to() };
  return {
    partnerJoined: () => (partnerPresent ? Promise.resolve() : new Promise<void>((resolve) => (onPartner = resolve))),
    send(kind, acked) {
      if (!acked) {
        socket.emit(kind, payload(kind));
        return;
      }
      acks.expect();
      socket.emit(kind, payload(kind), (response: { ok: boolean }) => acks.settle(response));
    },
    on: (kind, listener) => inbox.on(kind, listener),
    received: (kind, count) => inbox.received(kind, count),
    acked: () => acks.all(),
    get refusals() {
      return acks.refusals;
    },
    close: () => void socket.disconnect(),
  };
}

/** A peerjs client's messages, as the PeerJS library sends them for a media call. */
async function peerjsPeer(url: string, peerId: string, partnerId: string): Promise<Peer> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/peerjs?key=peerjs&id=${peerId}&token=t${peerId}&version=1.5.4`);
  const inbox = new Inbox();
  await new Promise<void>((resolve, reject) => {
    socket.once('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; payload?: unknown };
      if (message.type === 'OPEN') resolve();
      else reject(new Error(`${peerId} was refused by peerjs-server: ${data.toString()}`));
    });
    socket.once('error', reject);
  });
  const kinds: Record<string, SignalKind> = { OFFER: 'offer', ANSWER: 'answer', CANDIDATE: 'candidate' };
  socket.on('message', (data) => {
    const kind = kinds[(JSON.parse(data.toString()) as { type: string }).type];
    if (kind) inbox.arrived(kind);
  });
  const connectionId = `mc_${peerId}`;
  let candidates = 0;
  const message = (kind: SignalKind) => {
    const payload =
      kind === 'candidate'
        ? { candidate: candidateInit(candidates++ % 16), type: 'media', connectionId }
        : { sdp: { type: kind, sdp: kind === 'offer' ? OFFER_SDP : ANSWER_SDP }, type: 'media', connectionId, ...(kind === 'offer' ? { metadata: null } : {}) };
    return JSON.stringify({ type: kind.toUpperCase(), payload, dst: partnerId });
  };
  return {
    // peerjs-server has no rooms: the application learns the other id some other way.
    partnerJoined: () => Promise.resolve(),
    send: (kind) => socket.send(message(kind)),
    on: (kind, listener) => inbox.on(kind, listener),
    received: (kind, count) => inbox.received(kind, count),
    // Its protocol has no acks.
    acked: () => Promise.resolve(),
    refusals: 0,
    close: () => socket.close(),
  };
}

/** Joins `roomId` as `peerId`; resolves once the server has admitted the peer. */
export function join(protocol: Protocol, url: string, roomId: string, peerId: string, partnerId: string): Promise<Peer> {
  return protocol === 'peerjs' ? peerjsPeer(url, peerId, partnerId) : socketIoPeer(url, roomId, peerId, partnerId, protocol);
}
