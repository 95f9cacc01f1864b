__version__ = "0.1.0"

# FDEN's departures from the papers (nbs/07a_fden_options.ipynb) register with fden_nb.core and give FDEN its
# `two_factor` constructors: importing the package brings them wherever FDEN is imported.
from . import options as _options  # noqa: E402,F401
