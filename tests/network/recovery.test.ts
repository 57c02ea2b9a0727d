// Calls that do not drop, on a real network: the server, Alice's Chromium and Bob's Chromium each
// in a network namespace of their own on one bridge (tests/helpers/netns.ts), the call's media
// taking their own addresses. The tests cut Alice's link, move her to another address, restart
// the server gracefully and by a crash, and cut a device off for good, and watch what both people
// would see: decoded video, states, events.
import { formatWithOptions } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { packageVersion } from '../../server/paths.js';
import { openPage } from '../helpers/browser.js';
import { callBetween, events, framesBack as framesBackOf, installHarness, run, stalled, state, watchFrames } from '../helpers/harness.js';
import { createNetwork, launchBrowserIn, netnsUnavailable, startServerIn, type Host, type Network, type NetnsServer } from '../helpers/netns.js';
import { uniqueRoom } from '../helpers/server.js';

const unavailable = netnsUnavailable();
if (unavailable) console.warn(`[netns] skipping the real-network tests: ${unavailable}`);

/** Which page is whose, for messages. */
const pageOf: { alice?: Page; bob?: Page } = {};
const framesBack = (page: Page, timeout: number) => framesBackOf(page, timeout, page === pageOf.alice ? 'Alice' : 'Bob');

/** The local and remote candidates of the pair the call's media takes: `host 10.213.1.11:40000`. */
function mediaPath(page: Page): Promise<{ local?: string; remote?: string }> {
  return run(page, `
    const stats = await room.pc.getStats();
    let pair;
    stats.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId); });
    const describe = (id) => { const c = id && stats.get(id); return c && c.candidateType + ' ' + c.address + ':' + c.port; };
    return { local: describe(pair?.localCandidateId), remote: describe(pair?.remoteCandidateId) };
  `);
}

