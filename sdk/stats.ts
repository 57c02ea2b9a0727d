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

/** A level is reached when any of its limits is: `poor` first, then `fair`; `good` otherwise. */
export const qualityThresholds = {
  poor: { rttMs: 500, packetLoss: 0.1, jitterMs: 100 },
  fair: { rttMs: 250, packetLoss: 0.03, jitterMs: 30 },
} as const;

export const NETWORK_STATUS_INTERVAL_MS = 2_000;

interface Totals {
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
  #previous: Totals | null = null;
  #timer: ReturnType<typeof setInterval>;

  constructor(pc: RTCPeerConnection, onStatus: (status: NetworkStatus) => void, intervalMs = NETWORK_STATUS_INTERVAL_MS) {
    this.#pc = pc;
    this.#timer = setInterval(
      () => void this.sample(true).then((status) => status && onStatus(status), () => {}), // a connection closing meanwhile
      intervalMs,
    );
  }

  /**
   * Reads the statistics now; null once the connection is closed. Rates and loss are measured
   * since the last periodic sample, which only the periodic sampling moves on (`advance`), so
   * a reading in between does not shorten the next interval.
   */
  async sample(advance = false): Promise<NetworkStatus | null> {
    const pc = this.#pc;
    if (pc.connectionState === 'closed') return null;
    const report = await pc.getStats();
    const stats = new Map<string, Stat>();
    report.forEach((stat: Stat) => stats.set(stat.id, stat));
    const all = [...stats.values()];

    const pair = selectedPair(stats);
    const local = stats.get(pair?.localCandidateId as string);
    const remote = stats.get(pair?.remoteCandidateId as string);
    const inbound = all.filter((s) => s.type === 'inbound-rtp');
    const remoteInbound = all.filter((s) => s.type === 'remote-inbound-rtp');

    const now: Totals = {
      at: performance.now(),
      sent: num(pair?.bytesSent),
      received: num(pair?.bytesReceived),
      lost: inbound.reduce((sum, s) => sum + num(s.packetsLost), 0),
      packets: inbound.reduce((sum, s) => sum + num(s.packetsReceived), 0),
    };
    const before = this.#previous;
    if (advance || !before) this.#previous = now;
    const seconds = before ? (now.at - before.at) / 1000 : 0;
    const rate = (bytes: number) => (seconds > 0 ? Math.max(0, Math.round((bytes * 8) / seconds)) : 0);

    const lost = before ? now.lost - before.lost : 0;
    const arrived = before ? now.packets - before.packets : 0;
    const incomingLoss = lost > 0 ? lost / (lost + Math.max(0, arrived)) : 0;
    const outgoingLoss = Math.max(0, ...remoteInbound.map((s) => num(s.fractionLost)));
    const rtt = pair?.currentRoundTripTime ?? remoteInbound.find((s) => typeof s.roundTripTime === 'number')?.roundTripTime;

    const status: Omit<NetworkStatus, 'quality'> = {
      rttMs: typeof rtt === 'number' ? Math.round(rtt * 1000) : null,
      packetLoss: Math.min(1, Math.max(incomingLoss, outgoingLoss)),
      jitterMs: Math.round(Math.max(0, ...inbound.map((s) => num(s.jitter))) * 1000),
      outgoingBitrate: rate(now.sent - (before?.sent ?? 0)),
      incomingBitrate: rate(now.received - (before?.received ?? 0)),
      relayed: local?.candidateType === 'relay' || remote?.candidateType === 'relay',
      localCandidateType: (local?.candidateType as string) ?? null,
      remoteCandidateType: (remote?.candidateType as string) ?? null,
    };
    const silent = !!before && seconds >= 1 && now.received === before.received;
    const ice = pc.iceConnectionState;
    return { quality: ice === 'disconnected' || ice === 'failed' || silent ? 'lost' : rateQuality(status), ...status };
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

/** The candidate pair the connection's media takes, from a stats report. */
function selectedPair(stats: ReadonlyMap<string, Stat>): Stat | undefined {
  const all = [...stats.values()];
  const transport = all.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
  return stats.get(transport?.selectedCandidatePairId as string) ?? all.find((s) => s.type === 'candidate-pair' && (s.selected || (s.nominated && s.state === 'succeeded')));
}

/** Bytes received so far on the candidate pair in use. */
export async function receivedBytes(pc: RTCPeerConnection): Promise<number> {
  return num(selectedPair(await pc.getStats())?.bytesReceived);
}

function rateQuality({ rttMs, packetLoss, jitterMs }: Pick<NetworkStatus, 'rttMs' | 'packetLoss' | 'jitterMs'>): NetworkQuality {
  const reaches = (limits: (typeof qualityThresholds)[keyof typeof qualityThresholds]) =>
    (rttMs ?? 0) >= limits.rttMs || packetLoss >= limits.packetLoss || jitterMs >= limits.jitterMs;
  return reaches(qualityThresholds.poor) ? 'poor' : reaches(qualityThresholds.fair) ? 'fair' : 'good';
}
