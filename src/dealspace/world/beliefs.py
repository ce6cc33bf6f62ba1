r"""Beliefs about the large economy's type and their Bayes updates.

Every partner holds a belief :math:`\mu \in \Delta(\Theta)` over the large
economy's types :math:`\Theta = \{\theta_1, \dots, \theta_K\}` (e.g.
*dealmaker*, *hardliner*, *boomerang*). An action :math:`a` of some partner
(settle, retaliate, a joint retaliation) meets a response of the large
economy, the public outcome :math:`o`, drawn from the likelihood table
:math:`L_a(o \mid \theta)` (rows types, columns outcomes, rows sum to one).
Every observer then applies Bayes' rule

.. math:: \mu'(\theta) = \frac{\mu(\theta)\, L_a(o \mid \theta)}
          {\sum_{\theta'} \mu(\theta')\, L_a(o \mid \theta')},

and predicts the next outcome with :math:`P(o) = \sum_\theta \mu(\theta)
L_a(o \mid \theta)`.

Information spillover :math:`s \in [0, 1]` scales how much one partner's
outcome says about the type facing the others: the likelihood used by
observers is the mixture

.. math:: L^s_a(o \mid \theta) = s\, L_a(o \mid \theta) + (1-s)\, \bar L_a(o),
          \qquad \bar L_a(o) = \tfrac1K \sum_{\theta} L_a(o \mid \theta),

so :math:`s = 1` is full learning and :math:`s = 0` makes every outcome
equally likely under every type: beliefs never move.

:func:`update` is the solver; :func:`is_posterior` its checker (it compares
against the joint distribution by brute force).

References
----------
Bikhchandani, S., Hirshleifer, D. and Welch, I. (1992). "A Theory of Fads,
Fashion, Custom, and Cultural Change as Informational Cascades". *Journal of
Political Economy* 100(5), 992–1026.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dealspace.errors import DealspaceError

FloatArray = NDArray[np.float64]


def normalise(weights: ArrayLike, where: str = "prior") -> FloatArray:
    """Weights as a probability vector; :class:`DealspaceError` if they are not valid.

    Examples
    --------
    >>> normalise([2, 1, 1]).tolist()
    [0.5, 0.25, 0.25]
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or w.size == 0 or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise DealspaceError.single(
            where, f"is {w.tolist()!r}", "give non-negative weights, one per type, not all zero"
        )
    return w / w.sum()


def mix(likelihood: ArrayLike, spillover: float) -> FloatArray:
    r"""The observers' likelihood :math:`s L + (1-s) \bar L` (module docstring).

    Parameters
    ----------
    likelihood : (K, O) array_like
        :math:`L(o \mid \theta)`, rows types.
    spillover : float
        :math:`s \in [0, 1]`.

    Examples
    --------
    >>> mix([[0.8, 0.2], [0.2, 0.8]], 0.0).tolist()
    [[0.5, 0.5], [0.5, 0.5]]
    """
    lik = np.asarray(likelihood, dtype=float)
    if not 0.0 <= spillover <= 1.0:
        raise DealspaceError.single("spillover", f"is {spillover!r}", "use a number in [0, 1]")
    if spillover == 1.0:
        return lik.copy()
    mean = np.broadcast_to(lik.mean(axis=0), lik.shape)
    return spillover * lik + (1.0 - spillover) * mean


def predictive(belief: ArrayLike, likelihood: ArrayLike) -> FloatArray:
    r"""Predicted outcome probabilities :math:`P(o) = \sum_\theta \mu(\theta) L(o \mid \theta)`."""
    return np.asarray(belief, dtype=float) @ np.asarray(likelihood, dtype=float)


