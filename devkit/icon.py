"""The integration's Marketplace image: an envelope on a navy rounded square, drawn with the standard library.

`python -m devkit.icon` prints the base64 PNG that Integration-Mimecast.def carries as ImageBase64; the SVG
in the same file draws the same shapes (SVG_IMAGE).
"""

import base64
import struct
import zlib

NAVY = (10, 42, 94, 255)
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)
# Shapes in a 64-unit square, the SVG's viewBox.
CORNER = 12.0
BODY = (12.0, 19.0, 52.0, 46.0)  # left, top, right, bottom
FLAP = ((12.0, 19.0), (32.0, 34.0), (52.0, 19.0))
STROKE = 3.5
SVG_IMAGE = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">'
    '<rect width="64" height="64" rx="12" fill="#0a2a5e"/>'
    '<rect x="12" y="19" width="40" height="27" fill="#ffffff"/>'
    '<path d="M12 19 32 34 52 19" fill="none" stroke="#0a2a5e" stroke-width="3.5" stroke-linejoin="round"/>'
    "</svg>"
)


def _in_rounded_square(x: float, y: float) -> bool:
    cx, cy = min(max(x, CORNER), 64 - CORNER), min(max(y, CORNER), 64 - CORNER)
    return 0 <= x <= 64 and 0 <= y <= 64 and (x - cx) ** 2 + (y - cy) ** 2 <= CORNER**2


def _near_segment(x: float, y: float, a: tuple[float, float], b: tuple[float, float], half_width: float) -> bool:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    return (x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2 <= half_width**2


def _colour(x: float, y: float) -> tuple[int, int, int, int]:
    if not _in_rounded_square(x, y):
        return CLEAR
    left, top, right, bottom = BODY
    if any(_near_segment(x, y, FLAP[i], FLAP[i + 1], STROKE / 2) for i in range(len(FLAP) - 1)):
        return NAVY
    if left <= x <= right and top <= y <= bottom:
        return WHITE
    return NAVY


def _pixel(px: int, py: int, scale: float, samples: int) -> bytes:
    """Average of samples x samples points inside the pixel (simple anti-aliasing)."""
    totals = [0, 0, 0, 0]
    for sy in range(samples):
        for sx in range(samples):
            colour = _colour((px + (sx + 0.5) / samples) * scale, (py + (sy + 0.5) / samples) * scale)
            alpha = colour[3]
            for channel in range(3):
                totals[channel] += colour[channel] * alpha
            totals[3] += alpha
    count = samples * samples
    alpha = totals[3]
    rgb = [round(totals[c] / alpha) if alpha else 0 for c in range(3)]
    return bytes([*rgb, round(alpha / count)])


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def envelope_png(size: int = 128, samples: int = 4) -> bytes:
    """An RGBA PNG of size x size pixels."""
    scale = 64 / size
    rows = b"".join(b"\x00" + b"".join(_pixel(x, y, scale, samples) for x in range(size)) for y in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA, no interlace
    png = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows, 9))
    return png + _chunk(b"IEND", b"")


def envelope_png_base64() -> str:
    return base64.b64encode(envelope_png()).decode("ascii")


if __name__ == "__main__":
    print(envelope_png_base64())
