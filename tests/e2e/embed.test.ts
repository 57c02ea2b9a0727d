// The headline promise, end to end: a page on another origin that contains only README's script
// tag and <cignal-call> holds a video call with another such page, through our server.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../server/paths.js';
import { browserSuite } from '../helpers/browser.js';
import { uniqueRoom } from '../helpers/server.js';

const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');
function snippet(name: string): string {
  const match = new RegExp(`<!-- snippet: ${name} -->\\s*\`\`\`html\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!match) throw new Error(`README.md has no "${name}" snippet`);
  return match[1]!;
}

const suite = browserSuite({ reconnectGraceMs: 30_000 });
let site: Server;
let siteUrl: string;

beforeAll(async () => {
  const cignalUrl = suite.server.url;
  // The embedding site: another origin (localhost vs 127.0.0.1, another port), plain HTML only.
  site = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const kind = url.pathname === '/classic.html' ? 'embed-classic' : 'embed-module';
    let html = snippet(kind).replaceAll('https://calls.example.com', cignalUrl);
    const room = url.searchParams.get('room');
    if (kind === 'embed-module' && room) html = html.replace(/room-id="[^"]*"/, `room-id="${room}"`);
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Embed</title></head><body>\n${html}\n</body></html>`);
  });
  await new Promise<void>((resolve) => site.listen(0, 'localhost', resolve));
  siteUrl = `http://localhost:${(site.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => site?.close(resolve)));

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

async function expectRemoteVideo(page: Page) {
  const frames = () =>
    page.evaluate(() => {
      const video = document.querySelector('cignal-call')!.shadowRoot!.querySelector<HTMLVideoElement>('[part~="remote-video"]')!;
      return { width: video.videoWidth, frames: video.getVideoPlaybackQuality().totalVideoFrames };
    });
  await page.waitForFunction(() => {
    const video = document.querySelector('cignal-call')?.shadowRoot?.querySelector<HTMLVideoElement>('[part~="remote-video"]');
    return !!video && video.videoWidth > 0 && video.getVideoPlaybackQuality().totalVideoFrames > 3;
  }, null, { timeout: 20_000 });
  const first = await frames();
  await page.waitForFunction(
    (before) => document.querySelector('cignal-call')!.shadowRoot!.querySelector<HTMLVideoElement>('[part~="remote-video"]')!.getVideoPlaybackQuality().totalVideoFrames > before + 5,
    first.frames,
    { timeout: 20_000 },
  );
  expect(first.width).toBeGreaterThan(0);
}

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

    // A message typed on one side arrives as cignal-information on the other.
    await part(alice, 'message-input').fill('Hello from Alice');
    await part(alice, 'message-input').press('Enter');
    await expect.poll(async () => (await seen(bob, 'cignal-information')).map((e: { detail: unknown }) => e.detail), { timeout: 10_000 }).toEqual(['Hello from Alice']);
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
});
