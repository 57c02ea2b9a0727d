// <cignal-call>'s languages as a page gets them: the element loaded from the server's versioned CDN
// path (README's module and classic snippets) on a page in Arabic fetches `languages/ar.js` beside
// its own script and shows Arabic, right to left; the language files are served like the bundles
// and covered by sri.json; a language file that cannot be loaded leaves the element in English.
// The parts loaded on demand (`parts/pip.js`, `parts/recorder.js`) are served and covered the same way.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cdnDir, packageRoot, packageVersion } from '../../server/paths.js';
import { languages } from '../../widget/language.js';
import { defaultLabels } from '../../widget/labels.js';
import arabic from '../../widget/languages/ar.js';
import { browserSuite } from '../helpers/browser.js';
import { responsesTo, startEmbedSite, type EmbedSite } from '../helpers/embed-site.js';
import { uniqueRoom } from '../helpers/server.js';

const suite = browserSuite();
const element = (page: Page) => page.locator('cignal-call');
const callButton = (page: Page) => page.locator('cignal-call [part~="call-button"]');

describe('the language files', () => {
  it('are the languages the element knows: one built module for each table in widget/languages', () => {
    const tables = readdirSync(join(packageRoot, 'widget', 'languages')).filter((name) => name.endsWith('.ts')).map((name) => name.slice(0, -3));
    const built = readdirSync(join(cdnDir, 'languages')).filter((name) => name.endsWith('.js')).map((name) => name.slice(0, -3));
    expect([...languages].sort()).toEqual(tables.sort());
    expect(built.sort()).toEqual(tables);
  });

  it('are served under the versioned path with immutable caching, as scripts, and sri.json holds the hash of the very bytes served', async () => {
    const sri = JSON.parse(readFileSync(join(cdnDir, 'sri.json'), 'utf8')) as Record<string, string>;
    for (const tag of languages) {
      const response = await fetch(`${suite.server.url}/cignal@${packageVersion}/languages/${tag}.js`, { headers: { 'accept-encoding': 'identity' } });
      expect(response.status, tag).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
      const body = Buffer.from(await response.arrayBuffer());
      expect(sri[`languages/${tag}.js`], tag).toBe(`sha384-${createHash('sha384').update(body).digest('base64')}`);
    }
    // Compressed like the bundles.
    const compressed = await fetch(`${suite.server.url}/cignal@${packageVersion}/languages/ja.js`, { headers: { 'accept-encoding': 'br' } });
    expect(compressed.headers.get('content-encoding')).toBe('br');
    // The latest alias sends to the versioned file, uncached; an unknown file is not there.
    const latest = await fetch(`${suite.server.url}/cignal@latest/languages/ar.js`, { redirect: 'manual' });
    expect(latest.status).toBe(302);
    expect(latest.headers.get('location')).toBe(`/cignal@${packageVersion}/languages/ar.js`);
    expect(latest.headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${suite.server.url}/cignal@${packageVersion}/languages/xx.js`)).status).toBe(404);
  });
});

describe('the parts loaded on demand', () => {
  // Picture-in-picture's window (the element's) and the recorder (the SDK's, in both bundles).
  for (const [part, mark] of [['pip.js', 'cignal-pip-change'], ['recorder.js', 'MediaRecorder']] as const) {
    it(`parts/${part} is served beside the bundles as the language files are, its hash in sri.json, and carries no copy of Lit or the SDK: it imports nothing`, async () => {
      const sri = JSON.parse(readFileSync(join(cdnDir, 'sri.json'), 'utf8')) as Record<string, string>;
      const response = await fetch(`${suite.server.url}/cignal@${packageVersion}/parts/${part}`, { headers: { 'accept-encoding': 'identity' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      const body = Buffer.from(await response.arrayBuffer());
      expect(sri[`parts/${part}`]).toBe(`sha384-${createHash('sha384').update(body).digest('base64')}`);
      const code = body.toString();
      expect(code).not.toMatch(/\bimport\b/);
      expect(code).not.toContain('_$litType$');
      expect(code).not.toContain('invalid-argument'); // the SDK's error codes
      expect(code).toContain(mark);
    });
  }
});

describe('<cignal-call> from the CDN path on a page in Arabic', () => {
  let site: EmbedSite;

  beforeAll(async () => {
    site = await startEmbedSite(suite.server.url, { lang: 'ar' });
  });
  afterAll(() => site?.close());

  /** Opens a page of the site; resolves with it and the language files it was served. */
  async function visit(path: string) {
    const page = await suite.open();
    const loaded = responsesTo(page, '/languages/');
    await page.goto(`${site.url}${path}`);
    return { page, loaded };
  }

  for (const [build, path] of [
    ['module', () => `/module.html?room=${uniqueRoom('lang')}`],
    ['classic (IIFE)', () => `/classic.html?roomId=${uniqueRoom('lang')}`],
  ] as const) {
    it(`shows Arabic texts, right to left, with the ${build} build loading languages/ar.js beside its script`, async () => {
      const { page, loaded } = await visit(path());
      await expect.poll(() => element(page).getAttribute('dir'), { timeout: 15_000 }).toBe('rtl');
      await expect.poll(() => callButton(page).getAttribute('aria-label'), { timeout: 15_000 }).toBe(arabic.call);
      expect(await page.locator('cignal-call [part~="mic-button"]').getAttribute('data-tip')).toBe(arabic.microphone);
      expect(loaded).toEqual([`200 ${suite.server.url}/cignal@${packageVersion}/languages/ar.js`]);
    });
  }

  it('shows English, left to right, when the language file cannot be loaded (404)', async () => {
    const page = await suite.open();
    await page.route('**/languages/ar.js', (route) => route.fulfill({ status: 404, body: 'Not found' }));
    const failed = page.waitForResponse((response) => response.url().endsWith('/languages/ar.js'));
    await page.goto(`${site.url}/module.html?room=${uniqueRoom('lang')}`);
    expect((await failed).status()).toBe(404);
    // The element settles its direction once the load has failed: English is left to right.
    await expect.poll(() => element(page).getAttribute('dir'), { timeout: 15_000 }).toBe('ltr');
    await expect.poll(() => callButton(page).getAttribute('aria-label'), { timeout: 15_000 }).toBe(defaultLabels.call);
    expect(await page.locator('cignal-call [part~="status"]').textContent()).not.toMatch(/[\u0600-\u06ff]/);
  });
});
