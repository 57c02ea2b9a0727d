// Firefox beside Chromium: Debian's firefox-esr driven over WebDriver BiDi by puppeteer-core
// (Playwright's Firefox needs a patched build of its own, which cannot be downloaded here), with
// fake camera and microphone. Each Firefox side gets a browser of its own: a second tab would be a
// background tab, with slowed timers and paused video. Pages are wrapped so that the harness's
// helpers (harness.ts), written against Playwright's Page, drive them unchanged.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, createConnection, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser as BrowserKind, createProfile } from '@puppeteer/browsers';
import type { Browser as PlaywrightBrowser, BrowserContext } from 'playwright-core';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { ServerConfig } from '../../server/config.js';
import { packageVersion } from '../../server/paths.js';
import { launchBrowser, openPage } from './browser.js';
import { installHarness, type TestPage } from './harness.js';
import type { Host } from './netns.js';
import { startServer, type TestServer } from './server.js';

export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** Preferences every test Firefox starts with. */
export const firefoxPrefs: Record<string, unknown> = {
  // A fake camera (a moving picture) and microphone (a tone), granted without asking.
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  // getUserMedia on plain http:// origins other than localhost (the hosts of the network tests).
  'media.devices.insecure.enabled': true,
  'media.getusermedia.insecure.enabled': true,
  // A sound output that is not there (the machine has no sound card), as Chromium's headless has:
  // without it Firefox's AudioContext never runs.
  'media.cubeb.force_mock_context': true,
  // Remote audio and video play without a click.
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  // Real host addresses in ICE candidates, not mDNS names that nothing here resolves.
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  // A window nobody looks at keeps its timers and its video at full rate.
  'dom.timeout.enable_budget_timer_throttling': false,
  'dom.min_background_timeout_value': 4,
  'media.suspend-background-video.enabled': false,
};

/** Options for a Firefox of a test. */
export interface FirefoxOptions {
  /** Run it inside this network namespace host (tests/helpers/netns.ts). */
  host?: Host;
  /** More preferences, e.g. `media.peerconnection.enabled: false` for a browser without WebRTC. */
  prefs?: Record<string, unknown>;
}

/** One Firefox browser with its one tab. */
export interface FirefoxSide {
  readonly browser: Browser;
  /** The browser's only tab, wrapped for the harness. */
  readonly page: FirefoxPage;
  close(): Promise<void>;
}

export async function launchFirefox({ host, prefs = {} }: FirefoxOptions = {}): Promise<FirefoxSide> {
  const preferences = { ...firefoxPrefs, ...prefs };
  if (host) return launchFirefoxIn(host, preferences);
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, extraPrefsFirefox: preferences });
  return side(browser, async () => {
    await browser.close().catch(() => {});
  });
}

async function side(browser: Browser, close: () => Promise<void>): Promise<FirefoxSide> {
  const [tab] = await browser.pages();
  const page = new FirefoxPage(tab ?? (await browser.newPage()));
  return { browser, page, close };
}

/**
 * Firefox inside a namespace host. Its WebDriver BiDi server listens on the namespace's own
 * loopback, which this process cannot reach; a Unix socket can be reached from both sides, so a
 * forwarder inside the namespace passes connections from the socket to Firefox's port, and one
 * here passes them from a port of this process's loopback to the socket.
 */
