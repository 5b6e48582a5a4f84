"""What the load test's people type and hand in: a valid answer to any task form from its own JSON schema, and a
small PDF with a real text layer (capture reads it without OCR)."""
from __future__ import annotations

import re
from typing import Any

TEXT = "Checked by the load test against the policy and the documents."


def fill(schema: dict[str, Any], known: list[str] | None = None) -> dict[str, Any]:
    """A value for every property (so every conditional ``then: required`` is met), within its constraints.

    A text that must match a pattern (a case reference, say) is what a person would type: one of the ``known``
    values (references the person has on screen) or the schema's example that matches it; left out when optional
    and there is none, as a person would leave it blank."""
    out: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        if "pattern" in prop and "enum" not in prop and "const" not in prop:
            match = next((v for v in [*(known or []), *prop.get("examples", [])]
                          if isinstance(v, str) and re.search(prop["pattern"], v)), None)
            if match is not None:
                out[name] = match
            elif name in schema.get("required", []):
                out[name] = _value(prop)  # nothing better: the server says what is wrong
            continue
        out[name] = _value(prop)
    return out


def _value(prop: dict[str, Any]) -> Any:
    if "const" in prop:
        return prop["const"]
    if "enum" in prop:
        return prop["enum"][0]
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind in ("number", "integer"):
        low = prop.get("minimum", prop.get("exclusiveMinimum", 0))
        value = max(low + 1, 100) if "maximum" not in prop else max(low + (1 if "exclusiveMinimum" in prop else 0),
                                                                     min(100, prop["maximum"]))
        return int(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return True
    if kind == "array":
        items = prop.get("items") or {}
        count = prop.get("minItems", 1 if "enum" in items else 0)
        return [_value(items) for _ in range(count)] if "enum" not in items else items["enum"][:max(1, count)]
    if kind == "object":
        return fill(prop)
    if prop.get("format") == "date":
        return "2026-11-02"
    if prop.get("format") == "email":
        return "someone@example.com"
    text = TEXT[: prop.get("maxLength", len(TEXT))]
    return text if len(text) >= prop.get("minLength", 0) else text.ljust(prop["minLength"], ".")


def pdf_with_text(line: str) -> bytes:
    """A one-page PDF whose text layer says ``line`` (hand-built: a few objects and a cross-reference table)."""
    safe = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 72 720 Td ({safe}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
