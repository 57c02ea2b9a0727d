// After tsc: the commands named in package.json "bin" become executable files, so that they are
// executable in the packed tarball too (npm packs each file with the mode it has here).
import { chmodSync, readFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const { bin } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
for (const file of Object.values(bin)) chmodSync(new URL(file, root), 0o755);
