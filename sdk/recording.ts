// Recording a call with both people's consent. One side asks over the call's data channel (never
// through the server), the other answers yes or no, and nothing is recorded without a yes. Both
// sides hear every step (`recordingState`), either can stop it, and it ends with the call. The
// recording itself is made in the asking side's browser (recorder.ts). A connection rebuilt
// within the call has a new channel, and what was sent on the old one may be lost with it: each
// side sends its last frame again on the new channel (a stop, above all, must arrive), and each
// frame said twice is taken once.
import type { PeerFrame, RecordingAction } from './data-channel.js';
import type { CallEngine } from './engine.js';
import { CignalError, ClientErrorCode } from './errors.js';
import type { CignalEvents, Result } from './events.js';
import type { LocalMedia } from './local-media.js';
import type { Logger } from './logger.js';
import type { CignalData } from './options.js';
import type { Recorder, RecorderSources, RecordingOptions, RecordingResult, RecordingStopReason } from './recorder.js';
import { randomId } from './url.js';

export const DEFAULT_MAX_BYTES = 1024 ** 3;

/** Whether this browser can record: MediaRecorder, a canvas stream and Web Audio. */
export function canRecord(): boolean {
  return typeof globalThis.MediaRecorder === 'function' && typeof globalThis.AudioContext === 'function' && typeof HTMLCanvasElement !== 'undefined' && 'captureStream' in HTMLCanvasElement.prototype;
}

type RecorderPart = typeof import('./recorder.js');
/**
 * The recorder's module once loaded: `parts/recorder.js` beside the CDN bundles (rollup.config.mjs),
 * a chunk of a page's own bundle. Asked for when a call starts, so that a click finds it there.
 */
let recorderPart: RecorderPart | undefined;
let loadingPart: Promise<RecorderPart> | undefined;
const loadRecorder = (): Promise<RecorderPart> =>
  (loadingPart ??= import('./recorder.js').then(
    (part) => (recorderPart = part),
    (cause) => {
      loadingPart = undefined; // tried again at the next call or click
      throw new CignalError(ClientErrorCode.Unsupported, 'The recorder could not be loaded', { cause });
    },
  ));

/** Where a recording stands, as both sides hear it. */
export type RecordingState =
  /** Someone asked to record; the other person has not answered yet. */
  | 'asked'
  /** The other person said no: nothing is recorded. */
  | 'declined'
  /** The recording is being made (in the browser of the side that asked). */
  | 'recording'
  /** It stopped: someone stopped it (or withdrew the question), it reached its limit, or the call ended. */
  | 'stopped';

/** The payload of `recordingState`. */
export interface RecordingStateDetail {
  state: RecordingState;
  /** Who asked, and so who records: this side or the other person. */
  recorder: 'local' | 'remote';
  /** Who did this: asked, declined, started (the recorder) or stopped it. */
  by: 'local' | 'remote';
  /** Only with `stopped`. */
  reason?: RecordingStopReason;
}

/** What the recording tells the page. */
type Emit = <E extends 'recordingRequested' | 'recordingState' | 'recording'>(event: E, ...args: CignalEvents[E]) => void;

type Session =
  /** This side asked and waits for the answer. */
  | { role: 'asking'; id: string; recorder: Recorder; options: RecordingOptions & { maxBytes: number }; settle(outcome: Result | CignalError): void }
  /** The other side said yes; this side's recorder has not written the file's beginning yet. */
  | { role: 'starting'; id: string; recorder: Recorder; settle(outcome: Result | CignalError): void }
  /** The other side asked; this side has not answered. */
  | { role: 'asked'; id: string }
  /** This side records. */
  | { role: 'recording'; id: string; recorder: Recorder }
  /** The other side records. */
  | { role: 'recorded'; id: string };

/**
 * The recording of a room's calls: over the engine's current call (its data channel, the other
 * person's stream, its recording frames and its end) and this side's media, told to the page
 * through `emit`.
 */
