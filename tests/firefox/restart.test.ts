// ICE restarts between engines: `restartIce()` from either side, in calls started by either
// browser, ten in a row, each followed by new frames both ways. The DTLS roles of a call must
// not flip on a restart (only the side whose offer opened the call makes restart offers), and a
// restart that leaves media dead one way must not count as done.
import { describe, expect, it } from 'vitest';
import { mixedSuite, type BrowserName } from '../helpers/firefox.js';
import { events, framesBack, run, startCall, state, watchFrames, type TestPage } from '../helpers/harness.js';
import { uniqueRoom } from '../helpers/server.js';

const suite = mixedSuite({ reconnectGraceMs: 2_000 });
const RESTARTS = Number(process.env.RESTARTS ?? 10);

const codes = async (page: TestPage, name: string) => (await events(page, name)).map((e) => e.arg.code);

describe('ICE restarts across browsers', () => {
  for (const [caller, callee] of [['chromium', 'firefox'], ['firefox', 'chromium']] as Array<[BrowserName, BrowserName]>) {
    for (const restarter of ['caller', 'callee'] as const) {
      const who = restarter === 'caller' ? caller : callee;
      it(`${caller} calls ${callee}; ${who} (the ${restarter}) restarts ICE ${RESTARTS} times: frames both ways after each`, async () => {
        const [a, b] = await Promise.all([suite.open(caller), suite.open(callee)]);
        await startCall(a, b, uniqueRoom('restart'));
        await Promise.all([watchFrames(a), watchFrames(b)]);
        const restarting = restarter === 'caller' ? a : b;
        for (let i = 0; i < RESTARTS; i++) {
          const result = await run(restarting, 'return room.restartIce();');
          expect(result, `restart ${i + 1}`).toEqual({ success: true });
          await Promise.all([framesBack(a, 10_000, caller), framesBack(b, 10_000, callee)]);
        }
        for (const page of [a, b]) {
          expect(await state(page)).toBe('in-call');
          expect(await codes(page, 'clientError')).toEqual([]);
          expect(await codes(page, 'serverError')).toEqual([]);
        }
      }, 60_000 + RESTARTS * 15_000);
    }
  }
});
