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

jg_file_kind jg_file_kind_of(const unsigned char *b, size_t len)
{
    const size_t m = len < 4096 ? len : 4096;
    unsigned long long n = 0;
    size_t i, nul = 0, control = 0;
    if (len >= 10 && b[8] == '{') {
        for (i = 0; i < 8; i++)
            n |= (unsigned long long)b[i] << (8 * i);
        if (n >= 2 && n <= len - 8)
            return JG_FILE_SAFETENSORS;
    }
    if (len >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4)
        return JG_FILE_ZIP;
    if (len >= 2 && b[0] == 0x80 && b[1] >= 2 && b[1] <= 5)
        return JG_FILE_PICKLE;
    for (i = 0; i < m; i++) {
        nul += b[i] == 0;
        control += b[i] < 0x20 && b[i] != '\t' && b[i] != '\n' && b[i] != '\r';
    }
    /* a stray NUL in a text file is its reader's to name, by line */
    return nul >= 4 || (m >= 16 && control * 10 > m) ? JG_FILE_BINARY : JG_FILE_TEXT;
}
