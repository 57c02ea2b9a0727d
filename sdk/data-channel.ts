// The call's data channel: one ordered, reliable RTCDataChannel (negotiated with id 0, so both
// sides open it without a handshake of its own) that carries small JSON control frames as text
// and payloads of up to MAX_DATA_BYTES as binary chunks, paced by the channel's send buffer so
// that a large payload never overflows it (Chromium closes a channel whose buffer passes 16 MiB).
import { idProblem, informDataProblem, Limits, mediaStateProblem, toMediaState, type MediaStateMessage } from './protocol/checks.js';
import { CignalError, ClientErrorCode } from './errors.js';
import type { Logger } from './logger.js';

/** The largest payload `sendData` takes. */
export const MAX_DATA_BYTES = 64 * 1024 * 1024;
const CHUNK_BYTES = 256 * 1024;
/** Pause sending above this much buffered; go on once it has drained below the low mark. */
const HIGH_WATER = 8 * 1024 * 1024;
const LOW_WATER = 2 * 1024 * 1024;
/** Control frames are small; anything longer is refused unread. */
const FRAME_MAX_CHARS = Limits.informMaxBytes + 1024;

/** The text frames that travel between the two SDKs. */
export type PeerFrame =
  /** `inform` data; answered with an ack of the same id. */
  | { t: 'inform'; id: string; data: unknown }
  /** The receiver has an `inform` message or a whole `sendData` payload. */
  | { t: 'ack'; id: string }
  | ({ t: 'media' } & MediaStateMessage);
/** Announces a payload: exactly `size` bytes of binary chunks follow; `text` for a string. */
type Header = { t: 'data'; id: string; size: number; text: boolean };

export type Payload = string | ArrayBuffer | ArrayBufferView | Blob;

export interface DataChannelHandlers {
  open(): void;
  close(): void;
  frame(frame: PeerFrame): void;
  payload(id: string, data: string | ArrayBuffer): void;
}

/** Why `frame` is not a valid frame, or null. */
function frameProblem(frame: Record<string, unknown>): string | null {
  if (frame.t === 'media') return mediaStateProblem(frame);
  const id = idProblem('id', frame.id, Limits.sessionMaxLength);
  if (id) return id;
  if (frame.t === 'ack') return null;
  if (frame.t === 'inform') return informDataProblem(frame.data);
  if (frame.t === 'data') {
    return Number.isSafeInteger(frame.size) && (frame.size as number) >= 0 && (frame.size as number) <= MAX_DATA_BYTES && typeof frame.text === 'boolean'
      ? null
      : 'a data header needs a size of at most 64 MiB and a text flag';
  }
  return 'unknown frame';
}

/** The size in bytes of what `sendData` was given, or why it cannot be sent. */
export function payloadSize(payload: unknown): number | string {
  const size =
    typeof payload === 'string' ? new TextEncoder().encode(payload).byteLength
    : payload instanceof ArrayBuffer || ArrayBuffer.isView(payload) ? payload.byteLength
    : typeof Blob !== 'undefined' && payload instanceof Blob ? payload.size
    : -1;
  if (size < 0) return 'sendData takes a string, an ArrayBuffer, a typed array or DataView, or a Blob';
  return size > MAX_DATA_BYTES ? `sendData takes at most ${MAX_DATA_BYTES / 1024 / 1024} MiB` : size;
}

export class DataChannel {
  readonly #dc: RTCDataChannel;
  readonly #chunkBytes: number;
  readonly #handlers: DataChannelHandlers;
  readonly #log: Logger;
  /** Transfers go one after another; control frames may pass between their chunks. */
  #sending: Promise<unknown> = Promise.resolve();
  #incoming: { id: string; text: boolean; bytes: Uint8Array; received: number } | null = null;

