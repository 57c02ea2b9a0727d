// Security headers of every HTTP response, and the Content-Security-Policy of the demo page.
import type Koa from 'koa';

export interface SecurityHeaderOptions {
  /** The `frame-ancestors` source list of the server's pages (config `frameAncestors`). */
  frameAncestors: string;
  /** Served over TLS: browsers are told to come back over HTTPS only. */
  tls: boolean;
}

// 180 days: long enough to matter, short enough to recover from a certificate mishap.
export const strictTransportSecurity = 'max-age=15552000';

/**
 * What a page of this server may use. The demo needs the camera, the microphone, screen sharing
 * and full screen for itself; nothing else, and never for a frame of another origin.
 */
const demoPermissions = [
  'camera=(self)',
  'microphone=(self)',
  'display-capture=(self)',
  'fullscreen=(self)',
  'autoplay=(self)',
  'clipboard-write=(self)',
  'geolocation=()',
  'payment=()',
  'usb=()',
  'serial=()',
  'bluetooth=()',
  'midi=()',
].join(', ');

/** A host as a browser may send it: a DNS name or an IP address, with an optional port. */
export const plainHost = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The demo page's policy: scripts, styles and sockets from this server only, no inline script,
 * no eval, Trusted Types enforced (Lit's `lit-html` policy is the only one the page creates).
 * `connect-src` names the WebSocket origin besides 'self', for browsers that do not count ws:/wss:
 * of the same host as 'self'.
 */
export function demoContentSecurityPolicy(ctx: Koa.Context, frameAncestors: string): string {
  const socketOrigin = plainHost.test(ctx.host) ? ` ${ctx.protocol === 'https' ? 'wss' : 'ws'}://${ctx.host.toLowerCase()}` : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self'${socketOrigin}`,
    // The element's pictures are inline SVG and its videos play MediaStreams (srcObject): neither
    // loads a URL, so img-src and media-src stay at 'none'.
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
    `frame-ancestors ${frameAncestors}`,
    "require-trusted-types-for 'script'",
    'trusted-types lit-html',
  ].join('; ');
}

/**
 * Sets the headers every response carries; routes add or replace what is theirs (the CDN routes
 * allow any origin to load the bundles, the demo page has its own policy). Responses that are no
 * page (JSON, scripts, plain-text errors, all with nosniff) need no policy of their own: nothing
 * runs in them.
 */
export function setSecurityHeaders(ctx: Koa.Context, options: SecurityHeaderOptions): void {
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('Cross-Origin-Resource-Policy', 'same-origin');
  if (options.tls) ctx.set('Strict-Transport-Security', strictTransportSecurity);
}

/** Turns a response into the demo page's: its own policy, framing and permissions. */
export function setPageHeaders(ctx: Koa.Context, options: SecurityHeaderOptions): void {
  ctx.set('Content-Security-Policy', demoContentSecurityPolicy(ctx, options.frameAncestors));
  ctx.set('Permissions-Policy', demoPermissions);
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
  // For browsers without frame-ancestors; those that have it ignore this header.
  if (options.frameAncestors === "'self'") ctx.set('X-Frame-Options', 'SAMEORIGIN');
  else if (options.frameAncestors === "'none'") ctx.set('X-Frame-Options', 'DENY');
}
