// TURN against a real coturn: refused credentials reported within seconds while the call goes on
// over direct paths, a relay-only call that really is relayed on both sides, and a relay-only call
// asked of a server without TURN refused at once.
import { createServer, type AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../../server/paths.js';
import type { ServerConfig } from '../../server/config.js';
import { launchBrowser, openPage } from '../helpers/browser.js';
import { events, expectVideoFlowing, installHarness, run, waitForEvent } from '../helpers/harness.js';
import { startServer, uniqueRoom, type TestServer } from '../helpers/server.js';
import { startTurn, type TurnServer } from '../helpers/turn.js';

let turn: TurnServer;
let browser: Browser;
const servers: TestServer[] = [];
let contexts: BrowserContext[] = [];

beforeAll(async () => {
  [turn, browser] = await Promise.all([startTurn(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((server) => server.close()));
  await turn?.stop();
});
afterEach(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  contexts = [];
});

async function server(config: Partial<ServerConfig>): Promise<TestServer> {
  const started = await startServer({ reconnectGraceMs: 30_000, ...config });
  servers.push(started);
  return started;
}

async function page(at: TestServer): Promise<Page> {
  const { context, page } = await openPage(browser, `${at.url}/healthz`);
  contexts.push(context);
  await installHarness(page, packageVersion);
  return page;
}

/** Two pages in one room, B's arrival heard by A. */
async function pair(at: TestServer, options: Record<string, unknown> = {}): Promise<[Page, Page]> {
  const [a, b] = await Promise.all([page(at), page(at)]);
  const roomId = uniqueRoom('turn');
  await a.evaluate((o) => (window as any).T.create(o), { roomId, peerName: 'A', ...options });
  await b.evaluate((o) => (window as any).T.create(o), { roomId, peerName: 'B', ...options });
  await waitForEvent(a, 'peerJoined');
  return [a, b];
}

/** A loopback port that nothing listens on (it was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The candidate types of the pair the page's connection selected. */
const selectedPair = (p: Page) =>
  run<{ local: string; remote: string } | null>(p, `
    const stats = await room.pc.getStats();
    let pair = null;
    stats.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId); });
    return pair && { local: stats.get(pair.localCandidateId).candidateType, remote: stats.get(pair.remoteCandidateId).candidateType };
  `);

describe('TURN', () => {
  it('a server minting credentials with the wrong secret: turn-unauthorized within 5 s of the call starting, and the call connects over direct paths', async () => {
    const wrong = await server({ turn: { secret: 'not-the-turn-secret', urls: turn.urls, ttlSeconds: 600 } });
    const [a, b] = await pair(wrong);
    const elapsed = await run<number>(a, `
      const start = performance.now();
      const refused = new Promise((resolve) => room.on('clientError', (e) => e.code === 'turn-unauthorized' && resolve(performance.now() - start)));
      await room.joinRoom();
      return refused;
    `);
    expect(elapsed).toBeLessThan(5_000);
    const [error] = await events(a, 'clientError');
    expect(error!.arg).toMatchObject({ code: 'turn-unauthorized', reason: 'The TURN server refused the credentials' });
    await Promise.all([expectVideoFlowing(a), expectVideoFlowing(b)]);
    expect(await selectedPair(a)).toEqual({ local: 'host', remote: expect.stringMatching(/^(host|prflx)$/) });
    // Once per peer connection, whatever the number of URLs refused.
    expect((await events(a, 'clientError')).filter((e) => e.arg.code === 'turn-unauthorized')).toHaveLength(1);
  }, 60_000);

  it('a TURN server that cannot be reached: turn-unreachable once gathering has ended without a relayed candidate, and the call connects directly', async () => {
    // A port nothing listens on: over TCP the connection is refused at once.
    const closed = await server({ turn: { secret: turn.secret, urls: [`turn:127.0.0.1:${await closedPort()}?transport=tcp`], ttlSeconds: 600 } });
    const [a, b] = await pair(closed);
    await run(a, 'await room.joinRoom();');
    await waitForEvent(a, 'clientError');
    expect((await events(a, 'clientError')).map((e) => e.arg)).toEqual([{ code: 'turn-unreachable', reason: 'The TURN server could not be reached', message: 'The TURN server could not be reached' }]);
    await Promise.all([expectVideoFlowing(a), expectVideoFlowing(b)]);
  }, 60_000);

  it('a relay-only call through a TURN server that cannot be reached ends with turn-unreachable, not a wait for candidates', async () => {
    const closed = await server({ turn: { secret: turn.secret, urls: [`turn:127.0.0.1:${await closedPort()}?transport=tcp`], ttlSeconds: 600 } });
    const [a] = await pair(closed, { iceTransportPolicy: 'relay' });
    await run(a, 'await room.joinRoom();');
    await waitForEvent(a, 'clientError');
    await expect.poll(() => run(a, 'return room.pc === null && room.state;')).toBe('ready');
    expect((await events(a, 'clientError')).map((e) => e.arg.code)).toEqual(['turn-unreachable']);
  }, 60_000);

  it('a relay-only call through the right secret: both sides use a relayed candidate pair', async () => {
    const right = await server({ turn: { secret: turn.secret, urls: turn.urls, ttlSeconds: 600 } });
    const [a, b] = await pair(right, { iceTransportPolicy: 'relay' });
    await run(a, 'await room.joinRoom();');
    await Promise.all([expectVideoFlowing(a), expectVideoFlowing(b)]);
    for (const p of [a, b]) {
      const selected = await selectedPair(p);
      expect(selected).not.toBeNull();
      expect([selected!.local, selected!.remote]).toContain('relay');
      // Relay-only: this side offered nothing but relayed candidates.
      expect(selected!.local).toBe('relay');
    }
    expect(await events(a, 'clientError')).toEqual([]);
    expect(await events(b, 'clientError')).toEqual([]);
  }, 60_000);

  it('a relay-only call with refused credentials ends the attempt with turn-unauthorized at once instead of waiting for candidates', async () => {
    const wrong = await server({ turn: { secret: 'not-the-turn-secret', urls: turn.urls, ttlSeconds: 600 } });
    const [a] = await pair(wrong, { iceTransportPolicy: 'relay' });
    const elapsed = await run<number>(a, `
      const start = performance.now();
      const ended = new Promise((resolve) => room.on('clientError', (e) => e.code === 'turn-unauthorized' && resolve(performance.now() - start)));
      await room.joinRoom();
      return ended;
    `);
    expect(elapsed).toBeLessThan(5_000);
    // The attempt is over: no connection left, ready to call again; no "could not gather" after it.
    await expect.poll(() => run(a, 'return room.pc === null && room.state;')).toBe('ready');
    expect((await events(a, 'clientError')).map((e) => e.arg.code)).toEqual(['turn-unauthorized']);
  }, 60_000);

  it('a relay-only call where the server offers no TURN server fails at once with relay-unavailable, before any offer', async () => {
    const none = await server({ turn: null, iceServers: [{ urls: 'stun:127.0.0.1:3478' }] });
    const [a, b] = await pair(none, { iceTransportPolicy: 'relay' });
    expect(await run(a, 'return room.joinRoom();')).toEqual({ success: false });
    const [error] = await events(a, 'clientError');
    expect(error!.arg).toMatchObject({ code: 'relay-unavailable', reason: 'Relay-only calls need a TURN server; this server offers none' });
    // No peer connection, no offer: the other side heard nothing of a call.
    expect(await run(a, 'return room.pc === null && room.state;')).toBe('ready');
    expect(await events(b, 'offerReceived')).toEqual([]);
  }, 30_000);

  it('iceTransportPolicy is checked', async () => {
    const p = await page(await server({}));
    const message = await run<string>(p, `try { await T.Cignal.createRoom({ iceTransportPolicy: 'none' }); } catch (e) { return e.code + ': ' + e.message; }`);
    expect(message).toBe("invalid-argument: iceTransportPolicy must be 'all' or 'relay'");
  });
});
