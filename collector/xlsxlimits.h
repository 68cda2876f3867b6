/* xlsxlimits: the bounds a workbook is read within (xlsx.h says why),
 * shared by the package reader (xlsxbook.c) and the sheet reader
 * (xlsx.c). */
#ifndef SHIBAO_XLSXLIMITS_H
#define SHIBAO_XLSXLIMITS_H

#define XLSX_MAX_PART (64u * 1024 * 1024)    /* one part, uncompressed */
#define XLSX_MAX_READ (256u * 1024 * 1024)   /* the whole workbook, uncompressed */
#define XLSX_MAX_STRINGS (32u * 1024 * 1024) /* shared strings held */
#define XLSX_MAX_ROWS 100000                 /* non-blank rows in a file */
#define XLSX_MAX_COLS 16384                  /* Excel's last column, XFD */
#define XLSX_MAX_ROW 1048576                 /* Excel's last row number */

#endif
