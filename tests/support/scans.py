"""Synthetic scans: a notice's text typeset with a Vietnamese-capable font, rasterised, tilted, speckled, and
wrapped in an image-only PDF (no text layer), as an office scanner would produce it."""

from __future__ import annotations

import random
from pathlib import Path

FONT_CANDIDATES = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
]


def vietnamese_font() -> Path | None:
    """A TrueType font with Vietnamese glyphs, if one is installed."""
    return next((f for f in FONT_CANDIDATES if f.exists()), None)


def typeset_pdf(text: str, path: Path, font: Path, *, size: float = 10, leading: float = 15) -> Path:
    """The text as a PDF with a text layer, one line per line, a page number at the foot of each page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVuSans", str(font)))
    pdf = canvas.Canvas(str(path), pagesize=A4)
    width, height = A4
    y, page = height - 60, 1
    for line in [s for s in text.splitlines() if s.strip()]:
        if y < 60:
            pdf.setFont("DejaVuSans", 10)
            pdf.drawCentredString(width / 2, 30, str(page))
            pdf.showPage()
            y, page = height - 60, page + 1
        pdf.setFont("DejaVuSans", size)
        pdf.drawString(50, y, line.strip())
        y -= leading
    pdf.save()
    return path


def scan_pdf(source: Path, path: Path, *, dpi: int = 250, pages: int | None = None, seed: int = 7) -> Path:
    """Rasterise `source` at `dpi`, tilt each page slightly, add speckles and blur, save as an image-only PDF."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    document = pdfium.PdfDocument(str(source))
    images = []
    for index in range(min(len(document), pages or len(document))):
        image = document[index].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        image = image.rotate(rng.uniform(-0.8, 0.8), resample=Image.Resampling.BILINEAR, expand=False, fillcolor=255)
        image = image.filter(ImageFilter.GaussianBlur(0.6))
        # sparse dark speckles (0.3 % of pixels), from the seeded generator so every run reads the same scan
        speckles = int(image.width * image.height * 0.003)
        ImageDraw.Draw(image).point([(rng.randrange(image.width), rng.randrange(image.height))
                                     for _ in range(speckles)], fill=0)
        images.append(image)
    images[0].save(str(path), "PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return path
