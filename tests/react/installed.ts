// The package as a user's project has it: a folder where `cignal` is installed (node_modules/cignal,
// a link to this checkout and its dist/), with react and react-dom beside it, and test scripts
// bundled with esbuild that import it by its name.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { packageRoot } from '../../server/paths.js';

export interface InstalledPackage {
  dir: string;
  remove(): void;
}

/** A fresh folder with `cignal`, `react` and `react-dom` in its node_modules. */
export function installPackage(): InstalledPackage {
  const dir = mkdtempSync(join(tmpdir(), 'cignal-app-'));
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  symlinkSync(packageRoot, join(modules, 'cignal'), 'dir');
  for (const name of ['react', 'react-dom']) symlinkSync(join(packageRoot, 'node_modules', name), join(modules, name), 'dir');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Bundles a test script for plain `node` into `dir`, leaving every package (cignal's entry points
 * among them) to Node's own resolution there. Returns the bundle's path.
 */
export async function bundleForNode(entry: string, dir: string): Promise<string> {
  const outfile = join(dir, 'script.mjs');
  await build({ entryPoints: [join(packageRoot, entry)], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'error' });
  return outfile;
}

/** Bundles TSX source (README's React example with a line that renders it) for plain `node` into `dir`. */
export async function bundleTsxForNode(source: string, dir: string): Promise<string> {
  const outfile = join(dir, 'tsx-script.mjs');
  await build({ stdin: { contents: source, loader: 'tsx', resolveDir: dir }, outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', jsx: 'automatic', packages: 'external', logLevel: 'error' });
  return outfile;
}

/**
 * Bundles a test page's script for the browser as a web developer's bundler would: `cignal/react`
 * resolved through the package's `exports` to dist/, React in production mode. Returns the code.
 */
export async function bundleForBrowser(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [join(packageRoot, entry)],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
  });
  return result.outputFiles[0]!.text;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node script args...` in `dir` with nothing but PATH in its environment; resolves when it exits by itself. */
export function runNode(script: string, args: string[], dir: string): Promise<Run> {
  const child = spawn(process.execPath, [script, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
