// The call's data channels: two ordered, reliable RTCDataChannels, negotiated with fixed ids so
// that both sides open them without a handshake of their own. `cignal` (id 0) carries small JSON
// control frames; `cignal-data` (id 1) carries `sendData` payloads of up to MAX_DATA_BYTES as a
// header and binary chunks, paced by the channel's send buffer so that a large payload never
// overflows it (Chromium closes a channel whose buffer passes 16 MiB). On their own channel, bulk
// payloads never hold up a message or an ack behind them.
import { icePattern, idProblem, informDataProblem, Limits, mediaStateProblem, toMediaState, type MediaStateMessage } from './protocol/checks.js';
import { CignalError, ClientErrorCode } from './errors.js';
import type { Logger } from './logger.js';
import { randomId } from './url.js';

/** The largest payload `sendData` takes. */
export const MAX_DATA_BYTES = 64 * 1024 * 1024;
const CHUNK_BYTES = 256 * 1024;
/** Pause sending above this much buffered; go on once it has drained below the low mark. */
const HIGH_WATER = 8 * 1024 * 1024;
const LOW_WATER = 2 * 1024 * 1024;
/** Control frames are small; anything longer is refused unread. */
const FRAME_MAX_CHARS = Limits.informMaxBytes + 1024;
/** How often `ping` asks again while no pong has come. */
const PING_MS = 500;

/** What a `recording` frame says: asks to record, answers yes or no, or stops (see recording.ts). */
export const recordingActions = ['ask', 'accept', 'decline', 'stop'] as const;
export type RecordingAction = (typeof recordingActions)[number];

/** The text frames of the control channel. */
export type PeerFrame =
  /** `inform` data; answered with an ack of the same id. */
  | { t: 'inform'; id: string; data: unknown }
  /** The receiver has an `inform` message or a whole `sendData` payload. */
  | { t: 'ack'; id: string }
  | ({ t: 'media' } & MediaStateMessage)
  /** Media from the other side arrives again after it stopped: start the video again from a key frame. */
  | { t: 'refresh' }
  /** Answered at once with a `pong` of the same id: the path carries data both ways. */
  | { t: 'ping'; id: string }
  | { t: 'pong'; id: string }
  /** Make an ICE restart offer (sent by the side that does not make offers; see `restartIce` in docs/protocol.md). */
  | { t: 'restart-ice'; ufrag?: string }
  /** Recording with consent: a request (`ask`), its answer, or `stop`; the answers and `stop` carry the request's id. */
  | { t: 'recording'; id: string; action: RecordingAction };
/** On the data channel: exactly `size` bytes of binary chunks follow; `text` for a string. */
type Header = { t: 'data'; id: string; size: number; text: boolean };

export type Payload = string | ArrayBuffer | ArrayBufferView | Blob;
/** What `sendData` was given, measured once (a string already UTF-8 encoded). */
export interface Outgoing {
  body: Uint8Array | Blob;
  size: number;
  text: boolean;
}

export interface DataChannelHandlers {
  open(): void;
  close(): void;
  /** A control frame for the call (pings are answered by the channel itself). */
  frame(frame: Exclude<PeerFrame, { t: 'ping' | 'pong' }>): void;
  payload(id: string, data: string | ArrayBuffer): void;
}

/** Parses a text frame from the other side; null (logged) when it breaks the rules. */
function parse(text: string, log: Logger): Record<string, unknown> | null {
  let frame: unknown = null;
  try {
    if (text.length <= FRAME_MAX_CHARS) frame = JSON.parse(text);
  } catch {
    // reported below
  }
  const problem = typeof frame !== 'object' || frame === null ? 'not a JSON object' : frameProblem(frame as Record<string, unknown>);
  if (!problem) return frame as Record<string, unknown>;
  log.warn('ignored a data channel frame: %s', problem);
  return null;
}

