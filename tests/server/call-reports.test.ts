// Call reports (CIGNAL_CALL_REPORTS): the join says whether the server takes them; taken ones move
// the /metrics histograms and counters; forged, oversized and too many are refused, counted, and
// leave the figures as they were; with reports off (or no metrics endpoint) every one is refused.
import { afterEach, describe, expect, test } from 'vitest';
import type { CallReport } from '../../sdk/protocol/index.js';
import { ConfigError, readConfig } from '../../server/config.js';
import { sampleValue, scrapeMetrics } from '../helpers/prometheus.js';
import { ask, closeAll, join, startServer, uniqueRoom, type TestServer } from '../helpers/server.js';

const TOKEN = 'metrics-token-of-at-least-32-characters';

const servers: TestServer[] = [];
afterEach(async () => {
  closeAll();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(config: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const server = await startServer({ metricsToken: TOKEN, callReports: true, ...config });
  servers.push(server);
  return server;
}

const scrape = (url: string) => scrapeMetrics(url, TOKEN);

/** The figures the report metrics show, to compare before and after. */
async function figures(url: string) {
  const metrics = await scrape(url);
  const value = (name: string, labels: Record<string, string> = {}) => sampleValue(metrics, name, labels);
  return {
    reports: value('cignal_call_reports_total', { path: 'direct', end_reason: 'hang-up' }),
    lost: value('cignal_call_reports_total', { path: 'relayed', end_reason: 'connection-lost' }),
    setupCount: value('cignal_call_setup_seconds_count'),
    setupSum: value('cignal_call_setup_seconds_sum'),
    recoveryCount: value('cignal_call_recovery_seconds_count'),
    recoverySum: value('cignal_call_recovery_seconds_sum'),
    rttCount: value('cignal_call_rtt_seconds_count'),
    rttSum: value('cignal_call_rtt_seconds_sum'),
    outages: value('cignal_call_outages_total'),
    restarts: value('cignal_call_ice_restarts_total'),
    refused: (reason: string) => value('cignal_call_reports_refused_total', { reason }),
  };
}

const report: CallReport = {
  durationMs: 42_000,
  setupMs: 850,
  endReason: 'hang-up',
  relayed: false,
  localCandidateType: 'host',
  remoteCandidateType: 'srflx',
  pathChanged: false,
  outages: 0,
  longestOutageMs: 0,
  recoveryMs: [],
  iceRestarts: 0,
  rttMs: { median: 40, max: 120 },
  packetLoss: { median: 0, max: 0.02 },
  jitterMs: { median: 3, max: 12 },
  bitrateIn: { median: 1_200_000, max: 1_500_000 },
  bitrateOut: { median: 1_100_000, max: 1_400_000 },
  videoWidth: { median: 640, max: 640 },
  videoHeight: { median: 480, max: 480 },
  framesPerSecond: { median: 30, max: 30 },
};

async function joined(url: string, peerId = 'alice') {
  return join(url, { roomId: uniqueRoom('reports'), peerId });
}

describe('with CIGNAL_CALL_REPORTS=true and the metrics endpoint on', () => {
  test('the join says reports are taken, and one report moves the histograms and counters by its figures', async () => {
    const { url } = await start();
    const { socket, joined: welcome } = await joined(url);
    expect(welcome.callReports).toBe(true);
    const before = await figures(url);
    expect(before).toMatchObject({ reports: 0, setupCount: 0, recoveryCount: 0, rttCount: 0, outages: 0 });

    expect(await ask(socket, 'callReport', report)).toEqual({ ok: true });
    const lost = { ...report, endReason: 'connection-lost', relayed: true, localCandidateType: 'relay', setupMs: 1_500, outages: 3, longestOutageMs: 9_000, recoveryMs: [2_000, 9_000], iceRestarts: 4 };
    expect(await ask(socket, 'callReport', lost)).toEqual({ ok: true });

    const after = await figures(url);
    expect(after.reports).toBe(1);
    expect(after.lost).toBe(1);
    expect(after.setupCount).toBe(2);
    expect(after.setupSum).toBeCloseTo(0.85 + 1.5);
    expect(after.rttCount).toBe(2);
    expect(after.rttSum).toBeCloseTo(0.08);
    // One observation per recovered outage; every outage counted.
    expect(after.recoveryCount).toBe(2);
    expect(after.recoverySum).toBeCloseTo(11);
    expect(after.outages).toBe(3);
    expect(after.restarts).toBe(4);
    expect(after.refused('invalid')).toBe(0);
  });

  test('forged reports (wrong types, out of range, extra fields, contradictions) and an oversized one are refused, counted, and change no figure', async () => {
    const { url } = await start();
    const { socket } = await joined(url);
    const before = await figures(url);

    const forged: unknown[] = [
      null,
      'report',
      [report],
      { ...report, durationMs: '42000' },
      { ...report, setupMs: -1 },
      { ...report, rttMs: { median: Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER } },
      { ...report, packetLoss: { median: 2, max: 2 } },
      { ...report, jitterMs: { median: 3, max: 12, min: 1 } },
      { ...report, bitrateIn: { median: Number.NaN, max: 1 } },
      { ...report, endReason: 'exploded' },
      { ...report, localCandidateType: '192.0.2.1' },
      { ...report, address: '192.0.2.1' },
      { ...report, outages: 1.5 },
      { ...report, rttMs: { median: 500, max: 40 } },
      { ...report, outages: 0, recoveryMs: [1_000], longestOutageMs: 1_000 },
      (({ durationMs: _, ...rest }) => rest)(report),
    ];
    for (const payload of forged) {
      const answer = await ask<{ ok: boolean; error?: { code: string } }>(socket, 'callReport', payload);
      expect(answer, JSON.stringify(payload)).toMatchObject({ ok: false, error: { code: 'invalid-payload' } });
    }
    const oversized = { ...report, recoveryMs: Array.from({ length: 5_000 }, () => 1) };
    expect(await ask(socket, 'callReport', oversized)).toMatchObject({ ok: false, error: { code: 'invalid-payload', message: expect.stringMatching(/at most 2048 bytes/) } });

    const after = await figures(url);
    expect(after.refused('invalid')).toBe(forged.length);
    expect(after.refused('too-large')).toBe(1);
    const { refused: _, ...unchanged } = after;
    const { refused: __, ...was } = before;
    expect(unchanged).toEqual(was);
    // The server goes on: a real report is still taken.
    expect(await ask(socket, 'callReport', report)).toEqual({ ok: true });
  });

  test('one connection sending report after report is rate-limited, counted, and the figures move no further', async () => {
    const { url } = await start();
    const { socket } = await joined(url);

    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await ask<{ ok: boolean; error?: { code: string } }>(socket, 'callReport', report));

    expect(answers.slice(0, 3)).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    for (const answer of answers.slice(3)) expect(answer).toMatchObject({ ok: false, error: { code: 'rate-limited' } });
    const after = await figures(url);
    expect(after.reports).toBe(3);
    expect(after.refused('rate-limited')).toBe(3);
  });
});

describe('without them', () => {
  test('with reports off, the join says so and a report is refused with unknown-event, in no figure', async () => {
    const { url } = await start({ callReports: false });
    const { socket, joined: welcome } = await joined(url);
    expect(welcome.callReports).toBe(false);

    expect(await ask(socket, 'callReport', report)).toMatchObject({ ok: false, error: { code: 'unknown-event' } });
    const metrics = await scrape(url);
    expect(sampleValue(metrics, 'cignal_call_reports_total')).toBeUndefined();
    expect(sampleValue(metrics, 'cignal_errors_total', { code: 'unknown-event' })).toBe(1);
  });

  test('with reports on but no metrics endpoint, the server takes none: they would go nowhere', async () => {
    const { url } = await start({ metricsToken: null });
    const { socket, joined: welcome } = await joined(url);
    expect(welcome.callReports).toBe(false);
    expect(await ask(socket, 'callReport', report)).toMatchObject({ ok: false, error: { code: 'unknown-event' } });
  });

  test('CIGNAL_CALL_REPORTS is read as true or false, and nothing else', () => {
    expect(readConfig({}).callReports).toBe(false);
    expect(readConfig({ CIGNAL_CALL_REPORTS: 'true' }).callReports).toBe(true);
    expect(() => readConfig({ CIGNAL_CALL_REPORTS: 'yes please' })).toThrow(ConfigError);
  });
});
