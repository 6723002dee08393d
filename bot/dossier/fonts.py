"""The CJK font the dossier and the charts use, shipped by a Python package (never the
machine's own fonts): WenQuanYi Micro Hei, TrueType outlines, Chinese and Latin in one face."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

FONT_PACKAGE = "paperang_p2_fonts_cjk"
FONT_FILE = "fonts/wqy-microhei.ttc"
FONT_NAME = "WenQuanYi Micro Hei"  # the family name matplotlib knows it by


@cache
def cjk_font_path() -> Path:
    """The font file inside the installed package."""
    path = Path(str(files(FONT_PACKAGE).joinpath(FONT_FILE)))
    if not path.is_file():
        raise FileNotFoundError(f"{FONT_FILE} is missing from the {FONT_PACKAGE} package")
    return path


@cache
def chart_font() -> str:
    """Registers the CJK font with matplotlib once and makes it the charts' font; its name."""
    from matplotlib import font_manager, rcParams

    font_manager.fontManager.addfont(str(cjk_font_path()))
    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = [FONT_NAME, *rcParams["font.sans-serif"]]
    rcParams["axes.unicode_minus"] = False  # the font's hyphen for minus signs
    return FONT_NAME