function frameProblem(frame: Record<string, unknown>): string | null {
  if (frame.t === 'media') return mediaStateProblem(frame);
  if (frame.t === 'refresh') return null;
  if (frame.t === 'restart-ice') return frame.ufrag === undefined || (typeof frame.ufrag === 'string' && icePattern.test(frame.ufrag)) ? null : 'a bad ICE username fragment';
  const id = idProblem('id', frame.id, Limits.sessionMaxLength);
  if (id) return id;
  if (frame.t === 'ack' || frame.t === 'ping' || frame.t === 'pong') return null;
  if (frame.t === 'inform') return informDataProblem(frame.data);
  if (frame.t === 'recording') return recordingActions.includes(frame.action as RecordingAction) ? null : 'an unknown recording action';
  if (frame.t === 'data') {
    const { size } = frame;
    return Number.isSafeInteger(size) && (size as number) >= 0 && (size as number) <= MAX_DATA_BYTES && typeof frame.text === 'boolean'
      ? null
      : 'a data header needs a size of at most 64 MiB and a text flag';
  }
  return 'unknown frame';
}

/** Measures what `sendData` was given, or says why it cannot be sent. */
export function outgoing(payload: unknown): Outgoing | string {
  const body =
    typeof payload === 'string' ? new TextEncoder().encode(payload)
    : payload instanceof ArrayBuffer ? new Uint8Array(payload)
    : ArrayBuffer.isView(payload) ? new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength)
    : typeof Blob !== 'undefined' && payload instanceof Blob ? payload
    : null;
  if (!body) return 'sendData takes a string, an ArrayBuffer, a typed array or DataView, or a Blob';
  const size = body instanceof Blob ? body.size : body.byteLength;
  if (size > MAX_DATA_BYTES) return `sendData takes at most ${MAX_DATA_BYTES / 1024 / 1024} MiB`;
  return { body, size, text: typeof payload === 'string' };
}

export class DataChannel {
  readonly #control: RTCDataChannel;
  readonly #bulk: RTCDataChannel;
  readonly #pc: RTCPeerConnection;
  readonly #handlers: DataChannelHandlers;
  readonly #log: Logger;
  #closed = false;
  /** Transfers go one after another. */
  #sending: Promise<unknown> = Promise.resolve();
  /** Woken when the send buffer drains or the channels close. */
  readonly #drainWaiters = new Set<() => void>();
  /** Pings sent (`ping`), and what to call when one is answered. */
  readonly #pings = new Map<string, () => void>();
  /** The payload being received: its chunks, kept as they come, so memory follows what arrived. */
  #incoming: { id: string; text: boolean; size: number; chunks: ArrayBuffer[]; received: number } | null = null;

