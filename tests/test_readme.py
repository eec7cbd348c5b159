"""The README's Python examples run as written and print what they claim.

Each block's printed lines are parsed, and each claim is checked against a bound
(so a README whose numbers drift into nonsense fails here).
"""

import contextlib
import io
import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)

# printed label -> predicate on the printed value
CLAIMS = {
    "R^2": lambda v: float(v) > 0.95,
    "accuracy": lambda v: float(v) > 0.8,
    "certified accuracy at eps=0.1": lambda v: 0.5 < float(v) <= 1.0,
    "round trip error": lambda v: float(v) < 1e-3,
    # n_remove="auto" decides how many: at least one, never all ten concepts
    "removed concepts": lambda v: 1 <= len(v.strip("[]").replace(",", " ").split()) < 10,
    "attribute probe accuracy before": lambda v: float(v) > 0.9,   # the XOR is readable before
    "attribute probe accuracy after": lambda v: float(v) < 0.6,    # chance is 0.5
    "task probe accuracy after": lambda v: float(v) > 0.9,
    "accuracy on unseen graphs": lambda v: float(v) >= 0.7,
}


def test_every_estimator_has_an_example():
    text = "\n".join(BLOCKS)
    for name in ("KernelDistributionRegressor", "LipschitzClassifier", "ConjugateMomentSampler",
                 "TacoTransformer", "LoukasGraphEmbedder"):
        assert f"import {name}" in text or f", {name}" in text, name


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_example_runs_and_claims_hold(code):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
    lines = [ln for ln in buf.getvalue().splitlines() if ":" in ln]
    assert lines, "a README example should print what it shows"
    for line in lines:
        label, value = line.rsplit(":", 1)
        assert label in CLAIMS, f"unchecked README claim {label!r}"
        assert CLAIMS[label](value.strip()), line
