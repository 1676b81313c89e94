"""Peak memory and time of tiled upscaling: a 2048x2048 input versus a 256x256 one.

Each upscale runs in its own fresh process (so peak RSS is not shared),
with the course's default tile size (256 LR pixels, pad 24), a uint8 input
and a uint8 output, and the demo generator (``ResidualESPCN``, 134k
parameters: on a CPU the paper-size RRDBNet would take hours for 4
megapixels; tiling bounds its activations the same way). Target: peak
memory grows by at most 1.5x while the pixels grow 64x. Prints the ratio last.

    python benchmarks/tiled_inference.py [--big 2048] [--small 256]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

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
    args = parser.parse_args()
    small, big = run(args.small), run(args.big)
    for r in (small, big):
        print(f"{r['side']}x{r['side']} -> {r['out'][0]}x{r['out'][1]}: {r['seconds']:7.1f} s, "
              f"peak RSS {r['peak_mb']:6.0f} MB (process before upscaling {r['base_mb']:.0f} MB)")
    pixels = (args.big / args.small) ** 2
    ratio = big["peak_mb"] / small["peak_mb"]
    print(f"pixels x{pixels:.0f}; peak memory ratio big / small: {ratio:.2f} "
          f"(target <= 1.5: {'met' if ratio <= 1.5 else 'NOT met'})")


if __name__ == "__main__":
    main()
