/* points.c: the points eval and verify take, from a text file (N_IN numbers
   per line), an .npy file (float64 or float32, shape (n, N_IN)) or stdin
   (either kind). A source is checked whole when it is opened, so that every
   bad line is reported before any result is written; then it is read in
   chunks, so that eval's memory does not grow with the number of points.
   stdin, and anything else that cannot be read twice, is copied to a
   temporary file first. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "mem.h"

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

/* 1 when the fields of line are the network's input names, in order (a
   spreadsheet's header row). */
static int is_header(const char *line, const char *const *names, size_t n_in)
{
    size_t i;
    const char *s = line;
    if (names == NULL)
        return 0;
    for (i = 0; i < n_in; i++) {
        const size_t n = strlen(names[i]);
        while (*s == ' ' || *s == '\t' || (i > 0 && *s == ','))
            s++;
        if (strncmp(s, names[i], n) != 0 || strchr(" \t,\r\n", s[n]) == NULL)
            return 0;
        s += n;
    }
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return *s == '\0';
}

/* The numbers of one line (a # comment cut off) into vals[n_in], checked;
   line is the source's line number, for messages. Returns 1 for a point, 0
   for a line with no numbers, -1 for a bad line (reported). */
static int parse_line(cli_source *src, char *line, int lineno, double *vals, jg_diag *d)
{
    char *s = line, *end, *hash = strchr(line, '#');
    size_t count = 0;
    if (hash != NULL)
        *hash = '\0';
    for (;;) {
        double v;
        int commas = 0;
        char *start = s;
        while (*s == ' ' || *s == '\t' || *s == ',' || *s == '\r' || *s == '\n')
            commas += *s++ == ',';
        /* a comma with no number before it (at the start, or after another
           comma), or after the last number: an empty field */
        if (commas > 1 || (commas == 1 && (count == 0 || *s == '\0'))) {
            const char *c = strchr(start, ',');
            if (commas > 1 || count == 0)
                c = strchr(c + (count == 0 ? 0 : 1), ',');
            jg_diag_error(d, src->name, lineno, (int)((c != NULL ? c : start) - line) + 1,
                          "an empty field: the numbers of a point are separated by spaces, tabs or one comma");
            return -1;
        }
        if (*s == '\0')
            break;
        errno = 0;
        v = strtod(s, &end);
        if (end == s || (*end != '\0' && strchr(" \t,\r\n", *end) == NULL)) {
            if (src->n == 0 && !src->bad_lines && src->names != NULL
                && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) {
                char row[128];
                size_t i, n = 0;
                for (i = 0; i < src->n_in && n + 40 < sizeof row; i++)
                    n += (size_t)snprintf(row + n, sizeof row - n, "%s%.32s", i ? "," : "", src->names[i]);
                if (i < src->n_in)
                    snprintf(row + n, sizeof row - n, ",...");
                jg_diag_error(d, src->name, lineno, (int)(s - line) + 1, "not a number: a header row? The only "
                              "one jetgen takes names the inputs in order (%s); or start the line with #", row);
            } else
                jg_diag_error(d, src->name, lineno, (int)(s - line) + 1, "not a number");
            return -1;
        }
        if (errno == ERANGE && isinf(v)) {
            jg_diag_error(d, src->name, lineno, (int)(s - line) + 1, "%.*s is beyond double's range (write inf "
                          "for an infinity)", (int)(end - s) > 40 ? 40 : (int)(end - s), s);
            return -1;
        }
        if (count < src->n_in)
            vals[count] = v;
        count++;
        s = end;
    }
    if (count == 0)
        return 0;
    if (count != src->n_in) {
        jg_diag_error(d, src->name, lineno, 0, "expected %zu number%s, found %zu", src->n_in,
                      src->n_in == 1 ? "" : "s", count);
        return -1;
    }
    return 1;
}

/* The next point of a text source into vals: 1, 0 at the end, -1 on a
   problem (reported). */
