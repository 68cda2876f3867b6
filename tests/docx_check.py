#!/usr/bin/env python3
"""Reads a .docx back with python-docx (an independent reader) and checks
what a township relies on: the body paragraphs are the lines of the text
report, in order, word for word; the page is A4 with the margins of
GB/T 9704-2012; the appendix tables are real tables; the footer carries the
page number as a PAGE field between dashes; the charts are inline pictures
(PNG) beside the tables. And what Word is strict about, as far as can be
checked without Word or WPS: every XML part well-formed (xmllint), a
content type for every part, every relationship's target present and
every r:id / r:embed of the document defined, the body's w:sectPr last.

usage: docx_check.py FILE.docx TEXT_REPORT.txt [MIN_TABLES [MIN_PICTURES]]
Prints one line per failed check; exits 1 if any failed."""
import posixpath
import subprocess
import sys
import zipfile
import xml.etree.ElementTree as ET

import docx
from docx.enum.shape import WD_INLINE_SHAPE
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips

# styles that are not lines of the text report (report_docx.h)
NOT_TEXT = {"公文标题", "附表标题", "附表注"}


NS_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
NS_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def package_checks(path, failed):
    """The package as Word reads it: parts, types, relationships."""
    z = zipfile.ZipFile(path)
    names = set(z.namelist())
    for name in sorted(names):
        if name.endswith((".xml", ".rels")):
            r = subprocess.run(["xmllint", "--noout", "-"], input=z.read(name), capture_output=True)
            if r.returncode != 0:
                failed.append(f"{name}: not well-formed XML: {r.stderr.decode(errors='replace')[:200]}")
    ct = ET.fromstring(z.read("[Content_Types].xml"))
    defaults = {e.get("Extension").lower() for e in ct.findall(NS_CT + "Default")}
    overrides = {e.get("PartName") for e in ct.findall(NS_CT + "Override")}
    for name in sorted(names - {"[Content_Types].xml"}):
        if "/" + name not in overrides and name.rsplit(".", 1)[-1].lower() not in defaults:
            failed.append(f"{name}: no content type")
    for o in sorted(overrides):
        if o[1:] not in names:
            failed.append(f"[Content_Types].xml: override for a missing part {o}")
    ids = {}
    for rels in sorted(n for n in names if n.endswith(".rels")):
        base = posixpath.dirname(posixpath.dirname(rels))  # word/_rels/x.rels -> word
        seen = set()
        for r in ET.fromstring(z.read(rels)).findall(NS_REL + "Relationship"):
            rid, target = r.get("Id"), r.get("Target")
            if rid in seen:
                failed.append(f"{rels}: relationship id {rid} twice")
            seen.add(rid)
            if r.get("TargetMode") == "External":
                continue
            part = posixpath.normpath(posixpath.join(base, target)).lstrip("/")
            if part not in names:
                failed.append(f"{rels}: {rid} targets missing part {part}")
        ids[rels] = seen
    doc = z.read("word/document.xml").decode()
    root = ET.fromstring(doc)
    used = set()
    for e in root.iter():
        for k, v in e.attrib.items():
            if k.startswith("{" + NS_R + "}"):
                used.add(v)
    for rid in sorted(used - ids.get("word/_rels/document.xml.rels", set())):
        failed.append(f"word/document.xml: r:id {rid} not in document.xml.rels")
    body = root.find(NS_W + "body")
    if body is None or len(body) == 0 or body[-1].tag != NS_W + "sectPr":
        failed.append("word/document.xml: w:sectPr is not the body's last element")
    for name in sorted(n for n in names if n.startswith("word/media/")):
        if not z.read(name).startswith(b"\x89PNG\r\n\x1a\n"):
            failed.append(f"{name}: not a PNG")
    return z


def main():
    path, text_path = sys.argv[1], sys.argv[2]
    min_tables = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    min_pictures = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    failed = []
    package_checks(path, failed)
    d = docx.Document(path)
    with open(text_path, encoding="utf-8") as f:
        want = [line for line in f.read().split("\n") if line != ""]
    got = [p.text for p in d.paragraphs if p.style.name not in NOT_TEXT and p.text != ""]
    if got != want:
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                failed.append(f"paragraph {i + 1}: docx {g!r} != text {w!r}")
                break
        else:
            failed.append(f"docx has {len(got)} text paragraphs, the text report {len(want)} lines")
    titles = [p.text for p in d.paragraphs if p.style.name == "公文标题"]
    if len(titles) != 1 or "食品安全工作总结" not in titles[0]:
        failed.append(f"one 公文标题 paragraph expected, got {titles!r}")
    heads = [p.text for p in d.paragraphs if p.style.name == "一级标题"]
    if not heads or not all(h.startswith(("一、", "二、", "三、", "四、", "五、", "附")) for h in heads):
        failed.append(f"一级标题 paragraphs: {heads!r}")
    s = d.sections[0]
    for name, val, mm in (("page width", s.page_width, 210), ("page height", s.page_height, 297),
                          ("top margin", s.top_margin, 37), ("bottom margin", s.bottom_margin, 35),
                          ("left margin", s.left_margin, 28), ("right margin", s.right_margin, 26)):
        if val is None or abs(val - Mm(mm)) > Mm(0.1):
            failed.append(f"{name}: {None if val is None else val / Mm(1):.2f} mm, the standard says {mm} mm")
    # 22 lines: the grid's line pitch divides the type area (225 mm) in 22
    grid = s._sectPr.find(qn("w:docGrid"))
    pitch = int(grid.get(qn("w:linePitch"))) if grid is not None else 0
    if grid is None or grid.get(qn("w:type")) not in ("lines", "linesAndChars") or \
            abs(Twips(pitch * 22) - (s.page_height - s.top_margin - s.bottom_margin)) > Mm(1):
        failed.append(f"no docGrid of 22 lines (linePitch {pitch})")
    # 28 characters: 28 of the body's 3号 (16 pt, less its character
    # spacing) fit the line, 29 do not
    normal = d.styles["Normal"].element.rPr
    size = normal.sz_val if normal is not None else None
    sp = normal.find(qn("w:spacing")) if normal is not None else None
    pitch_char = (size or 0) + Twips(int(sp.get(qn("w:val"))) if sp is not None else 0)
    line = s.page_width - s.left_margin - s.right_margin
    if not size or size != Pt(16) or not (28 * pitch_char <= line < 29 * pitch_char):
        failed.append(f"the body's characters ({size and size.pt} pt, pitch {pitch_char / Pt(1):.2f} pt)"
                      f" do not make 28 a line of {line / Mm(1):.1f} mm")
    if len(d.tables) < min_tables:
        failed.append(f"{len(d.tables)} tables, expected at least {min_tables}")
    # the charts: inline pictures, each a PNG in the package
    pics = [sh for sh in d.inline_shapes if sh.type == WD_INLINE_SHAPE.PICTURE]
    if len(pics) < min_pictures:
        failed.append(f"{len(pics)} inline pictures, expected at least {min_pictures}")
    for sh in pics:
        if sh.width <= 0 or sh.width > line or sh.height <= 0:
            failed.append(f"a picture of {sh.width} x {sh.height} EMU does not fit the line")
    foot = s.footer._element.xml
    if "PAGE" not in foot or "— " not in foot:
        failed.append("the footer has no '— PAGE —'")
    for line in failed:
        print(f"{path}: {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
