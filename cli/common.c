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
        dist = n > 2 ? (int)jg_edit_distance(s, n, opt, strlen(opt)) : 99;
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
        const int dist = (int)jg_edit_distance(name, n, a, strlen(a));
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


/* The directory part of path ("." for none), copied: jg_free. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return jg_strdup(".");
    if (slash == path)
        return jg_strdup("/");
    return jg_strndup(path, (size_t)(slash - path));
}

/* path joined to dir, unless path is absolute: jg_free. */
static char *join_path(const char *dir, const char *path)
{
    size_t n;
    char *s;
    if (path[0] == '/')
        return jg_strdup(path);
    n = strlen(dir) + strlen(path) + 2;
    s = (char *)jg_malloc(n);
    if (s != NULL)
        snprintf(s, n, "%s/%s", dir, path);
    return s;
}

/* The file a path names for writing: a symbolic link's target (followed
   through up to 40 links, even when the last is not there yet), else the
   path. NULL: out of memory, a loop, or a link that cannot be read. */
static char *write_target(const char *path)
{
    char *at = jg_strdup(path);
    int hops;
    for (hops = 0; at != NULL && hops < 40; hops++) {
        struct stat st;
        char link[4096], *dir, *next;
        ssize_t n;
        if (lstat(at, &st) != 0 || !S_ISLNK(st.st_mode))
            return at;
        n = readlink(at, link, sizeof link - 1);
        if (n < 0) {
            jg_free(at);
            return NULL;
        }
        link[n] = '\0';
        dir = dir_of(at);
        next = dir != NULL ? join_path(dir, link) : NULL;
        jg_free(dir);
        jg_free(at);
        at = next;
    }
    jg_free(at);
    return NULL;
}

