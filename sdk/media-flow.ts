// Whether anything arrives from the other side, told by the bytes received on the candidate pair
// in use rather than by ICE states: after an ICE restart between Firefox and Chromium, a path can
// be `connected` on both sides and carry nothing one way.
import { selectedPairBytes } from './stats.js';

/** How often the received bytes are read while watching. */
export const FLOW_CHECK_MS = 250;

/** One watch: resolves true once bytes arrive, false when it ends first. */
export interface FlowWatch {
  readonly arrived: Promise<boolean>;
  stop(): void;
}

export interface WatchOptions {
  /** Ends the watch (false) after this long. */
  timeoutMs?: number;
  /** Bytes count only on another candidate pair than this one (the one in use before an ICE restart). */
  notOn?: string | null;
}

/**
 * Reads the bytes received on the pair in use of `pc()` (read anew each time: the call's
 * connection may be rebuilt meanwhile) until they grow on one pair.
 */
export function watchFlow(pc: () => RTCPeerConnection, { timeoutMs = Infinity, notOn = null }: WatchOptions = {}): FlowWatch {
  let settle!: (arrived: boolean) => void;
  const arrived = new Promise<boolean>((resolve) => (settle = resolve));
  let baseline: { pair: string; bytes: number } | null = null;
  let reading = false;
  const done = (result: boolean) => {
    clearInterval(timer);
    clearTimeout(deadline);
    settle(result);
  };
  const timer = setInterval(() => {
    if (reading) return;
    reading = true;
    selectedPairBytes(pc())
      .then((now) => {
        if (!now || now.pair === notOn) return;
        // A pair that changed counts from its own first reading.
        if (baseline === null || baseline.pair !== now.pair || now.bytes < baseline.bytes) baseline = now;
        else if (now.bytes > baseline.bytes) done(true);
      })
      .catch(() => {}) // a connection closing meanwhile
      .finally(() => (reading = false));
  }, FLOW_CHECK_MS);
  const deadline = Number.isFinite(timeoutMs) ? setTimeout(() => done(false), timeoutMs) : undefined;
  return { arrived, stop: () => done(false) };
}
