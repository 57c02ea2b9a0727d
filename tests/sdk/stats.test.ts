// The network monitor on its own, over a peer connection whose statistics the test writes and a
// fake clock: what getNetworkStatus() reports when it is called between two periodic samples.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { NetworkMonitor, type NetworkStatus } from '../../sdk/stats.js';

/** The part of RTCPeerConnection the monitor reads: its states and a statistics report. */
class StatsConnection {
  connectionState: RTCPeerConnectionState = 'connected';
  iceConnectionState: RTCIceConnectionState = 'connected';
  readonly pair = { bytesSent: 0, bytesReceived: 0, currentRoundTripTime: 0.04 };
  readonly inbound = { packetsReceived: 0, packetsLost: 0, jitter: 0.005 };

  async getStats(): Promise<RTCStatsReport> {
    const stats = [
      { id: 'T', type: 'transport', selectedCandidatePairId: 'P' },
      { id: 'P', type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', state: 'succeeded', nominated: true, ...this.pair },
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

  test('the first periodic status measures the interval from the connection', async () => {
    const { statuses, monitor, flow } = await call();
    await flow(2_000);
    expect(statuses[0]?.incomingBitrate).toBeCloseTo(KBPS_300, -3);
    monitor.stop();
  });
});
