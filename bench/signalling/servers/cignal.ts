// Cignal's server exactly as `npm start` runs it (dist/server/main.js, configured by the
// environment), with the benchmark's probe loaded first. BENCH_SERVER_DIST names another build's
// dist/ (e.g. a worktree at an earlier commit) to run instead, for a comparison in the same run.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import './probe.js';

const dist = process.env.BENCH_SERVER_DIST;
await import(dist ? pathToFileURL(resolve(dist, 'server/main.js')).href : ('../../../dist/server/main.js' as string));
