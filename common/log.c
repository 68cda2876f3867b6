#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *g_program = "shibao";
static int g_level = SB_LOG_INFO;
static const char *const g_names[] = {"error", "warn", "info", "debug"};

void log_init(const char *program, int level)
{
    if (program)
        g_program = program;
    g_level = level;
}

int log_level(void) { return g_level; }

int log_level_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, g_names[i]) == 0)
            return i;
    return -1;
}

void log_msg(int level, const char *fmt, ...)
{
    if (level > g_level)
        return;
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    /* One fprintf per line so concurrent processes sharing a terminal do not interleave. */
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s %s[%d] %s: %s\n", stamp, g_program, (int)getpid(),
            g_names[level < 0 ? 0 : level > 3 ? 3 : level], line);
}

const char *log_quote(const char *s, char *buf, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (n < 6) {
        if (n)
            buf[0] = '\0';
        return buf;
    }
    buf[o++] = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[5];
        size_t k = 0;
        if (c == '\n' || c == '\t' || c == '"' || c == '\\') {
            esc[k++] = '\\';
            esc[k++] = c == '\n' ? 'n' : c == '\t' ? 't' : (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            esc[k++] = '\\';
            esc[k++] = 'x';
            esc[k++] = hex[c >> 4];
            esc[k++] = hex[c & 15];
        } else {
            esc[k++] = (char)c;
        }
        /* room kept for "...", the closing quote and the NUL; a cut never
         * splits a UTF-8 sequence */
        if (o + k + 5 > n) {
            size_t lead = o;
            while (lead > 1 && ((unsigned char)buf[lead - 1] & 0xc0) == 0x80)
                lead--;
            if (lead > 1 && ((unsigned char)buf[lead - 1] & 0xc0) == 0xc0) {
                unsigned char c0 = (unsigned char)buf[lead - 1];
                size_t want = c0 >= 0xf0 ? 4 : c0 >= 0xe0 ? 3 : 2;
                if (o - (lead - 1) < want)
                    o = lead - 1; /* an incomplete sequence: dropped */
            }
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        memcpy(buf + o, esc, k);
        o += k;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}
