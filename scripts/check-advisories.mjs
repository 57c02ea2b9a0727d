// Fails when package-lock.json installs a copy of a package that faces the network (the signalling
// server, its WebSocket, its HTTP parsing) below the first release that fixes every published
// advisory against it. Offline: it reads the lockfile and nothing else. Every installed copy
// counts, nested ones included (`node_modules/a/node_modules/ws`), because each is loaded by
// whatever depends on it.
//
// Usage: node scripts/check-advisories.mjs [path/to/package-lock.json]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The minimum safe version of each package, per release line. A line is a version prefix: '8'
 * is every 8.x, '3.4' every 3.4.x; the longest prefix that matches a version decides. A version
 * on a line with no floor of its own is measured against the newest line's floor when it is older
 * than that line (old lines that got no fix), and passes when it is newer (a later major).
 * Sources: the GitHub Advisory Database (GHSA ids) and the projects' own advisories.
 */
export const floors = {
  'socket.io': [
    // GHSA-25hc-qcg6-38wj (CVE-2024-38355): a crafted packet throws an unhandled 'error' and kills
    // the process. Fixed in 4.6.2 and, on 2.x, 2.5.1; 3.x got no fix.
    { line: '4', min: '4.6.2', advisory: 'GHSA-25hc-qcg6-38wj (CVE-2024-38355)' },
    { line: '2', min: '2.5.1', advisory: 'GHSA-25hc-qcg6-38wj (CVE-2024-38355)' },
  ],
  'engine.io': [
    // GHSA-gr94-w7qr-f4j3 (WebTransport session id denial of service) and GHSA-r635-g3xr-vw7x
    // (polling connections exhausted), both fixed in 6.6.9; CVE-2026-59725 (invalid binary POST
    // bodies) in 6.6.7; GHSA-q9mw-68c2-j6m5 (CVE-2023-31125, uncaught exception) in 6.4.2.
    { line: '6', min: '6.6.9', advisory: 'GHSA-gr94-w7qr-f4j3, GHSA-r635-g3xr-vw7x' },
  ],
  ws: [
    // GHSA-96hv-2xvq-fx4p (CVE-2026-48779): tiny fragments exhaust memory beyond maxPayload; fixed in
    // 8.21.0, 7.5.11, 6.2.4, 5.2.5. Its follow-up on 8.x (CVE-2026-62389) is fixed in 8.21.1, which
    // also carries the fix for GHSA-58qx-3vcg-4xpx (CVE-2026-45736, uninitialised memory sent).
    // GHSA-3h5v-q93c-6h6q (CVE-2024-37890, many headers crash the server) is older on every line.
    { line: '8', min: '8.21.1', advisory: 'GHSA-96hv-2xvq-fx4p (CVE-2026-48779), CVE-2026-62389, GHSA-58qx-3vcg-4xpx' },
    { line: '7', min: '7.5.11', advisory: 'GHSA-96hv-2xvq-fx4p (CVE-2026-48779)' },
    { line: '6', min: '6.2.4', advisory: 'GHSA-96hv-2xvq-fx4p (CVE-2026-48779)' },
    { line: '5', min: '5.2.5', advisory: 'GHSA-96hv-2xvq-fx4p (CVE-2026-48779)' },
  ],
  cookie: [
    // GHSA-pxg6-pf52-xh8x (CVE-2024-47764): names, paths and domains with out-of-bounds characters.
    { line: '0', min: '0.7.0', advisory: 'GHSA-pxg6-pf52-xh8x (CVE-2024-47764)' },
  ],
  koa: [
    // GHSA-7gcc-r8m5-44qm (CVE-2026-27959): Host header injection through ctx.hostname; fixed in
    // 3.1.2 and 2.16.4. 2.16.4 also carries GHSA-jgmv-j7ww-jx2x (CVE-2025-8129, open redirect
    // through redirect('back'), 2.16.2) and CVE-2025-25200 (ReDoS in the X-Forwarded-Proto parsing).
    { line: '3', min: '3.1.2', advisory: 'GHSA-7gcc-r8m5-44qm (CVE-2026-27959)' },
    { line: '2', min: '2.16.4', advisory: 'GHSA-7gcc-r8m5-44qm (CVE-2026-27959)' },
  ],
  'path-to-regexp': [
    // GHSA-9wv6-86v2-598j (CVE-2024-45296): backtracking expressions for two parameters in one
    // segment; fixed in 0.1.10, 1.9.0, 3.3.0, 6.3.0 and 8.0.0 (7.x got no fix). On 0.1.x,
    // GHSA-rhx6-c78j-4q9w (CVE-2024-52798) in 0.1.12 and GHSA-37ch-88jc-xwx2 (CVE-2026-4867) in
    // 0.1.13; on 8.x, GHSA-j3q9-mxjg-w52f and GHSA-27v5-c462-wpq7 (optional groups, wildcards) in 8.4.0.
    { line: '0.1', min: '0.1.13', advisory: 'GHSA-37ch-88jc-xwx2 (CVE-2026-4867)' },
    { line: '1', min: '1.9.0', advisory: 'GHSA-9wv6-86v2-598j (CVE-2024-45296)' },
    { line: '3', min: '3.3.0', advisory: 'GHSA-9wv6-86v2-598j (CVE-2024-45296)' },
    { line: '6', min: '6.3.0', advisory: 'GHSA-9wv6-86v2-598j (CVE-2024-45296)' },
    { line: '8', min: '8.4.0', advisory: 'GHSA-j3q9-mxjg-w52f, GHSA-27v5-c462-wpq7' },
  ],
  'socket.io-parser': [
    // CVE-2026-69185 (memory exhausted by crafted packets) fixed in 4.2.7, 3.4.5, 3.3.6; it follows
    // GHSA-677m-j7p3-52f9 (CVE-2026-33151, unbounded binary attachments: 4.2.6, 3.4.4, 3.3.5),
    // GHSA-cqmj-92xf-r6r9 (CVE-2023-32695) and GHSA-qm95-pgcg-qqfq (CVE-2022-2421).
    { line: '4', min: '4.2.7', advisory: 'CVE-2026-69185, GHSA-677m-j7p3-52f9 (CVE-2026-33151)' },
    { line: '3.4', min: '3.4.5', advisory: 'CVE-2026-69185, GHSA-677m-j7p3-52f9 (CVE-2026-33151)' },
    { line: '3.3', min: '3.3.6', advisory: 'CVE-2026-69185, GHSA-677m-j7p3-52f9 (CVE-2026-33151)' },
  ],
  'engine.io-client': [
    // No advisory names 6.x; 1.x and 3.x were hit through xmlhttprequest-ssl (CVE-2021-31597).
    // Older lines are unmaintained: below 6 fails.
    { line: '6', min: '6.0.0', advisory: 'CVE-2021-31597 (older lines)' },
  ],
  'socket.io-client': [
    // No advisory names 4.x itself: its decoder is socket.io-parser and its transport
    // engine.io-client, both checked above. Older lines are unmaintained and bundle vulnerable ones.
    { line: '4', min: '4.0.0', advisory: 'via socket.io-parser, engine.io-client (older lines)' },
  ],
  'body-parser': [
    // GHSA-qwcr-r2fm-qrc7 (CVE-2024-45590): denial of service with url encoding, fixed in 1.20.3;
    // GHSA-wqch-xfxh-vrr4: the same in 2.2.0, fixed in 2.2.1.
    { line: '2', min: '2.2.1', advisory: 'GHSA-wqch-xfxh-vrr4' },
    { line: '1', min: '1.20.3', advisory: 'GHSA-qwcr-r2fm-qrc7 (CVE-2024-45590)' },
  ],
  'co-body': [
    // No GHSA names co-body itself; 6.2.0 refuses prototype poisoning in JSON bodies
    // (cojs/co-body#87) and needs a qs past CVE-2022-24999 (prototype pollution).
    { line: '6', min: '6.2.0', advisory: 'cojs/co-body#87, CVE-2022-24999 (qs)' },
  ],
};

