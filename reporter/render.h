/* The report's entry points moved to report.h (the dispatcher above the
 * writers); this name stays for the callers that still include it. */
#ifndef SHIBAO_RENDER_H
#define SHIBAO_RENDER_H
#include "report.h"
#endif
