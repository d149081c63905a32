"""The real wire-format samples in ../shared/samples (or $TOCSIN_SAMPLES_DIR)."""

import json
import os
from pathlib import Path

import pytest

SAMPLES_DIR = Path(
    os.environ.get("TOCSIN_SAMPLES_DIR")
    or Path(__file__).resolve().parents[2].parent / "shared" / "samples"
)


def sample_bytes(name: str) -> bytes:
    """The sample file byte for byte; skips the test when the samples are not checked out."""
    path = SAMPLES_DIR / name
    if not path.is_file():
        pytest.skip(f"sample {name} not found in {SAMPLES_DIR}; set TOCSIN_SAMPLES_DIR")
    return path.read_bytes()


def sample(name: str):
    """The sample decoded from JSON, as the intake view hands it to a parser."""
    return json.loads(sample_bytes(name))
