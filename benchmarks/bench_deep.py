"""Time a 400-point deep-CK and deep-NTK density for L = 2 (slider target: about 1 s)."""

import time

import numpy as np

import rmtlib as rmt

gammas = [0.5, 0.5, 0.5]
x = np.linspace(0.01, 6.0, 400)
rmt.normalised_activation("relu")  # constants are cached, as in a widget session
for name, fn in [("CK", rmt.ck_density), ("NTK", rmt.ntk_density)]:
    t0 = time.perf_counter()
    fn(x + (0.0 if name == "CK" else 1.0), gammas, "relu")
    print(f"{name} density, L = 2, 400 points: {time.perf_counter() - t0:.3f} s")
