"""Small real files for upload tests, made here rather than shipped."""

from __future__ import annotations

import io


def png(width: int = 64, height: int = 48) -> bytes:
    """A real PNG picture (drawn with matplotlib, already a dependency)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure = pyplot.figure(figsize=(width / 16, height / 16), dpi=16)
    figure.patch.set_facecolor("#d9480f")
    out = io.BytesIO()
    figure.savefig(out, format="png")
    pyplot.close(figure)
    return out.getvalue()


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def jpeg_header() -> bytes:
    """The start of a JPEG: enough for a check by content."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
