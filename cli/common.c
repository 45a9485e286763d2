/* common.c: what the commands share: usage errors, messages, option
   values, and the points to evaluate at (cli.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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


/* The next line of fp, '\n' included, NUL-terminated, into *line (grown
   with jg_realloc; *cap its size). Returns 1, 0 at the end of the file, -1
   out of memory, -2 for a line longer than 1 MiB. */
static int read_line(FILE *fp, char **line, size_t *cap)
{
    size_t len = 0;
    int c;
    while ((c = getc(fp)) != EOF) {
        if (len + 2 > *cap) {
            size_t nc = *cap ? 2 * *cap : 256;
            char *nl;
            if (nc > ((size_t)1 << 20))
                return -2;
            nl = (char *)jg_realloc(*line, nc);
            if (nl == NULL)
                return -1;
            *line = nl;
            *cap = nc;
        }
        (*line)[len++] = (char)c;
        if (c == '\n')
            break;
    }
    if (len == 0)
        return 0;
    (*line)[len] = '\0';
    return 1;
}

/* Reads N_IN numbers per line from fp into pts; every bad line is
   reported. Returns 0 or -1. */
int cli_read_points(FILE *fp, const char *name, size_t n_in, cli_points *pts, jg_diag *d)
{
    char *line = NULL;
    size_t cap = 0, k;
    int lineno = 0, errors0 = d->n_errors, got;
    double *vals = (double *)jg_malloc_n(n_in, sizeof *vals);
    if (vals == NULL) {
        jg_diag_error(d, name, 0, 0, "out of memory");
        return -1;
    }
    while ((got = read_line(fp, &line, &cap)) > 0) {
        char *s = line, *end, *hash = strchr(line, '#');
        size_t count = 0;
        int bad = 0;
        lineno++;
        if (hash != NULL)
            *hash = '\0';
        for (;;) {
            double v;
            int commas = 0;
            char *start = s;
            while (*s == ' ' || *s == '\t' || *s == ',' || *s == '\r' || *s == '\n')
                commas += *s++ == ',';
            /* a comma with no number before it (at the start, or after
               another comma), or after the last number: an empty field */
            if (commas > 1 || (commas == 1 && (count == 0 || *s == '\0'))) {
                const char *c = strchr(start, ',');
                if (commas > 1 || count == 0)
                    c = strchr(c + (count == 0 ? 0 : 1), ',');
                jg_diag_error(d, name, lineno, (int)((c != NULL ? c : start) - line) + 1,
                              "an empty field: the numbers of a point are separated by spaces, tabs "
                              "or one comma");
                bad = 1;
                break;
            }
            if (*s == '\0')
                break;
            errno = 0;
            v = strtod(s, &end);
            if (end == s || (*end != '\0' && strchr(" \t,\r\n", *end) == NULL)) {
                jg_diag_error(d, name, lineno, (int)(s - line) + 1, "not a number");
                bad = 1;
                break;
            }
            if (errno == ERANGE && isinf(v)) {
                jg_diag_error(d, name, lineno, (int)(s - line) + 1, "%.*s is beyond double's range (write "
                              "inf for an infinity)", (int)(end - s) > 40 ? 40 : (int)(end - s), s);
                bad = 1;
                break;
            }
            if (count < n_in)
                vals[count] = v;
            count++;
            s = end;
        }
        if (bad || count == 0)
            continue;
        if (count != n_in) {
            jg_diag_error(d, name, lineno, 0, "expected %zu number%s, found %zu", n_in,
                          n_in == 1 ? "" : "s", count);
            continue;
        }
        if (pts->n == pts->cap) {
            int overflow = 0;
            size_t nc = pts->cap ? 2 * pts->cap : 64;
            double *nx = (double *)jg_realloc_n(pts->x, jg_mul(nc, n_in, &overflow), sizeof *nx);
            if (nx == NULL) {
                jg_diag_error(d, name, lineno, 0, "out of memory");
                break;
            }
            pts->x = nx;
            pts->cap = nc;
        }
        for (k = 0; k < n_in; k++)
            pts->x[pts->n * n_in + k] = vals[k];
        pts->n++;
    }
    jg_free(line);
    jg_free(vals);
    if (got < 0)
        jg_diag_error(d, name, lineno + 1, 0, got == -1 ? "out of memory" : "line longer than 1 MiB");
    else if (ferror(fp))
        jg_diag_error(d, name, 0, 0, "read error");
    return d->n_errors == errors0 ? 0 : -1;
}

/* Writes text to a temporary file beside path, readable as the umask allows
   (mkstemp makes it private); *tmp_out is its name, for cli_write_outputs().
   Returns 0 or -1 with a message in d. */
static int write_temp(const char *path, const jg_buf *text, jg_diag *d, char **tmp_out)
{
    size_t n = strlen(path);
    char *tmp = (char *)jg_malloc(n + 16);
    mode_t mask;
    int fd;
    FILE *fp;
    if (tmp == NULL) {
        jg_diag_error(d, path, 0, 0, "out of memory");
        return -1;
    }
    memcpy(tmp, path, n);
    strcpy(tmp + n, ".tmp.XXXXXX");
    fd = mkstemp(tmp);
    if (fd < 0) {
        jg_diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
        jg_free(tmp);
        return -1;
    }
    mask = umask(0);
    umask(mask);
    fp = fdopen(fd, "wb");
    if (fp == NULL || fchmod(fd, 0666 & ~mask) != 0
        || fwrite(text->data, 1, text->len, fp) != text->len || fclose(fp) != 0) {
        jg_diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
        if (fp == NULL)
            close(fd);
        unlink(tmp);
        jg_free(tmp);
        return -1;
    }
    *tmp_out = tmp;
    return 0;
}

/* 1 when a and b name one existing file (the same device and inode:
   ./m.spec, links). */
static int same_file(const char *a, const char *b)
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
            if (inputs[j] != NULL && same_file(out[k].path, inputs[j]))
                jg_diag_error(d, out[k].path, 0, 0, "is %s, an input of this command: refusing to write over it",
                              inputs[j]);
        for (j = 0; j < k; j++)
            if (out[j].path != NULL && (strcmp(out[j].path, out[k].path) == 0 || same_file(out[j].path, out[k].path)))
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
