// Loaded first in every server under test: lets the benchmark ask for a full garbage collection
// (the process runs with --expose-gc) before it reads RSS, so idle-memory figures do not depend
// on when V8 last collected; and tells the time on V8's profiler clock (CLOCK_MONOTONIC, µs), so
// that a --cpu-prof profile can be cut to the measured parts. Costs nothing while workloads run.
process.on('message', (message) => {
  if (message === 'gc') {
    const collect = (globalThis as { gc?: () => void }).gc;
    collect?.();
    collect?.();
    process.send?.('gc-done');
  } else if (message === 'time') {
    process.send?.({ time: Number(process.hrtime.bigint() / 1000n) });
  }
});
// The channel must not keep a server alive, nor stop it from exiting on a signal.
process.channel?.unref();
