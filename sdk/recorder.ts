// The recording made in this browser: one picture composed on a canvas (the other person large,
// this side small in a corner; a screen share large with both people small) and both voices
// mixed with Web Audio, recorded by MediaRecorder into WebM in timed chunks. It follows the
// tracks as they are replaced (a rebuilt connection, another device, a screen share), holds the
// last picture while the other person's video stops (an outage, an ICE restart), and keeps one
// MediaRecorder for the whole recording, so that the file stays one valid file.
// Loaded on demand (recording.ts): in the CDN bundles it is `parts/recorder.js` beside the script,
// a module of its own, so it imports nothing at run time.
import type { Logger } from './logger.js';

/** What `startRecording` takes. */
export interface RecordingOptions {
  /** Stop by itself once the recording holds this many bytes. Default: 1 GiB (`DEFAULT_RECORDING_MAX_BYTES`). */
  maxBytes?: number;
  /** The picture's size. Default: 1280 × 720. */
  width?: number;
  height?: number;
  /** Pictures drawn per second. Default: 30. */
  frameRate?: number;
  /** MediaRecorder's chunks, in milliseconds. Default: 1000. */
  timesliceMs?: number;
}

/** The finished recording (`recording` event). */
export interface RecordingResult {
  blob: Blob;
  /** From when the recorder started until it stopped, measured (not read from the file). */
  durationMs: number;
  mimeType: string;
}

/** Why a recording stopped: someone asked, it reached `maxBytes`, the call ended, or the recorder failed. */
export type RecordingStopReason = 'asked' | 'limit' | 'call-ended' | 'error';

/** What the recorder tells the recording: it began writing the file; it ended (`result` null when it never began). */
export interface RecorderEvents {
  started(): void;
  done(result: RecordingResult | null, reason: RecordingStopReason): void;
}

/**
 * How often to ask MediaRecorder for what it wrote, until it wrote something, and for how long: a
 * machine busy enough to draw a few pictures a second takes seconds to begin (5 s seen here), and a
 * recording that begins late is worth more than one given up.
 */
const FIRST_DATA_POLL_MS = 100;
const FIRST_DATA_TIMEOUT_MS = 20_000;

/**
 * The format asked of MediaRecorder: the best WebM it has, naming Opus only with sound (Firefox
 * never begins a file whose format names a track it does not have); none, its own, without WebM.
 */
const formatFor = (sound: boolean) =>
  [...['vp9', 'vp8'].map((video) => `video/webm;codecs=${video}${sound ? ',opus' : ''}`), 'video/webm'].find((type) => MediaRecorder.isTypeSupported(type)) ?? '';

/** What the recorder shows and hears, read again at every picture: tracks come and go. */
export interface RecorderSources {
  remote(): MediaStream | null;
  /** What this side sends: the camera (or the screen while sharing), and the microphone. */
  local(kind: 'audio' | 'video'): MediaStreamTrack | null;
  /** This side shares its screen (its video is the screen, shown large). */
  sharing(): boolean;
}

/** A video element that plays one track, kept off the page, for the canvas to draw. */
class Feed {
  readonly video = document.createElement('video');
  #track: MediaStreamTrack | null = null;
  constructor() {
    this.video.muted = true;
    this.video.playsInline = true;
  }
  /** Plays `stream`'s video (or `track`); a replaced track is followed. */
  follow(track: MediaStreamTrack | null, stream?: MediaStream | null): void {
    if (track === this.#track) return;
    this.#track = track;
    // A stream the SDK swaps tracks in stays on the element: it holds its last picture meanwhile.
    if (stream) {
      if (this.video.srcObject !== stream) this.video.srcObject = stream;
    } else this.video.srcObject = track && new MediaStream([track]);
    if (this.video.srcObject) this.video.play().catch(() => {});
  }
  /** Whether there is a picture to draw. */
  get ready(): boolean {
    return this.video.readyState >= 2 && this.video.videoWidth > 0;
  }
  stop(): void {
    this.video.srcObject = null;
  }
}

/** Draws `video` into the box, aspect kept (letterboxed). */
function fit(ctx: CanvasRenderingContext2D, video: HTMLVideoElement, x: number, y: number, w: number, h: number) {
  const scale = Math.min(w / video.videoWidth, h / video.videoHeight);
  const dw = video.videoWidth * scale;
  const dh = video.videoHeight * scale;
  ctx.drawImage(video, x + (w - dw) / 2, y + (h - dh) / 2, dw, dh);
}

export class Recorder {
  readonly #sources: RecorderSources;
  readonly #log: Logger;
  readonly #audio: AudioContext;
  readonly #mix: MediaStreamAudioDestinationNode;
  /** The audio source of each voice, with the track it was made from. */
  readonly #voices = new Map<'local' | 'remote', { track: MediaStreamTrack; node: MediaStreamAudioSourceNode }>();
  readonly #remote = new Feed();
  readonly #self = new Feed();
  readonly #canvas = document.createElement('canvas');
  #recorder: MediaRecorder | null = null;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Asks for the first data until there is some. */
  #poll: ReturnType<typeof setInterval> | undefined;
  readonly #chunks: Blob[] = [];
  #bytes = 0;
  /** When MediaRecorder started: where the file's time begins. */
  #started = 0;
  /** The first data came: the file has begun. */
  #begun = false;
  #reason: RecordingStopReason = 'asked';