def update(belief: ArrayLike, likelihood: ArrayLike, outcome: int) -> FloatArray:
    r"""Bayes' rule: the posterior over types after observing ``outcome``.

    Parameters
    ----------
    belief : (K,) array_like
        Prior :math:`\mu`.
    likelihood : (K, O) array_like
        :math:`L(o \mid \theta)`.
    outcome : int
        Column of the observed outcome.

    Returns
    -------
    (K,) ndarray
        :math:`\mu'`. If the outcome is equally likely under every type the
        prior is returned unchanged (bit for bit), so uninformative
        observations leave no rounding trace.

    Raises
    ------
    DealspaceError
        If the outcome had probability zero under the prior.

    Examples
    --------
    A dealmaker (0.8 good) and a hardliner (0.2 good), even prior, one good
    deal seen: :math:`0.5 \cdot 0.8 / (0.5 \cdot 0.8 + 0.5 \cdot 0.2) = 0.8`.

    >>> update([0.5, 0.5], [[0.8, 0.2], [0.2, 0.8]], 0).round(6).tolist()
    [0.8, 0.2]
    """
    mu = np.asarray(belief, dtype=float)
    column = np.asarray(likelihood, dtype=float)[:, outcome]
    if np.ptp(column) == 0.0:
        return mu.copy()
    joint = mu * column
    total = joint.sum()
    if total <= 0.0:
        raise DealspaceError.single(
            "outcome",
            f"{outcome} has probability zero under the belief {mu.tolist()}",
            "check the likelihood table",
        )
    return joint / total


def update_all(beliefs: ArrayLike, likelihood: ArrayLike, outcome: int) -> FloatArray:
    r""":func:`update` of every row of ``beliefs`` (one belief per observer) at once, bit for bit.

    Examples
    --------
    >>> update_all([[0.5, 0.5], [0.9, 0.1]], [[0.8, 0.2], [0.2, 0.8]], 0).round(6).tolist()
    [[0.8, 0.2], [0.972973, 0.027027]]
    """
    mu = np.asarray(beliefs, dtype=float)
    column = np.asarray(likelihood, dtype=float)[:, outcome]
    if np.ptp(column) == 0.0:
        return mu.copy()
    joint = mu * column[None, :]
    total = joint.sum(axis=1)
    if (total <= 0.0).any():
        k = int(np.argmax(total <= 0.0))
        raise DealspaceError.single(
            "outcome",
            f"{outcome} has probability zero under the belief {mu[k].tolist()}",
            "check the likelihood table",
        )
    return joint / total[:, None]


def posteriors(belief: ArrayLike, likelihood: ArrayLike) -> tuple[FloatArray, FloatArray]:
    r"""Predictive probabilities and the posterior after each possible outcome.

    Returns
    -------
    p : (O,) ndarray
        :math:`P(o)`.
    post : (O, K) ndarray
        Row :math:`o` is :math:`\mu'(\cdot \mid o)`; rows of outcomes with
        :math:`P(o) = 0` repeat the prior.
    """
    mu = np.asarray(belief, dtype=float)
    lik = np.asarray(likelihood, dtype=float)
    joint = lik.T * mu[None, :]
    p = joint.sum(axis=1)
    post = np.where(p[:, None] > 0, joint / np.where(p > 0, p, 1.0)[:, None], mu[None, :])
    return p, post


def is_posterior(
    prior: ArrayLike, likelihood: ArrayLike, outcome: int, posterior: ArrayLike, tol: float = 1e-12
) -> bool:
    r"""Checker of :func:`update`: compare with the joint distribution, by brute force.

    Builds the joint table :math:`P(\theta, o) = \mu(\theta) L(o \mid \theta)`
    cell by cell and checks :math:`\mu'(\theta) P(o) = P(\theta, o)` for every
    type.
    """
    mu = np.asarray(prior, dtype=float)
    lik = np.asarray(likelihood, dtype=float)
    post = np.asarray(posterior, dtype=float)
    cells = [[mu[k] * lik[k, o] for o in range(lik.shape[1])] for k in range(len(mu))]
    p_o = sum(cells[k][outcome] for k in range(len(mu)))
    return bool(
        abs(post.sum() - 1) < tol
        and all(abs(post[k] * p_o - cells[k][outcome]) < tol for k in range(len(mu)))
    )
