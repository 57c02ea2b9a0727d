// After rollup: precompress every bundle, language file and part (brotli, gzip) and publish SRI
// hashes in sri.json, by path under dist/cdn (`cignal-call.js`, `languages/ar.js`, `parts/pip.js`).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = new URL('../dist/cdn/', import.meta.url).pathname;
const sri = {};
for (const name of readdirSync(dir, { recursive: true }).sort()) {
  if (!/\.(js|map)$/.test(name)) continue;
  const body = readFileSync(join(dir, name));
  writeFileSync(join(dir, `${name}.gz`), gzipSync(body, { level: 9 }));
  writeFileSync(
    join(dir, `${name}.br`),
    brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
  );
  if (name.endsWith('.js')) sri[name] = `sha384-${createHash('sha384').update(body).digest('base64')}`;
}
writeFileSync(join(dir, 'sri.json'), `${JSON.stringify(sri, null, 2)}\n`);
console.log(`dist/cdn: ${Object.keys(sri).length} bundles, language files and parts compressed, SRI hashes in sri.json`);
