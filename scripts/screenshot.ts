// Makes docs/screenshot.png: the demo page mid-call, two Chromium pages with fake cameras.
// Run with `npm run screenshot` after a build.
import { chromium } from 'playwright-core';
import { CHROMIUM, chromiumArgs } from '../tests/helpers/chromium.mjs';
import { createServer } from '../server/server.js';
import type { Page } from 'playwright-core';

const out = new URL('../docs/screenshot.png', import.meta.url).pathname;
const server = await createServer({ config: { port: 0, host: '127.0.0.1', iceServers: [] } });
const url = await server.listen();
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs });

async function person(name: string, link: string, scheme: 'light' | 'dark'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 960, height: 720 }, deviceScaleFactor: 1, colorScheme: scheme });
  const page = await context.newPage();
  await page.goto(link);
  await page.fill('#name', name);
  await page.click('#start-button');
  return page;
}

try {
  const roomId = `demo-${Date.now().toString(36)}`;
  const alice = await person('Alice', `${url}/?roomId=${roomId}`, 'light');
  const bob = await person('Bob', `${url}/?roomId=${roomId}`, 'dark');
  await alice.waitForSelector('cignal-call[state="ready"]', { timeout: 15_000 });
  await alice.click('cignal-call [part~="call-button"]');
  for (const page of [alice, bob]) await page.waitForSelector('cignal-call[state="in-call"]', { timeout: 20_000 });
  await bob.fill('cignal-call [part~="message-input"]', 'Hi Alice! Can you hear me?');
  await bob.press('cignal-call [part~="message-input"]', 'Enter');
  await alice.waitForFunction(() => document.querySelector('cignal-call')?.shadowRoot?.querySelector('[part~="messages"]')?.textContent?.includes('Hi Alice'));
  await alice.waitForTimeout(1_500); // let the remote video settle on a sharp frame
  await alice.locator('body').screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
}