static int next_text_point(cli_source *src, double *vals, jg_diag *d)
{
    int got, r;
    while ((got = read_line(src->fp, &src->line, &src->cap)) > 0) {
        src->lineno++;
        if (src->lineno == src->header_line)
            continue;
        r = parse_line(src, src->line, src->lineno, vals, d);
        if (r != 0)
            return r;
    }
    if (got < 0) {
        jg_diag_error(d, src->name, src->lineno + 1, 0, got == -1 ? "out of memory" : "line longer than 1 MiB");
        return -1;
    }
    if (ferror(src->fp)) {
        jg_diag_error(d, src->name, 0, 0, "read error");
        return -1;
    }
    return 0;
}

/* fp as a file that can be read twice: itself when it is a regular file,
   else a copy of it in a temporary file. NULL with a message in d. */
static FILE *rereadable(FILE *fp, const char *name, jg_diag *d)
{
    struct stat st;
    FILE *copy;
    if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode))
        return fp;
    copy = tmpfile();
    if (copy == NULL) {
        jg_diag_error(d, name, 0, 0, "cannot make a temporary copy: %s", strerror(errno));
        return NULL;
    }
    if (cli_copy_stream(copy, fp) != 0 || fflush(copy) != 0) {
        if (ferror(fp))
            jg_diag_error(d, name, 0, 0, "read error");
        else
            jg_diag_error(d, name, 0, 0, "cannot make a temporary copy: %s", strerror(errno));
        fclose(copy);
        return NULL;
    }
    rewind(copy);
    return copy;
}

/* The checks of an .npy source: shape (n, N_IN) or, with one input, (n,);
   the data exactly as long as the shape says. */
static int open_npy(cli_source *src, jg_diag *d)
{
    cli_npy h;
    long end;
    size_t bytes;
    if (cli_npy_read_header(src->fp, src->name, &h, d) != 0)
        return -1;
    if (!(h.rank == 2 && h.shape[1] == src->n_in) && !(h.rank == 1 && src->n_in == 1)) {
        char shape[96];
        size_t k, n = 0;
        for (k = 0; k < (size_t)h.rank; k++)
            n += (size_t)snprintf(shape + n, sizeof shape - n, "%zu%s", h.shape[k],
                                  h.rank == 1 ? "," : k + 1 < (size_t)h.rank ? ", " : "");
        jg_diag_error(d, src->name, 0, 0, "an array of shape (%s): the network has %zu input%s, so the points "
                      "are an array of shape (n, %zu)", shape, src->n_in, src->n_in == 1 ? "" : "s", src->n_in);
        return -1;
    }
    src->npy = 1;
    src->f32 = h.f32;
    src->swap = h.swap;
    src->n = h.shape[0];
    bytes = src->n * src->n_in * (h.f32 ? 4 : 8);
    if (fseek(src->fp, 0, SEEK_END) != 0 || (end = ftell(src->fp)) < 0
        || fseek(src->fp, h.data_at, SEEK_SET) != 0) {
        jg_diag_error(d, src->name, 0, 0, "cannot seek: %s", strerror(errno));
        return -1;
    }
    if ((size_t)(end - h.data_at) != bytes) {
        jg_diag_error(d, src->name, 0, 0, "holds %ld bytes of numbers where its header's shape (%zu, %zu) "
                      "of %s needs %zu", end - h.data_at, src->n, src->n_in, h.f32 ? "float32" : "float64", bytes);
        return -1;
    }
    return 0;
}

