// The front page at / as whoever runs the server sees it: the snippet it shows is this server's
// (its address, its version, the integrity of the very bundle it serves) and works as pasted on a
// page of another origin; the preview is the real element, which opens nothing and enters no room
// until asked; all of it under the page's strict policy, with no violation.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { cdnDir, packageVersion } from '../../server/paths.js';
import { browserSuite } from '../helpers/browser.js';
import { provokeViolations, recordViolations, violations } from '../helpers/csp.js';

const suite = browserSuite();

/** Opens the front page, recording policy violations and every camera or microphone request. */
async function visit(path = '/'): Promise<Page> {
  const page = await suite.open();
  await recordViolations(page);
  await page.addInitScript(() => {
    const requests: string[][] = [];
    (window as unknown as { mediaRequests: string[][] }).mediaRequests = requests;
    const devices = navigator.mediaDevices;
    const open = devices.getUserMedia.bind(devices);
    devices.getUserMedia = (constraints: MediaStreamConstraints = {}) => {
      requests.push(Object.entries(constraints).filter(([, wanted]) => wanted).map(([kind]) => kind));
      return open(constraints);
    };
  });
  await page.goto(`${suite.server.url}${path}`);
  return page;
}

const mediaRequests = (page: Page) => page.evaluate(() => (window as unknown as { mediaRequests: string[][] }).mediaRequests);
const roomIds = async () => (await suite.server.server.signalling.allRooms()).map((room) => room.id);

/** A site of another origin (localhost, another port) whose one page is `body`, served with `policy` as its CSP. */
async function otherSite(body: string, policy: string): Promise<{ url: string; close(): Promise<void> }> {
  const site = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': policy });
    response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Another site</title></head><body>\n${body}\n</body></html>`);
  });
  await new Promise<void>((resolve) => site.listen(0, 'localhost', resolve));
  return {
    url: `http://localhost:${(site.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => site.close(() => resolve())),
  };
}

describe('the front page', () => {
  it('shows the embed snippet of this server, with the integrity of the bundle it serves, and the snippet works as pasted on another origin', async () => {
    const page = await visit();
    const embed = (await page.locator('#embed-snippet').textContent())!;
    const src = /src="([^"]+)"/.exec(embed)?.[1];
    const integrity = /integrity="([^"]+)"/.exec(embed)?.[1];

    expect(src).toBe(`${suite.server.url}/cignal@${packageVersion}/cignal-call.js`);
    const served = Buffer.from(await (await fetch(src!)).arrayBuffer());
    expect(integrity).toBe(`sha384-${createHash('sha384').update(served).digest('base64')}`);
    // The same hash as README's snippets, which come from the build's sri.json.
    expect(integrity).toBe(JSON.parse(readFileSync(join(cdnDir, 'sri.json'), 'utf8'))['cignal-call.js']);
    expect(await page.locator('#sdk-snippet').textContent()).toContain(`from '${suite.server.url}/cignal@${packageVersion}/cignal.js'`);

    // Its button copies it exactly.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.click('button[data-copy="embed-snippet"]');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(embed);

    // Pasted, as it is, into a page of another origin that applies the policy the front page gives.
    const policy = (await page.locator('#csp-snippet').textContent())!;
    const site = await otherSite(embed, policy);
    try {
      const embedding = await suite.open();
      await recordViolations(embedding);
      await embedding.goto(site.url);
      await embedding.waitForFunction(() => customElements.get('cignal-call') !== undefined);
      // Waiting in a room of this server, with the link to share.
      const link = embedding.locator('cignal-call [part~="share-link"] a');
      await link.waitFor({ timeout: 15_000 });
      expect(await embedding.locator('cignal-call').getAttribute('state')).toBe('waiting');
      const roomId = new URL((await link.getAttribute('href'))!).searchParams.get('roomId');
      expect(await roomIds()).toContain(roomId);
      expect(await violations(embedding)).toEqual({ events: [], console: [] });
    } finally {
      await site.close();
    }
    expect(await violations(page)).toEqual({ events: [], console: [] });
  }, 60_000);

  it('previews the element without opening the camera or entering a room until the visitor asks, and gives way to a call', async () => {
    const page = await visit();
    const preview = page.locator('#preview cignal-call');
    const button = (part: string) => preview.locator(`[part~="${part}"]`);
    await button('join-button').waitFor();

    // The pre-join screen, camera and microphone off: nothing was opened, no room entered.
    expect(await button('camera-button').getAttribute('aria-pressed')).toBe('false');
    expect(await button('mic-button').getAttribute('aria-pressed')).toBe('false');
    expect(await mediaRequests(page)).toEqual([]);
    const roomId = (await preview.getAttribute('room-id'))!;
    expect(roomId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await preview.evaluate((element) => (element as HTMLElement & { cignal: unknown }).cignal)).toBeNull();
    expect(await roomIds()).not.toContain(roomId);

    // Asked, it opens the camera; Join enters a room of its own on this server.
    await button('camera-button').click();
    await expect.poll(() => button('camera-button').getAttribute('aria-pressed')).toBe('true');
    expect(await mediaRequests(page)).toEqual([['video']]);
    await button('join-button').click();
    const link = button('share-link').locator('a');
    await link.waitFor({ timeout: 15_000 });
    expect(new URL((await link.getAttribute('href'))!).searchParams.get('roomId')).toBe(roomId);
    expect(await roomIds()).toContain(roomId);

    // Starting a call: one element on the page, the preview's room left, the operator's part gone.
    await page.fill('#name', 'Ada');
    await page.click('#start-button');
    await page.locator('#call cignal-call [part~="share-link"] a').waitFor({ timeout: 15_000 });
    expect(await page.locator('cignal-call').count()).toBe(1);
    expect(await page.locator('#operator').isVisible()).toBe(false);
    await expect.poll(roomIds).not.toContain(roomId);

    expect(await violations(page)).toEqual({ events: [], console: [] });
    const expected = await provokeViolations(page);
    await expect.poll(async () => (await violations(page)).events.map((v) => v.directive).sort()).toEqual([...expected].sort());
  }, 60_000);

  it('shows someone who opens a room link the call alone: no snippets, no preview', async () => {
    const page = await visit('/?roomId=front-page-invitation');

    expect(await page.locator('h1:visible').textContent()).toBe('You are invited to a video call');
    expect(await page.locator('#start-button').textContent()).toBe('Join the room');
    expect(await page.locator('#operator').isVisible()).toBe(false);
    expect(await page.locator('cignal-call').count()).toBe(0);
    expect(await mediaRequests(page)).toEqual([]);
  });
});
