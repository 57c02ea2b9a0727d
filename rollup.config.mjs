// Browser bundles for the CDN routes, built from tsc's output in dist/.
// The inputs match the package's public entry points (package.json "exports").
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

/**
 * The SDK asks socket.io for WebSocket and HTTP long-polling only, so engine.io's WebTransport
 * transport (about 0.6 KB gzip) is left out of the bundles.
 */
const withoutWebTransport = {
  name: 'without-webtransport',
  resolveId(source, importer) {
    return source === './webtransport.js' && importer?.includes('engine.io-client') ? '\0no-webtransport' : null;
  },
  load(id) {
    return id === '\0no-webtransport' ? 'export const WT = undefined;' : null;
  },
};

// The "browser" condition picks socket.io-client's build without the debug module.
const plugins = [withoutWebTransport, nodeResolve({ browser: true, exportConditions: ['browser', 'module', 'import', 'default'] })];
const minify = (module) => terser({ ecma: 2020, module, compress: { passes: 3 }, format: { comments: false } });

export default [
  {
    // The SDK alone, for pages that build their own UI.
    input: 'dist/sdk/index.js',
    output: { file: 'dist/cdn/cignal.js', format: 'es', sourcemap: true, plugins: [minify(true)] },
    plugins,
  },
  {
    // <cignal-call> with everything inside: Lit, the SDK, socket.io-client.
    input: 'dist/widget/index.js',
    output: [
      { file: 'dist/cdn/cignal-call.js', format: 'es', sourcemap: true, plugins: [minify(true)] },
      // For pages that cannot load modules: the same code, run at once, exposing `CignalWidget`.
      { file: 'dist/cdn/cignal-call.iife.js', format: 'iife', name: 'CignalWidget', sourcemap: true, plugins: [minify(false)] },
    ],
    plugins,
  },
];
