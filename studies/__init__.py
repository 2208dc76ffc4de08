"""studies: what users launch: built-in study files, the data sets they name, the CLI."""

from studies.datasets import BUILTIN, DataError, load_dataset
from studies.loader import builtin_studies, load_study_spec

__all__ = ["BUILTIN", "DataError", "builtin_studies", "load_dataset", "load_study_spec"]
