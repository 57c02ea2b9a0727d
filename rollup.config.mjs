// Browser bundles for the CDN routes, built from tsc's output in dist/.
// The inputs match the package's public entry points (package.json "exports").
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';

const plugins = [
  // The "browser" condition picks socket.io-client's build without the debug module.
  nodeResolve({ browser: true, exportConditions: ['browser', 'module', 'import', 'default'] }),
  terser({ ecma: 2020, module: true, format: { comments: false } }),
];

export default [
  {
    input: 'dist/sdk/index.js',
    output: { file: 'dist/cdn/cignal.js', format: 'es', sourcemap: true },
    plugins,
  },
];
