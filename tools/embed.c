/* embed.c: a build tool that turns text files into C arrays, so the
   generator carries its templates inside it, and reads the kernel
   template's `needs:` lines into a table, so that the plan finds a kernel's
   helper sections as data rather than by parsing comments at run time.
   usage: embed OUT.c NAME FILE [NAME FILE ...] [--needs FILE]
   writes  const char NAME[] = {..., 0};  for each file, and with --needs,
   from FILE (templates/kernels.c):
     jg_tpl_helpers[]   the sections some `needs:` line names, in the
                        order of the file (the order a file needs them in)
     jg_tpl_needs_of[]  each section with a `needs:` line: its helpers in
                        double and in float, as bits of jg_tpl_helpers,
                        ended by a NULL name
   A `needs:` line that names no section of FILE, or more helpers than
   JG_TPL_MAX_HELPERS (gen/template.h), fails the build, naming the line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HELPERS 32          /* JG_TPL_MAX_HELPERS: the bits of an unsigned */
#define MAX_SECTIONS 256
#define MAX_NAME 64

typedef struct section {
    char name[MAX_NAME];
    int line;                   /* of its `needs:` line, or 0 */
    char needs[2][512];         /* the names it needs in double, in float */
    unsigned char uses[2][MAX_SECTIONS];    /* those names as places in the file */
} section;

static char *slurp(const char *path)
{
    FILE *in = fopen(path, "rb");
    char *text;
    long n;
    if (in == NULL || fseek(in, 0, SEEK_END) != 0 || (n = ftell(in)) < 0 || fseek(in, 0, SEEK_SET) != 0) {
        perror(path);
        if (in != NULL)
            fclose(in);
        return NULL;
    }
    text = (char *)malloc((size_t)n + 1);
    if (text == NULL || fread(text, 1, (size_t)n, in) != (size_t)n) {
        perror(path);
        free(text);
        fclose(in);
        return NULL;
    }
    text[n] = 0;
    fclose(in);
    return text;
}

/* The sections of text and their `needs:` lines, in order; the count, or
   -1 after a message. */
static int read_sections(const char *path, const char *text, section *s)
{
    int n = 0, line = 1;
    const char *at = text;
    while (*at) {
        const char *eol = strchr(at, '\n');
        size_t len = eol != NULL ? (size_t)(eol - at) : strlen(at);
        char name[MAX_NAME];
        if (len > 16 && strncmp(at, "/**** begin ", 12) == 0 && sscanf(at + 12, "%63s", name) == 1) {
            if (n == MAX_SECTIONS) {
                fprintf(stderr, "%s:%d: more than %d sections\n", path, line, MAX_SECTIONS);
                return -1;
            }
            memset(&s[n], 0, sizeof s[n]);
            strcpy(s[n++].name, name);
        } else if (n > 0 && len > 10 && strncmp(at, "/* needs:", 9) == 0) {
            const char *end = strstr(at, "*/"), *fl = strstr(at, "; in float:");
            size_t nd, nf;
            if (end == NULL || end > at + len) {
                fprintf(stderr, "%s:%d: a `needs:` comment ends on its line\n", path, line);
                return -1;
            }
            nd = (size_t)((fl != NULL && fl < end ? fl : end) - (at + 9));
            nf = fl != NULL && fl < end ? (size_t)(end - (fl + 11)) : nd;
            if (nd >= sizeof s[0].needs[0] || nf >= sizeof s[0].needs[1]) {
                fprintf(stderr, "%s:%d: a `needs:` line too long\n", path, line);
                return -1;
            }
            s[n - 1].line = line;
            memcpy(s[n - 1].needs[0], at + 9, nd);
            memcpy(s[n - 1].needs[1], fl != NULL && fl < end ? fl + 11 : at + 9, nf);
        }
        at += len + (eol != NULL);
        line++;
    }
    return n;
}

/* Marks the sections section k needs in precision f (0 double, 1 float) in
   its uses and as helpers: 0, or -1 after a message when one is no section
   of the file. */
