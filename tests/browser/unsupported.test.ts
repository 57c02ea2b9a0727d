// A browser that cannot make video calls (no RTCPeerConnection: an old or stripped-down browser,
// or WebRTC disabled by policy), simulated by deleting it before the SDK loads: the person is
// told, nothing throws, and the other person's call fails clearly within seconds instead of
// hanging in `calling`.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../../server/paths.js';
import { browserSuite } from '../helpers/browser.js';
import { startEmbedSite, type EmbedSite } from '../helpers/embed-site.js';
import { events, installHarness, run, state, waitForEvent } from '../helpers/harness.js';
import { uniqueRoom } from '../helpers/server.js';

const suite = browserSuite({ reconnectGraceMs: 2_000 });
let site: EmbedSite;
beforeAll(async () => {
  site = await startEmbedSite(suite.server.url);
});
afterAll(() => site?.close());

/** A page whose browser has no WebRTC from its first script on. */
async function withoutWebRTC(url: string): Promise<Page> {
  const page = await suite.open();
  await page.addInitScript(() => {
    for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCSessionDescription', 'RTCIceCandidate']) delete (window as any)[name];
  });
  await page.goto(url);
  return page;
}

async function harness(page: Page): Promise<Page> {
  await installHarness(page, packageVersion);
  return page;
}

const codes = async (page: Page) => (await events(page, 'clientError')).map((e) => e.arg.code);
const part = (page: Page, name: string) => page.locator(`cignal-call [part~="${name}"]`);
const text = async (page: Page, name: string) => ((await part(page, name).count()) ? (await part(page, name).textContent())?.trim() : null);

describe('a browser without WebRTC', () => {
  it('is told by createRoom and joinRoom without a throw, and the other person calling it gets peer-unsupported within seconds', async () => {
    const roomId = uniqueRoom('nowebrtc');
    const old = await harness(await withoutWebRTC(`${suite.server.url}/healthz`));
    const partner = await harness(await suite.open(`${suite.server.url}/healthz`));

    await old.evaluate((roomId) => (window as any).T.create({ roomId, peerName: 'Old' }), roomId);
    await waitForEvent(old, 'clientError');
    expect(await codes(old)).toEqual(['unsupported']);
    expect((await events(old, 'clientError'))[0]!.arg.reason).toMatch(/cannot make video calls/);
    expect(await run(old, 'return [T.Cignal.isSupported(), room.localMedia];')).toEqual([false, null]);

    await partner.evaluate((roomId) => (window as any).T.create({ roomId, peerName: 'Partner' }), roomId);
    await waitForEvent(old, 'peerJoined');
    expect(await run(old, 'return room.joinRoom();')).toEqual({ success: false });
    expect(await codes(old)).toEqual(['unsupported', 'unsupported']);

    // The partner calls: declined at once, reported clearly, and free to do something else.
    await waitForEvent(partner, 'peerJoined');
    const called = Date.now();
    expect(await run(partner, 'return room.joinRoom();')).toEqual({ success: true });
    await waitForEvent(partner, 'clientError', 1, 10_000);
    console.log(`[unsupported] the caller was told in ${Date.now() - called} ms`);
    expect(await codes(partner)).toEqual(['peer-unsupported']);
    expect((await events(partner, 'clientError'))[0]!.arg.reason).toBe("Old's browser cannot make video calls");
    expect(await state(partner)).toBe('ready');
    // The one who cannot call heard of the attempt too; nobody threw.
    await expect.poll(() => codes(old)).toEqual(['unsupported', 'unsupported', 'unsupported']);
    // Chat still works through the server.
    expect(await run(partner, "return room.inform('hello');")).toEqual({ success: true });
    await waitForEvent(old, 'information');
  });

  it('<cignal-call> says so and offers no Call button; the other element calling it shows why the call failed', async () => {
    const room = uniqueRoom('nowebrtc-ui');
    const old = await withoutWebRTC(`${site.url}/module.html?room=${room}&attr=peer-name=Olga`);
    const errors: string[] = [];
    old.on('pageerror', (error) => errors.push(error.message));
    await expect.poll(() => text(old, 'error'), { timeout: 15_000 }).toContain('cannot make video calls');

    const partner = await suite.open(`${site.url}/module.html?room=${room}&attr=peer-name=Pat`);
    await expect.poll(() => partner.locator('cignal-call').getAttribute('state'), { timeout: 15_000 }).toBe('ready');
    // Olga's element still says it after Pat arrived, and cannot start a call.
    await expect.poll(() => old.locator('cignal-call').getAttribute('state')).toBe('ready');
    expect(await text(old, 'error')).toContain('cannot make video calls');
    expect(await part(old, 'call-button').isDisabled()).toBe(true);

    await part(partner, 'call-button').click();
    await expect.poll(() => text(partner, 'error'), { timeout: 10_000 }).toBe("Olga's browser cannot make video calls.");
    await expect.poll(() => partner.locator('cignal-call').getAttribute('state')).toBe('ready');
    expect(errors).toEqual([]);
  });
});
