/* template.c: filling templates (see template.h). */
#include "template.h"

#include <string.h>

#define BEGIN "/**** begin "
#define END "/**** end "
#define CLOSE " ****/"

/* strstr(s, needle), measuring nothing past the match: AddressSanitizer's
   strstr measures the whole haystack at every call, which made a
   template's banners cost the square of its length in the sanitized
   tests. */
static const char *find(const char *s, const char *needle)
{
    const size_t n = strlen(needle);
    for (; (s = strchr(s, needle[0])) != NULL; s++)
        if (strncmp(s, needle, n) == 0)
            return s;
    return NULL;
}

/* Finds the next banner line of kind (BEGIN or END) at or after s: returns
   the start of the banner; *name and *name_len give its name and *after the
   text after the line's newline. */
static const char *next_banner(const char *s, const char *kind,
                               const char **name, size_t *name_len,
                               const char **after)
{
    size_t kl = strlen(kind);
    for (;;) {
        const char *b = find(s, kind), *close;
        if (b == NULL)
            return NULL;
        close = find(b + kl, CLOSE);
        if (close != NULL && (b == s || b[-1] == '\n') && memchr(b, '\n', (size_t)(close - b)) == NULL) {
            *name = b + kl;
            *name_len = (size_t)(close - *name);
            *after = close + strlen(CLOSE);
            if (**after == '\n')
                (*after)++;
            return b;
        }
        s = b + kl;
    }
}

/* The end banner of section name at or after s. */
static const char *find_end(const char *s, const char *name, size_t nl,
                            const char **after)
{
    const char *n;
    size_t len;
    const char *b;
    while ((b = next_banner(s, END, &n, &len, after)) != NULL) {
        if (len == nl && memcmp(n, name, nl) == 0)
            return b;
        s = *after;
    }
    return NULL;
}

int jg_tpl_fill(jg_buf *out, const char *tpl, jg_tpl_slot *slots,
                size_t n_slots, const char **bad)
{
    const char *s = tpl, *b, *name, *body, *after;
    size_t nl, i;
    for (i = 0; i < n_slots; i++)
        slots[i].used = 0;
    while ((b = next_banner(s, BEGIN, &name, &nl, &body)) != NULL) {
        jg_buf_putn(out, s, (size_t)(b - s));
        for (i = 0; i < n_slots; i++)
            if (strlen(slots[i].name) == nl && memcmp(slots[i].name, name, nl) == 0)
                break;
        if (i == n_slots || find_end(body, name, nl, &after) == NULL) {
            *bad = i < n_slots ? slots[i].name : "(unknown section)";
            return -1;
        }
        jg_buf_puts(out, slots[i].text);
        slots[i].used = 1;
        s = after;
    }
    jg_buf_puts(out, s);
    for (i = 0; i < n_slots; i++)
        if (!slots[i].used) {
            *bad = slots[i].name;
            return -1;
        }
    return 0;
}

const char *jg_tpl_section(const char *tpl, const char *name, size_t *len)
{
    const char *s = tpl, *b, *n, *body, *after;
    size_t nl, want = strlen(name);
    while ((b = next_banner(s, BEGIN, &n, &nl, &body)) != NULL) {
        if (nl == want && memcmp(n, name, nl) == 0) {
            const char *e = find_end(body, name, nl, &after);
            if (e == NULL)
                return NULL;
            *len = (size_t)(e - body);
            return body;
        }
        s = body;
    }
    return NULL;
}

static int is_ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_';
}

void jg_tpl_rename(jg_buf *out, const char *text, size_t len,
                   const char *prefix)
{
    size_t i = 0, start = 0, pl = strlen(prefix);
    while (i < len) {
        int lower = len - i >= 6 && memcmp(text + i, "model_", 6) == 0;
        int upper = len - i >= 6 && memcmp(text + i, "MODEL_", 6) == 0;
        if ((lower || upper) && (i == 0 || !is_ident_char(text[i - 1]))) {
            size_t k;
            jg_buf_putn(out, text + start, i - start);
            for (k = 0; k < pl; k++) {
                char c = prefix[k];
                if (upper && c >= 'a' && c <= 'z')
                    c = (char)(c - 'a' + 'A');
                jg_buf_putc(out, c);
            }
            i += 5;     /* keep the underscore */
            start = i;
            continue;
        }
        i++;
    }
    jg_buf_putn(out, text + start, len - start);
}
