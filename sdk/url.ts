// Page URL helpers and random ids.

/** Reads `key` from the page's query string, or returns `defaultValue`. */
export function getUrlParam<T = undefined>(key: string, defaultValue?: T): string | T {
  const value = new URLSearchParams(globalThis.location?.search ?? '').get(key);
  return value ?? (defaultValue as T);
}

/** A URL-safe random id of `bytes` random bytes (16 bytes = 128 bits = 22 characters). */
export function randomId(bytes = 16): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  let text = '';
  for (const byte of raw) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Where socket.io lives for a server base URL: its origin, and the path of its directory
 * (`https://host/` → `/socket.io`, `https://host/calls/` → `/calls/socket.io`).
 */
export function socketTarget(url: string): { origin: string; path: string } {
  const parsed = new URL(url, globalThis.location?.href);
  const dir = parsed.pathname.slice(0, parsed.pathname.lastIndexOf('/') + 1);
  return { origin: parsed.origin, path: `${dir}socket.io` };
}
