// The report of one call, as the SDK makes it when the call ends and the server takes it (when it
// accepts reports): plain figures, no SDP, addresses or ids of people. The type is inferred from
// the schema, which every report a server folds into its metrics passes.
import * as v from 'valibot';
import type { CallReportFigures } from './checks.js';

/** Why a call ended, as its report says. */
export const CallEndReasons = [
  /** This side hung up or left the room. */
  'hang-up',
  /** The other person hung up, left, or dropped for good. */
  'peer-hang-up',
  /** The call's connection was lost and could not be restored within the recovery bound. */
  'connection-lost',
  /** The call could not be made to work (no connection, declined, no relay). */
  'failed',
] as const;
export type CallEndReason = (typeof CallEndReasons)[number];

/** The ICE candidate types of a path's two ends. */
export const CandidateTypes = ['host', 'srflx', 'prflx', 'relay'] as const;

export const CallReportLimits = {
  /** Longest call or outage a report may describe: a week. */
  maxMs: 7 * 24 * 3_600_000,
  /** Longest setup: ten minutes (a call that rings that long is no call). */
  maxSetupMs: 600_000,
  /** Round-trip time and jitter: a minute is no connection. */
  maxDelayMs: 60_000,
  maxBitrate: 10_000_000_000,
  maxCount: 100_000,
  /** Recovery times of this many outages are listed; more are counted only. */
  recoveries: 20,
  maxVideoSide: 16_384,
  maxFramesPerSecond: 1_000,
  /** A report as JSON; a real one is about 600 bytes. */
  maxBytes: 2_048,
} as const;

const L = CallReportLimits;
const range = (max: number) => v.pipe(v.number(), v.minValue(0), v.maxValue(max));
const count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(L.maxCount));
const candidate = v.nullable(v.picklist(CandidateTypes));
/** The median and the largest of a figure over the call's samples (one every 2 s); null when it was never measured. */
const summary = (max: number) =>
  v.nullable(
    v.pipe(
      v.strictObject({ median: range(max), max: range(max) }),
      v.check((s) => s.median <= s.max, 'a median cannot exceed the largest value'),
    ),
  );

export const CallReportSchema = v.pipe(
  v.strictObject({
    /** From the connection first coming up to the end; 0 for a call that never connected. */
    durationMs: range(L.maxMs),
    /** From `joinRoom()` (or accepting the other person's call) to the first remote video frame decoded; null when none was. */
    setupMs: v.nullable(range(L.maxSetupMs)),
    endReason: v.picklist(CallEndReasons),
    /** The path at the end (or the last one known): through a TURN relay, and its two ends' candidate types. */
    relayed: v.nullable(v.boolean()),
    localCandidateType: candidate,
    remoteCandidateType: candidate,
    /** Whether the kind of path (relayed, candidate types) changed during the call. */
    pathChanged: v.boolean(),
    /** Times media stopped arriving during the call, the longest, and how long each of the first ones took to come back. */
    outages: count,
    longestOutageMs: range(L.maxMs),
    recoveryMs: v.pipe(v.array(range(L.maxMs)), v.maxLength(L.recoveries)),
    iceRestarts: count,
    rttMs: summary(L.maxDelayMs),
    /** Share of packets lost, 0..1. */
    packetLoss: summary(1),
    jitterMs: summary(L.maxDelayMs),
    /** Bits per second received and sent. */
    bitrateIn: summary(L.maxBitrate),
    bitrateOut: summary(L.maxBitrate),
    /** The video received. */
    videoWidth: summary(L.maxVideoSide),
    videoHeight: summary(L.maxVideoSide),
    framesPerSecond: summary(L.maxFramesPerSecond),
  }),
  // Figures that contradict each other would skew the metrics as much as wrong types.
  v.check(
    (r) =>
      r.recoveryMs.length <= r.outages &&
      r.recoveryMs.every((ms) => ms <= r.longestOutageMs) &&
      (r.outages > 0 || r.longestOutageMs === 0) &&
      r.longestOutageMs <= r.durationMs,
    'the figures of the report contradict each other',
  ),
);
export type CallReport = v.InferOutput<typeof CallReportSchema>;

// Fails to compile when the schema's summed-up figures and the list the SDK samples disagree.
type Summed = { [K in keyof CallReport]: [CallReport[K]] extends [{ median: number; max: number } | null] ? K : never }[keyof CallReport];
type Same<A extends B, B extends C, C = A> = [A, B, C];
export type FiguresListed = Same<Summed, (typeof CallReportFigures)[number]>;
