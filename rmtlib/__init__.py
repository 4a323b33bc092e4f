"""rmtlib: the shared library of the book *Random Matrix Theory for Deep Learning*.

Every theory curve of the book is a function here; the notebooks import it as ``rmt``::

    import rmtlib as rmt

Modules, by concept (see the book's notation page for the conventions):

- :mod:`rmtlib.mp` — Marchenko–Pastur and semicircle laws (chapter 1)
- :mod:`rmtlib.silverstein` — Silverstein's law MP ⊠ ν, the one solver behind every generalised MP law
- :mod:`rmtlib.stieltjes` — deterministic equivalents of the resolvent (chapters 2–3)
- :mod:`rmtlib.fixedpoint` — the vectorised Anderson fixed-point solver behind every equivalent
- :mod:`rmtlib.sim` — seeded data generators
- :mod:`rmtlib.activations`, :mod:`rmtlib.gauss` — nonlinearities and their Gaussian moments
- :mod:`rmtlib.plotting`, :mod:`rmtlib.widgets` — the book's figure style and interactive panels

Simulators and grids refuse requests above a memory budget (2 GiB by default; see
:func:`set_memory_budget`, :func:`memory_budget` and the variable ``RMTLIB_MEMORY_BUDGET``).
"""

# Part I — spectra, deterministic equivalents, eigenvectors, free probability (chapters 1–4)
# Part II — linear models (chapters 5–7)
# Part III — shallow nonlinear models (chapters 8–10)
# Part IV — deep networks (chapters 11–13)
# Part V — trained networks: weight spectra, one-step feature learning, loss landscapes, joint
# (n, N) scaling laws (chapters 14–17)
# Edge fluctuations (Tracy–Widom laws, the spike test, linear spectral statistics; chapter 4)
# Monte-Carlo sweeps here, on local processes or on a Dask cluster (the "At research scale" page)
from . import (  # noqa: E402
    activations,
    anisotropic_ridge,
    deep,
    distance_kernels,
    dynamics,
    edge,  # noqa: E402
    ensembles,
    feature_learning,
    fixedpoint,
    free,
    free_transforms,
    gauss,
    gmm_dynamics,
    heavy_tails,
    hessian,
    inner_product_kernels,
    joint_scaling,
    joint_scaling_sim,
    kernels,
    lanczos,
    lazy,
    mei_montanari,
    mp,
    plotting,
    products,
    rf,
    rf_spectrum,
    ridge,
    scaling,
    silverstein,
    silverstein_moments,
    sim,
    spectral,
    spiked,
    stieltjes,
    sweep,  # noqa: E402
    trained,
    widgets,
)
from ._validate import MemoryBudgetError, get_memory_budget, memory_budget, set_memory_budget  # noqa: F401
from .activations import *  # noqa: F401,F403
from .anisotropic_ridge import *  # noqa: F401,F403
from .deep import *  # noqa: F401,F403
from .distance_kernels import *  # noqa: F401,F403
from .dynamics import *  # noqa: F401,F403
from .edge import *  # noqa: F401,F403,E402
from .ensembles import *  # noqa: F401,F403
from .feature_learning import *  # noqa: F401,F403
from .fixedpoint import *  # noqa: F401,F403
from .free import *  # noqa: F401,F403
from .free_transforms import *  # noqa: F401,F403
from .gauss import *  # noqa: F401,F403
from .gmm_dynamics import *  # noqa: F401,F403
from .heavy_tails import *  # noqa: F401,F403
from .hessian import *  # noqa: F401,F403
from .inner_product_kernels import *  # noqa: F401,F403
from .joint_scaling import *  # noqa: F401,F403
from .joint_scaling_sim import *  # noqa: F401,F403
from .kernels import *  # noqa: F401,F403
from .lanczos import *  # noqa: F401,F403
from .lazy import *  # noqa: F401,F403
from .mei_montanari import *  # noqa: F401,F403
from .mp import *  # noqa: F401,F403
from .plotting import *  # noqa: F401,F403
from .products import *  # noqa: F401,F403
from .rf import *  # noqa: F401,F403
from .rf_spectrum import *  # noqa: F401,F403
from .ridge import *  # noqa: F401,F403
from .scaling import *  # noqa: F401,F403
from .silverstein import *  # noqa: F401,F403
from .silverstein_moments import *  # noqa: F401,F403
from .sim import *  # noqa: F401,F403
from .spectral import *  # noqa: F401,F403,E402
from .spiked import *  # noqa: F401,F403,E402
from .stieltjes import *  # noqa: F401,F403,E402
from .sweep import *  # noqa: F401,F403,E402
from .trained import *  # noqa: F401,F403

try:  # the version is stated once, in pyproject.toml
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as _version

    __version__ = _version("rmtlib")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"
