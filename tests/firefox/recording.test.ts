// Recording with consent between Firefox and Chromium: the request and the answer cross browsers
// over the call's data channel, and either browser makes the file. Firefox records a call with
// Chromium, then Chromium the same call, each a WebM file with the picture and both voices that
// ffprobe reads back with the length recorded. A Firefox that cannot play sound (this machine's,
// without the fake sound output the suite's Firefoxes have) records the picture alone.
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../server/paths.js';
import { launchFirefox, mixedSuite } from '../helpers/firefox.js';
import { events, installHarness, run, startCall, type TestPage } from '../helpers/harness.js';
import { probeRecording, recordFor } from '../helpers/recording.js';
import { uniqueRoom } from '../helpers/server.js';

const suite = mixedSuite({ reconnectGraceMs: 2_000 });

const states = async (page: TestPage) => (await events(page, 'recordingState')).map((e) => e.arg.state);

describe('recording across browsers', () => {
  it('Firefox records a call with Chromium after its yes, and Chromium the same call after Firefox says yes', async () => {
    const [firefox, chromium] = await Promise.all([suite.open('firefox'), suite.open('chromium')]);
    await startCall(firefox, chromium, uniqueRoom('rec'));

    for (const [recorder, other] of [
      [firefox, chromium],
      [chromium, firefox],
    ]) {
      await recordFor(recorder!, other!, 2000);
      const file = await probeRecording(recorder!);
      const recordedMs = await run<number>(recorder!, 'return T.recordedMs;');
      expect(file.mimeType).toMatch(/^video\/webm/);
      expect(file.streams.map((s) => s.type).sort()).toEqual(['audio', 'video']);
      expect(['vp8', 'vp9']).toContain(file.streams.find((s) => s.type === 'video')!.codec);
      expect(file.streams.find((s) => s.type === 'audio')!.codec).toBe('opus');
      // All the time shown as recorded, and as long as the recorder measured from its start.
      expect(file.durationMs).toBeGreaterThanOrEqual(recordedMs);
      expect(Math.abs(file.durationS * 1000 - file.durationMs)).toBeLessThan(1000);
    }
    // Each made one file, its own.
    for (const page of [firefox, chromium]) expect(await events(page, 'recording')).toHaveLength(1);
    expect(await states(firefox)).toEqual(['asked', 'recording', 'stopped', 'asked', 'recording', 'stopped']);
    expect(await states(chromium)).toEqual(['asked', 'recording', 'stopped', 'asked', 'recording', 'stopped']);
  }, 90_000);

  it('a Firefox without a sound output records the picture alone, and says so', async () => {
    const silent = await launchFirefox({ prefs: { 'media.cubeb.force_mock_context': false } });
    try {
      const firefox = silent.page;
      await firefox.goto(`${suite.server.url}/healthz`);
      await installHarness(firefox, packageVersion);
      const warnings: string[] = [];
      firefox.page.on('console', (message) => message.type() === 'warn' && warnings.push(message.text()));
      await run(firefox, "localStorage.debug = 'cignal-client:WARN:*';");
      const chromium = await suite.open('chromium');
      await startCall(firefox, chromium, uniqueRoom('rec-silent'));
      await recordFor(firefox, chromium, 1500);
      const file = await probeRecording(firefox);
      expect(file.streams.map((s) => s.type)).toEqual(['video']);
      expect(file.durationS).toBeGreaterThan(1);
      expect(warnings.join('\n')).toContain('recording the picture only');
    } finally {
      await silent.close();
    }
  }, 90_000);
});
