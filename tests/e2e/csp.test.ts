// The element under a strict Content-Security-Policy with Trusted Types enforced: the policy README
// tells embedders to use, read from README itself, and the framing rules of the server's own pages.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSuite } from '../helpers/browser.js';
import { provokeViolations, recordViolations, violations } from '../helpers/csp.js';
import { documentedPolicy, remoteVideoPlays, snippet, startEmbedSite, type EmbedSite } from '../helpers/embed-site.js';
import { startServer, uniqueRoom, type TestServer } from '../helpers/server.js';

const suite = browserSuite({ reconnectGraceMs: 30_000 });

const stateOf = (page: Page) => page.locator('cignal-call').getAttribute('state');

describe('<cignal-call> on a page with the documented strict policy', () => {
  let site: EmbedSite;
  let policy: string;

  beforeAll(async () => {
    policy = documentedPolicy(suite.server.url);
    site = await startEmbedSite(suite.server.url, { headers: { 'content-security-policy': policy } });
  });
  afterAll(() => site?.close());

  async function visit(path: string): Promise<Page> {
    const page = await suite.open();
    await recordViolations(page);
    const response = await page.goto(`${site.url}${path}`);
    // The page really is served with README's policy, Trusted Types included, and nothing looser.
    expect(response!.headers()['content-security-policy']).toBe(policy);
    return page;
  }

  it('README documents a policy without inline script, eval or a loose source, with Trusted Types', () => {
    const directives = snippet('embed-csp').trim().split(/;\s*/);

    expect(directives).toContain("require-trusted-types-for 'script'");
    expect(directives.find((d) => d.startsWith('trusted-types '))).toBeDefined();
    expect(directives).toContain("default-src 'none'");
    expect(policy).not.toMatch(/unsafe-|\*|data:|blob:/);
  });

  it('two pages make a call with video playing both ways and not one violation reported', async () => {
    const room = uniqueRoom('csp');
    // The module snippet on one side (through the pre-join screen), the classic one on the other.
    const alice = await visit(`/module.html?room=${room}&attr=prejoin`);
    const bob = await visit(`/classic.html?roomId=${room}`);
    await alice.locator('cignal-call [part~="join-button"]').click();

    await expect.poll(() => stateOf(alice), { timeout: 15_000 }).toBe('ready');
    await expect.poll(() => stateOf(bob), { timeout: 15_000 }).toBe('ready');
    await alice.locator('cignal-call [part~="call-button"]').click();
    await Promise.all([remoteVideoPlays(alice), remoteVideoPlays(bob)]);
    // The chat, the device menu and the network details render more templates and styles.
    await alice.locator('cignal-call [part~="chat-button"]').click();
    await alice.locator('cignal-call [part~="message-input"]').fill('Under a strict policy');
    await alice.locator('cignal-call [part~="message-input"]').press('Enter');
    await bob.locator('cignal-call [part~="chat-button"]').click();
    await expect.poll(() => bob.locator('cignal-call [part~="messages"]').textContent(), { timeout: 10_000 }).toContain('Under a strict policy');
    await bob.locator('cignal-call [part~="settings-button"]').click();
    await bob.locator('cignal-call [part~="device-menu"]').waitFor();
    await alice.locator('cignal-call [part~="network-quality"]').click();
    await alice.locator('cignal-call [part~="network-details"]').waitFor();
    // The element's styles apply although the policy allows no stylesheet at all (style-src falls
    // back to 'none'): constructed stylesheets are not the page's style sources.
    expect(await alice.locator('cignal-call [part~="controls"]').evaluate((el) => getComputedStyle(el).display)).toBe('flex');
    // Dragging the self-view moves it through its style property (CSSOM, not an inline style
    // attribute), then it settles in the corner it was dropped in.
    const pip = alice.locator('cignal-call [part~="local-video"]');
    const box = (await pip.boundingBox())!;
    const stage = (await alice.locator('cignal-call [part~="stage"]').boundingBox())!;
    await alice.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await alice.mouse.down();
    await alice.mouse.move(stage.x + 20, stage.y + 20, { steps: 5 });
    await alice.mouse.up();
    await expect.poll(() => pip.getAttribute('class')).toContain('top-start');

    for (const page of [alice, bob]) expect(await violations(page)).toEqual({ events: [], console: [] });

    // The recording works on these very pages: a violation made on purpose is reported.
    for (const page of [alice, bob]) {
      const expected = await provokeViolations(page);
      await expect.poll(async () => (await violations(page)).events.map((v) => v.directive).sort()).toEqual([...expected].sort());
    }
  }, 90_000);
});

describe('framing the server\'s own pages (CIGNAL_FRAME_ANCESTORS)', () => {
  let framing: Server;
  let framingUrl: string;
  let allowing: TestServer;

  // A page on another origin that shows the demo page of the server named in ?src= in a frame.
  beforeAll(async () => {
    framing = createServer((request, response) => {
      const src = new URL(request.url ?? '/', 'http://localhost').searchParams.get('src') ?? '';
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(`<!doctype html><title>Frame</title><iframe src="${src.replace(/[&"<]/g, '')}/"></iframe>`);
    });
    await new Promise<void>((resolve) => framing.listen(0, 'localhost', resolve));
    framingUrl = `http://localhost:${(framing.address() as AddressInfo).port}`;
    allowing = await startServer({ frameAncestors: `'self' ${framingUrl}` });
  });
  afterAll(async () => {
    await allowing?.close();
    await new Promise((resolve) => framing?.close(resolve));
  });

  /** Whether the demo page rendered inside the frame of the other origin's page. */
  async function framed(server: string): Promise<boolean> {
    const page = await suite.open();
    // The load event of the page waits for the frame, shown or refused.
    await page.goto(`${framingUrl}/?src=${encodeURIComponent(server)}`, { waitUntil: 'load' });
    const frame = page.frames().find((f) => f !== page.mainFrame())!;
    return (await frame.locator('#start-button').count()) === 1;
  }

  it('by default another origin cannot show the demo page in a frame; listed, it can', async () => {
    const refused = await fetch(`${suite.server.url}/`);
    expect(refused.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
    expect(await framed(suite.server.url)).toBe(false);

    const allowed = await fetch(`${allowing.url}/`);
    expect(allowed.headers.get('content-security-policy')).toContain(`frame-ancestors 'self' ${framingUrl}`);
    expect(allowed.headers.get('x-frame-options')).toBeNull();
    expect(await framed(allowing.url)).toBe(true);
  }, 30_000);
});
