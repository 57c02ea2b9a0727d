// Prints each browser bundle's raw, gzip and brotli size and fails when one is over budget.
import { readFileSync, existsSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/**
 * Budgets in bytes of gzip, everything inside the bundle included. socket.io-client alone is
 * 12.0 KB of the SDK (WebTransport left out). The roadmap features (media control, devices,
 * screen share, the data channel with chunking, network status) took the SDK from 18 to 23.3 KB;
 * the budgets hold that with a little headroom, so that any further growth is a decision.
 */
const budgets = {
  'cignal.js': 24 * 1024,
  'cignal-call.js': 32.5 * 1024,
  'cignal-call.iife.js': 32.5 * 1024,
};

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
let over = false;
console.log('bundle                  raw        gzip      brotli    budget (gzip)');
for (const [name, budget] of Object.entries(budgets)) {
  const file = new URL(`../dist/cdn/${name}`, import.meta.url);
  if (!existsSync(file)) {
    console.log(`${name.padEnd(22)}  missing: run npm run build`);
    over = true;
    continue;
  }
  const body = readFileSync(file);
  const gzip = gzipSync(body, { level: 9 }).length;
  const br = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  const ok = gzip <= budget;
  over ||= !ok;
  console.log(`${name.padEnd(22)}  ${kb(body.length).padStart(9)}  ${kb(gzip).padStart(9)}  ${kb(br).padStart(9)}  ${kb(budget)} ${ok ? 'ok' : 'OVER BUDGET'}`);
}
process.exit(over ? 1 : 0);
