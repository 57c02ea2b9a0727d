// A call between two pages held by two different Cignal servers that share one Redis: real
// server processes, a real redis-server, real Chromium pages with decoded video.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../../server/paths.js';
import { launchBrowser, openPage } from '../helpers/browser.js';
import { closeAllProxies, startNode, startProxy, stopAllNodes, type Node } from '../helpers/cluster.js';
import { callBetween, events, expectVideoFlowing, framesBack, installHarness, state, watchFrames } from '../helpers/harness.js';
import { startRedis, stopAllRedis } from '../helpers/redis.js';
import { uniqueRoom } from '../helpers/server.js';

let browser: Browser;
let contexts: BrowserContext[] = [];
let one: Node;
let two: Node;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
  await closeAllProxies();
  await stopAllNodes();
  await stopAllRedis();
});

async function cluster(): Promise<void> {
  const redis = await startRedis();
  const env = { REDIS_URL: redis.url, CIGNAL_RECONNECT_GRACE_MS: '10000' };
  [one, two] = await Promise.all([startNode(env), startNode(env)]);
}

/** A page of `origin` with the harness installed: its SDK talks to that origin. */
async function pageOn(origin: string): Promise<Page> {
  const { context, page } = await openPage(browser, `${origin}/healthz`);
  contexts.push(context);
  await installHarness(page, packageVersion);
  return page;
}

describe('a call across two servers of a cluster', () => {
  it('a page on one server and a page on the other see each other: decoded video both ways', async () => {
    await cluster();
    const origins = [one.url, two.url];
    const [a, b] = await callBetween(() => pageOn(origins.shift()!), uniqueRoom('cluster'));

    const [seenByA, seenByB] = await Promise.all([expectVideoFlowing(a), expectVideoFlowing(b)]);
    expect(seenByA.width).toBeGreaterThan(0);
    expect(seenByB.width).toBeGreaterThan(0);
    expect([await state(a), await state(b)]).toEqual(['in-call', 'in-call']);
  });

  it('stopping the server of one side mid-call moves that side to the other server, and the call goes on', async () => {
    await cluster();
    // The first page reaches the cluster through a balancer that sends it to the first server.
    const balancer = await startProxy(one.port);
    const origins = [balancer.url, two.url];
    const [a, b] = await callBetween(() => pageOn(origins.shift()!), uniqueRoom('rolling'));
    await Promise.all([watchFrames(a), watchFrames(b)]);

    const before = await a.evaluate(() => (window as any).T.room.socket.id as string);
    balancer.pointAt(two.port);
    expect(await one.stop('SIGTERM')).toBe(0);
    // The moved side's socket is back, through the balancer, on the other server.
    await a.waitForFunction((before) => {
      const socket = (window as any).T.room.socket;
      return socket.connected === true && socket.id !== before;
    }, before, { timeout: 20_000 });
    await Promise.all([framesBack(a, 20_000, 'the moved side'), framesBack(b, 20_000, 'the other side')]);
    // Its peer was never told anyone left or came: the seat moved with it.
    expect(await events(b, 'peerHangUp')).toEqual([]);
    expect(await events(b, 'peerJoined')).toHaveLength(1);
    expect(await events(a, 'serverError')).toEqual([]);
    expect([await state(a), await state(b)]).toEqual(['in-call', 'in-call']);
  });
});