int cli_source_open(cli_source *src, const char *path, size_t n_in, const char *const *names, jg_diag *d)
{
    const int is_stdin = path == NULL || strcmp(path, "-") == 0;
    unsigned char start[6];
    size_t got;
    double *vals = NULL;
    int r, errors0 = d->n_errors;
    memset(src, 0, sizeof *src);
    src->name = is_stdin ? "<stdin>" : path;
    src->n_in = n_in;
    src->names = names;
    src->fp = is_stdin ? stdin : fopen(path, "rb");
    if (src->fp == NULL) {
        jg_diag_error(d, path, 0, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    src->owned = !is_stdin;
    {
        FILE *fp = rereadable(src->fp, src->name, d);
        if (fp == NULL)
            return -1;
        if (fp != src->fp) {
            if (src->owned)
                fclose(src->fp);
            src->fp = fp;
            src->owned = 1;
        }
    }
    got = fread(start, 1, sizeof start, src->fp);
    rewind(src->fp);
    if (cli_npy_is(start, got))
        return open_npy(src, d);
    if (got >= 4 && memcmp(start, "PK\003\004", 4) == 0) {
        jg_diag_error(d, src->name, 0, 0, "this is a zip file (numpy.savez's .npz?), not points: save one array "
                      "with numpy.save, or write N_IN numbers per line");
        return -1;
    }
    /* text: every line checked now (all problems reported), the points
       counted, a header row of the input names found */
    vals = (double *)jg_malloc_n(n_in, sizeof *vals);
    if (vals == NULL) {
        jg_diag_error(d, src->name, 0, 0, "out of memory");
        return -1;
    }
    for (;;) {
        int got_line = read_line(src->fp, &src->line, &src->cap);
        if (got_line <= 0) {
            if (got_line < 0)
                jg_diag_error(d, src->name, src->lineno + 1, 0,
                              got_line == -1 ? "out of memory" : "line longer than 1 MiB");
            else if (ferror(src->fp))
                jg_diag_error(d, src->name, 0, 0, "read error");
            break;
        }
        src->lineno++;
        if (src->n == 0 && !src->bad_lines && src->header_line == 0 && is_header(src->line, names, n_in)) {
            src->header_line = src->lineno;
            continue;
        }
        r = parse_line(src, src->line, src->lineno, vals, d);
        if (r > 0)
            src->n++;
        else if (r < 0)
            src->bad_lines++;
    }
    jg_free(vals);
    src->lineno = 0;
    rewind(src->fp);
    return d->n_errors == errors0 ? 0 : -1;
}

size_t cli_source_read(cli_source *src, double *x, size_t max, jg_diag *d)
{
    size_t k = 0;
    if (max > src->n - src->done)
        max = src->n - src->done;
    if (src->npy) {
        const size_t m = max * src->n_in, w = src->f32 ? 4 : 8;
        unsigned char *b = (unsigned char *)x;
        /* read into the back of x, widen to the front: float32 takes half */
        unsigned char *at = b + m * 8 - m * w;
        if (fread(at, w, m, src->fp) != m) {
            jg_diag_error(d, src->name, 0, 0, "read error");
            return 0;
        }
        for (k = 0; k < m; k++) {
            unsigned char t[8];
            size_t j;
            for (j = 0; j < w; j++)
                t[j] = at[k * w + (src->swap ? w - 1 - j : j)];
            if (w == 4) {
                float f;
                memcpy(&f, t, 4);
                x[k] = f;
            } else {
                memcpy(&x[k], t, 8);
            }
        }
        src->done += max;
        return max;
    }
    for (k = 0; k < max; k++) {
        const int r = next_text_point(src, x + k * src->n_in, d);
        if (r <= 0) {
            if (r == 0)
                jg_diag_error(d, src->name, 0, 0, "changed while read: %zu points where %zu were counted",
                              src->done + k, src->n);
            return 0;
        }
    }
    src->done += max;
    return max;
}

void cli_source_close(cli_source *src)
{
    if (src->owned && src->fp != NULL)
        fclose(src->fp);
    src->fp = NULL;
    jg_free(src->line);
    src->line = NULL;
}

int cli_points_load(const char *path, size_t n_in, const char *const *names, cli_points *pts, jg_diag *d)
{
    cli_source src;
    int overflow = 0, rc = -1;
    pts->n = pts->cap = 0;
    pts->x = NULL;
    if (cli_source_open(&src, path, n_in, names, d) != 0)
        goto done;
    pts->x = (double *)jg_malloc(jg_mul(jg_mul(src.n, n_in, &overflow), sizeof(double), &overflow) + 8);
    if (overflow || pts->x == NULL) {
        jg_diag_error(d, src.name, 0, 0, "out of memory for %zu points", src.n);
        goto done;
    }
    pts->cap = src.n;
    if (src.n > 0 && cli_source_read(&src, pts->x, src.n, d) != src.n)
        goto done;
    pts->n = src.n;
    rc = 0;
done:
    cli_source_close(&src);
    return rc;
}
