"""Residuals, analytic Jacobian and Newton iteration of the tariff model (private kernel of :mod:`.gravity`).

Pure array code: no validation (done by :func:`dealspace.economy.gravity.solve`).
Unknowns are :math:`x = \\log(\\hat w, \\hat E, \\hat L)`; the equations and
their scaling are those of :func:`dealspace.economy.gravity.residuals`.

Every function works on one system or on a stack of ``k`` systems of the same
economy (leading axis: ``x`` of shape ``(k, 3N)``, ``lam_tau``, ``keep`` and
``lose`` of shape ``(k, N, N)``). Each system of a stack goes through the
same floating-point operations as on its own (elementwise maths, the same
reductions along the same axes, one BLAS/LAPACK call per matrix), so
:func:`newton_many` gives every system the result :func:`newton` gives it,
bit for bit (``tests/economy/test_kernel.py``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


class Base(NamedTuple):
    """Everything the kernel needs, precomputed once per solve (or per stack of solves)."""

    n: int
    lam_tau: FloatArray  # lambda_ji * tau_hat_ji^(-eps*phi_i); (N, N) or (k, N, N)
    keep: FloatArray  # 1/(1+t_ji): share of consumer spending that reaches the exporter
    lose: FloatArray  # 1 - keep: the tariff's share
    E: FloatArray
    Y: FloatArray
    T: FloatArray
    nu: FloatArray
    phi: FloatArray
    tax0: FloatArray
    eps: float
    kappa: float
    psi: float
    income_tax: bool
    # constants of the economy, computed once (the same values the formulas would recompute)
    one_nu: FloatArray  # 1 - nu
    one_phi: FloatArray  # 1 - phi
    log_tax0: FloatArray  # log(1 - tax0)
    world_y: float  # sum of Y
    world_e: float  # sum of E

    def take(self, rows: IntArray) -> Base:
        """The systems ``rows`` of a stack."""
        return self._replace(lam_tau=self.lam_tau[rows], keep=self.keep[rows], lose=self.lose[rows])


def make_base(
    lam_tau: FloatArray,
    keep: FloatArray,
    E: FloatArray,
    Y: FloatArray,
    T: FloatArray,
    nu: FloatArray,
    phi: FloatArray,
    tax0: FloatArray,
    eps: float,
    kappa: float,
    psi: float,
    income_tax: bool,
) -> Base:
    """A :class:`Base` with its derived constants."""
    return Base(
        n=len(E),
        lam_tau=lam_tau,
        keep=keep,
        lose=1 - keep,
        E=E,
        Y=Y,
        T=T,
        nu=nu,
        phi=phi,
        tax0=tax0,
        eps=eps,
        kappa=kappa,
        psi=psi,
        income_tax=income_tax,
        one_nu=1 - nu,
        one_phi=1 - phi,
        log_tax0=np.log1p(-tax0),
        world_y=float(Y.sum()),
        world_e=float(E.sum()),
    )


class State(NamedTuple):
    w: FloatArray
    e: FloatArray
    L: FloatArray
    P: FloatArray
    lam: FloatArray
    flows: FloatArray
    R: FloatArray
    tau: FloatArray


class Forward(NamedTuple):
    """The residuals at one point and the intermediate arrays the Jacobian reuses."""

    res: FloatArray
    state: State
    a: FloatArray
    lam: FloatArray
    En: FloatArray
    Xn: FloatArray
    R: FloatArray
    Yn: FloatArray
    B: FloatArray
    row: FloatArray
    col: FloatArray
    tau: FloatArray
    Q: FloatArray


def forward(x: FloatArray, b: Base) -> Forward:
    """Scaled residuals at ``x = log(w_hat, E_hat, L_hat)``, with the intermediates of :func:`jacobian_at`."""
    n, eps, psi, kap, nu = b.n, b.eps, b.psi, b.kappa, b.nu
    a, lb, ll = x[..., :n], x[..., n : 2 * n], x[..., 2 * n :]
    w, e, L = np.exp(a), np.exp(lb), np.exp(ll)
    A = b.lam_tau * np.exp(-eps * (a - psi * ll))[..., :, None]
    S = A.sum(axis=-2)
    lam = A / S[..., None, :]
    En = b.E * e
    Xn = lam * En[..., None, :] * b.keep
    R = (lam * b.lose).sum(axis=-2) * En
    Yn = w * L * b.Y
    lnP = b.one_phi * (lb - a) - np.log(S) / eps
    P = np.exp(lnP)
    B = b.one_nu[None, :] * Xn
    row, col = B.sum(axis=-1), Xn.sum(axis=-2)
    F1 = row + nu * col - Yn
    F2 = R + Yn + b.T * Yn.sum(axis=-1, keepdims=True) / b.world_y - En
    if b.income_tax:
        tau = R / Yn
        ln_tau_hat = b.log_tax0 - np.log1p(-tau)
    else:
        tau = np.zeros_like(R)
        ln_tau_hat = np.zeros_like(R)
    Q = np.exp(kap * (ln_tau_hat + a - lnP))
    F3 = L - Q
    res = np.concatenate([F1 / b.Y, F2 / b.E, F3], axis=-1)
    res[..., n - 1] = ((P - 1) * b.E).sum(axis=-1) / b.world_e
    state = State(w, e, L, P, lam, Xn, R, tau)
    return Forward(res, state, a, lam, En, Xn, R, Yn, B, row, col, tau, Q)


def _diagonal(values: FloatArray, n: int) -> FloatArray:
    """Matrices (one per leading index) with ``values`` on the diagonal and +0.0 elsewhere."""
    out = np.zeros((*values.shape[:-1], n, n))
    d = np.arange(n)
    out[..., d, d] = values
    return out


def jacobian_at(f: Forward, b: Base, out: FloatArray | None = None) -> FloatArray:
    """The analytic Jacobian of the scaled residuals in log unknowns, from :func:`forward` at the same point.

    Diagonal terms are added in place on the diagonal of each block (the same
    floating-point operations as adding diagonal matrices; ``x - 0.0 == x``).
    ``out``: an array of the Jacobian's shape to write it into (every entry is
    written). Reusing one buffer for a stack saves allocating (and the system
    mapping) megabytes at every Newton step.
    """
    n, eps, psi, kap, nu = b.n, b.eps, b.psi, b.kappa, b.nu
    lam, En, Xn, R, Yn, B, row, col, tau, Q = (
        f.lam,
        f.En,
        f.Xn,
        f.R,
        f.Yn,
        f.B,
        f.row,
        f.col,
        f.tau,
        f.Q,
    )
    L, P = f.state.L, f.state.P
    lead = lam.shape[:-2]
    lamT = np.swapaxes(lam, -1, -2)
    d = np.arange(n)
    one_phi = b.one_phi
    J = np.empty((*lead, 3 * n, 3 * n)) if out is None else out
    top, mid, low = J[..., :n, :], J[..., n : 2 * n, :], J[..., 2 * n :, :]
    # d/d log c_k of the income equation (exporter j): rows j, columns k.
    dF1_c = eps * (B @ lamT)
    dF1_c[..., d, d] -= eps * row
    dF1_c += nu[:, None] * eps * (lamT * col[..., :, None] - np.swapaxes(Xn, -1, -2))
    top[..., :n] = dF1_c
    top[..., d, d] -= Yn
    top[..., n : 2 * n] = B
    top[..., d, n + d] += nu * col
    np.multiply(-psi, dF1_c, out=top[..., 2 * n :])
    top[..., d, 2 * n + d] -= Yn
    # d/d log c_k of revenue of importer i.
    dR_c = -eps * lamT * (En[..., :, None] * np.swapaxes(b.lose, -1, -2) - R[..., :, None])
    world = b.T[:, None] * Yn[..., None, :] / b.world_y
    diag_y = _diagonal(Yn, n)
    mid[..., :n] = dR_c + diag_y + world
    mid[..., n : 2 * n] = 0.0
    mid[..., d, n + d] = R - En
    mid[..., 2 * n :] = -psi * dR_c + diag_y + world
    # log price index.
    dP_a = lamT.copy()
    dP_a[..., d, d] -= one_phi
    dP_l = -psi * lamT
    kq = (kap * Q)[..., :, None]
    if b.income_tax:
        denom = (Yn - R)[..., :, None]
        tY = tau * Yn
        dt_a = dR_c.copy()
        dt_a[..., d, d] -= tY
        dt_a /= denom
        dt_l = -psi * dR_c
        dt_l[..., d, d] -= tY
        dt_l /= denom
        # dt_b = diag(R) / denom and dP_b = diag(1 - phi): diagonal blocks
        low_b = _diagonal(R / denom[..., 0] - one_phi, n)
    else:
        dt_a = dt_l = np.zeros((*lead, n, n))
        low_b = _diagonal(np.broadcast_to(0.0 - one_phi, R.shape), n)
    a_blk = dt_a + 0.0  # dt_a + eye: 0.0 added off the diagonal, 1.0 on it
    a_blk[..., d, d] = dt_a[..., d, d] + 1.0
    np.multiply(-kq, a_blk - dP_a, out=low[..., :n])
    np.multiply(-kq, low_b, out=low[..., n : 2 * n])
    held = kq * (dt_l - dP_l)
    np.subtract(0.0, held, out=low[..., 2 * n :])  # diag(L) - held
    low[..., d, 2 * n + d] = L - held[..., d, d]
    J[..., :n, :] /= b.Y[:, None]
    J[..., n : 2 * n, :] /= b.E[:, None]
    pe = (b.E * P / b.world_e)[..., None, :]  # a row vector per system (vector @ matrix)
    dP_b = _diagonal(np.broadcast_to(one_phi, P.shape), n)
    J[..., n - 1, :] = np.concatenate([pe @ dP_a, pe @ dP_b, pe @ dP_l], axis=-1)[..., 0, :]
    return J


def kernel(x: FloatArray, b: Base, jacobian: bool) -> tuple[FloatArray, FloatArray | None, State]:
    """Scaled residuals (and their Jacobian in log unknowns) at ``x = log(w_hat, E_hat, L_hat)``."""
    f = forward(x, b)
    return f.res, jacobian_at(f, b) if jacobian else None, f.state


def newton(
    b: Base, tol: float, max_iter: int, x0: FloatArray | None = None
) -> tuple[State, int, float, bool]:
    """Newton's method from ``x0`` (default 0, the baseline) with a backtracking line search.

    Returns the last state, the number of Newton steps, the Euclidean norm of
    the scaled residuals and whether the largest one is below ``tol``.
    """
    x = np.zeros(3 * b.n) if x0 is None else np.array(x0, dtype=float)
    f = forward(x, b)
    res, state = f.res, f.state
    norm = float(np.linalg.norm(res))
    for iteration in range(max_iter + 1):
        if np.abs(res).max() < tol:
            return state, iteration, norm, True
        if iteration == max_iter:
            break
        J = jacobian_at(f, b)  # at x: the forward pass of the accepted point is reused
        try:
            step = np.linalg.solve(J, -res)
        except np.linalg.LinAlgError:
            return state, iteration, norm, False
        if not np.isfinite(step).all():  # no step length would give a finite point
            return state, iteration, norm, False
        biggest = np.abs(step).max()
        if biggest > 2.0:  # keep log-steps moderate far from the solution
            step *= 2.0 / biggest
        alpha = 1.0
        while True:
            trial = x + alpha * step
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                f_t = forward(trial, b)
            res_t, state_t = f_t.res, f_t.state
            norm_t = float(np.linalg.norm(res_t))
            if np.isfinite(norm_t) and (norm_t <= (1 - 1e-4 * alpha) * norm or alpha < 1e-3):
                break
            alpha /= 2
        if not np.isfinite(norm_t):
            return state, iteration, norm, False
        x, f, res, state, norm = trial, f_t, res_t, state_t, norm_t
    return state, max_iter, norm, False


def _take(f: Forward, rows: IntArray) -> Forward:
    """The systems ``rows`` of a stacked :class:`Forward`."""
    return Forward(f.res[rows], State(*(v[rows] for v in f.state)), *(v[rows] for v in f[2:]))


def _put(f: Forward, rows: IntArray, g: Forward) -> None:
    """Write the systems of ``g`` into rows ``rows`` of ``f`` (in place)."""
    for dst, src in zip((f.res, *f.state, *f[2:]), (g.res, *g.state, *g[2:]), strict=True):
        dst[rows] = src


def _norms(res: FloatArray) -> FloatArray:
    """The Euclidean norm of each row, as :func:`numpy.linalg.norm` gives it for that row alone."""
    return np.array([np.linalg.norm(r) for r in res], dtype=float).reshape(len(res))


def _solve_each(J: FloatArray, rhs: FloatArray) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Newton steps of a stack, one system at a time (after a singular Jacobian in the stack)."""
    step = np.zeros_like(rhs)
    ok = np.ones(len(rhs), dtype=bool)
    for i in range(len(rhs)):
        try:
            step[i] = np.linalg.solve(J[i], rhs[i])
        except np.linalg.LinAlgError:
            ok[i] = False
    return step, ok


