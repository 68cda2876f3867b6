/* docx_parts: the fixed parts of the .docx package (report_docx.c writes
 * the document itself): content types, relationships, the styles of a
 * Chinese official document (GB/T 9704-2012), the fonts with their
 * fallbacks, the settings, and the page-number footers.
 *
 * The page: A4 (210 x 297 mm), margins top 37, bottom 35, left (binding)
 * 28, right 26 mm, 22 lines (a docGrid of lines, 225 mm / 22) of 28
 * characters (3号 with a quarter point less character spacing: 28 x 15.75
 * pt fit the 156 mm line in Word, WPS and LibreOffice alike). The styles, by
 * the names Word and WPS show:
 *   公文标题  title, 2号 (22 pt) 方正小标宋简体, centred
 *   正文      Normal: 3号 (16 pt) 仿宋_GB2312, first line indented 2 characters
 *   一级标题  一、 headings, 3号 黑体 (outline level 1)
 *   二级标题  （一） headings, 3号 楷体_GB2312 (outline level 2)
 *   附表标题  an appendix table's caption, 3号 黑体, centred
 *   附表注    a note under a caption, 4号 仿宋
 *   表格文字 / 表头文字  table cells, 5号 仿宋 / 黑体
 *   页码      4号 宋体, "— 1 —": right on odd pages, left on even, one
 *             character in from the edge
 * Each font names the one WPS and Word expect and an altName the reader
 * falls back to (仿宋_GB2312 -> 仿宋, 楷体_GB2312 -> 楷体, 方正小标宋简体
 * -> 宋体, 黑体 -> SimHei); a machine with none of them (LibreOffice on
 * Debian) substitutes its own CJK font (Noto Serif/Sans CJK).
 * The strings are static; nothing here allocates. */
#ifndef SHIBAO_DOCX_PARTS_H
#define SHIBAO_DOCX_PARTS_H

/* The page in twentieths of a point (twips), as document.xml's sectPr
 * carries them; 1 mm = 1440 / 25.4 twips, rounded. */
enum {
    DOCX_PAGE_W = 11906,  /* 210 mm */
    DOCX_PAGE_H = 16838,  /* 297 mm */
    DOCX_MARGIN_TOP = 2098,    /* 37 mm */
    DOCX_MARGIN_BOTTOM = 1984, /* 35 mm */
    DOCX_MARGIN_LEFT = 1587,   /* 28 mm */
    DOCX_MARGIN_RIGHT = 1474,  /* 26 mm */
    DOCX_TEXT_W = DOCX_PAGE_W - DOCX_MARGIN_LEFT - DOCX_MARGIN_RIGHT, /* 156 mm */
};

/* The style ids document.xml refers to. */
#define DOCX_STYLE_TITLE "GwTitle"
#define DOCX_STYLE_SECTION "Gw1"
#define DOCX_STYLE_SUBSECTION "Gw2"
#define DOCX_STYLE_CAPTION "GwCaption"
#define DOCX_STYLE_NOTE "GwNote"
#define DOCX_STYLE_CELL "GwCell"
#define DOCX_STYLE_HEAD "GwHead"

/* One fixed part: its name in the package and its bytes (NUL-terminated). */
struct docx_part {
    const char *name;
    const char *xml;
};
/* Every fixed part, [Content_Types].xml first (it gives .png its type);
 * n set to how many. The document part (word/document.xml), its
 * relationships, the pictures (word/media/chartN.png) and the core properties
 * (docProps/core.xml) are not among them: they are written per report. */
const struct docx_part *docx_fixed_parts(int *n);
/* word/_rels/document.xml.rels up to its end: the fixed parts'
 * relationships; the writer adds one per picture (DOCX_REL_IMAGE) and
 * closes it with </Relationships>. */
const char *docx_document_rels_head(void);

/* The namespaces the document and core parts open with. */
#define DOCX_NS_W "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define DOCX_NS_R "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
/* A picture: its relationship's type and the DrawingML namespaces. */
#define DOCX_REL_IMAGE "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
#define DOCX_NS_WP "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
#define DOCX_NS_A "http://schemas.openxmlformats.org/drawingml/2006/main"
#define DOCX_NS_PIC "http://schemas.openxmlformats.org/drawingml/2006/picture"
/* The relationship ids of document.xml.rels that the section refers to. */
#define DOCX_RID_FOOTER_ODD "rIdFooterOdd"
#define DOCX_RID_FOOTER_EVEN "rIdFooterEven"

#endif
