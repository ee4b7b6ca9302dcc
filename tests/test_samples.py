"""The sample server the conformance tests use: it answers exactly what is registered, and nothing else."""

from __future__ import annotations

import json

import pytest
import requests

from tests.samples import Sample, sample, serving


def test_a_registered_answer_is_served_as_written_and_the_request_is_kept():
    with serving() as server:
        server.answer("POST", "/api/x", Sample("docs:page", {"error": "", "response": {"n": 1}}))
        got = requests.post(f"{server.url}/api/x?a=1", json={"k": "v"}, timeout=5)
        assert got.status_code == 200 and got.json() == {"error": "", "response": {"n": 1}}
        [asked] = server.calls("/api/x")
        assert asked.query == {"a": ["1"]} and asked.json() == {"k": "v"}
        assert requests.get(f"{server.url}/api/y", timeout=5).status_code == 599


def test_a_fixture_without_its_documentation_source_is_refused(tmp_path, monkeypatch):
    import tests.samples as samples

    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "nosource.json").write_text(json.dumps({"response": {}}), encoding="utf-8")
    monkeypatch.setattr(samples, "SAMPLES", tmp_path)
    with pytest.raises(ValueError, match="names no source"):
        sample("m", "nosource")
