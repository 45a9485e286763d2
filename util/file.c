/* file.c: whole-file reads (see file.h). */
#include "file.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "mem.h"

char *jg_file_read(const char *path, size_t max, const char *what, size_t *len,
                   jg_diag *d)
{
    FILE *fp = fopen(path, "rb");
    struct stat st;
    char *text = NULL;
    size_t n;
    if (fp == NULL) {
        jg_diag_error(d, path, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode))
        jg_diag_error(d, path, 0, 0, "not a regular file");
    else if ((unsigned long long)st.st_size > max)
        jg_diag_error(d, path, 0, 0, "%s is larger than the limit of %zu MiB", what, max >> 20);
    else if ((text = (char *)jg_malloc((n = (size_t)st.st_size) + 1)) == NULL)
        jg_diag_error(d, path, 0, 0, "out of memory reading %zu bytes", n);
    else if (fread(text, 1, n, fp) != n) {
        jg_diag_error(d, path, 0, 0, "read error");
        jg_free(text);
        text = NULL;
    } else {
        text[n] = '\0';
        *len = n;
    }
    fclose(fp);
    return text;
}