  constructor(control: RTCDataChannel, bulk: RTCDataChannel, pc: RTCPeerConnection, handlers: DataChannelHandlers, logger: Logger) {
    this.#control = control;
    this.#bulk = bulk;
    this.#pc = pc;
    this.#handlers = handlers;
    this.#log = logger;
    bulk.binaryType = 'arraybuffer';
    bulk.bufferedAmountLowThreshold = LOW_WATER;
    bulk.onbufferedamountlow = () => this.#wake();
    control.onopen = bulk.onopen = () => this.open && handlers.open();
    control.onclose = bulk.onclose = () => {
      this.#incoming = null;
      this.#wake();
      handlers.close();
    };
    control.onmessage = ({ data }) => {
      const frame = typeof data === 'string' ? parse(data, logger) : null;
      if (!frame || frame.t === 'data') return;
      if (frame.t === 'ping') this.send({ t: 'pong', id: frame.id as string });
      else if (frame.t === 'pong') this.#pings.get(frame.id as string)?.();
      else handlers.frame(frame.t === 'media' ? { t: 'media', ...toMediaState(frame as unknown as MediaStateMessage) } : (frame as Parameters<DataChannelHandlers['frame']>[0]));
    };
    bulk.onmessage = ({ data }) => (typeof data === 'string' ? this.#onHeader(data) : this.#onChunk(data as ArrayBuffer));
  }

  get open(): boolean {
    return !this.#closed && this.#control.readyState === 'open' && this.#bulk.readyState === 'open';
  }

  /** Sends a control frame; false when the channel is not open. */
  send(frame: PeerFrame): boolean {
    if (!this.open) return false;
    this.#control.send(JSON.stringify(frame));
    return true;
  }

  /**
   * Sends pings until one is answered (true: the path carries data both ways) or `deadline`, a
   * `performance.now()` time, passes (false); null when the channel is not open to ask on.
   */
  async ping(deadline: number): Promise<boolean | null> {
    if (!this.open) return null;
    const ids: string[] = [];
    const answered = await new Promise<boolean>((resolve) => {
      const finish = (outcome: boolean) => {
        clearInterval(timer);
        clearTimeout(end);
        resolve(outcome);
      };
      const send = () => {
        const id = randomId(9);
        ids.push(id);
        this.#pings.set(id, () => finish(true));
        if (!this.send({ t: 'ping', id })) finish(false);
      };
      const timer = setInterval(send, PING_MS);
      const end = setTimeout(() => finish(false), Math.max(0, deadline - performance.now()));
      send();
    });
    for (const id of ids) this.#pings.delete(id);
    return answered;
  }

  /** Sends a payload after any transfer already under way; rejects if the channels close first. */
  sendPayload(id: string, payload: Outgoing): Promise<void> {
    const transfer = this.#sending.then(() => this.#transfer(id, payload));
    this.#sending = transfer.catch(() => {});
    return transfer;
  }

  close(): void {
    this.#closed = true;
    for (const dc of [this.#control, this.#bulk]) {
      dc.onopen = dc.onclose = dc.onmessage = dc.onbufferedamountlow = null;
      dc.close();
    }
    this.#incoming = null;
    this.#wake();
  }

  async #transfer(id: string, { body, size, text }: Outgoing) {
    // The other side's limit is known once the connection is up: chunks stay within it.
    const chunkBytes = Math.min(CHUNK_BYTES, this.#pc.sctp?.maxMessageSize || CHUNK_BYTES);
    this.#write(JSON.stringify({ t: 'data', id, size, text } satisfies Header));
    for (let offset = 0; offset < size; offset += chunkBytes) {
      const end = Math.min(size, offset + chunkBytes);
      const chunk = body instanceof Blob ? new Uint8Array(await body.slice(offset, end).arrayBuffer()) : body.subarray(offset, end);
      while (this.#bulk.bufferedAmount > HIGH_WATER && !this.#closed && this.#bulk.readyState === 'open') {
        await new Promise<void>((resolve) => this.#drainWaiters.add(resolve));
      }
      this.#write(chunk);
    }
  }

  #write(data: string | Uint8Array) {
    if (this.#closed || this.#bulk.readyState !== 'open') {
      throw new CignalError(ClientErrorCode.NotConnected, 'The data channel closed before everything was sent');
    }
    this.#bulk.send(data as string & Uint8Array<ArrayBuffer>);
  }

  #wake() {
    const waiters = [...this.#drainWaiters];
    this.#drainWaiters.clear();
    for (const wake of waiters) wake();
  }

  #onHeader(text: string) {
    const frame = parse(text, this.#log);
    if (frame?.t !== 'data') return;
    const header = frame as Header;
    if (this.#incoming) this.#log.warn('a payload was cut short by the next one');
    this.#incoming = { id: header.id, text: header.text, size: header.size, chunks: [], received: 0 };
    if (header.size === 0) this.#complete();
  }

  #onChunk(chunk: ArrayBuffer) {
    const incoming = this.#incoming;
    if (!incoming || incoming.received + chunk.byteLength > incoming.size) {
      this.#incoming = null;
      return this.#log.warn('ignored binary data that no header announced');
    }
    incoming.chunks.push(chunk);
    incoming.received += chunk.byteLength;
    if (incoming.received === incoming.size) this.#complete();
  }

  #complete() {
    const { id, text, size, chunks } = this.#incoming!;
    this.#incoming = null;
    const bytes = chunks.length === 1 ? new Uint8Array(chunks[0]!) : new Uint8Array(size);
    if (chunks.length > 1) {
      let offset = 0;
      for (const chunk of chunks) {
        bytes.set(new Uint8Array(chunk), offset);
        offset += chunk.byteLength;
      }
    }
    this.#handlers.payload(id, text ? new TextDecoder().decode(bytes) : bytes.buffer);
  }
}
