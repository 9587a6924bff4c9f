"""Pattern-oriented calibration: declared patterns, ABC-SMC, posteriors, rankings, PRIM.

``patterns`` declares every pattern once (P1-P7 of the modelling notes' section 6, P8-P10 from
urban surveys);
``abc`` fits the uncertain parameters to all of them at once (``cogov calibrate``);
``posterior`` reads a posterior and draws parameter sets from it for experiments;
``ranking`` turns paired replicates into ranking probabilities; ``prim`` finds the parameter
boxes where one arm beats another. See docs/calibration.md.
"""
