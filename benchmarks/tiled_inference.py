"""Peak memory and time of tiled upscaling: a 2048x2048 input versus a 256x256 one.

Each upscale runs in its own fresh process (so peak RSS is not shared),
with the course's default tile size (256 LR pixels, pad 24), a uint8 input
and a uint8 output, and the demo generator (``ResidualESPCN``, 134k
parameters: on a CPU the paper-size RRDBNet would take hours for 4
megapixels; tiling bounds its activations the same way). Target: peak
memory grows by at most 1.5x while the pixels grow 64x. ``--trials`` rounds
(at least 5), alternating which size runs first (``trials.py``); prints the
median ratio last.

    python benchmarks/tiled_inference.py [--big 2048] [--small 256] [--trials 5]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from trials import describe, interleaved, median_ratio

CHILD = r"""
import json, resource, sys, time
import numpy as np, torch
from srlib.infer import upscale_array
from srlib.models import ResidualESPCN
torch.set_num_threads(2)
side = int(sys.argv[1])
model = ResidualESPCN()
for p in model.parameters():
    torch.nn.init.normal_(p, std=0.01)
img = np.random.default_rng(0).integers(0, 256, (side, side, 3), dtype=np.uint8)
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
out = upscale_array(model, img, tile=256, tile_pad=24, out_dtype=np.uint8)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"side": side, "out": list(out.shape), "seconds": seconds, "peak_mb": peak, "base_mb": base}))
"""


def run(side: int) -> dict:
    result = subprocess.run([sys.executable, "-c", CHILD, str(side)], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=int, default=2048)
    parser.add_argument("--small", type=int, default=256)
    parser.add_argument("--trials", type=int, default=5, help="interleaved rounds (at least 5)")
    args = parser.parse_args()
    runs = {args.small: [], args.big: []}

    def measure(side):
        def once():
            runs[side].append(run(side))
            return runs[side][-1]["peak_mb"]
        return once

    small_peaks, big_peaks = interleaved(measure(args.small), measure(args.big), args.trials)
    for side, peaks in ((args.small, small_peaks), (args.big, big_peaks)):
        r = runs[side][-1]
        seconds = [x["seconds"] for x in runs[side]]
        print(f"{side}x{side} -> {r['out'][0]}x{r['out'][1]}: {describe(seconds, 's')}, "
              f"peak RSS {describe(peaks, 'MB')} (process before upscaling {r['base_mb']:.0f} MB)")
    pixels = (args.big / args.small) ** 2
    ratio, low, high = median_ratio(big_peaks, small_peaks)
    print(f"pixels x{pixels:.0f}; median peak memory ratio big / small over {args.trials} interleaved rounds: "
          f"{ratio:.2f} (rounds {low:.2f} to {high:.2f}; target <= 1.5: {'met' if ratio <= 1.5 else 'NOT met'})")


if __name__ == "__main__":
    main()
