// custom-elements.json from the element's JSDoc (`npm run analyze`). package.json already names
// the manifest, so the analyzer must not rewrite it.
export default {
  globs: ['widget/**/*.ts'],
  // The language tables are data the element loads, not part of its API.
  exclude: ['widget/languages/**'],
  litelement: true,
  packagejson: false,
};
