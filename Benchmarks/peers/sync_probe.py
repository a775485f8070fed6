"""A small-commit probe: appends 25 KB to a file and calls fdatasync every 5 ms (what an inbox
group commit of one 100-event request does) until the file STOP exists, then prints the syncs'
latency percentiles and how many were slow. Run beside a flush, it shows how long an
acknowledgement would wait on the disk behind the flush's writes.

Usage: python3 sync_probe.py FILE STOP
"""
import os
import sys
import time

path, stop = sys.argv[1], sys.argv[2]
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
payload = os.urandom(25 * 1024)
latencies = []
offset = 0
while not os.path.exists(stop):
    started = time.perf_counter()
    os.pwrite(fd, payload, offset)
    offset = 0 if offset > (64 << 20) else offset + len(payload)
    os.fdatasync(fd)
    latencies.append((time.perf_counter() - started) * 1000)
    time.sleep(0.005)
os.close(fd)
os.unlink(path)
latencies.sort()
if not latencies:
    print("sync probe: no syncs (the run ended before the first)")
    sys.exit(0)


def quantile(q):
    return latencies[min(len(latencies) - 1, int(q * len(latencies)))]


print(
    f"sync probe: {len(latencies)} syncs, p50 {quantile(0.5):.1f} ms, p99 {quantile(0.99):.1f} ms, "
    f"slowest {latencies[-1]:.1f} ms, {sum(x > 20 for x in latencies)} over 20 ms, "
    f"{sum(x > 50 for x in latencies)} over 50 ms"
)
