// <cignal-call>'s call UI between two real pages embedding README's snippet: what one person does
// shows on the other's screen, the network level shows, a phone holds the controls in one row,
// and the pre-join screen keeps a person out of the room until Join.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite } from '../helpers/browser.js';
import { remoteVideoPlays, startEmbedSite, type EmbedSite } from '../helpers/embed-site.js';
import { uniqueRoom } from '../helpers/server.js';

const suite = browserSuite({ reconnectGraceMs: 30_000 });
let site: EmbedSite;
const phones: BrowserContext[] = [];

beforeAll(async () => {
  site = await startEmbedSite(suite.server.url);
});
afterAll(() => site?.close());
afterEach(async () => {
  await Promise.all(phones.splice(0).map((context) => context.close()));
});

const query = (room: string, attributes: string[]) => `?room=${room}${attributes.map((a) => `&attr=${encodeURIComponent(a)}`).join('')}`;

async function visit(room: string, ...attributes: string[]): Promise<Page> {
  const page = await suite.open();
  await page.goto(`${site.url}/module.html${query(room, attributes)}`);
  return page;
}

/** A 390×844 phone (touch, mobile viewport). */
async function visitOnPhone(room: string, ...attributes: string[]): Promise<Page> {
  const context = await suite.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, permissions: ['camera', 'microphone'] });
  phones.push(context);
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  await page.goto(`${site.url}/module.html${query(room, attributes)}`);
  return page;
}

const part = (page: Page, name: string) => page.locator(`cignal-call [part~="${name}"]`);
const stateOf = (page: Page) => page.locator('cignal-call').getAttribute('state');
const remoteState = (page: Page, name: 'microphone' | 'camera' | 'screen-share') => part(page, 'remote-state').getAttribute(`data-${name}`);