def newton_many(
    b: Base, tol: float, max_iter: int, work: FloatArray | None = None
) -> tuple[State, NDArray[np.int_], FloatArray, NDArray[np.bool_]]:
    """:func:`newton` from 0 for a stack of ``k`` systems at once (``b.lam_tau`` of shape ``(k, N, N)``).

    Every system follows its own iterations, line search and stopping rule,
    exactly as :func:`newton` would on it alone; the systems still open share
    each Jacobian build and one stacked :func:`numpy.linalg.solve`. Returns the
    stacked last states, and per system the Newton steps, the residual norm
    and whether it converged. ``work``: a buffer of at least ``k`` Jacobians
    (shape ``(>= k, 3N, 3N)``) to reuse, e.g. across the chunks of a large stack.
    """
    k = b.lam_tau.shape[0]
    x = np.zeros((k, 3 * b.n))
    f = forward(x, b)
    norm = _norms(f.res)
    iterations = np.full(k, max_iter, dtype=int)
    converged = np.zeros(k, dtype=bool)
    open_ = np.arange(k)
    if work is None or len(work) < k:
        work = np.empty((k, 3 * b.n, 3 * b.n))
    for iteration in range(max_iter + 1):
        done = np.abs(f.res[open_]).max(axis=-1) < tol
        iterations[open_[done]] = iteration
        converged[open_[done]] = True
        open_ = open_[~done]
        if open_.size == 0 or iteration == max_iter:
            break
        fo, bo = (f, b) if open_.size == k else (_take(f, open_), b.take(open_))
        J = jacobian_at(fo, bo, out=work[: open_.size])
        try:
            step = np.linalg.solve(J, -fo.res[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step, ok = _solve_each(J, -fo.res)
            iterations[open_[~ok]] = iteration
            kept = np.flatnonzero(ok)
            open_, step, fo, bo = open_[kept], step[kept], _take(fo, kept), bo.take(kept)
            if open_.size == 0:
                break
        finite = np.isfinite(step).all(axis=-1)
        if not finite.all():  # no step length would give these a finite point: they stop here
            iterations[open_[~finite]] = iteration
            kept = np.flatnonzero(finite)
            open_, step, bo = open_[kept], step[kept], bo.take(kept)
            if open_.size == 0:
                break
        biggest = np.abs(step).max(axis=-1)
        big = biggest > 2.0  # keep log-steps moderate far from the solution
        step[big] *= (2.0 / biggest[big])[:, None]
        x_open, norm_open = x[open_], norm[open_]
        alpha = np.ones(open_.size)
        todo = np.arange(open_.size)  # systems of the line search still halving their step
        while todo.size:
            trial = x_open[todo] + alpha[todo, None] * step[todo]
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                f_t = forward(trial, bo.take(todo))
            norm_t = _norms(f_t.res)
            a = alpha[todo]
            accept = np.isfinite(norm_t) & (
                (norm_t <= (1 - 1e-4 * a) * norm_open[todo]) | (a < 1e-3)
            )
            rows = open_[todo[accept]]
            x[rows] = trial[accept]
            norm[rows] = norm_t[accept]
            _put(f, rows, _take(f_t, np.flatnonzero(accept)))
            todo = todo[~accept]
            alpha[todo] /= 2
    return f.state, iterations, norm, converged
