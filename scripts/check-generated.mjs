// Fails when a generated file in the repository no longer matches the code: custom-elements.json
// (from the element's JSDoc) and README's embed snippets (version and SRI hashes of the build).
// `npm run docs` regenerates both.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'cignal-cem-'));
execFileSync('npx', ['cem', 'analyze', '--outdir', relative(root, out), '--quiet'], { cwd: root, stdio: 'ignore' });
const fresh = readFileSync(join(out, 'custom-elements.json'), 'utf8');
const committed = readFileSync(join(root, 'custom-elements.json'), 'utf8');
let stale = false;
if (fresh !== committed) {
  console.error('custom-elements.json does not match widget/: run `npm run docs` and commit it');
  stale = true;
}
try {
  execFileSync(process.execPath, [join(root, 'scripts', 'readme-snippets.mjs'), '--check'], { stdio: 'inherit' });
} catch {
  stale = true;
}
if (stale) process.exit(1);
console.log('custom-elements.json matches widget/');