  constructor(dc: RTCDataChannel, pc: RTCPeerConnection, handlers: DataChannelHandlers, logger: Logger) {
    this.#dc = dc;
    this.#handlers = handlers;
    this.#log = logger;
    this.#chunkBytes = Math.min(CHUNK_BYTES, pc.sctp?.maxMessageSize || CHUNK_BYTES);
    dc.binaryType = 'arraybuffer';
    dc.bufferedAmountLowThreshold = LOW_WATER;
    dc.onopen = () => handlers.open();
    dc.onclose = () => {
      this.#incoming = null;
      handlers.close();
    };
    dc.onmessage = ({ data }) => (typeof data === 'string' ? this.#onText(data) : this.#onChunk(data as ArrayBuffer));
  }

  get open(): boolean {
    return this.#dc.readyState === 'open';
  }

  /** Sends a control frame; false when the channel is not open. */
  send(frame: PeerFrame): boolean {
    if (!this.open) return false;
    this.#dc.send(JSON.stringify(frame));
    return true;
  }

  /** Sends a payload in chunks after any transfer already under way; rejects if the channel closes first. */
  sendPayload(id: string, payload: Payload, size: number): Promise<void> {
    const transfer = this.#sending.then(() => this.#transfer(id, payload, size));
    this.#sending = transfer.catch(() => {});
    return transfer;
  }

  close(): void {
    const dc = this.#dc;
    dc.onopen = dc.onclose = dc.onmessage = dc.onbufferedamountlow = null;
    dc.close();
    this.#incoming = null;
  }

  async #transfer(id: string, payload: Payload, size: number) {
    const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : null;
    this.#write(JSON.stringify({ t: 'data', id, size, text: typeof payload === 'string' } satisfies Header));
    for (let offset = 0; offset < size; offset += this.#chunkBytes) {
      const end = Math.min(size, offset + this.#chunkBytes);
      const chunk =
        bytes ? bytes.subarray(offset, end)
        : payload instanceof Blob ? new Uint8Array(await payload.slice(offset, end).arrayBuffer())
        : payload instanceof ArrayBuffer ? new Uint8Array(payload, offset, end - offset)
        : new Uint8Array((payload as ArrayBufferView).buffer, (payload as ArrayBufferView).byteOffset + offset, end - offset);
      await this.#drained();
      this.#write(chunk);
    }
  }

  #write(data: string | Uint8Array) {
    if (!this.open) throw new CignalError(ClientErrorCode.NotConnected, 'The data channel closed before everything was sent');
    this.#dc.send(data as string & Uint8Array<ArrayBuffer>);
  }

  /** Waits while the channel's send buffer is above the high mark. */
  #drained(): Promise<void> {
    const dc = this.#dc;
    if (dc.bufferedAmount <= HIGH_WATER || !this.open) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        dc.removeEventListener('bufferedamountlow', done);
        dc.removeEventListener('close', done);
        resolve();
      };
      dc.addEventListener('bufferedamountlow', done);
      dc.addEventListener('close', done);
    });
  }

  #onText(text: string) {
    let frame: Record<string, unknown> | null = null;
    try {
      if (text.length <= FRAME_MAX_CHARS) frame = JSON.parse(text);
    } catch {
      // reported below
    }
    const problem = typeof frame === 'object' && frame !== null ? frameProblem(frame) : 'not a JSON object';
    if (problem || !frame) return this.#log.warn('ignored a data channel frame: %s', problem);
    if (frame.t !== 'data') {
      this.#handlers.frame(frame.t === 'media' ? { t: 'media', ...toMediaState(frame as unknown as MediaStateMessage) } : (frame as PeerFrame));
      return;
    }
    const header = frame as Header;
    if (this.#incoming) this.#log.warn('a payload was cut short by the next one');
    this.#incoming = { id: header.id, text: header.text, bytes: new Uint8Array(header.size), received: 0 };
    if (header.size === 0) this.#complete();
  }

  #onChunk(chunk: ArrayBuffer) {
    const incoming = this.#incoming;
    if (!incoming || incoming.received + chunk.byteLength > incoming.bytes.byteLength) {
      this.#incoming = null;
      return this.#log.warn('ignored binary data that no header announced');
    }
    incoming.bytes.set(new Uint8Array(chunk), incoming.received);
    incoming.received += chunk.byteLength;
    if (incoming.received === incoming.bytes.byteLength) this.#complete();
  }

  #complete() {
    const { id, text, bytes } = this.#incoming!;
    this.#incoming = null;
    this.#handlers.payload(id, text ? new TextDecoder().decode(bytes) : (bytes.buffer as ArrayBuffer));
  }
}
