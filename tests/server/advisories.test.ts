// The lockfile check: every installed copy of a network-facing dependency is past the fixes of the
// advisories published against it, nested copies included.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { compareVersions, findUnsafe, floorFor } from '../../scripts/check-advisories.mjs';

const root = new URL('../..', import.meta.url).pathname;
const script = join(root, 'scripts', 'check-advisories.mjs');

function run(lockfile?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, lockfile ? [script, lockfile] : [script]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

describe('the advisory check of package-lock.json', () => {
  test('passes on the committed lockfile', async () => {
    const { code, stdout, stderr } = await run();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/at or past/);
  });

  test('fails on a lockfile with an old ws nested under another package, naming it, its version, the floor and the advisory', async () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
    lock.packages['node_modules/engine.io/node_modules/ws'] = { version: '8.17.0', resolved: 'https://registry.npmjs.org/ws/-/ws-8.17.0.tgz' };
    const file = join(mkdtempSync(join(tmpdir(), 'cignal-lock-')), 'package-lock.json');
    writeFileSync(file, JSON.stringify(lock));

    const { code, stderr } = await run(file);
    expect(code).toBe(1);
    expect(stderr).toContain('ws@8.17.0 at node_modules/engine.io/node_modules/ws is below 8.21.1');
    expect(stderr).toContain('GHSA-96hv-2xvq-fx4p');
    expect(stderr).toContain('npm install ws@^8.21.1');
  });

  test('each release line of path-to-regexp has its own floor, and lines left without a fix fail', () => {
    const unsafe = (version: string) => findUnsafe({ packages: { 'node_modules/x/node_modules/path-to-regexp': { version } } }).length > 0;
    expect(['0.1.12', '1.8.0', '3.2.0', '6.2.2', '7.2.0', '8.3.0', '2.4.0'].filter(unsafe)).toEqual(['0.1.12', '1.8.0', '3.2.0', '6.2.2', '7.2.0', '8.3.0', '2.4.0']);
    expect(['0.1.13', '1.9.0', '3.3.0', '6.3.0', '8.4.0', '8.4.2', '9.0.0'].filter(unsafe)).toEqual([]);
    expect(floorFor('socket.io-parser', '3.4.4')).toMatchObject({ min: '3.4.5' });
    expect(floorFor('socket.io', '3.1.2')).toMatchObject({ min: '4.6.2' });
    expect(floorFor('cookie', '1.0.2')).toBeNull();
  });

  test('versions compare as semver does, pre-releases before their release', () => {
    expect(compareVersions('8.21.0', '8.21.1')).toBe(-1);
    expect(compareVersions('8.10.0', '8.9.9')).toBe(1);
    expect(compareVersions('3.0.0-alpha.3', '3.0.0')).toBe(-1);
    expect(compareVersions('3.0.0-alpha.10', '3.0.0-alpha.3')).toBe(1);
    expect(compareVersions('1.2.3', '1.2.3')).toBe(0);
  });
});