static int mark_helpers(const char *path, section *s, int n, int k, int f, int *is_helper)
{
    char copy[512], *w;
    strcpy(copy, s[k].needs[f]);
    for (w = strtok(copy, " "); w != NULL; w = strtok(NULL, " ")) {
        int i;
        for (i = 0; i < n && strcmp(s[i].name, w) != 0; i++)
            ;
        if (i == n) {
            fprintf(stderr, "%s:%d: section '%s' needs '%s', which is no section of the file\n", path, s[k].line,
                    s[k].name, w);
            return -1;
        }
        is_helper[i] = 1;
        s[k].uses[f][i] = 1;
    }
    return 0;
}

/* The needs tables of path's sections, appended to out. */
static int write_needs(FILE *out, const char *path)
{
    static section s[MAX_SECTIONS];
    static int is_helper[MAX_SECTIONS], bit[MAX_SECTIONS];
    char *text = slurp(path);
    int n, i, k, n_helpers = 0;
    if (text == NULL || (n = read_sections(path, text, s)) < 0) {
        free(text);
        return 1;
    }
    free(text);
    for (k = 0; k < n; k++)           /* which sections are helpers */
        if (s[k].line > 0 && (mark_helpers(path, s, n, k, 0, is_helper) < 0
                              || mark_helpers(path, s, n, k, 1, is_helper) < 0))
            return 1;
    fprintf(out, "\n#include \"template.h\"\n\n/* the helper sections, in the template's order */\n"
                 "const char *const jg_tpl_helpers[] = {");
    for (i = 0; i < n; i++)
        if (is_helper[i]) {
            if (n_helpers == MAX_HELPERS) {
                fprintf(stderr, "%s: more than %d helper sections\n", path, MAX_HELPERS);
                return 1;
            }
            bit[i] = n_helpers++;
            fprintf(out, "\"%s\", ", s[i].name);
        }
    fprintf(out, "NULL};\nconst unsigned jg_tpl_n_helpers = %d;\n\n"
                 "/* each section with a `needs:` line: its helpers in double and in float */\n"
                 "const jg_tpl_needs jg_tpl_needs_of[] = {\n", n_helpers);
    for (k = 0; k < n; k++) {
        unsigned long m[2] = {0, 0};
        int f;
        if (s[k].line == 0)
            continue;
        for (f = 0; f < 2; f++)
            for (i = 0; i < n; i++)
                if (s[k].uses[f][i])
                    m[f] |= 1ul << bit[i];
        fprintf(out, "    {\"%s\", {0x%lxu, 0x%lxu}},\n", s[k].name, m[0], m[1]);
    }
    fprintf(out, "    {NULL, {0, 0}}\n};\n");
    return 0;
}

int main(int argc, char **argv)
{
    FILE *out;
    int i, n_files = argc - 2;
    const char *needs = NULL;
    if (argc >= 4 && strcmp(argv[argc - 2], "--needs") == 0) {
        needs = argv[argc - 1];
        n_files -= 2;
    }
    if (argc < 4 || n_files < 2 || n_files % 2 != 0) {
        fprintf(stderr, "usage: embed OUT.c NAME FILE [NAME FILE ...] [--needs FILE]\n");
        return 2;
    }
    out = fopen(argv[1], "w");
    if (out == NULL) {
        perror(argv[1]);
        return 1;
    }
    fprintf(out, "/* Generated by tools/embed.c from templates/: do not edit. */\n");
    for (i = 2; i < 2 + n_files; i += 2) {
        FILE *in = fopen(argv[i + 1], "rb");
        int c;
        long n = 0;
        if (in == NULL) {
            perror(argv[i + 1]);
            fclose(out);
            return 1;
        }
        fprintf(out, "extern const char %s[];\nconst char %s[] = {", argv[i], argv[i]);
        while ((c = getc(in)) != EOF)
            fprintf(out, "%s%d,", n++ % 16 == 0 ? "\n    " : "", c);
        fprintf(out, "\n    0\n};\n");
        fclose(in);
    }
    if (needs != NULL && write_needs(out, needs) != 0) {
        fclose(out);
        remove(argv[1]);
        return 1;
    }
    if (fclose(out) != 0) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}