interface Box {
  part: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The boxes of the element and of each call control, as laid out on the page. */
function controlBoxes(page: Page): Promise<{ host: Box; controls: Box[] }> {
  return page.evaluate(() => {
    const box = (el: Element): Box => {
      const r = el.getBoundingClientRect();
      return { part: el.getAttribute('part') ?? el.tagName, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
    };
    const host = document.querySelector('cignal-call')!;
    const controls = [...host.shadowRoot!.querySelectorAll('[part~="controls"] > button')].map(box);
    return { host: box(host), controls };
  });
}

/** Alice presses Call once Bob is there; resolves when video plays on both sides. */
async function startCall(alice: Page, bob: Page): Promise<void> {
  await expect.poll(() => stateOf(alice), { timeout: 15_000 }).toBe('ready');
  await part(alice, 'call-button').click();
  await Promise.all([remoteVideoPlays(alice), remoteVideoPlays(bob)]);
}

describe('<cignal-call> call UI between two pages', () => {
  it('muting and stopping the camera show on the other side, the network level shows, and a phone keeps one row of controls', async () => {
    const room = uniqueRoom('ui');
    const alice = await visit(room, 'peer-name=Alice Liddell');
    const bob = await visitOnPhone(room, 'peer-name=Bob');
    await startCall(alice, bob);

    expect(await remoteState(bob, 'microphone')).toBe('on');
    expect(await remoteState(bob, 'camera')).toBe('on');
    expect(await remoteState(bob, 'screen-share')).toBe('off');
    expect(await part(bob, 'remote-state').textContent()).toContain('Alice Liddell');

    await part(alice, 'mic-button').click();
    await expect.poll(() => remoteState(bob, 'microphone'), { timeout: 10_000 }).toBe('off');
    expect(await part(bob, 'remote-state').getByRole('img', { name: 'Alice Liddell is muted' }).count()).toBe(1);
    await part(alice, 'camera-button').click();
    await expect.poll(() => remoteState(bob, 'camera'), { timeout: 10_000 }).toBe('off');
    expect(await part(bob, 'remote-state').locator('.avatar').textContent()).toBe('AL');
    await part(alice, 'camera-button').click();
    await expect.poll(() => remoteState(bob, 'camera'), { timeout: 10_000 }).toBe('on');
    await remoteVideoPlays(bob);

    // The network level, on both sides, with the details on demand.
    for (const page of [alice, bob]) {
      await part(page, 'network-quality').waitFor({ timeout: 10_000 });
      expect(['good', 'fair', 'poor', 'lost']).toContain(await part(page, 'network-quality').getAttribute('data-quality'));
    }
    await part(alice, 'network-quality').click();
    expect(await part(alice, 'network-details').textContent()).toMatch(/^(\d+|–) ms round trip, \d+\.\d % lost, direct$/);

    // On the phone: every control in one row, inside the element, none overlapping another.
    const { host, controls } = await controlBoxes(bob);
    expect(controls.map((c) => c.part)).toEqual(['mic-button', 'camera-button', 'screen-share-button', 'settings-button', 'chat-button', 'record-button', 'fullscreen-button', 'hangup-button']);
    for (const control of controls) {
      expect(Math.abs(control.top - controls[0]!.top), `${control.part} is in the first row`).toBeLessThan(1);
      expect(control.left, `${control.part} starts inside the element`).toBeGreaterThanOrEqual(host.left);
      expect(control.right, `${control.part} ends inside the element`).toBeLessThanOrEqual(host.right);
      expect(control.bottom, `${control.part} is inside the element`).toBeLessThanOrEqual(host.bottom);
    }
    for (let i = 1; i < controls.length; i++) expect(controls[i]!.left, `${controls[i]!.part} overlaps ${controls[i - 1]!.part}`).toBeGreaterThanOrEqual(controls[i - 1]!.right);
    expect(host.right).toBeLessThanOrEqual(390);
  }, 120_000);

  it('a page reloaded mid-call is back in the call as the same person, with no click on either side, and a page with its peer id but not its seat secret is refused while the call goes on', async () => {
    const room = uniqueRoom('reload');
    const alice = await visit(room, 'peer-name=Alice');
    const bob = await visit(room, 'peer-name=Bob');
    await startCall(alice, bob);
    const peerId = () => bob.evaluate(() => document.querySelector('cignal-call')!.cignal?.data.myPeerId);
    const before = await peerId();

    await bob.reload();
    await expect.poll(() => stateOf(bob), { timeout: 10_000 }).toBe('in-call');
    await expect.poll(() => stateOf(alice), { timeout: 10_000 }).toBe('in-call');
    expect(await peerId()).toBe(before);
    await Promise.all([remoteVideoPlays(alice), remoteVideoPlays(bob)]);

    // The seat secret is kept beside the peer id: it is what took the seat back after the reload.
    const kept = () => bob.evaluate(() => Object.entries(sessionStorage).filter(([key]) => key.startsWith('cignal-call:')).map(([, value]) => JSON.parse(value)));
    const seatSecret = await bob.evaluate(() => document.querySelector('cignal-call')!.cignal?.seatSecret);
    expect(seatSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await kept()).toEqual([{ peerId: before, inCall: true, seatSecret }]);

    // Another page that knows Bob's peer id, but not his secret, is refused; the call goes on.
    const intruder = await visit(room, 'peer-name=Mallory', `peer-id=${before}`);
    await expect.poll(() => stateOf(intruder), { timeout: 15_000 }).toBe('error');
    const refused = await intruder.evaluate(() => document.querySelector('cignal-call')!.cignal?.seatSecret ?? null);
    expect(refused).toBeNull();
    // The element's sentence for `seat-taken`, not the server's message.
    await expect(part(intruder, 'error').textContent()).resolves.toMatch(/already in this room as you/);
    expect([await stateOf(alice), await stateOf(bob)]).toEqual(['in-call', 'in-call']);
    await Promise.all([remoteVideoPlays(alice), remoteVideoPlays(bob)]);
    expect(await alice.evaluate(() => document.querySelector('cignal-call')!.cignal?.data.remoteDisplayName)).toBe('Bob');

    // Hanging up on purpose is remembered too: after it, a reload would not call.
    await part(bob, 'hangup-button').click();
    await expect.poll(kept).toEqual([{ peerId: before, inCall: false, seatSecret }]);
  }, 120_000);

  it('with prejoin, the other page sees nobody until Join is pressed, then the call carries video', async () => {
    const room = uniqueRoom('prejoin');
    const alice = await visit(room, 'peer-name=Alice');
    await expect.poll(() => stateOf(alice), { timeout: 15_000 }).toBe('waiting');
    const bob = await visit(room, 'prejoin', 'peer-name=Bob');

    // Bob sees himself and can join; the room still holds Alice alone.
    await bob.waitForFunction(() => {
      const self = document.querySelector('cignal-call')?.shadowRoot?.querySelector<HTMLVideoElement>('[part~="local-video"]');
      return !!self && self.getVideoPlaybackQuality().totalVideoFrames > 5;
    }, null, { timeout: 15_000 });
    await expect.poll(() => part(bob, 'join-button').isEnabled()).toBe(true);
    const occupants = async () => (await suite.server.server.signalling.allRooms()).find((r) => r.id === room)?.peers.map((p) => p.displayName);
    expect(await occupants()).toEqual(['Alice']);
    expect(await stateOf(alice)).toBe('waiting');

    await part(bob, 'join-button').click();
    await expect.poll(() => stateOf(alice), { timeout: 15_000 }).toBe('ready');
    expect(await part(alice, 'status').textContent()).toContain('Bob is here');
    expect((await occupants())?.sort()).toEqual(['Alice', 'Bob']);
    await part(alice, 'call-button').click();
    await Promise.all([remoteVideoPlays(alice), remoteVideoPlays(bob)]);
  }, 120_000);
});
