"""One BLAS thread for the control solvers' small dense algebra.

L-BFGS-B's compact matrices (a few hundred wide) and the continuum Newton finish's Hessian
eigendecomposition (``J x J``, ``J`` ~ 150-600) gain nothing from BLAS threads; on a loaded
2-core host the extra threads only contend. Measured with OpenBLAS' two threads against one,
while two other processes ran: ``numpy.linalg.eigh`` of a 150 x 150 matrix 264 ms against 17 ms
wall, 600 x 600 3.3 s against 0.16 s; one L-BFGS-B update with 100 variables 14 ms, 80 % of a
K = 100 direct solve. threadpoolctl finds the BLAS that NumPy and SciPy loaded.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

__all__ = ["BLAS_THREADS", "single_threaded_blas"]

#: BLAS threads inside :func:`single_threaded_blas`.
BLAS_THREADS = 1


def single_threaded_blas() -> AbstractContextManager:
    """Context in which every BLAS library threadpoolctl finds runs on :data:`BLAS_THREADS`."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # without it the solvers run with the default threads
        return nullcontext()
    return threadpool_limits(BLAS_THREADS, user_api="blas")
