"""The real wire-format samples in tests/samples/ (their provenance is in its README.md)."""

import json
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parents[1] / "samples"


def sample_bytes(name: str) -> bytes:
    """The sample file byte for byte, as the sender posted it."""
    return (SAMPLES_DIR / name).read_bytes()


def sample(name: str):
    """The sample decoded from JSON, as the intake view hands it to a parser."""
    return json.loads(sample_bytes(name))
