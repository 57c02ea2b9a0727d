// Network status of a call from RTCPeerConnection.getStats(): round-trip time, loss, jitter,
// bitrates and the path in use, sampled every 2 s and summed up as a quality level.

export type NetworkQuality =
  /** Nothing a person would notice. */
  | 'good'
  /** Noticeable: some delay or the odd glitch. */
  | 'fair'
  /** Hard to talk: long delays, frozen or broken picture and sound. */
  | 'poor'
  /** Nothing is getting through (ICE disconnected or failed, or no data for a whole interval). */
  | 'lost';

export interface NetworkStatus {
  quality: NetworkQuality;
  /** Round-trip time on the path in use, in milliseconds; null until it has been measured. */
  rttMs: number | null;
  /** Share of packets lost since the previous sample, 0..1 (the worse of the two directions). */
  packetLoss: number;
  /** Jitter of what arrives, in milliseconds (the largest over the incoming audio and video). */
  jitterMs: number;
  /** Bits per second sent and received since the previous sample, everything on the path included. */
  outgoingBitrate: number;
  incomingBitrate: number;
  /** True when the call goes through a TURN server. */
  relayed: boolean;
  /** `host`, `srflx`, `prflx` or `relay`; null before a path is chosen. */
  localCandidateType: string | null;
  remoteCandidateType: string | null;
}

/** The video received, as the last reading found it: its inbound-rtp statistics. */
export type VideoReceived = Partial<Record<'frameWidth' | 'frameHeight' | 'framesPerSecond', number>>;

/** A level is reached when any of its limits is: `poor` first, then `fair`; `good` otherwise. */
export const qualityThresholds = {
  poor: { rttMs: 500, packetLoss: 0.1, jitterMs: 100 },
  fair: { rttMs: 250, packetLoss: 0.03, jitterMs: 30 },
} as const;

export const NETWORK_STATUS_INTERVAL_MS = 2_000;
/**
 * The shortest window that rates and loss are measured over. Over a few milliseconds they are
 * noise: a browser that caches its statistics briefly (Chromium) shows nothing sent, and one that
 * does not (Firefox) shows one video frame as megabits per second.
 */
export const MIN_WINDOW_MS = 1_000;

export interface NetworkMonitorOptions {
  /** How often the status is sampled and reported. */
  intervalMs?: number;
  /** The clock, in milliseconds; `performance.now` unless a test gives its own. */
  now?: () => number;
}

/** Running totals at one moment: bytes per candidate pair (see `difference`), packets over the incoming streams. */
interface Totals {
  at: number;
  pairs: ReadonlyMap<string, { sent: number; received: number }>;
  lost: number;
  packets: number;
}

/** What changed between two readings. */
interface Window {
  at: number;
  sent: number;
  received: number;
  lost: number;
  packets: number;
}

type Stat = Record<string, unknown> & { id: string; type: string };
const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

export class NetworkMonitor {
  readonly #pc: RTCPeerConnection;
  readonly #now: () => number;
  /** The totals where the current interval began: the last periodic sample, or the start. */
  #previous: Totals | null = null;
  /** The last full periodic interval; readings in between report its rates and loss. */
  #interval: Window | null = null;
  readonly #started: Promise<unknown>;
  #timer: ReturnType<typeof setInterval>;
  /** The video received at the last reading (for the call's report); undefined without any. */
  #video: VideoReceived | undefined;

