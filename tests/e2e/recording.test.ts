// <cignal-call>'s recording between two real pages embedding README's snippet, under README's
// strict policy: Alice's record button asks Bob, whose element shows the request; a "no" records
// nothing; a yes shows the indicator on both pages; either can stop it, and Alice's element then
// offers the file for download. The recorder's code (`parts/recorder.js`) comes from beside the
// element's script when a call starts, so that the click finds it there.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../../server/paths.js';
import { browserSuite } from '../helpers/browser.js';
import { recordViolations, violations } from '../helpers/csp.js';
import { documentedPolicy, remoteVideoPlays, responsesTo, startEmbedSite, type EmbedSite } from '../helpers/embed-site.js';
import { uniqueRoom } from '../helpers/server.js';

const suite = browserSuite({ reconnectGraceMs: 30_000 });
let site: EmbedSite;

beforeAll(async () => {
  site = await startEmbedSite(suite.server.url, { headers: { 'content-security-policy': documentedPolicy(suite.server.url) } });
});
afterAll(() => site?.close());

/** The loads of parts each page made, as `<status> <url>`. */
const partLoads = new Map<Page, string[]>();

async function visit(room: string, name: string): Promise<Page> {
  const page = await suite.open();
  await recordViolations(page);
  partLoads.set(page, responsesTo(page, '/parts/recorder'));
  await page.goto(`${site.url}/module.html?room=${room}&attr=${encodeURIComponent(`peer-name=${name}`)}`);
  // The recordings the element hands the page (`cignal-recording`).
  await page.evaluate(() => {
    const files: Blob[] = ((window as any).recordings = []);
    document.querySelector('cignal-call')!.addEventListener('cignal-recording', (event) => files.push((event as CustomEvent).detail.blob));
  });
  return page;
}

const part = (page: Page, name: string) => page.locator(`cignal-call [part~="${name}"]`);
const stateOf = (page: Page) => page.locator('cignal-call').getAttribute('state');
/** The indicator's state (`asked`, `recording`), or null when none is shown. */
const indicator = (page: Page) =>
  page.evaluate(() => document.querySelector('cignal-call')!.shadowRoot!.querySelector<HTMLElement>('[part~="recording-indicator"]')?.dataset.state ?? null);

describe('<cignal-call> recording between two pages', () => {
  it('a "no" records nothing; a yes shows the indicator on both pages, either stops it, and the recording side offers the file', async () => {
    const room = uniqueRoom('rec');
    const alice = await visit(room, 'Alice');
    const bob = await visit(room, 'Bob');
    await expect.poll(() => stateOf(alice), { timeout: 15_000 }).toBe('ready');
    await part(alice, 'call-button').click();
    await Promise.all([remoteVideoPlays(alice), remoteVideoPlays(bob)]);
    // The recorder came with the call, before any press, on both sides.
    const recorderUrl = `${suite.server.url}/cignal@${packageVersion}/parts/recorder.js`;
    for (const page of [alice, bob]) expect(partLoads.get(page)).toEqual([`200 ${recorderUrl}`]);

    // Asked, and declined: nothing recorded, and Alice's wait ends.
    await part(alice, 'record-button').click();
    await expect.poll(() => indicator(alice)).toBe('asked');
    await expect(part(bob, 'recording-prompt').textContent()).resolves.toContain('Alice asks to record this call.');
    await part(bob, 'recording-prompt').getByRole('button', { name: 'Decline' }).click();
    await expect.poll(() => indicator(alice)).toBe(null);
    expect(await part(bob, 'recording-prompt').count()).toBe(0);
    expect(await part(alice, 'recording-download').count()).toBe(0);

    // Asked again, and accepted: both pages show that the call is being recorded (Alice's once her
    // browser has begun the file: on a busy machine, seconds after the yes).
    await part(alice, 'record-button').click();
    await part(bob, 'recording-prompt').getByRole('button', { name: 'Accept' }).click();
    await Promise.all([expect.poll(() => indicator(alice), { timeout: 25_000 }).toBe('recording'), expect.poll(() => indicator(bob)).toBe('recording')]);
    expect(await part(bob, 'recording-indicator').textContent()).toBe('Recording');
    // Two seconds of the call, by Alice's clock, then Bob stops it.
    const since = await alice.evaluate(() => performance.now());
    await alice.waitForFunction((since) => performance.now() - since >= 2000, since, { polling: 100 });
    await part(bob, 'record-button').click();
    await Promise.all([expect.poll(() => indicator(alice)).toBe(null), expect.poll(() => indicator(bob)).toBe(null)]);

    // The file is Alice's, offered with a name that says what it is; Bob has none.
    const link = part(alice, 'recording-download');
    await expect.poll(() => link.count(), { timeout: 10_000 }).toBe(1);
    expect(await link.getAttribute('download')).toMatch(new RegExp(`^cignal-${room}-\\d{4}-\\d{2}-\\d{2}-\\d{4}\\.webm$`));
    expect(await link.getAttribute('href')).toMatch(/^blob:/);
    const file = await alice.evaluate(async () => {
      const files = (window as any).recordings as Blob[];
      const head = new Uint8Array(await files[0]!.slice(0, 4).arrayBuffer());
      return { count: files.length, type: files[0]!.type, size: files[0]!.size, ebml: [...head].map((b) => b.toString(16)).join('') };
    });
    expect(file.count).toBe(1);
    expect(file.type).toMatch(/^video\/webm/);
    // A WebM file (its EBML header) with two seconds of the call in it.
    expect(file.ebml).toBe('1a45dfa3');
    expect(file.size).toBeGreaterThan(10_000);
    expect(await part(bob, 'recording-download').count()).toBe(0);
    expect(await bob.evaluate(() => (window as any).recordings.length)).toBe(0);
    expect(await stateOf(alice)).toBe('in-call');
    for (const page of [alice, bob]) expect((await violations(page)).events).toEqual([]);
    // Loaded once per page, whatever happened after.
    for (const page of [alice, bob]) expect(partLoads.get(page)).toHaveLength(1);
  }, 90_000);
});
