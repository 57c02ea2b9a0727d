// cignal/react in Chromium: a React page (bundled with esbuild as a web developer's bundler would,
// served by a site of its own, another origin than the Cignal server's) holds a real call with a
// plain page that has only README's script tag and <cignal-call>. Its `on…` props receive the
// element's events, props changed after mount reach the element, and server-rendered markup
// hydrates into the room its props name.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CignalCallProperties } from '../../react/index.js';
import { eventName, sdkEvents } from '../../widget/events.js';
import { browserSuite } from '../helpers/browser.js';
import { remoteVideoPlays, startEmbedSite, type EmbedSite } from '../helpers/embed-site.js';
import { uniqueRoom } from '../helpers/server.js';
import type { PageSetup, Received } from './app.js';
import { bundleForBrowser, bundleForNode, installPackage, runNode, type InstalledPackage } from './installed.js';

declare global {
  interface Window {
    removedElements: number;
  }
}

const suite = browserSuite({ reconnectGraceMs: 30_000 });
let site: EmbedSite;
let reactSite: ReactSite;
let installed: InstalledPackage;
let serverScript: string;

beforeAll(async () => {
  installed = installPackage();
  let clientScript: string;
  [site, clientScript, serverScript] = await Promise.all([
    startEmbedSite(suite.server.url),
    bundleForBrowser('tests/react/client.ts'),
    bundleForNode('tests/react/server-side.ts', installed.dir),
  ]);
  reactSite = await startReactSite(clientScript);
});
afterAll(async () => {
  await Promise.all([site?.close(), reactSite?.close()]);
  installed?.remove();
});

interface ReactSite {
  /** Serves a React page at a new address: `markup` (server-rendered) in its root, `setup` for its script. */
  page(setup: PageSetup, markup?: string): string;
  close(): Promise<void>;
}