/** Parses "1.2.3" (a pre-release or build suffix ignored but for ordering) into numbers. */
function parse(version) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$/.exec(String(version).trim());
  if (!match) return null;
  return { parts: [Number(match[1]), Number(match[2]), Number(match[3])], pre: match[4] ?? null };
}

/** -1, 0 or 1 as semver orders `a` and `b`: a pre-release comes before its release. */
export function compareVersions(a, b) {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) throw new Error(`not a version: ${!x ? a : b}`);
  for (let i = 0; i < 3; i++) if (x.parts[i] !== y.parts[i]) return x.parts[i] < y.parts[i] ? -1 : 1;
  if (x.pre === y.pre) return 0;
  if (x.pre === null) return 1;
  if (y.pre === null) return -1;
  const p = x.pre.split('.');
  const q = y.pre.split('.');
  for (let i = 0; i < Math.max(p.length, q.length); i++) {
    if (p[i] === undefined) return -1;
    if (q[i] === undefined) return 1;
    if (p[i] === q[i]) continue;
    const [m, n] = [Number(p[i]), Number(q[i])];
    if (Number.isInteger(m) && Number.isInteger(n)) return m < n ? -1 : 1;
    return p[i] < q[i] ? -1 : 1;
  }
  return 0;
}

/** The floor a version is measured against, or null when it is on a line newer than every floor. */
export function floorFor(name, version) {
  const rules = floors[name];
  if (!rules) return null;
  const parsed = parse(version);
  if (!parsed) return { min: rules[0].min, advisory: 'unreadable version', line: '?' };
  const numbers = parsed.parts.map(String);
  const matches = rules.filter((rule) => {
    const line = rule.line.split('.');
    return line.every((part, i) => part === numbers[i]);
  });
  if (matches.length) return matches.sort((a, b) => b.line.length - a.line.length)[0];
  // A line with no floor of its own: older than the newest floor means a line left without a fix.
  const newest = [...rules].sort((a, b) => compareVersions(b.min, a.min))[0];
  return compareVersions(version, newest.min) < 0 ? newest : null;
}

