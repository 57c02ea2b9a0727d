// Whether anything arrives from the other side, told by the bytes received on the connection's
// candidate pairs rather than by ICE states: after an ICE restart between Firefox and Chromium, a
// path can be `connected` on both sides and carry nothing one way.
import { receivedByPair } from './stats.js';

/** How often the received bytes are read while watching. */
export const FLOW_CHECK_MS = 250;

/**
 * What a watch saw: bytes growing on a pair (`arrived`); at its end, bytes growing only on the
 * pairs it was told to leave aside, still in use (`stayed`); or none (`nothing`).
 */
export type Flow = 'arrived' | 'stayed' | 'nothing';

/** One watch, settled once with what it saw. */
export interface FlowWatch {
  readonly result: Promise<Flow>;
  stop(): void;
}

export interface WatchOptions {
  /** Ends the watch after this long. */
  timeoutMs?: number;
  /** Bytes on these pairs (the ones there before an ICE restart) do not count as `arrived`. */
  notOn?: ReadonlySet<string> | null;
}

/**
 * Reads the bytes received on each candidate pair of `pc()` (read anew each time: the call's
 * connection may be rebuilt meanwhile) until they grow on a pair.
 */
export function watchFlow(pc: () => RTCPeerConnection, { timeoutMs = Infinity, notOn = null }: WatchOptions = {}): FlowWatch {
  let settle!: (flow: Flow) => void;
  const result = new Promise<Flow>((resolve) => (settle = resolve));
  let baseline: { pc: RTCPeerConnection; pairs: Map<string, number> } | null = null;
  let stayed = false;
  let reading = false;
  /** When the first reading came: the watch lasts `timeoutMs` of readings from then. */
  let first: number | null = null;
  const done = (flow: Flow) => {
    clearInterval(timer);
    clearTimeout(backstop);
    settle(flow);
  };
  const end = () => done(stayed ? 'stayed' : 'nothing');
  const timer = setInterval(() => {
    if (reading) return;
    reading = true;
    const connection = pc();
    receivedByPair(connection)
      .then((pairs) => {
        // A connection that was replaced counts from its own first reading.
        if (baseline?.pc === connection) {
          const grown = [...pairs].filter(([id, bytes]) => bytes > (baseline!.pairs.get(id) ?? 0)).map(([id]) => id);
          if (grown.some((id) => !notOn?.has(id))) return done('arrived');
          if (grown.length) stayed = true;
        }
        baseline = { pc: connection, pairs };
        // Judged by readings, not by the clock alone: a page that a busy device keeps from running
        // reads late, and what arrived meanwhile shows in its next reading.
        first ??= performance.now();
        if (performance.now() - first >= timeoutMs) end();
      })
      .catch(() => {}) // a connection closing meanwhile
      .finally(() => (reading = false));
  }, FLOW_CHECK_MS);
  // In case no reading comes at all.
  const backstop = Number.isFinite(timeoutMs) ? setTimeout(end, 3 * timeoutMs) : undefined;
  return { result, stop: () => done('nothing') };
}
