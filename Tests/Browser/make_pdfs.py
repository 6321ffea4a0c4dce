"""The browser tests' documents, drawn with cairo (python3-cairo): two small reports with distinct facts, a text file
named .pdf, and (by `qpdf --encrypt`) an encrypted copy. Each fact is one sentence on its own line(s), so the tests
know which sentence an answer should cite and where it lies."""
import os
import subprocess

import cairo

BEES = [
    ("Honey Bee Colonies", [
        "A honey bee colony is a family of insects that lives together in one hive.",
        "A worker honey bee lives for about six weeks during the busy summer season.",
        "Workers gather nectar and pollen from flowers within a few kilometres of the hive.",
    ]),
    ("The Queen", [
        "The queen is the only fertile female in a healthy colony.",
        "In spring the queen lays up to 2000 eggs in a single day.",
        "Drones are male bees whose only task is to mate with a queen from another colony.",
    ]),
    ("Winter", [
        "In winter the bees form a tight cluster around the queen to keep warm.",
        "The cluster keeps its centre at about thirty five degrees Celsius.",
    ]),
]
TIDES = [
    ("Tidal Energy", [
        "Tidal energy is captured from the rise and fall of the sea twice a day.",
        "The Sihwa Lake station in South Korea has a capacity of 254 megawatts.",
        "Tidal turbines work like underwater wind turbines driven by strong currents.",
    ]),
    ("Barrages", [
        "A barrage is a low dam built across the mouth of an estuary.",
        "The La Rance barrage in France opened in 1966 and still runs today.",
    ]),
]

OWLS = [
    ("Owls", [
        "A barn owl can hunt in complete darkness by sound alone.",
        "The snowy owl hunts by day during the long Arctic summer.",
    ]),
]


def wrap(ctx, text, width):
    lines, line = [], ''
    for word in text.split():
        trial = f'{line} {word}'.strip()
        if ctx.text_extents(trial).x_advance > width and line:
            lines.append(line)
            line = word
        else:
            line = trial
    return lines + [line]


def draw(path, title, pages):
    surface = cairo.PDFSurface(path, 612, 792)
    surface.set_metadata(cairo.PDFMetadata.TITLE, title)
    ctx = cairo.Context(surface)
    for heading, sentences in pages:
        ctx.select_font_face('DejaVu Sans', cairo.FONT_SLANT_NORMAL, cairo.FONT_WEIGHT_BOLD)
        ctx.set_font_size(20)
        ctx.move_to(72, 96)
        ctx.show_text(heading)
        ctx.select_font_face('DejaVu Sans', cairo.FONT_SLANT_NORMAL, cairo.FONT_WEIGHT_NORMAL)
        ctx.set_font_size(12)
        y = 140
        for sentence in sentences:
            for line in wrap(ctx, sentence, 300):
                ctx.move_to(72, y)
                ctx.show_text(line)
                y += 18
            y += 12
        ctx.show_page()
    surface.finish()


def make(folder):
    """Writes bees.pdf, tides.pdf, owls.pdf, notes.pdf (not a PDF) and locked.pdf (encrypted) into `folder`; returns paths."""
    os.makedirs(folder, exist_ok=True)
    paths = {name: os.path.join(folder, f'{name}.pdf') for name in ('bees', 'tides', 'owls', 'notes', 'locked')}
    draw(paths['bees'], 'Honey Bee Notes', BEES)
    draw(paths['tides'], 'Tidal Power Report', TIDES)
    draw(paths['owls'], 'Owl Field Notes', OWLS)
    with open(paths['notes'], 'w') as f:
        f.write('These are plain text notes, not a PDF.\n')
    if os.path.exists(paths['locked']):
        os.remove(paths['locked'])
    subprocess.run(['qpdf', '--encrypt', 'secret', 'owner-secret', '256', '--', paths['bees'], paths['locked']],
                   check=True)
    return paths


if __name__ == '__main__':
    import sys
    print(make(sys.argv[1] if len(sys.argv) > 1 else '/tmp/folio-browser-pdfs'))