  constructor(pc: RTCPeerConnection, onStatus: (status: NetworkStatus, video: VideoReceived | undefined) => void, options: NetworkMonitorOptions = {}) {
    this.#pc = pc;
    this.#now = options.now ?? (() => performance.now());
    // The first interval starts now, so that the first status measures it whole.
    this.#started = this.#read({ advance: true }).catch(() => {});
    this.#timer = setInterval(
      () => void this.#read({ advance: true }).then((status) => status && onStatus(status, this.#video), () => {}), // a connection closing meanwhile
      options.intervalMs ?? NETWORK_STATUS_INTERVAL_MS,
    );
  }

  /**
   * Reads the statistics now; null once the connection is closed. Round-trip time, jitter and the
   * path are as they are now. Rates and loss are those of the time since the last periodic sample
   * when that is at least `MIN_WINDOW_MS`, else those of the last full interval; only periodic
   * sampling starts a new interval, so a reading in between does not shorten the next one. In the
   * first second of a connection there is no interval yet: the reading waits for one second to pass.
   */
  async sample(): Promise<NetworkStatus | null> {
    await this.#started;
    const since = this.#previous ? this.#now() - this.#previous.at : 0;
    if (!this.#interval && since < MIN_WINDOW_MS) await new Promise((resolve) => setTimeout(resolve, MIN_WINDOW_MS - since));
    return this.#read({ advance: false });
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Reads the statistics; `advance` ends the current interval there (periodic samples only). */
  async #read({ advance }: { advance: boolean }): Promise<NetworkStatus | null> {
    const pc = this.#pc;
    const closed = () => pc.connectionState === 'closed';
    if (closed()) return null;
    let report: RTCStatsReport;
    try {
      report = await pc.getStats();
    } catch (error) {
      if (closed()) return null; // closed meanwhile
      throw error;
    }
    const stats = new Map<string, Stat>();
    report.forEach((stat: Stat) => stats.set(stat.id, stat));
    const all = [...stats.values()];

    const pair = selectedPair(stats);
    const local = stats.get(pair?.localCandidateId as string);
    const remote = stats.get(pair?.remoteCandidateId as string);
    const inbound = all.filter((s) => s.type === 'inbound-rtp');
    const remoteInbound = all.filter((s) => s.type === 'remote-inbound-rtp');
    const now: Totals = {
      at: this.#now(),
      pairs: new Map(all.filter((s) => s.type === 'candidate-pair').map((s) => [s.id, { sent: num(s.bytesSent), received: num(s.bytesReceived) }])),
      lost: inbound.reduce((sum, s) => sum + num(s.packetsLost), 0),
      packets: inbound.reduce((sum, s) => sum + num(s.packetsReceived), 0),
    };
    const start = this.#previous;
    // Silence is judged from the second interval on: in the first, media may still be starting.
    const judged = this.#interval !== null;
    let window = start && difference(start, now);
    if (advance || !start) this.#previous = now;
    if (advance && window) this.#interval = window;
    else if (!advance && (!window || window.at < MIN_WINDOW_MS)) window = this.#interval ?? window;

    const seconds = window ? window.at / 1000 : 0;
    // A counter that went back (another candidate pair after an ICE restart) counts nothing.
    const rate = (bytes: number) => (seconds > 0 ? Math.max(0, Math.round((bytes * 8) / seconds)) : 0);
    const lost = window?.lost ?? 0;
    const incomingLoss = lost > 0 ? lost / (lost + Math.max(0, window?.packets ?? 0)) : 0;
    const outgoingLoss = Math.max(0, ...remoteInbound.map((s) => num(s.fractionLost)));
    const rtt = pair?.currentRoundTripTime ?? remoteInbound.find((s) => typeof s.roundTripTime === 'number')?.roundTripTime;

    const status: Omit<NetworkStatus, 'quality'> = {
      rttMs: typeof rtt === 'number' ? Math.round(rtt * 1000) : null,
      packetLoss: Math.min(1, Math.max(incomingLoss, outgoingLoss)),
      jitterMs: Math.round(Math.max(0, ...inbound.map((s) => num(s.jitter))) * 1000),
      outgoingBitrate: rate(window?.sent ?? 0),
      incomingBitrate: rate(window?.received ?? 0),
      relayed: local?.candidateType === 'relay' || remote?.candidateType === 'relay',
      localCandidateType: (local?.candidateType as string) ?? null,
      remoteCandidateType: (remote?.candidateType as string) ?? null,
    };
    this.#video = inbound.find((s) => s.kind === 'video') as VideoReceived | undefined;
    const silent = judged && !!window && window.at >= MIN_WINDOW_MS && window.received === 0;
    const ice = pc.iceConnectionState;
    return { quality: ice === 'disconnected' || ice === 'failed' || silent ? 'lost' : rateQuality(status), ...status };
  }
}

/**
 * What was counted between two readings (`at`: how many milliseconds passed). Bytes are counted on
 * every candidate pair, each against its own earlier total: the pair in use can change between
 * two readings (Firefox settles on another pair in the first seconds of a call, an ICE restart
 * moves to new ones), and the new pair's total less the old one's would be nothing, or negative,
 * and read as silence. The other pairs carry only connectivity checks, which the counts leave
 * out, and in an outage nothing is received on any pair.
 */
function difference(before: Totals, after: Totals): Window {
  let sent = 0;
  let received = 0;
  for (const [id, now] of after.pairs) {
    const then = before.pairs.get(id);
    sent += Math.max(0, now.sent - (then?.sent ?? 0));
    received += Math.max(0, now.received - (then?.received ?? 0));
  }
  return { at: after.at - before.at, sent, received, lost: after.lost - before.lost, packets: after.packets - before.packets };
}

/** The candidate pair the connection's media takes, from a stats report. */
function selectedPair(stats: ReadonlyMap<string, Stat>): Stat | undefined {
  const all = [...stats.values()];
  const transport = all.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
  return stats.get(transport?.selectedCandidatePairId as string) ?? all.find((s) => s.type === 'candidate-pair' && (s.selected || (s.nominated && s.state === 'succeeded')));
}

/**
 * The bytes received so far on each candidate pair of the connection. Not the selected pair's
 * alone: Chromium's transport can name as selected a pair that receives nothing while the media
 * arrives on another (seen on loopback, before and after an ICE restart). Connectivity checks are
 * not counted, so only the pairs that carry the call grow.
 */
export async function receivedByPair(pc: RTCPeerConnection): Promise<Map<string, number>> {
  const pairs = new Map<string, number>();
  (await pc.getStats()).forEach((stat: Stat) => {
    if (stat.type === 'candidate-pair') pairs.set(stat.id as string, num(stat.bytesReceived));
  });
  return pairs;
}

function rateQuality({ rttMs, packetLoss, jitterMs }: Pick<NetworkStatus, 'rttMs' | 'packetLoss' | 'jitterMs'>): NetworkQuality {
  const reaches = (limits: (typeof qualityThresholds)[keyof typeof qualityThresholds]) =>
    (rttMs ?? 0) >= limits.rttMs || packetLoss >= limits.packetLoss || jitterMs >= limits.jitterMs;
  return reaches(qualityThresholds.poor) ? 'poor' : reaches(qualityThresholds.fair) ? 'fair' : 'good';
}