  /**
   * Made within the click that asked to record: the browser lets an AudioContext made then
   * play, and the recording itself starts later, once the other person agreed (`start`). Only
   * where `canRecord()` (recording.ts) holds.
   */
  constructor(sources: RecorderSources, logger: Logger) {
    this.#sources = sources;
    this.#log = logger;
    this.#audio = new AudioContext();
    this.#mix = this.#audio.createMediaStreamDestination();
    // Silence, always mixed in: Chromium writes nothing until the sound track has samples, and a
    // mix with no voice (no microphone on either side) has none.
    const silence = this.#audio.createConstantSource();
    silence.offset.value = 0;
    silence.connect(this.#mix);
    silence.start();
  }

  /**
   * Starts recording. `started` is called once the browser has written the file's beginning (the
   * encoders running: a starved machine can take seconds), `done` once at the end, with the result,
   * or null when it stopped before it began.
   */
  start(options: RecordingOptions & { maxBytes: number }, { started, done }: RecorderEvents): void {
    const { width = 1280, height = 720, frameRate = 30, timesliceMs = 1000, maxBytes } = options;
    Object.assign(this.#canvas, { width, height });
    // A first picture (black), whatever the feeds have: the file begins with a picture and sound.
    this.#canvas.getContext('2d')!.fillRect(0, 0, width, height);
    this.#draw();
    // A timer, not requestAnimationFrame, which stops in a background tab. (Chromium keeps timers
    // of a page that plays sound, as a call's does, at full rate.)
    this.#timer = setInterval(() => this.#draw(), 1000 / frameRate);
    const [video] = this.#canvas.captureStream(frameRate).getVideoTracks();
    // Sound that does not play (a browser that wants a click first) would hold the file back.
    const sound = this.#audio.state === 'running';
    if (!sound) this.#log.warn('the browser does not let the recording play sound (ask for it from a click); recording the picture only');
    const format = formatFor(sound);
    const recorder = new MediaRecorder(new MediaStream([video!, ...(sound ? this.#mix.stream.getAudioTracks() : [])]), format ? { mimeType: format } : {});
    recorder.ondataavailable = ({ data }) => {
      if (!data.size) return;
      if (!this.#begun) {
        if (recorder.state !== 'recording') return; // stopped before it began: nothing to keep
        this.#begun = true;
        clearInterval(this.#poll);
        started();
      }
      this.#chunks.push(data);
      this.#bytes += data.size;
      if (this.#bytes >= maxBytes && recorder.state === 'recording') {
        this.#log.warn('the recording reached its limit of %d bytes; stopping it', maxBytes);
        this.stop('limit');
      }
    };
    recorder.onerror = (event) => {
      this.#log.error('the recorder failed: %o', (event as ErrorEvent).error ?? event);
      this.stop('error');
    };
    recorder.onstop = () => {
      const durationMs = performance.now() - this.#started;
      this.#release();
      const mimeType = recorder.mimeType || format || 'video/webm';
      done(this.#begun ? { blob: new Blob(this.#chunks, { type: mimeType }), durationMs, mimeType } : null, this.#reason);
      this.#chunks.length = 0;
    };
    recorder.start(timesliceMs);
    this.#recorder = recorder; // only once started: one that failed to start is let go by stop()
    this.#started = performance.now();
    // The first data is asked for until it comes, not waited for a whole timeslice: the recording is
    // told as begun only then (the file's time runs from the start, a moment earlier). One that
    // never begins is a failure.
    this.#poll = setInterval(() => {
      if (recorder.state !== 'recording') return;
      if (performance.now() - this.#started < FIRST_DATA_TIMEOUT_MS) return recorder.requestData();
      this.#log.error('the recorder wrote nothing in %d s; stopping it', FIRST_DATA_TIMEOUT_MS / 1000);
      this.stop('error');
    }, FIRST_DATA_POLL_MS);
  }

  /** Stops recording (the result follows, through `done`), or lets go of what was prepared if it never started. Safe to call again. */
  stop(reason: RecordingStopReason = 'asked'): void {
    const recorder = this.#recorder;
    if (recorder && recorder.state !== 'inactive') {
      this.#reason = reason;
      recorder.stop();
    } else if (!recorder) this.#release(); // never started (or it failed to): nothing will call onstop
  }

  #release() {
    clearInterval(this.#timer);
    clearInterval(this.#poll);
    for (const { node } of this.#voices.values()) node.disconnect();
    this.#voices.clear();
    this.#remote.stop();
    this.#self.stop();
    void this.#audio.close().catch(() => {});
  }

  /** One picture: the large feed (kept as it was while it has none), then the small one on top. */
  #draw() {
    const sources = this.#sources;
    const stream = sources.remote();
    const remoteVideo = stream?.getVideoTracks()[0] ?? null;
    this.#remote.follow(remoteVideo, stream);
    this.#self.follow(sources.local('video'));
    this.#voice('local', sources.local('audio'));
    this.#voice('remote', stream?.getAudioTracks()[0] ?? null);
    const [large, small] = sources.sharing() ? [this.#self, this.#remote] : [this.#remote, this.#self];
    const ctx = this.#canvas.getContext('2d')!;
    const { width, height } = this.#canvas;
    if (large.ready) {
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, width, height);
      fit(ctx, large.video, 0, 0, width, height);
    }
    if (small.ready) {
      const w = width / 4;
      const h = (w * small.video.videoHeight) / small.video.videoWidth;
      const margin = width / 64;
      ctx.drawImage(small.video, width - w - margin, height - h - margin, w, h);
    }
  }

  /** Mixes a voice in, again when its track was replaced (the other side's after a rebuild, a new microphone). */
  #voice(who: 'local' | 'remote', track: MediaStreamTrack | null) {
    const current = this.#voices.get(who);
    if (current?.track === track) return;
    current?.node.disconnect();
    this.#voices.delete(who);
    if (!track || track.readyState === 'ended') return;
    const node = this.#audio.createMediaStreamSource(new MediaStream([track]));
    node.connect(this.#mix);
    this.#voices.set(who, { track, node });
  }
}
