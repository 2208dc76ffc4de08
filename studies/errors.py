"""The errors of `studies` that the command line reports.

Importable without loading data sets (pandas, scikit-learn): `dnnsearch best` and `studies`
need only this, not the loaders.
"""

from __future__ import annotations


class DataError(ValueError):
    """A data set cannot be loaded; the message is one line naming the file, column or row."""
