// What each source module weighs in a built browser bundle, read from the bundle's source map:
//   node scripts/size-by-module.mjs [cignal-call.js|cignal.js|cignal-call.iife.js] [--all]
// Every character of the minified bundle counts for the module its source-map segment points
// into (a line without a segment, inside a multi-line template literal, for the module before it).
// The gzip column is what the bundle would lose without that module's characters: gzip cannot be
// split exactly, so the column does not add up to the whole, but it ranks modules as removing
// them would. Run `npm run build` first; heaviest first, the top 25 without --all.
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const name = args.find((arg) => !arg.startsWith('--')) ?? 'cignal-call.js';
const file = new URL(`../dist/cdn/${name}`, import.meta.url);
if (!existsSync(file)) {
  console.error(`dist/cdn/${name} is missing: run npm run build`);
  process.exit(1);
}
const code = readFileSync(file, 'utf8');
const map = JSON.parse(readFileSync(new URL(`${file.href}.map`), 'utf8'));

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** The numbers of one source-map segment (base64 VLQ). */
function decodeSegment(text) {
  const values = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return values;
}

// owner[i]: the index in map.sources of the module that produced character i, or -1.
const owner = new Int32Array(code.length).fill(-1);
const lines = code.split('\n');
let lineStart = 0;
let source = 0;
// A line without a segment of its own is inside a multi-line template literal (the element's
// styles and markup): it belongs to the module of the segment before it.
let current = -1;
map.mappings.split(';').forEach((line, index) => {
  const length = lines[index]?.length ?? 0;
  let column = 0;
  let from = 0;
  for (const segment of line ? line.split(',') : []) {
    const values = decodeSegment(segment);
    column += values[0];
    owner.fill(current, lineStart + from, lineStart + column);
    from = column;
    if (values.length > 1) source += values[1];
    current = values.length > 1 ? source : -1;
  }
  owner.fill(current, lineStart + from, lineStart + length + 1); // with its line break
  lineStart += length + 1;
});

const label = (index) => (index < 0 ? '(no source)' : map.sources[index].replace(/^(\.\.\/)+(main\/)?(node_modules\/)?/, ''));
const gzip = (text) => gzipSync(Buffer.from(text), { level: 9 }).length;
const whole = gzip(code);

const chars = new Map();
for (const index of owner) chars.set(index, (chars.get(index) ?? 0) + 1);
const rows = [...chars.keys()].map((index) => {
  let rest = '';
  for (let i = 0, start = -1; i <= code.length; i++) {
    const kept = i < code.length && owner[i] !== index;
    if (kept && start < 0) start = i;
    if (!kept && start >= 0) {
      rest += code.slice(start, i);
      start = -1;
    }
  }
  return { module: label(index), raw: chars.get(index), gzip: whole - gzip(rest) };
});
rows.sort((a, b) => b.gzip - a.gzip);

const shown = args.includes('--all') ? rows : rows.slice(0, 25);
const kb = (n) => (n / 1024).toFixed(2).padStart(7);
console.log(`${name}: ${kb(code.length)} KB minified, ${kb(whole)} KB gzip, ${rows.length} modules`);
console.log('minified KB  gzip KB  module');
for (const row of shown) console.log(`${kb(row.raw)}    ${kb(row.gzip)}  ${row.module}`);
if (shown.length < rows.length) console.log(`(${rows.length - shown.length} more: --all)`);
