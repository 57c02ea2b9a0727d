// The headline promise, end to end: a page on another origin that contains only README's script
// tag and <cignal-call> holds a video call with another such page, through our server.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite } from '../helpers/browser.js';
import { remoteVideoPlays, startEmbedSite, type EmbedSite } from '../helpers/embed-site.js';
import { uniqueRoom } from '../helpers/server.js';

const suite = browserSuite({ reconnectGraceMs: 30_000 });
let site: EmbedSite;
let siteUrl: string;

// The embedding site: another origin (localhost vs 127.0.0.1, another port), plain HTML only.
beforeAll(async () => {
  site = await startEmbedSite(suite.server.url);
  siteUrl = site.url;
});
afterAll(() => site?.close());

/** Opens an embedding page and records every cignal-* event that reaches the document. */
async function visit(path: string): Promise<Page> {
  const page = await suite.open();
  await page.addInitScript(() => {
    const names = ['local-stream', 'remote-stream', 'peer-joined', 'offer-received', 'peer-hang-up', 'information', 'client-error', 'server-error', 'state-change'];
    (window as any).seen = [];
    for (const name of names) {
      document.addEventListener(`cignal-${name}`, (event) => {
        const detail = (event as CustomEvent).detail;
        const plain = detail instanceof MediaStream ? { stream: detail.id } : detail && typeof detail === 'object' && 'error' in detail ? { code: detail.code } : detail;
        (window as any).seen.push({ name: event.type, detail: plain, composed: event.composed, bubbles: event.bubbles });
      });
    }
  });
  await page.goto(`${siteUrl}${path}`);
  return page;
}

const element = (page: Page) => page.locator('cignal-call');
const part = (page: Page, name: string) => page.locator(`cignal-call [part~="${name}"]`);
const stateOf = (page: Page) => element(page).getAttribute('state');
const seen = (page: Page, name: string) => page.evaluate((name) => (window as any).seen.filter((e: { name: string }) => e.name === name), name);

const expectRemoteVideo = remoteVideoPlays;

describe('<cignal-call> embedded on another origin', () => {
  it('two pages hold a call, exchange a message, hang up, and a third page is refused visibly', async () => {
    const room = uniqueRoom('embed');
    // One page uses the module snippet, the other the classic one, with the room in its URL.
    const alice = await visit(`/module.html?room=${room}`);
    const bob = await visit(`/classic.html?roomId=${room}`);

    await expect.poll(() => stateOf(alice), { timeout: 15_000 }).toBe('ready');
    await expect.poll(() => stateOf(bob), { timeout: 15_000 }).toBe('ready');
    expect(new URL(await alice.evaluate(() => document.querySelector('script')!.src)).origin).toBe(suite.server.url);
    // The classic script exposes its exports as one global.
    expect(await bob.evaluate(() => (window as any).CignalWidget?.CignalCall === customElements.get('cignal-call'))).toBe(true);

    await part(alice, 'call-button').click();
    await Promise.all([expectRemoteVideo(alice), expectRemoteVideo(bob)]);
    await expect.poll(() => stateOf(alice)).toBe('in-call');
    await expect.poll(() => stateOf(bob)).toBe('in-call');
    const remote = (await seen(bob, 'cignal-remote-stream'))[0];
    expect(remote).toMatchObject({ bubbles: true, composed: true });

    // A message typed on one side arrives as cignal-information on the other, counted as unread
    // until the chat is opened.
    await part(alice, 'chat-button').click();
    await part(alice, 'message-input').fill('Hello from Alice');
    await part(alice, 'message-input').press('Enter');
    await expect.poll(async () => (await seen(bob, 'cignal-information')).map((e: { detail: unknown }) => e.detail), { timeout: 10_000 }).toEqual(['Hello from Alice']);
    await expect.poll(() => part(bob, 'chat-button').getAttribute('aria-label')).toBe('Chat, 1 unread');
    await part(bob, 'chat-button').click();
    expect(await part(bob, 'messages').textContent()).toContain('Hello from Alice');

    // A third visitor sees, in the element, that the room is full; the call goes on.
    const carol = await visit(`/module.html?room=${room}`);
    await expect.poll(() => stateOf(carol), { timeout: 15_000 }).toBe('error');
    expect(await part(carol, 'error').isVisible()).toBe(true);
    expect(await part(carol, 'error').textContent()).toMatch(/room is full/i);
    expect((await seen(carol, 'cignal-server-error')).map((e: { detail: { code: string } }) => e.detail.code)).toEqual(['room-full']);
    await Promise.all([expectRemoteVideo(alice), expectRemoteVideo(bob)]);

    // Hanging up ends the call on both sides.
    await part(bob, 'hangup-button').click();
    await expect.poll(() => stateOf(bob)).toBe('ended');
    await expect.poll(() => stateOf(alice), { timeout: 10_000 }).toBe('waiting');
    expect(await seen(alice, 'cignal-peer-hang-up')).toHaveLength(1);
  }, 120_000);

  it('a pre-join screen with camera and microphone off lets the page finish loading', async () => {
    // A self-view with no track to play must not hold up the page's load event (Chromium waits
    // for the first frame of a media element's stream).
    const page = await suite.open();
    await page.goto(`${siteUrl}/module.html?room=${uniqueRoom('embed')}&attr=prejoin&attr=audio=false&attr=video=false`, { waitUntil: 'commit' });
    await page.waitForFunction(() => document.readyState === 'complete', null, { timeout: 10_000 });
    await page.locator('cignal-call [part~="join-button"]').waitFor();
  });
});
