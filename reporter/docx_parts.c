#include "docx_parts.h"

#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
#define CT "application/vnd.openxmlformats-officedocument.wordprocessingml."
#define REL "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

static const char CONTENT_TYPES[] =
    XML_DECL
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Default Extension=\"png\" ContentType=\"image/png\"/>"
    "<Override PartName=\"/word/document.xml\" ContentType=\"" CT "document.main+xml\"/>"
    "<Override PartName=\"/word/styles.xml\" ContentType=\"" CT "styles+xml\"/>"
    "<Override PartName=\"/word/settings.xml\" ContentType=\"" CT "settings+xml\"/>"
    "<Override PartName=\"/word/fontTable.xml\" ContentType=\"" CT "fontTable+xml\"/>"
    "<Override PartName=\"/word/footer1.xml\" ContentType=\"" CT "footer+xml\"/>"
    "<Override PartName=\"/word/footer2.xml\" ContentType=\"" CT "footer+xml\"/>"
    "<Override PartName=\"/docProps/core.xml\" "
    "ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
    "</Types>\n";

static const char PACKAGE_RELS[] =
    XML_DECL
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"" REL "officeDocument\" Target=\"word/document.xml\"/>"
    "<Relationship Id=\"rId2\" "
    "Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" "
    "Target=\"docProps/core.xml\"/>"
    "</Relationships>\n";

static const char DOCUMENT_RELS_HEAD[] =
    XML_DECL
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rIdStyles\" Type=\"" REL "styles\" Target=\"styles.xml\"/>"
    "<Relationship Id=\"rIdSettings\" Type=\"" REL "settings\" Target=\"settings.xml\"/>"
    "<Relationship Id=\"rIdFonts\" Type=\"" REL "fontTable\" Target=\"fontTable.xml\"/>"
    "<Relationship Id=\"" DOCX_RID_FOOTER_ODD "\" Type=\"" REL "footer\" Target=\"footer1.xml\"/>"
    "<Relationship Id=\"" DOCX_RID_FOOTER_EVEN "\" Type=\"" REL "footer\" Target=\"footer2.xml\"/>";

/* Latin text and digits in Times New Roman beside each CJK face, as WPS's
 * own 公文 templates do. */
#define FONTS(east) "<w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" " \
                    "w:eastAsia=\"" east "\" w:cs=\"Times New Roman\"/>"
#define SIZE(halfpt) "<w:sz w:val=\"" halfpt "\"/><w:szCs w:val=\"" halfpt "\"/>"
/* 28 characters of 3号 (16 pt) in the 156 mm line: each a quarter point
 * narrower (15.75 pt), by character spacing rather than the docGrid's
 * character pitch, which LibreOffice lays out as two cells per character
 * when the pitch is below the font size. NO_PITCH: the other styles. */
#define PITCH "<w:spacing w:val=\"-5\"/>"
#define NO_PITCH "<w:spacing w:val=\"0\"/>"
/* no first-line indent (the body's is 2 characters) */
#define NO_INDENT "<w:ind w:firstLineChars=\"0\" w:firstLine=\"0\"/>"

static const char STYLES[] =
    XML_DECL
    "<w:styles xmlns:w=\"" DOCX_NS_W "\">"
    "<w:docDefaults><w:rPrDefault><w:rPr>" FONTS("仿宋_GB2312") "<w:kern w:val=\"2\"/>" SIZE("32")
    "<w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\" w:bidi=\"ar-SA\"/></w:rPr></w:rPrDefault>"
    "<w:pPrDefault><w:pPr><w:widowControl w:val=\"0\"/><w:jc w:val=\"both\"/></w:pPr></w:pPrDefault>"
    "</w:docDefaults>"
    "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/>"
    "<w:qFormat/><w:pPr><w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/></w:pPr>"
    "<w:rPr>" PITCH SIZE("32") "</w:rPr></w:style>"
    "<w:style w:type=\"character\" w:default=\"1\" w:styleId=\"DefaultParagraphFont\">"
    "<w:name w:val=\"Default Paragraph Font\"/><w:uiPriority w:val=\"1\"/><w:semiHidden/></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"" DOCX_STYLE_TITLE "\"><w:name w:val=\"公文标题\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/>"
    "<w:pPr><w:spacing w:after=\"579\"/>" NO_INDENT "<w:jc w:val=\"center\"/><w:outlineLvl w:val=\"0\"/></w:pPr>"
    "<w:rPr><w:rFonts w:ascii=\"方正小标宋简体\" w:hAnsi=\"方正小标宋简体\" w:eastAsia=\"方正小标宋简体\" "
    "w:cs=\"方正小标宋简体\"/>" NO_PITCH SIZE("44") "</w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"" DOCX_STYLE_SECTION "\"><w:name w:val=\"一级标题\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/>"
    "<w:pPr><w:keepNext/><w:outlineLvl w:val=\"1\"/></w:pPr><w:rPr>" FONTS("黑体") "</w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"" DOCX_STYLE_SUBSECTION "\"><w:name w:val=\"二级标题\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/>"
    "<w:pPr><w:keepNext/><w:outlineLvl w:val=\"2\"/></w:pPr><w:rPr>" FONTS("楷体_GB2312") "</w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"" DOCX_STYLE_CAPTION "\"><w:name w:val=\"附表标题\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/>"
    "<w:pPr><w:keepNext/><w:spacing w:before=\"289\" w:after=\"145\"/>" NO_INDENT
    "<w:jc w:val=\"center\"/></w:pPr><w:rPr>" FONTS("黑体") "</w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"" DOCX_STYLE_NOTE "\"><w:name w:val=\"附表注\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:pPr><w:keepNext/><w:snapToGrid w:val=\"0\"/>"
    "<w:spacing w:after=\"120\"/>" NO_INDENT "</w:pPr><w:rPr>" SIZE("28") "</w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"" DOCX_STYLE_CELL "\"><w:name w:val=\"表格文字\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:pPr><w:snapToGrid w:val=\"0\"/>" NO_INDENT
    "<w:jc w:val=\"center\"/></w:pPr><w:rPr>" NO_PITCH SIZE("21") "</w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"" DOCX_STYLE_HEAD "\"><w:name w:val=\"表头文字\"/>"
    "<w:basedOn w:val=\"" DOCX_STYLE_CELL "\"/><w:pPr><w:keepNext/></w:pPr><w:rPr>" FONTS("黑体")
    "</w:rPr></w:style>"
    "<w:style w:type=\"paragraph\" w:styleId=\"GwPage\"><w:name w:val=\"页码\"/>"
    "<w:basedOn w:val=\"Normal\"/><w:pPr><w:snapToGrid w:val=\"0\"/>" NO_INDENT "</w:pPr>"
    "<w:rPr><w:rFonts w:ascii=\"宋体\" w:hAnsi=\"宋体\" w:eastAsia=\"宋体\" w:cs=\"宋体\"/>" NO_PITCH SIZE("28")
    "</w:rPr></w:style>"
    "<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/>"
    "<w:semiHidden/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar>"
    "<w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/>"
    "<w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/>"
    "</w:tblCellMar></w:tblPr></w:style>"
    "</w:styles>\n";

