/* config: a program's configuration file, /etc/shibao/PROGRAM.conf or
 * --config FILE (see shibao-aggregator(1) and the example files):
 *
 *   # the township aggregator
 *   db = /var/lib/shibao/township.db
 *   listen = tcp://0.0.0.0:5550
 *   insecure = false
 *
 * One "key = value" a line; the keys are the program's long option names;
 * '#' or ';' starts a comment line (and " ;" an inline comment); no sections,
 * no quotes. A boolean option (one that takes no argument) is true or false.
 *
 * The file is turned into "--key=value" words that the program hands to
 * getopt_long before its real arguments, so the command line wins and every
 * option is parsed and checked by the same code whichever way it came. An
 * unknown key, a section, a line without '=', a key given twice, an empty
 * value or a value of the shared typed options below that does not parse is
 * refused as "FILE:LINE: key: reason":
 *
 *   township (9 digits), village (12 digits), window (positive number),
 *   log-level (error|warn|info|debug), period, format (text|md|csv|json).
 *
 * A program adding a typed option adds its check to the table in config.c,
 * so a bad value in the file is named by its line and not only by the
 * program's own "--option: ..." message. */
#ifndef SHIBAO_CONFIG_H
#define SHIBAO_CONFIG_H

#include <getopt.h>
#include <stddef.h>

#ifndef SHIBAO_CONFIG_DIR
#define SHIBAO_CONFIG_DIR "/etc/shibao"
#endif

/* The words a file turned into: argv[0..argc-1] ("--key=value" or "--key"),
 * each from line[i] of the file. Owned; free with config_args_free. */
struct config_args {
    int argc;
    char **argv;
    int *line;
};

/* Loads path. Keys are looked up (exactly) in longopts, whose "help",
 * "version" and "config" are not allowed in a file. Returns 0, or -1 with
 * "PATH:LINE: key: reason" (or "PATH: reason") in err. */
int config_load(const char *path, const struct option *longopts, struct config_args *out,
                char *err, size_t errlen);
void config_args_free(struct config_args *a);

/* What each main() calls first, with the argv its getopt_long loop is about
 * to read (argv[0] is not read: a program name or a subcommand) and the same
 * optstring and longopts, which must hold {"config", required_argument, ...}
 * (the loop ignores it). Finds --config FILE on the command line, or else
 * uses default_path (SHIBAO_CONFIG_DIR "/aggregator.conf" ...) if that file
 * exists; loads it; and replaces *argc, *argv by
 *   argv[0], the file's words..., argv[1..argc-1]
 * Nothing is read with --help or --version, or with --config "" (no file).
 * The new argv lives until exit (or config_release). Errors go to stderr as
 * "PROG: FILE:LINE: key: reason"; returns 0, or 2 (a usage error). */
int config_apply(const char *prog, const char *default_path, const char *optstring,
                 const struct option *longopts, int *argc, char ***argv);
/* Frees what config_apply made (for tests; programs keep it until exit). */
void config_release(void);

#endif
