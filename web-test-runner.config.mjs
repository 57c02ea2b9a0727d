// Tests in Debian's Chromium with fake camera and microphone (npm run test:widget): <cignal-call>'s, and the SDK's parts that need a browser.
import { fileURLToPath } from 'node:url';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { CHROMIUM, chromiumArgs } from './tests/helpers/chromium.mjs';

export default {
  files: ['tests/widget/**/*.test.ts', 'tests/sdk/**/*.browser.test.ts'],
  // No 'development' condition: socket.io's debug builds import the CommonJS debug package.
  nodeResolve: { browser: true, exportConditions: ['browser'] },
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
