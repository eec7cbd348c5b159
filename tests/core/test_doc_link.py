"""The HTML repr of a sklot estimator links to its page of sklot's API reference."""

import pathlib

import pytest

from sklot import (
    ConjugateMomentSampler,
    KernelDistributionRegressor,
    LipschitzClassifier,
    LoukasGraphEmbedder,
    TacoTransformer,
)
from sklot._core.doc_link import DOCS_URL_ENV, docs_root_url
from sklot.distribution import SlicedWassersteinEmbedding

# (estimator, the autosummary page docs/api.rst generates for it)
CASES = [
    (KernelDistributionRegressor(), "sklot.distribution.KernelDistributionRegressor.html"),
    (SlicedWassersteinEmbedding(), "sklot.distribution.SlicedWassersteinEmbedding.html"),
    (LipschitzClassifier(), "sklot.lipschitz.LipschitzClassifier.html"),
    (ConjugateMomentSampler(), "sklot.moment.ConjugateMomentSampler.html"),
    (TacoTransformer(), "sklot.concepts.TacoTransformer.html"),
    (LoukasGraphEmbedder(), "sklot.graph.LoukasGraphEmbedder.html"),
]


@pytest.mark.parametrize("est, page", CASES, ids=lambda c: getattr(c, "__name__", None))
def test_repr_html_links_to_api_page(est, page, monkeypatch):
    monkeypatch.setenv(DOCS_URL_ENV, "https://docs.example/sklot/")
    url = f"https://docs.example/sklot/generated/{page}"
    assert est._get_doc_link() == url
    html = est._repr_html_()
    assert f'href="{url}"' in html


def test_checkout_links_to_local_build(monkeypatch):
    # Without the variable, a source checkout links to its own docs/_build/html.
    monkeypatch.delenv(DOCS_URL_ENV, raising=False)
    root = pathlib.Path(__file__).resolve().parents[2]
    assert (root / "docs" / "conf.py").is_file()
    assert docs_root_url() == (root / "docs" / "_build" / "html").as_uri()
    page = root / "docs/_build/html/generated/sklot.distribution.KernelDistributionRegressor.html"
    assert KernelDistributionRegressor()._get_doc_link() == page.as_uri()


def test_every_linked_page_is_in_the_api_reference():
    # A link is useful only if docs/api.rst generates that page.
    api = (pathlib.Path(__file__).resolve().parents[2] / "docs" / "api.rst").read_text()
    for est, page in CASES:
        module, name = page[: -len(".html")].rsplit(".", 1)
        assert f".. currentmodule:: {module}" in api
        assert f"   {name}\n" in api
