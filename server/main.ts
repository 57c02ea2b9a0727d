#!/usr/bin/env node
// Entry point of `npm start` and of `npx cignal` (package.json "bin"): both run the command line.
import { runCommandLine } from './cli.js';

await runCommandLine(process.argv.slice(2));
