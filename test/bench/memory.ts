// Memory for the benchmarks: the process's resident set and heap, sampled while a phase runs,
// so each phase reports its peak beside the figure it started from.

export interface MemoryFigures {
  /** resident set size when the phase started, MiB */
  startRssMb: number;
  /** the highest resident set size seen during the phase, MiB */
  peakRssMb: number;
  /** the highest V8 heap in use seen during the phase, MiB */
  peakHeapMb: number;
}

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** Starts sampling every `everyMs`; `stop()` ends it and returns the figures. */
export function sampleMemory(everyMs = 100): { stop(): MemoryFigures } {
  const start = process.memoryUsage();
  let peakRss = start.rss;
  let peakHeap = start.heapUsed;
  const take = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(take, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      take();
      return { startRssMb: mb(start.rss), peakRssMb: mb(peakRss), peakHeapMb: mb(peakHeap) };
    },
  };
}
