// custom-elements.json from the element's JSDoc (`npm run analyze`). package.json already names
// the manifest, so the analyzer must not rewrite it.
export default {
  globs: ['widget/**/*.ts'],
  litelement: true,
  packagejson: false,
};
