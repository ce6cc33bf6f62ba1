"""Residuals, analytic Jacobian and Newton iteration of the tariff model (private kernel of :mod:`.gravity`).

Pure array code: no validation (done by :func:`dealspace.economy.gravity.solve`).
Unknowns are :math:`x = \\log(\\hat w, \\hat E, \\hat L)`; the equations and
their scaling are those of :func:`dealspace.economy.gravity.residuals`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


class Base(NamedTuple):
    """Everything the kernel needs, precomputed once per solve."""

    n: int
    lam_tau: FloatArray  # lambda_ji * tau_hat_ji^(-eps*phi_i)
    keep: FloatArray  # 1/(1+t_ji): share of consumer spending that reaches the exporter
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
    a, lb, ll = x[:n], x[n : 2 * n], x[2 * n :]
    w, e, L = np.exp(a), np.exp(lb), np.exp(ll)
    A = b.lam_tau * np.exp(-eps * (a - psi * ll))[:, None]
    S = A.sum(axis=0)
    lam = A / S[None, :]
    En = b.E * e
    Xn = lam * En[None, :] * b.keep
    R = (lam * (1 - b.keep)).sum(axis=0) * En
    Yn = w * L * b.Y
    lnP = (1 - b.phi) * (lb - a) - np.log(S) / eps
    P = np.exp(lnP)
    world_y = b.Y.sum()
    B = (1 - nu)[None, :] * Xn
    row, col = B.sum(axis=1), Xn.sum(axis=0)
    F1 = row + nu * col - Yn
    F2 = R + Yn + b.T * Yn.sum() / world_y - En
    if b.income_tax:
        tau = R / Yn
        ln_tau_hat = np.log1p(-b.tax0) - np.log1p(-tau)
    else:
        tau = np.zeros(n)
        ln_tau_hat = np.zeros(n)
    Q = np.exp(kap * (ln_tau_hat + a - lnP))
    F3 = L - Q
    res = np.concatenate([F1 / b.Y, F2 / b.E, F3])
    res[n - 1] = ((P - 1) * b.E).sum() / b.E.sum()
    state = State(w, e, L, P, lam, Xn, R, tau)
    return Forward(res, state, a, lam, En, Xn, R, Yn, B, row, col, tau, Q)


def jacobian_at(f: Forward, b: Base) -> FloatArray:
    """The analytic Jacobian of the scaled residuals in log unknowns, from :func:`forward` at the same point.

    Diagonal terms are added in place on the diagonal of each block (the same
    floating-point operations as adding diagonal matrices; ``x - 0.0 == x``).
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
    world_y = b.Y.sum()
    lamT = lam.T
    d = np.arange(n)
    one_phi = 1 - b.phi
    J = np.empty((3 * n, 3 * n))
    top, mid, low = J[:n], J[n : 2 * n], J[2 * n :]
    # d/d log c_k of the income equation (exporter j): rows j, columns k.
    dF1_c = eps * (B @ lamT)
    dF1_c[d, d] -= eps * row
    dF1_c += nu[:, None] * eps * (lamT * col[:, None] - Xn.T)
    top[:, :n] = dF1_c
    top[d, d] -= Yn
    top[:, n : 2 * n] = B
    top[d, n + d] += nu * col
    np.multiply(-psi, dF1_c, out=top[:, 2 * n :])
    top[d, 2 * n + d] -= Yn
    # d/d log c_k of revenue of importer i.
    dR_c = -eps * lamT * (En[:, None] * (1 - b.keep.T) - R[:, None])
    world = np.outer(b.T, Yn) / world_y
    mid[:, :n] = dR_c + np.diag(Yn) + world
    mid[:, n : 2 * n] = 0.0
    mid[d, n + d] = R - En
    mid[:, 2 * n :] = -psi * dR_c + np.diag(Yn) + world
    # log price index.
    dP_a = lamT.copy()
    dP_a[d, d] -= one_phi
    dP_l = -psi * lamT
    kq = (kap * Q)[:, None]
    if b.income_tax:
        denom = (Yn - R)[:, None]
        tY = tau * Yn
        dt_a = dR_c.copy()
        dt_a[d, d] -= tY
        dt_a /= denom
        dt_l = -psi * dR_c
        dt_l[d, d] -= tY
        dt_l /= denom
        # dt_b = diag(R) / denom and dP_b = diag(1 - phi): diagonal blocks
        low_b = np.zeros((n, n))
        low_b[d, d] = R / denom[:, 0] - one_phi
    else:
        dt_a = dt_l = np.zeros((n, n))
        low_b = np.zeros((n, n))
        low_b[d, d] = 0.0 - one_phi
    a_blk = dt_a + 0.0  # dt_a + eye: 0.0 added off the diagonal, 1.0 on it
    a_blk[d, d] = dt_a[d, d] + 1.0
    np.multiply(-kq, a_blk - dP_a, out=low[:, :n])
    np.multiply(-kq, low_b, out=low[:, n : 2 * n])
    held = kq * (dt_l - dP_l)
    np.subtract(0.0, held, out=low[:, 2 * n :])  # diag(L) - held
    low[d, 2 * n + d] = L - held[d, d]
    J[:n] /= b.Y[:, None]
    J[n : 2 * n] /= b.E[:, None]
    pe = b.E * P / b.E.sum()
    dP_b = np.zeros((n, n))
    dP_b[d, d] = one_phi
    J[n - 1] = np.concatenate([pe @ dP_a, pe @ dP_b, pe @ dP_l])
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
