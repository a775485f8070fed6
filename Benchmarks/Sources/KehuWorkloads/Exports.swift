// The stopwatch lives in its own target so kehu-analyses can use it alone; the workloads' users
// (kehu-measure, kehu-fit, the ordo-one benchmarks) keep getting it from here.
@_exported import KehuStopwatch
