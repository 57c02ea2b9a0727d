// The bundle reaches its server by any address a page can have: an IPv6 literal (in brackets in
// the URL, without them in the socket's host), a name, a path below the origin.
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../server/paths.js';
import { browserSuite } from '../helpers/browser.js';
import { installHarness, waitForEvent } from '../helpers/harness.js';
import { uniqueRoom } from '../helpers/server.js';

// Listening on every address, IPv6 and IPv4.
const suite = browserSuite({ host: '::' });

describe('the server address', () => {
  it.each([
    ['an IPv6 literal', (port: string) => `http://[::1]:${port}`, '::1'],
    ['a host name', (port: string) => `http://localhost:${port}`, 'localhost'],
  ])('%s: both pages join, meet and exchange a message through the server', async (_, origin, hostname) => {
    const base = origin(new URL(suite.server.url).port);
    const roomId = uniqueRoom();
    const open = async () => {
      const page = await suite.open(`${base}/healthz`);
      await installHarness(page, packageVersion);
      return page;
    };
    const [a, b] = await Promise.all([open(), open()]);
    // The SDK's `url` given as written, brackets and all.
    await a.evaluate(([roomId, url]) => (window as any).T.create({ roomId, url }), [roomId, `${base}/`]);
    await b.evaluate((roomId) => (window as any).T.create({ roomId }), roomId);
    await waitForEvent(a, 'peerJoined');
    const port = new URL(suite.server.url).port;
    for (const page of [a, b]) {
      const engine = await page.evaluate(() => {
        const { engine } = (window as any).T.room.socket.io;
        return { hostname: engine.hostname, port: engine.port, secure: engine.secure };
      });
      expect(engine).toEqual({ hostname, port, secure: false });
    }
    expect(await a.evaluate(() => (window as any).T.room.inform('over the server'))).toEqual({ success: true });
    await waitForEvent(b, 'information');
  });
});
