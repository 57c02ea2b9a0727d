// Content-Security-Policy and Trusted Types violations of a page, as the browser reports them:
// `securitypolicyviolation` events from the page's first script on, and Chromium's console errors.
import type { Page } from 'playwright-core';
import type { TestPage } from './harness.js';

export interface Violation {
  directive: string;
  blocked: string;
  sample: string;
  source: string;
}

const consoleErrors = new WeakMap<object, string[]>();

/**
 * Runs in the page before its first script: keeps every `securitypolicyviolation` event. Captured
 * on the document, where events from inside the element's shadow root arrive too (they are composed).
 */
export function listenForViolations(): void {
  const seen: unknown[] = [];
  (window as unknown as { cspViolations: unknown[] }).cspViolations = seen;
  document.addEventListener(
    'securitypolicyviolation',
    (event) => seen.push({ directive: event.effectiveDirective, blocked: event.blockedURI, sample: event.sample, source: `${event.sourceFile}:${event.lineNumber}` }),
    true,
  );
}

/** Starts recording before the page (or any page it navigates to) runs a script. Call before goto. */
export async function recordViolations(page: Page): Promise<void> {
  const errors: string[] = [];
  consoleErrors.set(page, errors);
  page.on('console', (message) => {
    if (/content.security.policy|trusted.?type/i.test(message.text())) errors.push(message.text());
  });
  await page.addInitScript(listenForViolations);
}

/** What was reported so far: the events, and the console errors that speak of the policy (Chromium). */
export async function violations(page: Page | TestPage): Promise<{ events: Violation[]; console: string[] }> {
  const events = await page.evaluate(() => (window as unknown as { cspViolations: Violation[] }).cspViolations);
  return { events, console: consoleErrors.get(page as Page) ?? [] };
}

/**
 * Breaks the policy on purpose, once for Trusted Types (a string into innerHTML) and once for
 * img-src (a picture from an origin no policy here lists): proves the recording sees what it is
 * meant to see. Resolves with the directives the page was expected to report.
 */
export async function provokeViolations(page: Page | TestPage): Promise<string[]> {
  await page.evaluate(() => {
    try {
      document.createElement('div').innerHTML = '<b>not trusted</b>';
    } catch {
      // Refused, as it should be: the report is what the caller looks for.
    }
    const picture = new Image();
    picture.src = 'http://127.0.0.1:9/not-allowed.png';
    document.body.append(picture);
  });
  return ['require-trusted-types-for', 'img-src'];
}
