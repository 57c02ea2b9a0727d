// Makes docs/screenshot.png (the demo page mid-call, 960×720, light), docs/screenshot-phone.png
// (the other side on a 390×844 phone, dark) and docs/screenshot-phone-ar.png (that phone a moment
// later with the element in Arabic, right to left): two Chromium pages with fake cameras.
// Run with `npm run screenshot` after a build.
import { chromium } from 'playwright-core';
import { CHROMIUM, chromiumArgs } from '../tests/helpers/chromium.mjs';
import { createServer } from '../server/server.js';
import type { Page } from 'playwright-core';
import arabic from '../widget/languages/ar.js';

const docs = new URL('../docs/', import.meta.url).pathname;
const server = await createServer({ config: { port: 0, host: '127.0.0.1', iceServers: [] } });
const url = await server.listen();
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs });

async function person(name: string, link: string, scheme: 'light' | 'dark', phone = false): Promise<Page> {
  const viewport = phone ? { width: 390, height: 844 } : { width: 960, height: 720 };
  const context = await browser.newContext({ viewport, deviceScaleFactor: phone ? 2 : 1, colorScheme: scheme, isMobile: phone, hasTouch: phone });
  const page = await context.newPage();
  await page.goto(link);
  await page.fill('#name', name);
  await page.click('#start-button');
  return page;
}

const inside = (page: Page, selector: string) => page.locator(`cignal-call [part~="${selector}"]`);

try {
  const roomId = `demo-${Date.now().toString(36)}`;
  const alice = await person('Alice Liddell', `${url}/?roomId=${roomId}`, 'light');
  const bob = await person('Bob Marley', `${url}/?roomId=${roomId}`, 'dark', true);
  await alice.waitForSelector('cignal-call[state="ready"]', { timeout: 15_000 });
  await inside(alice, 'call-button').click();
  for (const page of [alice, bob]) await page.waitForSelector('cignal-call[state="in-call"]', { timeout: 20_000 });
  await inside(bob, 'chat-button').click();
  await inside(bob, 'message-input').fill('Hi Alice! Can you hear me?');
  await inside(bob, 'message-input').press('Enter');
  await inside(bob, 'close-chat-button').click();
  await inside(alice, 'chat-button').click();
  await inside(alice, 'messages').getByText('Hi Alice').waitFor();
  await inside(alice, 'mic-button').click();
  // Both show the network level, Alice's muted microphone on Bob's side.
  for (const page of [alice, bob]) await inside(page, 'network-quality').waitFor({ timeout: 10_000 });
  await inside(bob, 'remote-state').and(bob.locator('[data-microphone="off"]')).waitFor();
  // No tooltip left under the pointer; let the remote video settle on a sharp frame.
  for (const page of [alice, bob]) await page.mouse.move(0, 0);
  await alice.waitForTimeout(1_500);
  await alice.locator('body').screenshot({ path: `${docs}screenshot.png` });
  await bob.screenshot({ path: `${docs}screenshot-phone.png` });
  // The same call in Arabic: the table comes from the server's CDN path, then the texts and the
  // right-to-left layout show.
  const arabicTable = bob.waitForResponse((response) => response.url().endsWith('/languages/ar.js') && response.ok());
  await bob.locator('cignal-call').evaluate((element) => element.setAttribute('lang', 'ar'));
  await arabicTable;
  await bob.locator('cignal-call[dir="rtl"]').getByRole('button', { name: arabic.hangUp, exact: true }).waitFor();
  await bob.screenshot({ path: `${docs}screenshot-phone-ar.png` });
  console.log(`wrote ${docs}screenshot.png, ${docs}screenshot-phone.png and ${docs}screenshot-phone-ar.png`);
} finally {
  await browser.close();
  await server.close();
}
