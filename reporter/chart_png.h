/* chart_png: a chart of charts.h as a PNG picture, for the docx (Word and
 * WPS show no inline SVG of ours): the same model the html's SVG is drawn
 * from (svg.h), so a picture never says other than the page; drawn with
 * cairo, 600 x H logical points at twice that in pixels.
 *
 * The labels are Chinese: the font is fontconfig's best match for
 * "Noto Sans CJK SC" (Debian's fonts-noto-cjk), then "WenQuanYi Zen Hei"
 * or "WenQuanYi Micro Hei", for the language zh-cn. When the match covers
 * no CJK character (no such font installed) no picture is drawn: the
 * labels would be boxes, and the docx's tables carry every value anyway
 * (chart_png returns 1 and logs it once). */
#ifndef SHIBAO_CHART_PNG_H
#define SHIBAO_CHART_PNG_H

#include <stddef.h>
#include "charts.h"

struct chart_picture {
    unsigned char *data; /* malloc'd PNG bytes */
    size_t len;
    int width, height;   /* pixels */
};

/* Draws c into p. 0 drawn; 1 nothing drawn (an empty chart, or no CJK
 * font); -1 error (logged). Release p with chart_png_free. */
int chart_png(const struct chart *c, struct chart_picture *p);
void chart_png_free(struct chart_picture *p);

#endif
