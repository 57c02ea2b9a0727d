// A site on another origin that embeds <cignal-call> with README's own snippets: what a web
// developer pastes, served as plain HTML pages.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { packageRoot } from '../../server/paths.js';

const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');

/** The text of README's `<!-- snippet: name -->` code block (HTML, or a header's value). */
export function snippet(name: string): string {
  const match = new RegExp(`<!-- snippet: ${name} -->\\s*\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!match) throw new Error(`README.md has no "${name}" snippet`);
  return match[1]!;
}

/** README's strict policy (`embed-csp`) for a page embedding the element from `server`, where README says calls.example.com. */
export function documentedPolicy(server: string): string {
  const socket = server.replace(/^http/, 'ws');
  return snippet('embed-csp').trim().replaceAll('wss://calls.example.com', socket).replaceAll('https://calls.example.com', server);
}

export interface EmbedSite {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `/module.html` (the module snippet) and `/classic.html` (the classic one) on localhost,
 * with the script from `cignalUrl`. On `/module.html`, `?room=` sets `room-id` and each `?attr=`
 * (`prejoin`, `peer-name=Bob`) is added to the element. `headers` go with every page (a
 * Content-Security-Policy); `lang` is the pages' `<html lang>`.
 */
export async function startEmbedSite(cignalUrl: string, { headers = {}, lang = 'en' }: { headers?: Record<string, string>; lang?: string } = {}): Promise<EmbedSite> {
  const site = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const kind = url.pathname === '/classic.html' ? 'embed-classic' : 'embed-module';
    let html = snippet(kind).replaceAll('https://calls.example.com', cignalUrl);
    const room = url.searchParams.get('room');
    if (kind === 'embed-module') {
      if (room) html = html.replace(/room-id="[^"]*"/, `room-id="${room}"`);
      const attributes = url.searchParams.getAll('attr').map((attr) => {
        const [name, value = ''] = attr.split('=');
        return ` ${name}="${value.replace(/[&"<]/g, '')}"`;
      });
      html = html.replace('<cignal-call', `<cignal-call${attributes.join('')}`);
    }
    response.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Embed</title></head><body>\n${html}\n</body></html>`);
  });
  await new Promise<void>((resolve) => site.listen(0, 'localhost', resolve));
  return {
    url: `http://localhost:${(site.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => site.close(() => resolve())),
  };
}

/** The page's responses from here on for URLs containing `path`, as `<status> <url>`, filled as they come. */
export function responsesTo(page: Page, path: string): string[] {
  const seen: string[] = [];
  page.on('response', (response) => {
    if (response.url().includes(path)) seen.push(`${response.status()} ${response.url()}`);
  });
  return seen;
}

/** Resolves once the element's remote video has decoded frames and keeps decoding more. */
export async function remoteVideoPlays(page: Page, timeout = 20_000): Promise<void> {
  const frames = () =>
    page.evaluate(() => document.querySelector('cignal-call')!.shadowRoot!.querySelector<HTMLVideoElement>('[part~="remote-video"]')!.getVideoPlaybackQuality().totalVideoFrames);
  await page.waitForFunction(() => {
    const video = document.querySelector('cignal-call')?.shadowRoot?.querySelector<HTMLVideoElement>('[part~="remote-video"]');
    return !!video && video.videoWidth > 0 && video.getVideoPlaybackQuality().totalVideoFrames > 3;
  }, null, { timeout });
  const before = await frames();
  await page.waitForFunction(
    (before) => document.querySelector('cignal-call')!.shadowRoot!.querySelector<HTMLVideoElement>('[part~="remote-video"]')!.getVideoPlaybackQuality().totalVideoFrames > before + 5,
    before,
    { timeout },
  );
}