export class Recording {
  readonly #engine: CallEngine;
  readonly #sources: RecorderSources;
  readonly #log: Logger;
  readonly #emit: Emit;
  readonly #data: CignalData;
  #session: Session | null = null;
  /** The last frame this side sent in the current call: sent again on a rebuilt connection's channel. */
  #last: PeerFrame | null = null;
  /** The requests of the current call that are over: one asked again on a new channel is not asked anew. */
  readonly #over = new Set<string>();

  constructor(engine: CallEngine, media: LocalMedia, data: CignalData, logger: Logger, emit: Emit) {
    this.#engine = engine;
    this.#sources = { remote: () => engine.call?.remoteStream ?? null, local: (kind) => media.outgoing(kind), sharing: () => media.state.screenShare };
    this.#log = logger;
    this.#emit = emit;
    this.#data = data;
    engine.on('recordingFrame', (frame) => this.receive(frame));
    engine.on('callEnded', () => this.callEnded());
    engine.on('channelOpen', () => this.#last && this.#engine.call?.sendFrame(this.#last));
    engine.on('callStarted', () => void (canRecord() && loadRecorder().catch((error) => logger.warn('%s: %o', error.message, error.cause))));
  }

  /** Whether a recording is being asked for, or made, on either side. */
  get active(): boolean {
    return this.#session !== null;
  }

  /**
   * Asks the other person; resolves `{ success: true }` once recording (the browser has begun the
   * file), `{ success: false }` when withdrawn (`stop`, on either side) before that. Rejects with
   * `not-connected` (no call, or it ended first), `recording-active`, `recording-declined` or
   * `unsupported` (no MediaRecorder, its code could not be loaded, or it could not begin).
   */
  async start(options: RecordingOptions = {}): Promise<Result> {
    const { maxBytes = DEFAULT_MAX_BYTES } = options ?? {};
    if (!(Number.isSafeInteger(maxBytes) && maxBytes > 0)) throw new CignalError(ClientErrorCode.InvalidArgument, 'maxBytes must be a positive whole number of bytes');
    if (!canRecord()) throw new CignalError(ClientErrorCode.Unsupported, 'This browser cannot record calls (no MediaRecorder)');
    // Loaded with the call, the rest runs within the click that asked; else after the load.
    const { Recorder } = recorderPart ?? (await loadRecorder());
    if (this.#session) throw new CignalError(ClientErrorCode.RecordingActive, 'A recording is already asked for or under way');
    // Made now, within the click that asked: the browser lets its sound run.
    const recorder = new Recorder(this.#sources, this.#log);
    const id = randomId(9);
    if (!this.#send({ t: 'recording', id, action: 'ask' })) {
      recorder.stop();
      throw new CignalError(ClientErrorCode.NotConnected, 'Recording needs a call in progress');
    }
    return new Promise<Result>((resolve, reject) => {
      this.#session = { role: 'asking', id, recorder, options: { ...options, maxBytes }, settle: (outcome) => (outcome instanceof CignalError ? reject(outcome) : resolve(outcome)) };
      this.#tell('asked', 'local', 'local');
    });
  }

  /** Says yes to the other person's request; false when nothing was asked. */
  accept(): Result {
    const session = this.#session;
    if (session?.role !== 'asked' || !this.#send({ t: 'recording', id: session.id, action: 'accept' })) return { success: false };
    this.#session = { role: 'recorded', id: session.id };
    this.#tell('recording', 'remote', 'local');
    return { success: true };
  }

  /** Says no to the other person's request; false when nothing was asked. */
  decline(): Result {
    const session = this.#session;
    if (session?.role !== 'asked') return { success: false };
    this.#send({ t: 'recording', id: session.id, action: 'decline' });
    this.#finish(session);
    this.#tell('declined', 'remote', 'local');
    return { success: true };
  }

  /** Stops the recording (whoever makes it), or withdraws or declines a question; false when there is none. */
  stop(): Result {
    const session = this.#session;
    if (!session) return { success: false };
    if (session.role === 'asked') return this.decline();
    this.#send({ t: 'recording', id: session.id, action: 'stop' });
    this.#end('local', 'asked');
    return { success: true };
  }

  /** The call ended: so does the recording, and a question still open. */
  callEnded(): void {
    this.#end('local', 'call-ended');
    this.#last = null;
    this.#over.clear();
  }

  /** A recording frame from the other side; one about another request than the current one is dropped. */
  receive({ id, action }: { id: string; action: RecordingAction }): void {
    const session = this.#session;
    if (action === 'ask') {
      if (session?.id === id || this.#over.has(id)) return; // said again on a new channel: heard already
      if (!session) {
        this.#session = { role: 'asked', id };
        this.#tell('asked', 'remote', 'remote');
        return this.#emit('recordingRequested', { displayName: this.#data.remoteDisplayName });
      }
      // Both asked at once, or a question while recording: one recording at a time.
      this.#send({ t: 'recording', id, action: 'decline' });
      return;
    }
    if (session?.id !== id) return this.#log.debug('dropped a recording %s for another request', action);
    if (action === 'stop') return this.#end('remote', 'asked');
    if (session.role !== 'asking') return;
    if (action === 'decline') {
      this.#finish(session);
      session.recorder.stop();
      this.#tell('declined', 'local', 'remote');
      return session.settle(new CignalError(ClientErrorCode.RecordingDeclined, 'The other person declined to be recorded'));
    }
    const { recorder, settle } = session;
    this.#session = { role: 'starting', id, recorder, settle };
    try {
      recorder.start(session.options, {
        started: () => {
          if (this.#session?.id !== id) return;
          this.#session = { role: 'recording', id, recorder };
          this.#tell('recording', 'local', 'local');
          settle({ success: true });
        },
        done: (result, reason) => {
          if (this.#session?.id === id) this.#stoppedHere(reason);
          if (result) this.#emit('recording', result);
        },
      });
    } catch (cause) {
      this.#stoppedHere('error', cause); // MediaRecorder refused what it was given
    }
  }

  /** The recorder here stopped by itself (its limit, a failure): the other side, who said yes, is told. */
  #stoppedHere(reason: RecordingStopReason, cause?: unknown) {
    this.#send({ t: 'recording', id: this.#session!.id, action: 'stop' });
    this.#end('local', reason, cause);
  }

  /** Ends whatever is on: a recording made here stops (its result follows), a question is withdrawn. */
  #end(by: 'local' | 'remote', reason: RecordingStopReason, cause?: unknown) {
    const session = this.#session;
    if (!session) return;
    this.#finish(session);
    const local = 'recorder' in session;
    if (local) session.recorder.stop(reason);
    if (session.role === 'asking' || session.role === 'starting') {
      // Withdrawn before it began is no failure; a call that ended, or a recorder that failed, is.
      session.settle(
        reason === 'call-ended'
          ? new CignalError(ClientErrorCode.NotConnected, 'The call ended before the recording began')
          : reason === 'error'
            ? new CignalError(ClientErrorCode.Unsupported, 'This browser could not start the recording', { cause })
            : { success: false },
      );
    }
    this.#tell('stopped', local ? 'local' : 'remote', by, reason);
  }

  /** This request is over. */
  #finish(session: Session) {
    this.#session = null;
    this.#over.add(session.id);
  }

  /**
   * Sends a control frame over the call's data channel; false when there is none open. A "no" and
   * a stop take effect here at once and go with the next channel; a question or a yes that could
   * not be sent is not made.
   */
  #send(frame: Extract<PeerFrame, { t: 'recording' }>): boolean {
    const sent = !!this.#engine.call?.sendFrame(frame);
    if (this.#engine.call && (sent || frame.action === 'decline' || frame.action === 'stop')) this.#last = frame;
    return sent;
  }

  #tell(state: RecordingState, recorder: 'local' | 'remote', by: 'local' | 'remote', reason?: RecordingStopReason) {
    this.#emit('recordingState', { state, recorder, by, ...(reason ? { reason } : {}) });
  }
}
