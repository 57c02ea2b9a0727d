// What a call's report is made of, gathered as the call goes: the network monitor's samples (no
// reading of its own), when the connection came up and the first video frame was decoded, the
// outages and ICE restarts. Summed up once, when the call ends.
import { CallReportFigures } from './protocol/checks.js';
import type { CallEndReason, CallReport } from './protocol/call-report.js';
import type { NetworkStatus, VideoReceived } from './stats.js';

export type { CallEndReason, CallReport } from './protocol/call-report.js';

/** Samples kept (about half an hour at one every 2 s); beyond it every other one is let go. */
const MAX_SAMPLES = 1_024;
/** Recovery times listed; further outages are counted only (as the server takes them). */
const MAX_RECOVERIES = 20;

/** The median (the lower middle: always a value that was measured) and the largest of figure `i`; null when it never was. */
const summary = (samples: (number | undefined)[][], i: number) => {
  const values = samples.map((sample) => sample[i]!).filter((n) => n >= 0).sort((a, b) => a - b);
  return values.length ? { median: values[(values.length - 1) >> 1]!, max: values[values.length - 1]! } : null;
};

/** The kind of path: relayed or not, and its two ends' candidate types. */
const pathOf = (s: NetworkStatus) => `${s.relayed} ${s.localCandidateType} ${s.remoteCandidateType}`;

/** What one call's report is made of; `callRecord()` starts its setup clock (the call was made, or accepted). */
export interface CallRecord {
  /** From the start to the first remote video frame decoded; null until one was. */
  setupMs: number | null;
  iceRestarts: number;
  /** The connection came up (the first time counts). */
  connected(): void;
  /** The first remote video frame was decoded (the first time counts). */
  firstFrame(): void;
  /** A periodic sample of the network monitor, with the video it read. */
  sample(status: NetworkStatus, video: VideoReceived | undefined): void;
  /** Media stopped arriving (false), or arrives again (true): an outage began or ended. */
  flowing(on: boolean): void;
  /** The report of the call, ending now for `endReason`. */
  report(endReason: CallEndReason): CallReport;
}

// A closure rather than a class: its variables minify to single letters (the SDK's gzip budget).
export function callRecord(now: () => number = () => performance.now()): CallRecord {
  const startedAt = now();
  /** The figures of each sample, in the order of `CallReportFigures` (undefined: not measured). */
  let samples: (number | undefined)[][] = [];
  const recoveries: number[] = [];
  let connectedAt: number | undefined;
  let lostAt: number | undefined;
  let path: NetworkStatus | undefined;
  let pathChanged = false;
  let outages = 0;
  let longestOutageMs = 0;
  const record: CallRecord = {
    setupMs: null,
    iceRestarts: 0,
    connected: () => void (connectedAt ??= now()),
    firstFrame: () => void (record.setupMs ??= Math.round(now() - startedAt)),
    sample(status, video) {
      if (samples.length >= MAX_SAMPLES) samples = samples.filter((_, i) => i % 2);
      samples.push([status.rttMs ?? undefined, status.packetLoss, status.jitterMs, status.incomingBitrate, status.outgoingBitrate, video?.frameWidth, video?.frameHeight, video?.framesPerSecond]);
      if (!status.localCandidateType) return;
      pathChanged ||= !!path && pathOf(path) !== pathOf(status);
      path = status;
    },
    flowing(on) {
      if (!on) lostAt ??= (outages++, now());
      else if (lostAt !== undefined) {
        const ms = Math.round(now() - lostAt);
        lostAt = undefined;
        longestOutageMs = Math.max(longestOutageMs, ms);
        if (recoveries.length < MAX_RECOVERIES) recoveries.push(ms);
      }
    },
    report(endReason) {
      const at = now();
      const durationMs = connectedAt === undefined ? 0 : Math.round(at - connectedAt);
      const report: Record<string, unknown> = {
        durationMs,
        setupMs: record.setupMs,
        endReason,
        relayed: path?.relayed ?? null,
        localCandidateType: path?.localCandidateType ?? null,
        remoteCandidateType: path?.remoteCandidateType ?? null,
        pathChanged,
        outages,
        // An outage still going on at the end counts among the longest, with no recovery.
        longestOutageMs: Math.min(durationMs, Math.max(longestOutageMs, lostAt === undefined ? 0 : Math.round(at - lostAt))),
        recoveryMs: recoveries,
        iceRestarts: record.iceRestarts,
      };
      CallReportFigures.forEach((figure, i) => (report[figure] = summary(samples, i)));
      return report as CallReport;
    },
  };
  return record;
}

/**
 * Calls `done` once the first frame of a remote video track is decoded: a muted video element
 * outside the page takes the track until it has data (`loadeddata`), then lets it go. Nothing
 * happens without a DOM, or once `signal` is aborted.
 */
export function watchFirstFrame(track: MediaStreamTrack, signal: AbortSignal, done: () => void): void {
  if (!globalThis.document) return;
  const video = document.createElement('video');
  const stop = () => (video.srcObject = null);
  video.muted = video.autoplay = true;
  video.onloadeddata = () => (stop(), done());
  video.srcObject = new MediaStream([track]);
  signal.addEventListener('abort', stop);
}
