// Prints each browser bundle's raw, gzip and brotli size and fails when one is over budget.
// What each module inside a bundle weighs: node scripts/size-by-module.mjs [bundle] [--all].
import { readFileSync, existsSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/**
 * Budgets in bytes of gzip, everything inside the bundle included. Of the widget's 36.3 KB,
 * socket.io-client is about 11 KB (WebTransport left out, polling over fetch), Lit about 5.5 KB,
 * the SDK about 12.5 KB (the roadmap features took it from 18 to 23.3 KB) and the element about
 * 7 KB, of which the call UI (icons, remote state, network bars, chat panel, device menu,
 * pre-join screen, full screen, their styles) is 4.8 KB. Calls that do not drop (the recovery
 * policy, signals kept while the server is away, the partner waited for after a server restart,
 * a reload back into the call) added 1.2 KB to the SDK and 0.3 KB to the element; bringing the
 * video back within about a second of a network's return (a key frame whenever what we sent may
 * have been lost, one at a time, an immediate reconnect, `reconnecting` from what actually arrives)
 * 0.5 KB more; leaving the path that comes back with the network alone rather than restarting ICE,
 * key frames asked for and sent when media returns, and duplicate offers and answers absorbed,
 * 0.26 KB. The element's styles are compacted in the build (rollup.config.mjs): 0.16 KB less.
 * Copies of offers and answers told apart by their origin line rather than their whole SDP (which
 * grows with candidates): 0.03 KB. Calls that recover in every browser pair took 1.6 KB more: ICE
 * restarts asked of the side that opened the connection (so that Firefox and Chromium never flip
 * their DTLS roles), the recovery ladder for a path that ICE calls connected but that carries
 * nothing (bytes watched after every restart, another restart, then a new connection), a
 * `restartIce()` that waits for the new path to carry data both ways, a browser without WebRTC
 * told and its caller declined, network status read over a whole interval, and the Safari
 * review's sound, speaker and screen-picker fixes in the element. Security by default took 0.6 KB
 * in the SDK (the verification code from the DTLS fingerprints, TURN failures read from
 * icecandidateerror, the relay-only check, seat secrets and join tokens carried on every
 * reconnect, a rate-limited join asked again after its hint) and 0.5 KB more in the element (the
 * verify control, its icon and text, the seat secret kept for reloads, `token` and `relay-only`).
 * The budgets hold that with a little headroom, so that any further growth is a decision. The
 * element's controller split by job (session, pre-join, chat, reload), its render in named
 * pieces, the call engine under a thin Cignal and attachRemote cost about 0.7 KB in the SDK and
 * 0.3 KB more in the element; socket.io-parser without binary attachments (0.5 KB) and
 * engine.io-parser's packets as text only (0.3 KB) won it back (rollup.config.mjs), so both
 * bundles are below their size before the refactor (29.1 and 43.3 KB). The element entering its
 * room at its first update rather than when connected (so that properties a framework sets just
 * after inserting it count) and waiting out `defer-hydration` on server-rendered markup: 0.08 KB.
 * Won back for the features to come, with no change in behaviour (rollup.config.mjs): socket.io's
 * and engine.io's `_` internals renamed in each bundle (0.22 KB), and socket.io-parser for text
 * packets only in place of the parser with its binary attachments stubbed (0.62 KB): the element
 * 43.0 -> 42.2 KB, the SDK 28.5 -> 27.7 KB, the budgets left where they were. Then, for picture-in-
 * picture, the wake lock and the languages: engine.io-client's upgrade machinery left out, which
 * never runs with the SDK's transports (WebSocket first, polling only when it fails, so nothing to
 * probe; `upgrade: false` says so): 0.58 KB in each bundle, the element 42.5 -> 41.9 KB, the SDK
 * 28.0 -> 27.4 KB; each run of whitespace in the element's templates made one character (what
 * HTML shows of it): 0.04 KB. Measured and left out: other terser settings (at most 0.06 KB,
 * `pure_getters`), removing the template whitespace between tags altogether (0.04 KB more, and a
 * space between inline elements shows). The SDK's and the element's debug-level log lines (all
 * 33) are left out of these bundles, which production pages load (the package's modules keep them
 * for a trace: README, Logging): 0.58 KB in the SDK and 0.59 KB in the element. socket.io-client's
 * Socket without the methods the SDK never calls (catch-all listeners, `volatile`, `compress`, the
 * `retries` queue): 0.35 KB in each.
 * Picture-in-picture's code (the
 * Document Picture-in-Picture window, its template and styles, the video fallback, `pagehide`,
 * `cignal-pip-change`, `auto-pip`) moved out of the bundle to `parts/pip.js`, loaded from beside
 * the script when a call starts (1.4 KB gzip there, outside the budgets); what stays is which kind
 * the browser has, the button, the two methods and the loader: the element 44.8 -> 44.1 KB (0.65 KB).
 * Issue 20 took, before those savings: languages 1.4 KB in the element (the loader, the full
 * English table with a sentence for every error code, plural forms through Intl.PluralRules,
 * right-to-left styles; the 22 other tables are served beside the bundle, 1.4-1.9 KB each, outside
 * the budget), picture-in-picture 1 KB (0.35 KB once its window moved to parts/pip.js), the wake
 * lock and the camera paused in the background 0.6 KB in each bundle. The element's budget did
 * not move.
 * Recording with both people's consent (issue 21) is in the SDK because both sides need it, the
 * asking one to record and the other to be asked: 2.2 KB in the SDK (the consent over the data
 * channel and the state both sides hear, 0.7 KB; the recorder: a canvas drawn on a timer, the
 * voices mixed with Web Audio and re-attached when a track is replaced, MediaRecorder's chunks up
 * to a byte limit, 1.1 KB; two error codes and the events) and 0.9 KB more in the element (the
 * record button and its icon, the request with Accept and Decline, the indicator, the download
 * link, their texts and styles). A report for every call (issue 21: figures folded from the samples
 * the network monitor already takes, the outages CallHealth tells, the first decoded frame; sent
 * to a server that takes them) 0.8 KB in each. With both, the SDK 27.7 -> 30.1 KB and the element
 * 44.3 -> 47.1 KB (48,255 B); the budgets moved by as much, with about 0.3 KB of headroom.
 * Then PeerSession's ICE gathering watch and key frames in modules of their own (issue 18: no file
 * in sdk/ over about 400 lines) 0.13 KB, and a recording's last consent frame sent again on a
 * rebuilt connection's channel (a stop said during an outage must arrive) 0.12 KB, in each bundle:
 * the SDK 30.1 -> 30.3 KB, the element 47.1 -> 47.4 KB (48,522 B); the budgets moved by 0.2 KB.
 * Then the recorder left the bundles: `parts/recorder.js` beside the script (1.4 KB gzip there),
 * loaded when a call starts (sdk/recording.ts, rollup.config.mjs): the SDK 30.4 -> 29.4 KB, the
 * element 47.4 -> 46.5 KB; the budgets came down by 1 KB.
 * React support (`cignal/react`) is an entry of its own, outside these bundles. The classic-script build carries the same code as the module one
 * plus its wrapper (about 0.1 KB gzip), and its budget says so.
 */
const budgets = {
  'cignal.js': 29.6 * 1024,
  'cignal-call.js': 46.6 * 1024,
  'cignal-call.iife.js': 46.7 * 1024,
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
