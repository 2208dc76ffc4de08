"""Study files: a TOML file or a built-in study name -> a validated `StudySpec`."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from search import SpecError, StudySpec
from search.spec import suggest_key

BUILTIN_DIR = "builtin"


def builtin_studies() -> dict[str, str]:
    """Built-in study names and their TOML text."""
    folder = resources.files("studies") / BUILTIN_DIR
    return {
        entry.name.removesuffix(".toml"): entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    }


def parse_study(text: str, origin: str) -> StudySpec:
    """Parse TOML text into a spec; SpecError names the file and the key."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{origin}: not valid TOML ({error})") from None
    except RecursionError:
        raise SpecError(f"{origin}: nested too deeply to be a study file") from None
    try:
        return StudySpec.from_dict(raw)
    except SpecError as error:
        raise SpecError(f"{origin}: {error}") from None


def load_study_spec(study: str) -> StudySpec:
    """A built-in study name or the path of a TOML file."""
    builtin = builtin_studies()
    if study in builtin:
        return parse_study(builtin[study], study)
    path = Path(study)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise SpecError(f"{study}: no such study file")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise SpecError(f"{study}: not UTF-8 text (byte {error.start})") from None
        return parse_study(text, study)
    raise SpecError(
        f"{study}: unknown study{suggest_key(study, builtin)}; built-in studies: "
        f"{', '.join(builtin)} (or give a .toml file)"
    )
