/**
 * Milliseconds of the machine's monotonic clock (process.hrtime: CLOCK_MONOTONIC on Linux). Unlike
 * performance.now(), whose origin is each process's start, it reads the same in every process on
 * the machine, so a stamp taken in a simulator process and one taken in the host process can be
 * subtracted.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
