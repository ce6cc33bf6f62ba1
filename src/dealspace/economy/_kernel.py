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
    """The analytic Jacobian of the scaled residuals in log unknowns, from :func:`forward` at the same point."""
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
    eye = np.eye(n)
    # d/d log c_k of the income equation (exporter j): rows j, columns k.
    dF1_c = eps * (B @ lamT) - eps * np.diag(row) + nu[:, None] * eps * (lamT * col[:, None] - Xn.T)
    dF1_b = B + np.diag(nu * col)
    dYn = np.diag(Yn)
    # d/d log c_k of revenue of importer i.
    dR_c = -eps * lamT * (En[:, None] * (1 - b.keep.T) - R[:, None])
    dR_b = np.diag(R)
    world = np.outer(b.T, Yn) / world_y
    # log price index.
    dP_a = lamT - np.diag(1 - b.phi)
    dP_b = np.diag(1 - b.phi)
    dP_l = -psi * lamT
    if b.income_tax:
        denom = (Yn - R)[:, None]
        dt_a = (dR_c - np.diag(tau * Yn)) / denom
        dt_b = dR_b / denom
        dt_l = (-psi * dR_c - np.diag(tau * Yn)) / denom
    else:
        dt_a = dt_b = dt_l = np.zeros((n, n))
    kq = (kap * Q)[:, None]
    J = np.empty((3 * n, 3 * n))
    J[:n, :n] = dF1_c - dYn
    J[:n, n : 2 * n] = dF1_b
    J[:n, 2 * n :] = -psi * dF1_c - dYn
    J[n : 2 * n, :n] = dR_c + dYn + world
    J[n : 2 * n, n : 2 * n] = dR_b - np.diag(En)
    J[n : 2 * n, 2 * n :] = -psi * dR_c + dYn + world
    J[2 * n :, :n] = -kq * (dt_a + eye - dP_a)
    J[2 * n :, n : 2 * n] = -kq * (dt_b - dP_b)
    J[2 * n :, 2 * n :] = np.diag(L) - kq * (dt_l - dP_l)
    J[:n] /= b.Y[:, None]
    J[n : 2 * n] /= b.E[:, None]
    pe = b.E * P / b.E.sum()
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
