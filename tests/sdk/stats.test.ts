// The network monitor on its own, over a peer connection whose statistics the test writes and a
// fake clock: what getNetworkStatus() reports when it is called between two periodic samples.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { NetworkMonitor, type NetworkStatus } from '../../sdk/stats.js';

/** The part of RTCPeerConnection the monitor reads: its states and a statistics report. */
class StatsConnection {
  connectionState: RTCPeerConnectionState = 'connected';
  iceConnectionState: RTCIceConnectionState = 'connected';
  /** The candidate pairs by id, and the one in use; media flows on that one (see `pair`). */
  readonly pairs = new Map([['P', { bytesSent: 0, bytesReceived: 0, currentRoundTripTime: 0.04 }]]);
  selected = 'P';
  readonly inbound = { packetsReceived: 0, packetsLost: 0, jitter: 0.005 };

  get pair() {
    return this.pairs.get(this.selected)!;
  }

  /** Media moves to a new pair, counted from 0 (Firefox settling on another pair, an ICE restart); the old one stays listed or goes. */
  switchPair(id: string, { keepOld }: { keepOld: boolean }) {
    const rtt = this.pair.currentRoundTripTime;
    if (!keepOld) this.pairs.delete(this.selected);
    this.pairs.set(id, { bytesSent: 0, bytesReceived: 0, currentRoundTripTime: rtt });
    this.selected = id;
  }

  async getStats(): Promise<RTCStatsReport> {
    const stats = [
      { id: 'T', type: 'transport', selectedCandidatePairId: this.selected },
      ...[...this.pairs].map(([id, pair]) => ({ id, type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', state: 'succeeded', nominated: true, ...pair })),
      { id: 'L', type: 'local-candidate', candidateType: 'host' },
      { id: 'R', type: 'remote-candidate', candidateType: 'srflx' },
      { id: 'I', type: 'inbound-rtp', kind: 'video', ...this.inbound },
    ];
    return new Map(stats.map((stat) => [stat.id, stat])) as unknown as RTCStatsReport;
  }
}

const KBPS_300 = 300_000;

/** A call whose media flows at a steady rate both ways, sampled every 2 s on a fake clock. */
async function call() {
  const pc = new StatsConnection();
  const clock = { now: 0 };
  const statuses: NetworkStatus[] = [];
  const monitor = new NetworkMonitor(pc as unknown as RTCPeerConnection, (status) => statuses.push(status), { now: () => clock.now });
  await vi.advanceTimersByTimeAsync(0); // the reading the first interval starts from
  /** Media flows for `ms` at `bitsPerSecond` (100 packets a second), and the timers run meanwhile. */
  const flow = async (ms: number, bitsPerSecond = KBPS_300) => {
    for (let step = 0; step < ms; step += 10) {
      clock.now += 10;
      pc.pair.bytesSent += bitsPerSecond / 8 / 100;
      pc.pair.bytesReceived += bitsPerSecond / 8 / 100;
      pc.inbound.packetsReceived += 1;
      await vi.advanceTimersByTimeAsync(10);
    }
  };
  return { pc, clock, statuses, monitor, flow };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the network status between two periodic samples', () => {
  test('a reading a few ms after a periodic sample reports the last interval: not 0, not a spike', async () => {
    const { pc, clock, statuses, monitor, flow } = await call();
    await flow(2_000);
    expect(statuses).toHaveLength(1);

    // Chromium caches its statistics for a moment: a few ms later, nothing more was counted.
    clock.now += 5;
    const cached = await monitor.sample();
    expect(cached?.incomingBitrate).toBeCloseTo(KBPS_300, -3);
    expect(cached?.outgoingBitrate).toBeCloseTo(KBPS_300, -3);

    // Firefox counts one video frame that arrived in those few ms (12.8 Mbit/s over 5 ms).
    clock.now += 5;
    pc.pair.bytesReceived += 8_000;
    const burst = await monitor.sample();
    expect(burst?.incomingBitrate).toBeCloseTo(KBPS_300, -3);
    expect(burst?.quality).toBe('good');
    monitor.stop();
  });

  test('a second or more after the periodic sample, the rates are those of the time since', async () => {
    const { statuses, monitor, flow } = await call();
    await flow(2_000);
    await flow(1_500, 2 * KBPS_300);
    expect(statuses).toHaveLength(1);
    const status = await monitor.sample();
    expect(status?.incomingBitrate).toBeCloseTo(2 * KBPS_300, -3);
    // The next periodic sample still measures its interval whole, from the last periodic one.
    await flow(500, 2 * KBPS_300);
    expect(statuses).toHaveLength(2);
    expect(statuses[1]?.incomingBitrate).toBeCloseTo(2 * KBPS_300, -3);
    monitor.stop();
  });

  test('round-trip time, jitter and the path are read fresh', async () => {
    const { pc, clock, monitor, flow } = await call();
    await flow(2_000);
    pc.pair.currentRoundTripTime = 0.3;
    pc.inbound.jitter = 0.04;
    clock.now += 5;
    const status = await monitor.sample();
    expect(status).toMatchObject({ rttMs: 300, jitterMs: 40, quality: 'fair', localCandidateType: 'host', remoteCandidateType: 'srflx', relayed: false });
    monitor.stop();
  });

  test('in the first second of a connection, a reading waits until a second has passed', async () => {
    const { monitor, flow } = await call();
    await flow(100);
    let status: NetworkStatus | null | undefined;
    void monitor.sample().then((s) => (status = s));
    await vi.advanceTimersByTimeAsync(0);
    await flow(890);
    expect(status).toBeUndefined();
    await flow(20);
    expect(status?.incomingBitrate).toBeCloseTo(KBPS_300, -4);
    monitor.stop();
  });

  test.each([
    ['the old pair still listed (Firefox settling on another pair)', true],
    ['the old pair gone (an ICE restart)', false],
  ])('media moving to another candidate pair between samples is not silence: %s', async (_, keepOld) => {
    const { pc, statuses, monitor, flow } = await call();
    await flow(2_000);
    // The new pair's total (small) less the old one's (large) would be negative: nothing received.
    await flow(1_000);
    pc.switchPair('P2', { keepOld });
    await flow(1_000);
    expect(statuses).toHaveLength(2);
    expect(statuses[1]).toMatchObject({ quality: 'good' });
    // A pair that is gone takes its count since the last reading with it: half the interval here.
    const counted = keepOld ? KBPS_300 : KBPS_300 / 2;
    expect(statuses[1]!.incomingBitrate).toBeCloseTo(counted, -3);
    expect(statuses[1]!.outgoingBitrate).toBeCloseTo(counted, -3);
    // A reading right after that sample reports the same interval.
    expect((await monitor.sample())?.incomingBitrate).toBe(statuses[1]!.incomingBitrate);
    // And the next interval, all on the new pair, is whole.
    await flow(2_000);
    expect(statuses[2]!.incomingBitrate).toBeCloseTo(KBPS_300, -3);
    monitor.stop();
  });

  test('the first periodic status measures the interval from the connection', async () => {
    const { statuses, monitor, flow } = await call();
    await flow(2_000);
    expect(statuses[0]?.incomingBitrate).toBeCloseTo(KBPS_300, -3);
    monitor.stop();
  });
});
