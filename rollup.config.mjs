// Browser bundles for the CDN routes, built from tsc's output in dist/.
// The inputs match the package's public entry points (package.json "exports").
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

// The "browser" condition picks socket.io-client's build without the debug module.
const plugins = [nodeResolve({ browser: true, exportConditions: ['browser', 'module', 'import', 'default'] })];
const minify = (module) => terser({ ecma: 2020, module, compress: { passes: 2 }, format: { comments: false } });

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
