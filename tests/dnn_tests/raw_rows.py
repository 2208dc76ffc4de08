"""Raw table rows as users bring them, for the ensemble and ONNX tests of tables."""

from __future__ import annotations

import numpy as np
import pandas as pd


def raw_table(m: int = 160, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """A number with empty cells, a category with empty and padded cells, a boolean; labels."""
    rng = np.random.default_rng(seed)
    size = rng.normal(10, 3, m)
    colour = rng.choice(["red", "green", " blue ", None, ""], m)
    flag = rng.random(m) < 0.3
    label = np.where((size > 10) ^ (colour == "red") ^ flag, "keep", "drop")
    size[rng.random(m) < 0.1] = np.nan
    return pd.DataFrame({"size": size, "colour": colour, "flag": flag}), label