async function launchFirefoxIn(host: Host, preferences: Record<string, unknown>): Promise<FirefoxSide> {
  const dir = mkdtempSync(join(tmpdir(), 'cignal-firefox-'));
  const profile = join(dir, 'profile');
  const socketPath = join(dir, 'bidi.sock');
  await createProfile(BrowserKind.FIREFOX, { path: profile, preferences: { ...preferences, 'remote.active-protocols': 1 } });
  const processes: ChildProcess[] = [];
  let outside: Server | undefined;
  const cleanup = async () => {
    outside?.close();
    for (const child of processes) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    outside = createServer((client) => {
      const upstream = createConnection(socketPath);
      client.pipe(upstream).pipe(client);
      const end = () => (client.destroy(), upstream.destroy());
      client.on('error', end);
      upstream.on('error', end);
    });
    const port = await new Promise<number>((resolve, reject) => {
      outside!.once('error', reject);
      outside!.listen(0, '127.0.0.1', () => resolve((outside!.address() as { port: number }).port));
    });
    // The same port number inside the namespace: Firefox names it in the endpoint it prints.
    const forwarder = `require('net').createServer((c) => { const u = require('net').connect(${port}, '127.0.0.1'); c.pipe(u).pipe(c); const end = () => (c.destroy(), u.destroy()); c.on('error', end); u.on('error', end); }).listen(${JSON.stringify(socketPath)});`;
    processes.push(host.exec(process.execPath, ['-e', forwarder], { stdio: 'ignore' }));
    const firefox = host.exec(FIREFOX, ['--headless', '--no-remote', '--profile', profile, `--remote-debugging-port=${port}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
    processes.push(firefox);
    const endpoint = await new Promise<string>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`Firefox in ${host.netns} did not start its WebDriver BiDi server: ${output.slice(-500)}`)), 30_000);
      firefox.stderr!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const found = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(output);
        if (found) {
          clearTimeout(timer);
          resolve(found[1]!);
        }
      });
      firefox.once('exit', (code) => reject(new Error(`Firefox in ${host.netns} exited (${code}): ${output.slice(-500)}`)));
    });
    const browser = await puppeteer.connect({ browserWSEndpoint: `${endpoint}/session`, protocol: 'webDriverBiDi' });
    return side(browser, async () => {
      await browser.close().catch(() => {});
      await cleanup();
    });
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * A puppeteer page with the Playwright methods the harness uses: `evaluate(fn, arg)`,
 * `waitForFunction(fn, arg, { timeout, polling })` and `addScriptTag`.
 */
export class FirefoxPage implements TestPage {
  constructor(readonly page: Page) {
    page.on('pageerror', (error) => console.error(`[firefox page error] ${(error as Error).message ?? error}`));
  }

  evaluate(fn: any, arg?: any): Promise<any> {
    return typeof fn === 'string' ? this.page.evaluate(fn) : this.page.evaluate(fn, arg);
  }

  waitForFunction(fn: any, arg?: any, options: { timeout?: number; polling?: number | 'raf' } = {}): Promise<any> {
    return this.page.waitForFunction(fn, { timeout: options.timeout ?? 30_000, polling: options.polling ?? 100 }, arg);
  }

  addScriptTag(options: { type?: string; content?: string; url?: string }): Promise<any> {
    return this.page.addScriptTag(options);
  }

  async goto(url: string): Promise<void> {
    await this.page.goto(url);
  }
}

export type BrowserName = 'chromium' | 'firefox';

export interface MixedSuite {
  readonly server: TestServer;
  /** A page of the suite's server with the harness installed, in a Chromium context or a Firefox of its own. */
  open(kind: BrowserName): Promise<TestPage>;
  /** Ends every page of the test: Chromium contexts are closed, Firefox tabs emptied for the next test. */
  closePages(): Promise<void>;
}

/**
 * One Cignal server, one Chromium, and Firefox browsers as a test asks for them (two are started
 * with the suite), each with one tab. A test's pages end after it.
 */
export function mixedSuite(config: Partial<ServerConfig> = {}): MixedSuite {
  let server: TestServer | undefined;
  let chromium: PlaywrightBrowser | undefined;
  const firefoxes: FirefoxSide[] = [];
  const busy = new Set<FirefoxSide>();
  let contexts: BrowserContext[] = [];

  async function firefoxPage(): Promise<FirefoxPage> {
    let side = firefoxes.find((f) => !busy.has(f));
    if (!side) firefoxes.push((side = await launchFirefox()));
    busy.add(side);
    return side.page;
  }

  const suite: MixedSuite = {
    get server() {
      return server!;
    },
    async open(kind) {
      let page: TestPage;
      if (kind === 'chromium') {
        const opened = await openPage(chromium!, `${server!.url}/healthz`);
        contexts.push(opened.context);
        page = opened.page;
      } else {
        const firefox = await firefoxPage();
        await firefox.goto(`${server!.url}/healthz`);
        page = firefox;
      }
      await installHarness(page, packageVersion);
      return page;
    },
    async closePages() {
      const closing = contexts;
      contexts = [];
      const sides = [...busy];
      busy.clear();
      await Promise.all([...closing.map((c) => c.close()), ...sides.map((side) => side.page.goto('about:blank').catch(() => {}))]);
    },
  };
  beforeAll(async () => {
    let sides: FirefoxSide[];
    [server, chromium, ...sides] = await Promise.all([startServer(config), launchBrowser(), launchFirefox(), launchFirefox()]);
    firefoxes.push(...sides);
  });
  afterAll(async () => {
    await Promise.all([chromium?.close(), ...firefoxes.map((side) => side.close())]);
    await server?.close();
  });
  afterEach(() => suite.closePages());
  return suite;
}
