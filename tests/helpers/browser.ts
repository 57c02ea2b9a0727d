// Browser tests' plumbing: Debian's Chromium through playwright-core with fake camera and
// microphone, and a suite helper that owns a server, a browser and the pages a test opens.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { ServerConfig } from '../../server/config.js';
import { CHROMIUM, chromiumArgs } from './chromium.mjs';
import { startServer, type TestServer } from './server.js';

export { CHROMIUM };

export interface LaunchOptions {
  /** Options of Chromium's fake camera and microphone, e.g. `device-count=2` for two of each. */
  fakeDevices?: string;
}

export async function launchBrowser({ fakeDevices }: LaunchOptions = {}): Promise<Browser> {
  const fake = '--use-fake-device-for-media-stream';
  const args = fakeDevices ? chromiumArgs.map((arg) => (arg === fake ? `${fake}=${fakeDevices}` : arg)) : chromiumArgs;
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/**
 * The pages' size. Without a GPU, Chromium composites in software, at a cost that grows with the
 * pixels shown: a call's two videos in a 1280 × 720 page keep its GPU process at 0.8 of a core
 * here, in 800 × 450 at 0.4. (Smaller is cheaper still, but a 640 × 360 screen is shared as
 * 480 × 360, the camera's shape, which the screen-share tests tell apart.) Tests that need another
 * size open their own context.
 */
const PAGE_SIZE = { width: 800, height: 450 };

/** A page in its own context (its own storage), forwarding page errors to the test output. */
export async function openPage(browser: Browser, url?: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: PAGE_SIZE, permissions: ['camera', 'microphone'] });
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  if (url) await page.goto(url);
  return { context, page };
}

export interface BrowserSuite {
  readonly server: TestServer;
  readonly browser: Browser;
  /** Opens a page (in a fresh context) that is closed after the test. */
  open(url?: string): Promise<Page>;
  /** Closes every page opened so far. */
  closePages(): Promise<void>;
}

/** One Cignal server and one Chromium for the file; the pages of each test closed after it. */
export function browserSuite(config: Partial<ServerConfig> = {}, launch: LaunchOptions = {}): BrowserSuite {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let contexts: BrowserContext[] = [];
  const suite: BrowserSuite = {
    get server() {
      return server!;
    },
    get browser() {
      return browser!;
    },
    async open(url) {
      const { context, page } = await openPage(browser!, url);
      contexts.push(context);
      return page;
    },
    async closePages() {
      const closing = contexts;
      contexts = [];
      await Promise.all(closing.map((c) => c.close()));
    },
  };
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(config), launchBrowser(launch)]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  afterEach(() => suite.closePages());
  return suite;
}