const names = async (page: Page, ...wanted: string[]) => (await events(page)).map((e) => e.name).filter((name) => wanted.includes(name));
const states = async (page: Page) => (await events(page, 'stateChange')).map((e) => e.arg.state);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(unavailable !== null)('calls that do not drop, on a real network', () => {
  let net: Network;
  let server: NetnsServer;
  let quickServer: NetnsServer;
  let secureOrigins: string[];
  let alice: Host;
  let bob: Host;
  let browsers: Browser[] = [];
  const pages: Page[] = [];

  beforeAll(async () => {
    net = await createNetwork();
    const serverHost = await net.addHost('server');
    alice = await net.addHost('alice');
    bob = await net.addHost('bob');
    // Longer than the longest outage here: a peer away that long keeps its seat.
    server = await startServerIn(serverHost, { CIGNAL_RECONNECT_GRACE_MS: '60000' });
    quickServer = await startServerIn(await net.addHost('quick'), { CIGNAL_RECONNECT_GRACE_MS: '2000' });
    secureOrigins = [server.url, quickServer.url];
    browsers = await Promise.all([alice, bob].map((host) => launchBrowserIn(host, { secureOrigins })));
  });

  // A test that fails on a busy machine prints what each side's SDK logged, to be told from a hang;
  // so does one slower than the figures or than usual (`slower`), and every test with
  // NETNS_LOG=1.
  const logs = new Map<Page, string[]>();
  let printLogs = false;
  /** Notes a time over what a call should take (not a failure: a loaded machine is slower). */
  function slower(ms: number, expectedMs: number, what: string) {
    if (ms <= expectedMs) return;
    console.log(`[netns] ${what} took ${ms} ms, more than ${expectedMs} ms: logs follow`);
    printLogs = true;
  }
  function recordLog(page: Page) {
    const lines: string[] = [];
    logs.set(page, lines);
    page.on('console', (message) => {
      const at = lines.push(`${new Date().toISOString().slice(14, 23)} ${message.text()}`) - 1;
      // The SDK logs with format strings (%s, %o): formatted here, in place.
      void Promise.all(message.args().map((arg) => arg.jsonValue().catch(() => '?')))
        .then(([format, ...args]) => typeof format === 'string' && (lines[at] = `${lines[at]!.slice(0, 9)} ${formatWithOptions({ breakLength: Infinity }, format, ...args)}`))
        .catch(() => {});
    });
    return page.evaluate(() => localStorage.setItem('debug', 'cignal-client:*'));
  }

  beforeEach(({ onTestFinished }) => {
    logs.clear();
    printLogs = !!process.env.NETNS_LOG;
    onTestFinished(({ task }) => {
      if (!printLogs && task.result?.state !== 'fail') return;
      for (const [who, page] of Object.entries(pageOf)) if (page) console.log(`[netns] ${who}'s log:\n${logs.get(page)?.join('\n')}`);
    });
  });

  afterEach(async () => {
    await Promise.all(pages.splice(0).map((page) => page.context().close().catch(() => {})));
    // A test that failed midway leaves nothing cut for the next one.
    await Promise.all([alice, bob].map((host) => host?.linkUp().catch(() => {})));
  });

  afterAll(async () => {
    await Promise.all(browsers.map((browser) => browser.close().catch(() => {})));
    await Promise.all([server, quickServer].map((s) => s?.stop().catch(() => {})));
    await net?.destroy();
  });

  /** A call between a page in Alice's browser and one in Bob's, video flowing both ways. */
  async function call(on = server, options: Record<string, unknown> = {}, each?: [Record<string, unknown>, Record<string, unknown>]): Promise<[Page, Page]> {
    const queue = [...browsers];
    const open = async () => {
      const { page } = await openPage(queue.shift()!, `${on.url}/healthz`);
      await recordLog(page);
      await installHarness(page, packageVersion);
      pages.push(page);
      return page;
    };
    const [a, b] = await callBetween(open, uniqueRoom('net'), options, each);
    [pageOf.alice, pageOf.bob] = [a, b];
    await Promise.all([watchFrames(a), watchFrames(b)]);
    return [a, b];
  }

  /** What must not happen in any of these: an error, or the other person reported gone. */
  async function expectNothingReported(a: Page, b: Page) {
    for (const page of [a, b]) expect(await names(page, 'peerHangUp', 'clientError', 'serverError')).toEqual([]);
  }

  it("carries a call whose media takes the namespaces' own addresses, over the bridge", async () => {
    const [a, b] = await call();
    const [pathA, pathB] = await Promise.all([mediaPath(a), mediaPath(b)]);
    console.log(`[netns] media path: Alice ${pathA.local} -> ${pathA.remote}; Bob ${pathB.local} -> ${pathB.remote}`);
    expect(pathA.local).toContain(alice.address);
    expect(pathA.remote).toContain(bob.address);
    expect(pathB.local).toContain(bob.address);
  }, 60_000);

  for (const seconds of [4, 40]) {
    it(`both paths cut for ${seconds} s: the call comes back by itself, and a message and data sent meanwhile arrive once`, async () => {
      // Alice is the polite side (the larger peer id): back online, her ICE restart yields to
      // Bob's, whose offers during the outage went to a server connection not yet known dead.
      const [a, b] = await call(server, {}, [{ peerId: `z${uniqueRoom('alice')}` }, { peerId: `a${uniqueRoom('bob')}` }]);
      await alice.linkDown();
      await Promise.all([stalled(a), stalled(b)]);
      const sent = run(a, `return (await room.inform({ during: 'the outage' })).success;`);
      const data = run(a, `return (await room.sendData('data sent during the outage')).success;`);
      await sleep(seconds * 1_000);
      await alice.linkUp();
      // The issue asks for 3 s (what `slower` notes); the bound leaves room for a loaded machine.
      const [msA, msB] = await Promise.all([framesBack(a, 5_000), framesBack(b, 5_000)]);
      console.log(`[netns] ${seconds} s outage: video back ${msA} ms (Alice) / ${msB} ms (Bob) after the network returned`);
      slower(Math.max(msA, msB), 3_000, 'video back after the outage');
      expect(await sent).toBe(true);
      await expect.poll(() => events(b, 'information'), { timeout: 10_000 }).toHaveLength(1);
      expect((await events(b, 'information'))[0]!.arg).toEqual({ during: 'the outage' });
      expect(await data).toBe(true);
      expect((await events(b, 'dataReceived')).map((e) => e.arg)).toEqual(['data sent during the outage']);
      for (const page of [a, b]) await expect.poll(() => state(page), { timeout: 10_000 }).toBe('in-call');
      await expectNothingReported(a, b);
      // While the picture was frozen, each side said the call was being restored, whether or not
      // ICE noticed an outage this short: then the call was on again.
      for (const page of [a, b]) expect((await states(page)).slice(-2)).toEqual(['reconnecting', 'in-call']);
    }, 120_000);
  }

  it('the call report counts a 4 s outage and how long it took to recover, on both sides', async () => {
    const [a, b] = await call(server, {}, [{ peerId: `z${uniqueRoom('alice')}` }, { peerId: `a${uniqueRoom('bob')}` }]);
    await alice.linkDown();
    const down = Date.now();
    await Promise.all([stalled(a), stalled(b)]);
    await sleep(4_000);
    await alice.linkUp();
    const downMs = Date.now() - down;
    await Promise.all([framesBack(a, 5_000), framesBack(b, 5_000)]);
    for (const page of [a, b]) await expect.poll(() => state(page), { timeout: 10_000 }).toBe('in-call');

    await run(a, 'await room.leaveRoom();');
    await expect.poll(() => events(b, 'callReport'), { timeout: 10_000 }).toHaveLength(1);
    for (const [who, page] of [['Alice', a], ['Bob', b]] as const) {
      const report = (await events(page, 'callReport'))[0]!.arg;
      console.log(`[netns] ${who}'s report after a ${downMs} ms outage: ${report.outages} outage(s), recovered in ${report.recoveryMs.join(', ')} ms`);
      expect(report.outages, who).toBeGreaterThanOrEqual(1);
      expect(report.recoveryMs, who).toHaveLength(report.outages);
      // Media is missed from a little after the link went down until a little after it came back.
      for (const ms of report.recoveryMs) expect(ms, who).toBeGreaterThan(0);
      const total = report.recoveryMs.reduce((sum: number, ms: number) => sum + ms, 0);
      expect(total, who).toBeLessThan(downMs + 5_000);
      expect(report.longestOutageMs, who).toBe(Math.max(...report.recoveryMs));
      expect(report.endReason, who).toBe(who === 'Alice' ? 'hang-up' : 'peer-hang-up');
    }
  }, 120_000);

  it("one peer's address changes mid-call (Wi-Fi to cellular): video again within seconds", async () => {
    const [a, b] = await call();
    const { from, to } = await alice.changeAddress();
    const changed = Date.now();
    // The frames already on their way play out first; a call that restarts quickly enough may
    // never stop at all.
    const stopped = await Promise.all([a, b].map((page) => stalled(page, 300, 3_000).then(() => true, () => false)));
    await Promise.all([framesBack(a, 15_000), framesBack(b, 15_000)]);
    console.log(`[netns] address ${from} -> ${to}: video ${stopped.some(Boolean) ? 'stopped and' : 'never stopped, and'} flowed again ${Date.now() - changed} ms after the change`);
    slower(Date.now() - changed, 5_000, 'video back after the address change');
    await expectNothingReported(a, b);
    await alice.changeAddress(from);
    await Promise.all([framesBack(a, 15_000), framesBack(b, 15_000)]);
  }, 90_000);

  it('after an ICE restart, a path that ICE calls connected carries nothing one way: the recovery ladder restarts ICE again, and video is back', async () => {
    const [a, b] = await call();
    expect(await run(a, 'return (await room.restartIce()).success;')).toBe(true);
    await Promise.all([framesBack(a, 10_000), framesBack(b, 10_000)]);
    const ufrag = () => run<string>(a, 'return /a=ice-ufrag:(\\S+)/.exec(room.pc.localDescription.sdp)[1];');
    const before = await ufrag();
    // Watch Alice's ICE state from here on: it must never hear of the fault.
    await run(a, "T.ice = []; room.pc.addEventListener('iceconnectionstatechange', () => T.ice.push(room.pc.iceConnectionState));");
    // What Bob sends on the path in use stops arriving, but for ICE's checks.
    const port = Number((await mediaPath(b)).local?.split(':').pop());
    expect(port).toBeGreaterThan(0);
    await bob.silence(port);
    const silenced = Date.now();
    try {
      await stalled(a);
      const ms = await framesBack(a, 20_000);
      console.log(`[netns] one-way path: video back ${Date.now() - silenced} ms after Bob's media stopped (${ms} ms after Alice's picture froze)`);
    } finally {
      await bob.unsilence();
    }
    await framesBack(b, 10_000);
    // ICE said connected all along; the ladder's restart moved the call to a new path.
    expect(await run(a, 'return T.ice.filter((s) => s === "disconnected" || s === "failed");')).toEqual([]);
    expect(await ufrag()).not.toBe(before);
    expect((await states(a)).slice(-2)).toEqual(['reconnecting', 'in-call']);
    await expectNothingReported(a, b);
  }, 90_000);

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`the server is restarted mid-call (${signal}): the video never stops, both rejoin, and an ICE restart works after`, async () => {
      const [a, b] = await call();
      // Gaps from the start of the call (its first seconds, as the encoder ramps up) do not count.
      for (const page of [a, b]) await run(page, 'T.gap.max = 0;');
      await server.stop(signal);
      await server.restart();
      for (const page of [a, b]) await expect.poll(() => names(page, 'reconnected'), { timeout: 20_000 }).toEqual(['reconnected']);
      for (const page of [a, b]) expect(await state(page)).toBe('in-call');
      // The longest wait for a frame from the stop until both were back in the room.
      const gaps = await Promise.all([a, b].map((page) => run<number>(page, 'return Math.max(T.gap.max, performance.now() - T.gap.last);')));
      console.log(`[netns] server ${signal}: longest gap between frames ${gaps.map(Math.round).join(' / ')} ms`);
      slower(Math.round(Math.max(...gaps)), 400, 'the longest gap between frames during the restart');
      for (const gap of gaps) expect(gap).toBeLessThan(1_000);
      // Signals go through the new server between the two again: an ICE restart completes.
      expect(await run(a, 'return (await room.restartIce()).success;')).toBe(true);
      await Promise.all([framesBack(a, 10_000), framesBack(b, 10_000)]);
      await expectNothingReported(a, b);
    }, 90_000);
  }

  it('away for longer than the seat is held: the other side is told, and a new call starts by itself on the return', async () => {
    const [a, b] = await call(quickServer);
    await alice.linkDown();
    await Promise.all([stalled(a), stalled(b)]);
    // Bob's server holds Alice's seat for 2 s after it notices the drop: wait until it gave up.
    await expect.poll(() => events(b, 'peerHangUp'), { timeout: 60_000, interval: 200 }).toHaveLength(1);
    expect((await events(b, 'peerHangUp'))[0]!.arg).toMatchObject({ reason: 'dropped' });
    await alice.linkUp();
    for (const page of [a, b]) await expect.poll(() => state(page), { timeout: 30_000 }).toBe('in-call');
    await Promise.all([framesBack(a, 20_000), framesBack(b, 20_000)]);
    expect(await names(a, 'clientError', 'serverError')).toEqual([]);
  }, 120_000);

  it('past the recovery bound the call ends with connection-lost, and the room takes a new call', async () => {
    const [a, b] = await call(server, { recovery: { maxOutageMs: 10_000 } });
    await alice.linkDown();
    for (const page of [a, b]) {
      await expect.poll(async () => (await events(page, 'clientError')).map((e) => e.arg.code), { timeout: 30_000 }).toContain('connection-lost');
    }
    await alice.linkUp();
    // Both are still in the room (Alice once her connection to the server is back): a new call connects.
    await expect.poll(() => names(a, 'reconnected'), { timeout: 20_000 }).toEqual(['reconnected']);
    for (const page of [a, b]) expect(await state(page)).toBe('ready');
    expect(await run(a, 'return (await room.joinRoom()).success;')).toBe(true);
    for (const page of [a, b]) await expect.poll(() => state(page), { timeout: 20_000 }).toBe('in-call');
    expect(await names(b, 'peerHangUp')).toEqual([]);
  }, 90_000);

  it('a server that does not come back within the bound is reported unreachable', async () => {
    const [a] = await call(quickServer, { recovery: { maxOutageMs: 3_000 } });
    await quickServer.stop('SIGKILL');
    try {
      await expect.poll(async () => (await events(a, 'serverError')).map((e) => e.arg.code), { timeout: 30_000 }).toEqual(['server-unreachable']);
      expect(await state(a)).toBe('error');
    } finally {
      await quickServer.restart();
    }
  }, 60_000);

  it('a peer that goes away for good (its device loses power: no goodbye) is reported dropped after the grace period', async () => {
    // On the server with a short grace period, so that the test need not wait a minute.
    const [a] = await call(quickServer);
    bob.killAll();
    browsers[1] = await launchBrowserIn(bob, { secureOrigins });
    await expect.poll(() => events(a, 'peerHangUp'), { timeout: 30_000, interval: 200 }).toHaveLength(1);
    expect((await events(a, 'peerHangUp'))[0]!.arg).toMatchObject({ reason: 'dropped' });
    expect(await state(a)).toBe('waiting');
    expect(await names(a, 'clientError', 'serverError')).toEqual([]);
  }, 90_000);
});
