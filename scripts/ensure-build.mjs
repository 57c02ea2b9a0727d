// Builds the package when dist/ is missing or older than a source file, so `npm start` always
// serves what the sources say without rebuilding every time.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const stamp = join(root, 'dist', 'cdn', 'sri.json');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const sources = ['server', 'sdk', 'widget', 'package.json', 'rollup.config.mjs', 'tsconfig.json']
  .map((name) => join(root, name))
  .filter(existsSync)
  .map((path) => (statSync(path).isDirectory() ? newest(path) : statSync(path).mtimeMs));

if (!existsSync(stamp) || Math.max(...sources) > statSync(stamp).mtimeMs) {
  console.log('Building Cignal…');
  execSync('npm run build', { cwd: root, stdio: 'inherit' });
}
