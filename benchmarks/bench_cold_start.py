"""A first run against a warm one: `nelc-edu compare` and `nelc-edu warmup` from an empty cache.

    python benchmarks/bench_cold_start.py                 # 3 rounds (about 5 minutes)
    python benchmarks/bench_cold_start.py --rounds 1 --cpu 0

Every round runs, in fresh processes: ``nelc-edu warmup`` with an empty Numba cache
(``NUMBA_CACHE_DIR`` pointing to a new folder), then ``nelc-edu compare --dataset digits
--latent 10 --seed 0`` with another empty cache (cold), then the same command again with
the cache it has just filled (warm). A Colab runtime or a fresh install starts cold every
time. Reported: medians over the rounds of the wall time and of the CPU time (user + system,
which a busy machine inflates less), and the cold/warm ratios. Targets (issue 12): compare
cold at most 2.5x warm; warmup cold under 15 s. ``--cpu N`` pins the commands to one core
(``taskset``), as the README's timings are.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

COMPARE = ["compare", "--dataset", "digits", "--latent", "10", "--seed", "0", "--no-progress"]


def timed(args: list[str], cache: str, cpu: int | None, out_dir: str) -> tuple[float, float]:
    """Run ``nelc-edu ARGS`` with ``NUMBA_CACHE_DIR=cache``; return (wall, CPU) seconds."""
    command = [sys.executable, "-m", "nelc_edu.cli", *args]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(command, env=env, cwd=out_dir, check=True, stdout=subprocess.DEVNULL,
                   timeout=3600)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_time = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu_time


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cpu", type=int, default=None, help="pin to this core (taskset)")
    args = parser.parse_args(argv)
    results: dict[str, list[tuple[float, float]]] = {
        "warmup, cold": [], "compare, cold": [], "compare, warm": []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            json_out = ["--json", os.path.join(tmp, "out.json")]
            results["warmup, cold"].append(
                timed(["warmup"], os.path.join(tmp, f"w{r}"), args.cpu, tmp))
            cache = os.path.join(tmp, f"c{r}")
            results["compare, cold"].append(timed(COMPARE + json_out, cache, args.cpu, tmp))
            results["compare, warm"].append(timed(COMPARE + json_out, cache, args.cpu, tmp))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
           for k, v in results.items()}
    print(f"# bench_cold_start: medians of {args.rounds} rounds"
          + (f", pinned to CPU {args.cpu}" if args.cpu is not None else ""))
    print(f"{'':16s} {'wall [s]':>9s} {'CPU [s]':>9s}")
    for name, (wall, cpu_time) in med.items():
        print(f"{name:16s} {wall:9.1f} {cpu_time:9.1f}")
    cold, warm = med["compare, cold"], med["compare, warm"]
    print(f"compare cold / warm: {cold[0] / warm[0]:.2f}x wall, {cold[1] / warm[1]:.2f}x CPU "
          "(target <= 2.5x)")
    print(f"warmup cold: {med['warmup, cold'][0]:.1f} s wall (target < 15 s)")


if __name__ == "__main__":
    main()
