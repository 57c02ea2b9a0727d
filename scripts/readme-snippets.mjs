// Keeps README's embed snippets true to the build: writes the current version and the SRI hashes
// from dist/cdn/sri.json into them. `--check` only reports whether README is up to date.
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const readme = new URL('README.md', root);
const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const sri = JSON.parse(readFileSync(new URL('dist/cdn/sri.json', root), 'utf8'));

const before = readFileSync(readme, 'utf8');
const after = before.replace(
  /(src="[^"]*\/cignal@)[^/"]+\/([\w.-]+\.js)"(\s+integrity=")[^"]*"/g,
  (_match, prefix, file, integrity) => {
    if (!sri[file]) throw new Error(`README names ${file}, which the build does not produce`);
    return `${prefix}${version}/${file}"${integrity}${sri[file]}"`;
  },
);

if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error('README.md embed snippets are out of date: run `npm run docs`');
    process.exit(1);
  }
  console.log('README.md embed snippets match the build');
} else if (after !== before) {
  writeFileSync(readme, after);
  console.log('README.md embed snippets updated');
}