int cli_file_open(cli_file *f, const char *path, jg_diag *d)
{
    struct stat st;
    char *dir;
    size_t n;
    mode_t mask;
    int fd;
    memset(f, 0, sizeof *f);
    f->path = path;
    /* what is not a regular file (a device, a FIFO, a terminal, a pipe
       behind /dev/stdout) is written in place: replacing it would put a
       file where /dev/null was */
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            jg_diag_error(d, path, 0, 0, "is a folder, not a file to write");
            return -1;
        }
        f->fp = fopen(path, "wb");
        if (f->fp == NULL) {
            jg_diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    /* /dev/stdout, /dev/fd/N, /proc/.../fd/N on a regular file: that very
       file, which a rename would take from under the shell's redirection */
    if (strncmp(path, "/dev/std", 8) == 0 || strncmp(path, "/dev/fd/", 8) == 0 || strncmp(path, "/proc/", 6) == 0) {
        f->fp = fopen(path, "wb");
        if (f->fp == NULL) {
            jg_diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    /* a regular file, or none yet: a temporary file beside the file the
       path names (a link's target: the link stays a link), renamed over it
       at the end; a short name, so that any name the folder allows works */
    f->target = write_target(path);
    if (f->target == NULL) {
        jg_diag_error(d, path, 0, 0, "cannot write: %s", errno == ENOMEM ? "out of memory"
                      : "a symbolic link that cannot be followed");
        return -1;
    }
    dir = dir_of(f->target);
    n = dir != NULL ? strlen(dir) + 16 : 0;
    f->tmp = dir != NULL ? (char *)jg_malloc(n) : NULL;
    if (f->tmp == NULL) {
        jg_free(dir);
        jg_diag_error(d, path, 0, 0, "out of memory");
        cli_files_discard(f, 1);
        return -1;
    }
    snprintf(f->tmp, n, "%s/.jetgen-XXXXXX", dir);
    jg_free(dir);
    fd = mkstemp(f->tmp);
    if (fd < 0) {
        jg_diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
        jg_free(f->tmp);
        f->tmp = NULL;
        cli_files_discard(f, 1);
        return -1;
    }
    mask = umask(0);
    umask(mask);
    f->fp = fchmod(fd, 0666 & ~mask) == 0 ? fdopen(fd, "wb") : NULL;
    if (f->fp == NULL) {
        jg_diag_error(d, path, 0, 0, "cannot write: %s", strerror(errno));
        close(fd);
        cli_files_discard(f, 1);
        return -1;
    }
    return 0;
}

/* Closes f's stream: 0, or -1 with the error in d (ENOSPC from a full
   device shows here, when the buffer is flushed). */
static int close_file(cli_file *f, jg_diag *d)
{
    int bad;
    if (f->fp == NULL)
        return 0;
    bad = ferror(f->fp) != 0;
    if (fclose(f->fp) != 0)
        bad = 1;
    f->fp = NULL;
    if (bad)
        jg_diag_error(d, f->path, 0, 0, "cannot write: %s", errno != 0 ? strerror(errno) : "write error");
    return bad ? -1 : 0;
}

void cli_files_discard(cli_file *f, size_t n)
{
    size_t k;
    for (k = 0; k < n; k++) {
        if (f[k].fp != NULL)
            fclose(f[k].fp);
        f[k].fp = NULL;
        if (f[k].tmp != NULL)
            unlink(f[k].tmp);
        if (f[k].backup != NULL)
            unlink(f[k].backup);
        jg_free(f[k].tmp);
        jg_free(f[k].target);
        jg_free(f[k].backup);
        f[k].tmp = f[k].target = f[k].backup = NULL;
    }
}

/* A hard link to f's target under a temporary name beside it, for undoing
   a rename: 0, or -1 (no backup: the target is not there, or the folder
   does not take links). */
static int back_up(cli_file *f)
{
    char *dir = dir_of(f->target);
    size_t n = dir != NULL ? strlen(dir) + 16 : 0;
    int fd;
    f->backup = dir != NULL ? (char *)jg_malloc(n) : NULL;
    if (f->backup == NULL) {
        jg_free(dir);
        return -1;
    }
    snprintf(f->backup, n, "%s/.jetgen-XXXXXX", dir);
    jg_free(dir);
    fd = mkstemp(f->backup);
    if (fd >= 0) {
        close(fd);
        unlink(f->backup);
        if (link(f->target, f->backup) == 0)
            return 0;
    }
    jg_free(f->backup);
    f->backup = NULL;
    return -1;
}

int cli_files_commit(cli_file *f, size_t n, jg_diag *d)
{
    size_t k, j;
    int bad = 0;
    struct stat st;
    for (k = 0; k < n; k++)
        if (close_file(&f[k], d) != 0)
            bad = 1;
    if (bad) {
        cli_files_discard(f, n);
        return -1;
    }
    /* every file renamed, or none: a rename that fails undoes those before it */
    for (k = 0; k < n; k++) {
        if (f[k].tmp == NULL)
            continue;
        if (lstat(f[k].target, &st) == 0 && S_ISREG(st.st_mode) && n > 1)
            back_up(&f[k]);
        if (rename(f[k].tmp, f[k].target) != 0) {
            jg_diag_error(d, f[k].path, 0, 0, "cannot write: %s", strerror(errno));
            for (j = 0; j < k; j++) {
                if (f[j].tmp == NULL)
                    continue;
                if (f[j].backup != NULL && rename(f[j].backup, f[j].target) == 0) {
                    jg_free(f[j].backup);
                    f[j].backup = NULL;
                } else if (f[j].backup == NULL) {
                    unlink(f[j].target);       /* it was not there before */
                }
                jg_free(f[j].tmp);
                f[j].tmp = NULL;
            }
            cli_files_discard(f, n);
            return -1;
        }
        jg_free(f[k].tmp);
        f[k].tmp = NULL;
    }
    cli_files_discard(f, n);    /* the backups */
    return 0;
}

int cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void cli_write_outputs(cli_output *out, size_t n, const char *const *inputs, size_t n_inputs, jg_diag *d)
{
    cli_file files[4];
    size_t k, j, nf = 0;
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
    for (k = 0; k < n && d->n_errors == 0; k++) {
        if (out[k].path == NULL || strcmp(out[k].path, "-") == 0)
            continue;
        if (nf == sizeof files / sizeof files[0]) {
            jg_diag_error(d, out[k].path, 0, 0, "too many outputs");
            break;
        }
        if (cli_file_open(&files[nf], out[k].path, d) != 0)
            break;
        if (fwrite(out[k].text.data, 1, out[k].text.len, files[nf].fp) != out[k].text.len)
            jg_diag_error(d, out[k].path, 0, 0, "cannot write: %s", strerror(errno));
        nf++;
    }
    for (k = 0; k < n && d->n_errors == 0; k++)
        if (out[k].path != NULL && strcmp(out[k].path, "-") == 0
            && (fwrite(out[k].text.data, 1, out[k].text.len, stdout) != out[k].text.len
                || fflush(stdout) != 0))
            jg_diag_error(d, "<stdout>", 0, 0, "write error: %s", strerror(errno));
    if (d->n_errors == 0)
        cli_files_commit(files, nf, d);
    else
        cli_files_discard(files, nf);
}

int cli_stdout_status(void)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return 0;
    fprintf(stderr, "jetgen: <stdout>: write error: %s\n", errno != 0 ? strerror(errno) : "unknown");
    return 1;
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
