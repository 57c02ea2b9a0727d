// Tests in Debian's Chromium with fake camera and microphone (npm run test:widget): <cignal-call>'s, and the SDK's parts that need a browser.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { CHROMIUM, chromiumArgs } from './tests/helpers/chromium.mjs';

export default {
  files: ['tests/widget/**/*.test.ts', 'tests/sdk/**/*.browser.test.ts'],
  // No 'development' condition: socket.io's debug builds import the CommonJS debug package.
  nodeResolve: { browser: true, exportConditions: ['browser'] },
  middleware: [
    // Run from source, the element loads its parts beside its script as it does from the CDN
    // (`new URL('parts/pip.js', ...)` from widget/): that is the part's TypeScript source here.
    (context, next) => {
      const source = context.path.match(/^(\/widget\/.+)\.js$/)?.[1];
      if (source && existsSync(fileURLToPath(new URL(`.${source}.ts`, import.meta.url)))) context.url = `${source}.ts${context.search}`;
      return next();
    },
  ],
  plugins: [
    esbuildPlugin({
      ts: true,
      target: 'es2022',
      tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)),
    }),
  ],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath: CHROMIUM,
        headless: true,
        // Two cameras, so that the device menu has a choice to make.
        args: chromiumArgs.map((arg) => (arg === '--use-fake-device-for-media-stream' ? `${arg}=device-count=2` : arg)),
      },
    }),
  ],
  testFramework: { config: { timeout: 10000 } },
};
