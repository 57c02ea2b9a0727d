// Calls between Firefox and Chromium, and between two Firefoxes: the same SDK from the server's
// CDN route in each, decoded video and audio arriving on both sides.
import { describe, expect, it } from 'vitest';
import { mixedSuite, type BrowserName } from '../helpers/firefox.js';
import { events, expectAudioFlowing, startCall, state } from '../helpers/harness.js';
import { uniqueRoom } from '../helpers/server.js';

const suite = mixedSuite({ reconnectGraceMs: 2_000 });

const pairs: Array<[BrowserName, BrowserName]> = [
  ['chromium', 'firefox'],
  ['firefox', 'chromium'],
  ['firefox', 'firefox'],
];

describe('calls across browsers', () => {
  for (const [caller, callee] of pairs) {
    it(`${caller} calls ${callee}: decoded video and audio on both sides`, async () => {
      const [a, b] = await Promise.all([suite.open(caller), suite.open(callee)]);
      await startCall(a, b, uniqueRoom(`${caller}-${callee}`));
      await Promise.all([expectAudioFlowing(a), expectAudioFlowing(b)]);
      for (const page of [a, b]) {
        expect(await state(page)).toBe('in-call');
        expect(await events(page, 'remoteStream')).toHaveLength(1);
        expect(await events(page, 'clientError')).toEqual([]);
      }
    }, 60_000);
  }
});
