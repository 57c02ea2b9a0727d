// Entry point of `npm start`: reads the configuration, listens, and shuts down cleanly.
import { ConfigError, loadDotEnv, readConfig } from './config.js';
import { createServer } from './server.js';

loadDotEnv();
try {
  const server = await createServer({ config: readConfig() });
  const url = await server.listen();
  console.log(`Cignal is listening on ${url}`);
  const stop = (signal: string) => {
    console.log(`${signal}: closing`);
    void server.close().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 5_000).unref();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exit(78);
  }
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`Cannot listen: ${(error as Error).message}. Set PORT to a free port.`);
    process.exit(1);
  }
  throw error;
}
