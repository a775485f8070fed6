"""Load driver for Benchmarks/run-server-kill.sh: sends Segment batches to a Kehu server from
several threads until the server goes away (it is killed with SIGKILL), and writes the messageId
of every message the server answered 200 for, one per line, so the store can be checked against
them afterwards.

Usage: segment_kill_load.py URL KEY OUT [--threads 8] [--batch 100] [--round R]
Prints one line: `requests N acknowledged N failed N events_acknowledged N seconds S`.
"""
import argparse
import base64
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("key")
    parser.add_argument("out")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--round", type=int, default=0)
    args = parser.parse_args()
    target = urllib.parse.urlparse(args.url)
    auth = "Basic " + base64.b64encode((args.key + ":").encode()).decode()
    acked = [[] for _ in range(args.threads)]
    counts = {"requests": 0, "failed": 0}
    lock = threading.Lock()
    events = ["Product Viewed", "Product Added", "Products Searched", "Promotion Viewed"]

    def sender(t):
        rng = random.Random(args.round * 1000 + t)
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        n = 0
        while True:
            ids = ["r%d-t%d-%d-%d" % (args.round, t, n, i) for i in range(args.batch)]
            n += 1
            messages = [
                {
                    "type": "track",
                    "event": events[i % len(events)],
                    "messageId": mid,
                    "userId": "m%d" % rng.randrange(100000),
                    "timestamp": "2026-06-%02dT%02d:%02d:00+08:00" % (rng.randrange(1, 29), rng.randrange(24), rng.randrange(60)),
                    "properties": {"channel": rng.choice(["tmall", "jd", "douyin", "web"]), "sku": "SKU-%d" % rng.randrange(5000)},
                }
                for i, mid in enumerate(ids)
            ]
            body = json.dumps({"batch": messages})
            try:
                connection.request("POST", "/v1/batch", body=body, headers={"Content-Type": "application/json", "Authorization": auth})
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
            with lock:
                counts["requests"] += 1
                if not ok:
                    counts["failed"] += 1
            if not ok:
                return
            acked[t].extend(ids)

    started = time.time()
    threads = [threading.Thread(target=sender, args=(t,)) for t in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.time() - started
    total = 0
    with open(args.out, "w") as out:
        for ids in acked:
            total += len(ids)
            for mid in ids:
                out.write(mid + "\n")
    print("requests %d acknowledged %d failed %d events_acknowledged %d seconds %.1f"
          % (counts["requests"], counts["requests"] - counts["failed"], counts["failed"], total, seconds))


if __name__ == "__main__":
    sys.exit(main())