/** The web developer's own site, on localhost: its pages, and the bundle of their script. */
async function startReactSite(clientScript: string): Promise<ReactSite> {
  const pages = new Map<string, string>();
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const page = pages.get(path);
    if (path === '/client.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(clientScript);
    else if (page) response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    page(setup, markup = '') {
      const path = `/page-${pages.size}`;
      const json = JSON.stringify(setup).replace(/</g, '\\u003c');
      pages.set(
        path,
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>React</title><link rel="icon" href="data:,"></head><body>
<div id="root">${markup}</div><script type="application/json" id="setup">${json}</script><script type="module" src="/client.js"></script></body></html>`,
      );
      return `${url}${path}`;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** `peerJoined` → `onPeerJoined`: what README promises, written out here rather than taken from cignal/react. */
const eventProp = (event: string) => `on${event[0]!.toUpperCase()}${event.slice(1)}`;
const everyEventProp = sdkEvents.map(eventProp);

/** Opens a React page, `markup` (server-rendered) in its root; collects the errors it reports. */
async function reactPage(setup: PageSetup, markup = '', { countRemovedElements = false } = {}): Promise<{ page: Page; errors: string[] }> {
  const page = await suite.open();
  // Counts the elements taken out of the page: hydration keeps the server's; a render would replace them.
  if (countRemovedElements) {
    await page.addInitScript(() => {
      window.removedElements = 0;
      new MutationObserver((records) => {
        for (const record of records) window.removedElements += [...record.removedNodes].filter((node) => node.nodeType === Node.ELEMENT_NODE).length;
      }).observe(document, { childList: true, subtree: true });
    });
  }
  const errors: string[] = [];
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(reactSite.page(setup, markup));
  return { page, errors };
}

/** A page with only README's module snippet, in `room`, as Bob. */
async function plainPage(room: string): Promise<Page> {
  const page = await suite.open();
  await page.goto(`${site.url}/module.html?room=${room}&attr=peer-name=Bob`);
  return page;
}

const stateOf = (page: Page) => page.locator('cignal-call').getAttribute('state');
const part = (page: Page, name: string) => page.locator(`cignal-call [part~="${name}"]`);

/** What the React page's handlers received, `detail` made plain: a stream as its id and kinds. */
const received = (page: Page, prop?: string) =>
  page.evaluate(
    (prop) =>
      window.received
        .filter((entry) => !prop || entry.prop === prop)
        .map(({ prop, type, detail }) => ({
          prop,
          type,
          detail: detail instanceof MediaStream ? { stream: detail.id, kinds: detail.getTracks().map((track) => track.kind).sort() } : JSON.parse(JSON.stringify(detail ?? null)),
        })),
    prop,
  ) as Promise<Received[]>;

const setProps = (page: Page, props: CignalCallProperties) => page.evaluate((props) => window.setCallProps(props), props);

describe('<CignalCall> from cignal/react', () => {
  it('calls a plain <cignal-call> page: both in a call, the on… props receive the SDK events, and props changed after mount apply', async () => {
    const room = uniqueRoom('react');
    const { page: ada, errors } = await reactPage({ props: { server: suite.server.url, roomId: room, peerName: 'Ada' }, eventProps: everyEventProp });
    const bob = await plainPage(room);

    // The props of the first render were the element's before it started: the room, the name.
    await expect.poll(() => stateOf(ada), { timeout: 15_000 }).toBe('ready');
    await expect.poll(() => stateOf(bob), { timeout: 15_000 }).toBe('ready');
    expect(await part(bob, 'status').textContent()).toContain('Ada');
    expect(await received(ada, 'onPeerJoined')).toEqual([{ prop: 'onPeerJoined', type: 'cignal-peer-joined', detail: 'Bob' }]);
    expect(await received(ada, 'onStateChange')).toContainEqual({ prop: 'onStateChange', type: 'cignal-state-change', detail: { state: 'ready', previous: 'waiting' } });
    expect(await received(ada, 'onLocalStream')).toEqual([{ prop: 'onLocalStream', type: 'cignal-local-stream', detail: { stream: expect.any(String), kinds: ['audio', 'video'] } }]);
    // The page's own button, a child of <CignalCall>, is in the element's slot.
    expect(await ada.evaluate(() => document.querySelector('cignal-call #own-button')?.assignedSlot?.name)).toBe('');

    // Props changed after mount reach the element: no-chat hides the chat button at once, and
    // auto-call starts the call by itself.
    await expect(part(ada, 'chat-button').count()).resolves.toBe(1);
    await setProps(ada, { noChat: true });
    await expect.poll(() => part(ada, 'chat-button').count()).toBe(0);
    await setProps(ada, { autoCall: true });
    await Promise.all([remoteVideoPlays(ada), remoteVideoPlays(bob)]);
    await expect.poll(() => stateOf(ada)).toBe('in-call');
    await expect.poll(() => stateOf(bob)).toBe('in-call');
    expect(await received(ada, 'onStateChange')).toContainEqual({ prop: 'onStateChange', type: 'cignal-state-change', detail: { state: 'in-call', previous: expect.any(String) } });
    expect(await received(ada, 'onRemoteStream')).toEqual([{ prop: 'onRemoteStream', type: 'cignal-remote-stream', detail: { stream: expect.any(String), kinds: ['audio', 'video'] } }]);

    // The detail is the SDK's payload itself: the same object the SDK gives its own listeners.
    const same = await ada.evaluate(async () => {
      const cignal = document.querySelector('cignal-call')!.cignal!;
      const status = await new Promise((resolve) => cignal.on('networkStatus', resolve));
      return window.received.some((entry) => entry.prop === 'onNetworkStatus' && entry.detail === status);
    });
    expect(same).toBe(true);

    // Bob hangs up: Ada's onPeerHangUp says who and why.
    await part(bob, 'hangup-button').click();
    await expect.poll(() => received(ada, 'onPeerHangUp'), { timeout: 10_000 }).toEqual([{ prop: 'onPeerHangUp', type: 'cignal-peer-hang-up', detail: { peerId: expect.any(String), reason: expect.any(String) } }]);
    expect(errors).toEqual([]);
  }, 120_000);

  it('every event in the element’s table reaches its on… prop, with its detail', async () => {
    const { page, errors } = await reactPage({ props: { server: suite.server.url, roomId: uniqueRoom('react-events') }, eventProps: everyEventProp });
    await page.waitForFunction(() => document.querySelector('cignal-call')?.getAttribute('state'));
    const names = sdkEvents.map((event) => eventName(event));
    await page.evaluate((names) => {
      const element = document.querySelector('cignal-call')!;
      for (const name of names) element.dispatchEvent(new CustomEvent(name, { detail: { probe: name } }));
    }, names);
    // The element's own events (it is entering the room meanwhile) are left out.
    const probes = (await received(page)).filter((entry) => (entry.detail as { probe?: string } | null)?.probe);
    expect(probes).toEqual(sdkEvents.map((event) => ({ prop: eventProp(event), type: eventName(event), detail: { probe: eventName(event) } })));
    expect(errors).toEqual([]);
  });

  it('server-rendered markup hydrates: the element waits for the props, then joins the room they name', async () => {
    const room = uniqueRoom('react-ssr');
    const setup: PageSetup = { props: { server: suite.server.url, roomId: room, peerName: 'Ada' }, eventProps: ['onPeerJoined'], hydrate: true };
    const rendered = await runNode(serverScript, [JSON.stringify(setup)], installed.dir);
    expect(rendered.code).toBe(0);
    const { html } = JSON.parse(rendered.stdout) as { html: string };
    expect(html).toContain('<cignal-call defer-hydration="">');

    const { page: ada, errors } = await reactPage(setup, html, { countRemovedElements: true });
    const bob = await plainPage(room);
    await expect.poll(() => stateOf(ada), { timeout: 15_000 }).toBe('ready');
    await expect.poll(() => stateOf(bob), { timeout: 15_000 }).toBe('ready');
    expect(await part(bob, 'status').textContent()).toContain('Ada');
    expect(await received(ada, 'onPeerJoined')).toEqual([{ prop: 'onPeerJoined', type: 'cignal-peer-joined', detail: 'Bob' }]);
    // Hydrated, not rendered again: the server's element was kept, with its child, and lost the mark.
    expect(await ada.evaluate(() => [window.removedElements, document.querySelectorAll('cignal-call').length, document.querySelectorAll('#own-button').length])).toEqual([0, 1, 1]);
    expect(await ada.locator('cignal-call').getAttribute('defer-hydration')).toBe(null);
    expect(errors).toEqual([]);
  }, 60_000);
});
