/* common.c: what the commands share: usage errors, messages, option
   values, and the points to evaluate at (cli.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mem.h"

int cli_edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    int d[32][32];
    size_t i, j;
    if (la > 31 || lb > 31)
        return 99;
    for (i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (i = 1; i <= la; i++)
        for (j = 1; j <= lb; j++) {
            int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

/* The option of usage's text nearest to opt (for "did you mean"): its
   start and length in *len, or NULL when none is within two edits. */
static const char *nearest_option(const char *usage, const char *opt, size_t *len)
{
    const char *s = usage, *best = NULL;
    int best_d = 3;
    while ((s = strstr(s, "--")) != NULL) {
        size_t n = 2;
        int dist;
        while ((s[n] >= 'a' && s[n] <= 'z') || s[n] == '-')
            n++;
        dist = n > 2 ? cli_edit_distance(s, n, opt, strlen(opt)) : 99;
        if (dist < best_d) {
            best_d = dist;
            best = s;
            *len = n;
        }
        s += n;
    }
    return best;
}

int cli_usage_error(const char *usage, const char *fmt, const char *arg)
{
    size_t len = 0;
    const char *near = strncmp(fmt, "unknown option", 14) == 0 && arg != NULL ? nearest_option(usage, arg, &len)
                                                                               : NULL;
    fprintf(stderr, "jetgen: ");
    fprintf(stderr, fmt, arg);
    if (near != NULL)
        fprintf(stderr, " (did you mean '%.*s'?)", (int)len, near);
    fprintf(stderr, "\n%s", usage);
    return EXIT_USAGE;
}

/* --precision's value into *p; 0, or -1 when it is neither. */
int cli_parse_precision(const char *v, int *p)
{
    if (strcmp(v, "double") == 0)
        *p = JG_NET_DOUBLE;
    else if (strcmp(v, "float") == 0)
        *p = JG_NET_FLOAT;
    else
        return -1;
    return 0;
}

int cli_parse_backend(const char *v, int *b)
{
    if (strcmp(v, "jit") == 0)
        *b = JG_NET_JIT;
    else if (strcmp(v, "executor") == 0)
        *b = JG_NET_EXECUTOR;
    else
        return -1;
    return 0;
}

/* One --hessian name into its JG_HESSIAN_* bit, or 0. */
unsigned cli_hessian_bit(const char *v, size_t len)
{
    static const char *const names[3] = {"full", "diag", "laplacian"};
    unsigned k;
    for (k = 0; k < 3; k++)
        if (strlen(names[k]) == len && strncmp(v, names[k], len) == 0)
            return 1u << k;
    return 0;
}

int cli_is_activation(const char *name)
{
    size_t i;
    for (i = 0; jg_activation_name(i) != NULL; i++)
        if (strcmp(jg_activation_name(i), name) == 0)
            return 1;
    return strcmp(name, "identity") == 0;
}

const char *cli_activation_suggest(const char *name)
{
    const char *best = NULL;
    int best_d = 3;             /* at most two edits, and fewer than the name's length */
    size_t i, n = strlen(name);
    for (i = 0; jg_activation_name(i) != NULL; i++) {
        const char *a = jg_activation_name(i);
        const int dist = cli_edit_distance(name, n, a, strlen(a));
        if (dist < best_d && (size_t)dist < n) {
            best = a;
            best_d = dist;
        }
    }
    return best;
}

/* Prints the collected messages; returns the exit status they call for. */
int cli_report(jg_diag *d)
{
    fputs(jg_buf_str(&d->text), stderr);
    return d->n_errors ? EXIT_INPUT : 0;
}


FILE *cli_temp_open(const char *path, char **tmp_out, jg_diag *d)
{
    size_t n = strlen(path);
    char *tmp = (char *)jg_malloc(n + 16);
    mode_t mask;
    int fd;
    FILE *fp;
    if (tmp == NULL) {
        jg_diag_error(d, path, 0, 0, "out of memory");
        return NULL;
    }
    memcpy(tmp, path, n);
    strcpy(tmp + n, ".tmp.XXXXXX");
    fd = mkstemp(tmp);
    if (fd < 0) {
        jg_diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
        jg_free(tmp);
        return NULL;
    }
    mask = umask(0);
    umask(mask);
    fp = fchmod(fd, 0666 & ~mask) == 0 ? fdopen(fd, "wb") : NULL;
    if (fp == NULL) {
        jg_diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
        close(fd);
        unlink(tmp);
        jg_free(tmp);
        return NULL;
    }
    *tmp_out = tmp;
    return fp;
}

