"""The API's security headers: nosniff everywhere, no-store on what carries personal data, HSTS over HTTPS."""
from __future__ import annotations

from tests.api.conftest import new_case_body


def test_api_answers_are_not_sniffed_nor_kept(api) -> None:
    created = api.post("/api/v1/cases", json=new_case_body())
    for response in (created, api.get(f"/api/v1/cases/{created.json['reference']}"),
                     api.get("/api/v1/cases/NOPE-1"), api.client.get("/api/v1/cases")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP: HSTS would mean nothing


def test_hsts_over_https(api) -> None:
    response = api.get("/api/v1/cases", base_url="https://cases.example")
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert api.client.get("/healthz").headers["X-Content-Type-Options"] == "nosniff"
