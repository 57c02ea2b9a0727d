// A report for every call: two real Chromium pages hold a short call through a server that takes
// reports; at the hang-up both sides get `callReport` (and `getCallReport()`) with every figure
// present and sane, and the server's /metrics counts both.
import type { Page } from 'playwright-core';
import { beforeEach, describe, expect, it } from 'vitest';
import { packageVersion } from '../../server/paths.js';
import { browserSuite } from '../helpers/browser.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import { events, expectVideoFlowing, installHarness, run, waitForEvent } from '../helpers/harness.js';
import { uniqueRoom } from '../helpers/server.js';

const TOKEN = 'metrics-token-of-at-least-32-characters';
const suite = browserSuite({ metricsToken: TOKEN, callReports: true });

const fields = [
  'durationMs', 'setupMs', 'endReason', 'relayed', 'localCandidateType', 'remoteCandidateType', 'pathChanged', 'outages', 'longestOutageMs', 'recoveryMs',
  'iceRestarts', 'rttMs', 'packetLoss', 'jitterMs', 'bitrateIn', 'bitrateOut', 'videoWidth', 'videoHeight', 'framesPerSecond',
].sort();

async function page(roomId: string, peerName: string): Promise<Page> {
  const page = await suite.open(`${suite.server.url}/healthz`);
  await installHarness(page, packageVersion);
  await page.evaluate(([roomId, peerName]) => (window as any).T.create({ roomId, peerName }), [roomId, peerName] as const);
  // The moments a person would time: the call on screen, and the call gone.
  await run(page, `
    room.on('stateChange', ({ state }) => state === 'in-call' && (T.inCallAt ??= performance.now()));
    room.on('peerHangUp', () => (T.endedAt = performance.now()));
  `);
  return page;
}

async function metrics() {
  const response = await fetch(`${suite.server.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  return parsePrometheus(await response.text());
}

describe('a report for every call', () => {
  let alice: Page;
  let bob: Page;

  beforeEach(async () => {
    const roomId = uniqueRoom('report');
    alice = await page(roomId, 'Alice');
    bob = await page(roomId, 'Bob');
    await waitForEvent(alice, 'peerJoined');
  });

  it('after a short call and a hang-up, both sides get a report with every figure present and sane, and the server counts both', async () => {
    expect(await run(alice, 'return room.getCallReport();')).toBeNull();
    await run(alice, 'return room.joinRoom();');
    await Promise.all([expectVideoFlowing(alice), expectVideoFlowing(bob)]);
    // A few of the network monitor's samples, so that the figures have something to sum up.
    await Promise.all([waitForEvent(alice, 'networkStatus', 2), waitForEvent(bob, 'networkStatus', 2)]);

    await run(alice, 'T.endedAt = performance.now(); await room.leaveRoom();');
    await waitForEvent(bob, 'callReport');

    for (const [who, page, endReason] of [['Alice', alice, 'hang-up'], ['Bob', bob, 'peer-hang-up']] as const) {
      const reported = await events(page, 'callReport');
      expect(reported, who).toHaveLength(1);
      const report = reported[0]!.arg;
      expect(await run(page, 'return room.getCallReport();'), who).toEqual(report);
      expect(Object.keys(report).sort(), who).toEqual(fields);
      const measured = await run<number>(page, 'return T.endedAt - T.inCallAt;');
      expect(Math.abs(report.durationMs - measured), `${who}: ${report.durationMs} ms reported, ${measured} ms measured`).toBeLessThan(1_000);
      expect(report.setupMs, who).toBeGreaterThan(0);
      expect(report.setupMs, who).toBeLessThan(30_000);
      expect(report, who).toMatchObject({ endReason, relayed: false, localCandidateType: 'host', pathChanged: false, outages: 0, longestOutageMs: 0, recoveryMs: [], iceRestarts: 0 });
      expect(['host', 'srflx', 'prflx'], who).toContain(report.remoteCandidateType);
      for (const figure of ['rttMs', 'packetLoss', 'jitterMs', 'bitrateIn', 'bitrateOut', 'videoWidth', 'videoHeight', 'framesPerSecond']) {
        const { median, max } = report[figure] ?? {};
        expect(median, `${who}: ${figure}`).toBeGreaterThanOrEqual(0);
        expect(max, `${who}: ${figure}`).toBeGreaterThanOrEqual(median);
      }
      expect(report.packetLoss.max, who).toBeLessThanOrEqual(1);
      expect(report.rttMs.max, who).toBeLessThan(1_000);
      expect(report.bitrateIn.median, who).toBeGreaterThan(0);
      expect(report.bitrateOut.median, who).toBeGreaterThan(0);
      expect(report.videoWidth.median, who).toBeGreaterThan(0);
      expect(report.framesPerSecond.median, who).toBeGreaterThan(0);
      // Plain JSON, nothing that identifies the person or their network.
      expect(JSON.parse(JSON.stringify(report)), who).toEqual(report);
      expect(JSON.stringify(report), who).not.toMatch(/\d+\.\d+\.\d+\.\d+|[0-9a-f]{4}:[0-9a-f]{0,4}:|Alice|Bob/);
    }

    // Alice's report went out just before her goodbye; Bob's on his connection that goes on.
    await expect.poll(async () => sampleValue(await metrics(), 'cignal_call_reports_total', { path: 'direct', end_reason: 'hang-up' }), { timeout: 10_000 }).toBe(1);
    const after = await metrics();
    expect(sampleValue(after, 'cignal_call_reports_total', { path: 'direct', end_reason: 'peer-hang-up' })).toBe(1);
    expect(sampleValue(after, 'cignal_call_setup_seconds_count')).toBe(2);
    expect(sampleValue(after, 'cignal_call_rtt_seconds_count')).toBe(2);
  }, 60_000);
});