/* Writes text to a temporary file beside path; *tmp_out is its name, for
   cli_write_outputs(). Returns 0 or -1 with a message in d. */
static int write_temp(const char *path, const jg_buf *text, jg_diag *d, char **tmp_out)
{
    char *tmp = NULL;
    FILE *fp = cli_temp_open(path, &tmp, d);
    if (fp == NULL)
        return -1;
    if (fwrite(text->data, 1, text->len, fp) != text->len || fclose(fp) != 0) {
        jg_diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
        unlink(tmp);
        jg_free(tmp);
        return -1;
    }
    *tmp_out = tmp;
    return 0;
}

int cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void cli_write_outputs(cli_output *out, size_t n, const char *const *inputs, size_t n_inputs, jg_diag *d)
{
    size_t k, j;
    for (k = 0; k < n; k++) {
        if (out[k].path == NULL || strcmp(out[k].path, "-") == 0)
            continue;
        for (j = 0; j < n_inputs; j++)
            if (inputs[j] != NULL && cli_same_file(out[k].path, inputs[j]))
                jg_diag_error(d, out[k].path, 0, 0, "is %s, an input of this command: refusing to write over it",
                              inputs[j]);
        for (j = 0; j < k; j++)
            if (out[j].path != NULL && (strcmp(out[j].path, out[k].path) == 0 || cli_same_file(out[j].path, out[k].path)))
                jg_diag_error(d, out[k].path, 0, 0, "is named for two outputs");
    }
    for (k = 0; k < n && d->n_errors == 0; k++)
        if (out[k].path != NULL && strcmp(out[k].path, "-") != 0)
            write_temp(out[k].path, &out[k].text, d, &out[k].tmp);
    for (k = 0; k < n && d->n_errors == 0; k++)
        if (out[k].path != NULL && strcmp(out[k].path, "-") == 0
            && (fwrite(out[k].text.data, 1, out[k].text.len, stdout) != out[k].text.len
                || fflush(stdout) != 0))
            jg_diag_error(d, "<stdout>", 0, 0, "write error");
    for (k = 0; k < n; k++) {
        if (out[k].tmp == NULL)
            continue;
        if (d->n_errors == 0 && rename(out[k].tmp, out[k].path) != 0)
            jg_diag_error(d, out[k].path, 0, 0, "cannot rename: %s", strerror(errno));
        if (d->n_errors != 0)
            unlink(out[k].tmp);
        jg_free(out[k].tmp);
    }
}

int cli_copy_stream(FILE *to, FILE *from)
{
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, from)) > 0)
        if (fwrite(buf, 1, n, to) != n)
            return -1;
    return ferror(from) ? -1 : 0;
}

/* ---- Progress on a terminal ---- */

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void cli_progress_start(cli_progress *p, const char *what)
{
    const char *force = getenv("JETGEN_PROGRESS");
    p->what = what;
    p->on = force != NULL && force[0] != '\0' ? force[0] == '1' : isatty(2);
    p->shown = 0;
    p->t0 = p->on ? seconds_now() : 0;
    p->last = p->t0;
}

void cli_progress_show(cli_progress *p, size_t done, size_t total)
{
    double now;
    if (!p->on || total == 0)
        return;
    now = seconds_now();
    if (now - p->t0 < 1.0 || (p->shown && now - p->last < 0.25))
        return;
    p->last = now;
    p->shown = 1;
    fprintf(stderr, "\rjetgen: %s: %zu of %zu points (%d%%), %.0f s ", p->what, done, total,
            (int)(100.0 * (double)done / (double)total), now - p->t0);
    fflush(stderr);
}

void cli_progress_end(cli_progress *p)
{
    if (p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->shown = 0;
}
