// The demo page at / as a visitor uses it: start a room, send the link, call, hang up; all of it
// under the page's own strict Content-Security-Policy, with Trusted Types, and not one violation.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite } from '../helpers/browser.js';
import { provokeViolations, recordViolations, violations } from '../helpers/csp.js';

const suite = browserSuite();
async function visit(url: string): Promise<Page> {
  const page = await suite.open();
  await recordViolations(page);
  const response = await page.goto(url);
  expect(response!.headers()['content-security-policy']).toMatch(/require-trusted-types-for 'script'/);
  return page;
}

const stateOf = (page: Page) => page.locator('cignal-call').getAttribute('state');
const text = (page: Page, part: string) => page.locator(`cignal-call [part~="${part}"]`).textContent();

describe('the demo page', () => {
  it('starts a room, shares a link that brings the second person in, and carries the call, with no policy violation', async () => {
    const alice = await visit(`${suite.server.url}/`);
    await alice.fill('#name', 'Alice');
    await alice.click('#start-button');
    await expect.poll(() => stateOf(alice), { timeout: 15_000 }).toBe('waiting');
    await alice.waitForSelector('cignal-call [part~="share-link"] a');
    const link = await alice.locator('cignal-call [part~="share-link"] a').getAttribute('href');
    expect(link).toMatch(new RegExp(`^${suite.server.url}/\\?roomId=[A-Za-z0-9_-]{22,}$`));
    expect(await alice.locator('#start').isVisible()).toBe(false);

    const bob = await visit(link!);
    expect(await bob.locator('#start-button').textContent()).toBe('Join the room');
    await bob.fill('#name', 'Bob');
    await bob.click('#start-button');

    await expect.poll(() => stateOf(alice), { timeout: 15_000 }).toBe('ready');
    expect(await text(alice, 'status')).toContain('Bob is here');
    await alice.click('cignal-call [part~="call-button"]');
    await expect.poll(() => stateOf(alice), { timeout: 20_000 }).toBe('in-call');
    await expect.poll(() => stateOf(bob), { timeout: 20_000 }).toBe('in-call');
    expect(await text(bob, 'status')).toContain('In a call with Alice');
    await bob.waitForFunction(() => {
      const video = document.querySelector('cignal-call')!.shadowRoot!.querySelector<HTMLVideoElement>('[part~="remote-video"]')!;
      return video.videoWidth > 0 && video.getVideoPlaybackQuality().totalVideoFrames > 5;
    }, null, { timeout: 20_000 });

    await alice.click('cignal-call [part~="hangup-button"]');
    await expect.poll(() => stateOf(alice)).toBe('ended');
    await expect.poll(() => stateOf(bob), { timeout: 10_000 }).toBe('waiting');

    for (const page of [alice, bob]) expect(await violations(page)).toEqual({ events: [], console: [] });
    // The recording works on these very pages: a violation made on purpose is reported.
    for (const page of [alice, bob]) {
      const expected = await provokeViolations(page);
      await expect.poll(async () => (await violations(page)).events.map((v) => v.directive).sort()).toEqual([...expected].sort());
    }
  }, 90_000);
});
