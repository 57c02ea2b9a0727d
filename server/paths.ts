// Where the package's files are, whether running from source (tsx) or from dist/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'cignal') return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the cignal package root above ${from}`);
  }
}

export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
export const packageVersion: string = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).version;
/** The browser bundles built by rollup, with their .gz/.br twins and sri.json. */
export const cdnDir = join(packageRoot, 'dist', 'cdn');
export const demoDir = join(packageRoot, 'demo');