/* charset 86: GB2312. */
#define FONT(name, alt, family) \
    "<w:font w:name=\"" name "\"><w:altName w:val=\"" alt "\"/><w:charset w:val=\"86\"/>" \
    "<w:family w:val=\"" family "\"/><w:pitch w:val=\"variable\"/></w:font>"

static const char FONT_TABLE[] =
    XML_DECL
    "<w:fonts xmlns:w=\"" DOCX_NS_W "\">"
    FONT("方正小标宋简体", "宋体", "script")
    FONT("仿宋_GB2312", "仿宋", "modern")
    FONT("楷体_GB2312", "楷体", "modern")
    FONT("黑体", "SimHei", "modern")
    FONT("宋体", "SimSun", "auto")
    "<w:font w:name=\"Times New Roman\"><w:charset w:val=\"00\"/><w:family w:val=\"roman\"/>"
    "<w:pitch w:val=\"variable\"/></w:font>"
    "</w:fonts>\n";

/* Odd and even pages have their own footers (the page number's side). */
static const char SETTINGS[] =
    XML_DECL
    "<w:settings xmlns:w=\"" DOCX_NS_W "\">"
    "<w:evenAndOddHeaders/><w:defaultTabStop w:val=\"420\"/>"
    "<w:characterSpacingControl w:val=\"compressPunctuation\"/>"
    "<w:compat><w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" "
    "w:val=\"15\"/></w:compat>"
    "</w:settings>\n";

/* "— N —", N the PAGE field; side: jc and the one-character indent. */
#define FOOTER(side)                                                                            \
    XML_DECL "<w:ftr xmlns:w=\"" DOCX_NS_W "\"><w:p><w:pPr><w:pStyle w:val=\"GwPage\"/>" side  \
    "</w:pPr><w:r><w:t xml:space=\"preserve\">— </w:t></w:r>"                                   \
    "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>"                                           \
    "<w:r><w:instrText xml:space=\"preserve\"> PAGE </w:instrText></w:r>"                       \
    "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>1</w:t></w:r>"                 \
    "<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"                                             \
    "<w:r><w:t xml:space=\"preserve\"> —</w:t></w:r></w:p></w:ftr>\n"

static const char FOOTER_ODD[] =
    FOOTER("<w:ind w:right=\"280\" w:firstLineChars=\"0\" w:firstLine=\"0\"/><w:jc w:val=\"right\"/>");
static const char FOOTER_EVEN[] =
    FOOTER("<w:ind w:left=\"280\" w:firstLineChars=\"0\" w:firstLine=\"0\"/><w:jc w:val=\"left\"/>");

static const struct docx_part PARTS[] = {
    {"[Content_Types].xml", CONTENT_TYPES},
    {"_rels/.rels", PACKAGE_RELS},
    {"word/styles.xml", STYLES},
    {"word/settings.xml", SETTINGS},
    {"word/fontTable.xml", FONT_TABLE},
    {"word/footer1.xml", FOOTER_ODD},
    {"word/footer2.xml", FOOTER_EVEN},
};

const char *docx_document_rels_head(void)
{
    return DOCUMENT_RELS_HEAD;
}

const struct docx_part *docx_fixed_parts(int *n)
{
    *n = (int)(sizeof PARTS / sizeof PARTS[0]);
    return PARTS;
}