/** Every installed copy of a watched package that is below its floor. */
export function findUnsafe(lock) {
  const problems = [];
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    if (!path.includes('node_modules/')) continue;
    // The installed name is what follows the last node_modules/ (scoped names keep their slash);
    // an alias ("ws-old": "npm:ws@...") installs under its alias but its real name is `name`.
    const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (!(name in floors) || entry.link) continue;
    const floor = floorFor(name, entry.version);
    if (!floor) continue;
    let below;
    try {
      below = compareVersions(entry.version, floor.min) < 0;
    } catch {
      below = true;
    }
    if (below) problems.push({ name, version: entry.version, path, min: floor.min, advisory: floor.advisory });
  }
  return problems;
}

function main() {
  const file = process.argv[2] ?? fileURLToPath(new URL('../package-lock.json', import.meta.url));
  const lock = JSON.parse(readFileSync(file, 'utf8'));
  if (!lock.packages) {
    console.error(`${file} has no "packages" map (lockfileVersion 2 or later is needed)`);
    process.exit(1);
  }
  const problems = findUnsafe(lock);
  if (problems.length) {
    console.error(`package-lock.json installs versions with known advisories:`);
    for (const p of problems) {
      console.error(`  ${p.name}@${p.version} at ${p.path} is below ${p.min}: ${p.advisory}`);
    }
    const names = [...new Set(problems.map((p) => `${p.name}@^${p.min}`))].join(' ');
    console.error(`Update them (for a direct dependency: npm install ${names}; for a nested one, update what depends on it or add an "overrides" entry) and commit package-lock.json.`);
    process.exit(1);
  }
  console.log(`package-lock.json: every copy of ${Object.keys(floors).join(', ')} is at or past its advisories' fixes`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
