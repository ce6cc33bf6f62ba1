"""Named numeric tolerances, in one place.

Every comparison of floating-point utilities, gains or grid positions in
dealspace uses one of these; change a tolerance here, never as a literal.
"""

#: Relative tolerance for equal utilities, as a share of each party's utility range
#: (Pareto dominance, bargaining solutions, checkers).
REL_TOL = 1e-9
#: Relative tolerance on a bargaining solution's score (Nash log-product, KS ratio, …).
SCORE_TOL = 1e-9
#: Absolute tolerance (utility points) below which two gains count as equal in
#: the linkage, red-line, harvest and offer analyses.
GAIN_TOL = 1e-6
#: Utility changes of a term smaller than this are shown as no change.
TERM_TOL = 1e-12
#: Absolute tolerance of the process simulation's acceptance tests (gains over BATNA).
ACCEPT_TOL = 1e-9
#: Tolerance on positions of a numeric issue's grid (count of steps, option look-up),
#: relative to the step or value.
GRID_TOL = 1e-9
#: Tolerance when comparing a numeric option with a bound in a condition.
CONDITION_TOL = 1e-9
#: Tolerance of probability rows summing to one (world model calibration).
PROB_TOL = 1e-9
#: Absolute tolerance of Bayes-rule checks on beliefs.
BELIEF_TOL = 1e-12
#: Relative tolerance for duplicate Genius weights being "the same".
GENIUS_WEIGHT_RTOL = 1e-12
