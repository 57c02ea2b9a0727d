// Cignal's server exactly as `npm start` runs it (dist/server/main.js, configured by the
// environment), with the benchmark's probe loaded first.
import './probe.js';

await import('../../../dist/server/main.js' as string);
