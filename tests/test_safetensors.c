/* test_safetensors.c: the reader accepts what PyTorch writes, converts F64,
   F32, F16 and BF16 exactly, and rejects every kind of broken or lying file
   with a message that says what is wrong. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "safetensors.h"
#include "testutil.h"

/* A file from a header text and data_len bytes of data (0x3f each), with
   the header length field set to header_len (or the true length when 0). */
static jg_st_file *parse(const char *header, size_t data_len, unsigned long long header_len,
                         jg_diag *d)
{
    size_t hl = strlen(header), i;
    unsigned char *b = (unsigned char *)jg_malloc(8 + hl + data_len);
    unsigned long long field = header_len ? header_len : hl;
    for (i = 0; i < 8; i++)
        b[i] = (unsigned char)(field >> (8 * i));
    memcpy(b + 8, header, hl);
    memset(b + 8 + hl, 0x3f, data_len);
    return jg_st_parse("w.safetensors", b, 8 + hl + data_len, d);
}

static const struct bad_case {
    const char *header;
    size_t data_len;
    unsigned long long header_len;
    const char *want;       /* substring of the message */
} bad[] = {
    {"{}", 0, 1000, "header length 1000 does not fit in a 10-byte file"},
    {"{}", 0, 1ull << 62, "does not fit"},
    {"{\"a\": {\"dtype\": \"F32\"", 0, 0, "header is not valid JSON"},
    {"[1, 2]", 0, 0, "header is not a JSON object"},
    {"{\"a\": 5}", 0, 0, "tensor 'a': header entry is not an object"},
    {"{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4, 0, "tensor 'a': missing or non-string \"dtype\""},
    {"{\"a\": {\"dtype\": \"F33\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4, 0, "tensor 'a': unknown dtype 'F33'"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": 3, \"data_offsets\": [0, 4]}}", 4, 0, "\"shape\" must be an array"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 4, 0, "shape[0] is not a size"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", 4, 0, "shape[0] is not a size"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296, 4294967296], \"data_offsets\": [0, 4]}}",
     4, 0, "shape is too large"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}", 4, 0, "\"data_offsets\" must be [begin, end]"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", 4, 0, "\"data_offsets\" must be [begin, end]"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 4, 0,
     "tensor 'a': data_offsets [0, 8] lie outside the data (4 bytes)"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}", 4, 0, "lie outside the data"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}", 4, 0,
     "tensor 'a': 4 bytes of data, but shape and dtype F32 need 8"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
     " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12, 0,
     "tensors 'a' and 'b' overlap in the data"},
    {"{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]},"
     " \"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8, 0, "duplicate object key"},
    {" ", 0, 0, "too short for a JSON header"},
};

START_TEST(bad_file_is_refused)
{
    jg_diag d = JG_DIAG_INIT;
    const struct bad_case *c = &bad[_i];
    jg_st_file *f = parse(c->header, c->data_len, c->header_len, &d);
    ck_assert_msg(f == NULL, "case %d was accepted", _i);
    ck_assert_msg(strstr(jg_buf_str(&d.text), c->want) != NULL,
                  "case %d: message '%s' does not say '%s'", _i, jg_buf_str(&d.text), c->want);
    ck_assert_msg(strncmp(jg_buf_str(&d.text), "w.safetensors: ", 15) == 0,
                  "message does not name the file: %s", jg_buf_str(&d.text));
    jg_diag_free(&d);
}
END_TEST

START_TEST(short_file_is_refused)
{
    jg_diag d = JG_DIAG_INIT;
    unsigned char *b = (unsigned char *)jg_malloc(5);
    memset(b, 0, 5);
    ck_assert(jg_st_parse("w.safetensors", b, 5, &d) == NULL);
    ck_assert_str_eq(jg_buf_str(&d.text),
                     "w.safetensors: file is 5 bytes, too short for a safetensors header\n");
    jg_diag_free(&d);
}
END_TEST

START_TEST(every_float_dtype_converts_exactly)
{
    /* F64 1/3, F32 -0.1f, F16 0x3555 (0.333251953125), F16 subnormal 0x0001
       (2^-24), F16 0xfbff (-65504), BF16 0x3eab (0.333984375) */
    static const unsigned char data[] = {
        0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xd5, 0x3f,
        0xcd, 0xcc, 0xcc, 0xbd,
        0x55, 0x35, 0x01, 0x00, 0xff, 0xfb,
        0xab, 0x3e,
    };
    const char *header =
        "{\"__metadata__\": {\"format\": \"pt\"},"
        " \"d\": {\"dtype\": \"F64\", \"shape\": [], \"data_offsets\": [0, 8]},"
        " \"f\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 12]},"
        " \"h\": {\"dtype\": \"F16\", \"shape\": [3, 1], \"data_offsets\": [12, 18]},"
        " \"b\": {\"dtype\": \"BF16\", \"shape\": [1], \"data_offsets\": [18, 20]},"
        " \"i\": {\"dtype\": \"I64\", \"shape\": [0], \"data_offsets\": [20, 20]}}";
    size_t hl = strlen(header), i;
    unsigned char *bytes = (unsigned char *)jg_malloc(8 + hl + sizeof data);
    jg_diag d = JG_DIAG_INIT;
    jg_st_file *f;
    double v[3];
    for (i = 0; i < 8; i++)
        bytes[i] = (unsigned char)(hl >> (8 * i));
    memcpy(bytes + 8, header, hl);
    memcpy(bytes + 8 + hl, data, sizeof data);
    f = jg_st_parse("w.safetensors", bytes, 8 + hl + sizeof data, &d);
    ck_assert_msg(f != NULL, "%s", jg_buf_str(&d.text));
    ck_assert_uint_eq(f->n_tensors, 5);
    ck_assert_int_eq(jg_st_to_double(f, jg_st_find(f, "d"), v), 0);
    ck_assert(v[0] == 1.0 / 3.0);
    ck_assert_int_eq(jg_st_to_double(f, jg_st_find(f, "f"), v), 0);
    ck_assert(v[0] == (double)-0.1f);
    ck_assert_int_eq(jg_st_to_double(f, jg_st_find(f, "h"), v), 0);
    ck_assert_msg(v[0] == 0.333251953125, "%.17g", v[0]);
    ck_assert_msg(v[1] == ldexp(1.0, -24), "%.17g", v[1]);
    ck_assert_msg(v[2] == -65504.0, "%.17g", v[2]);
    ck_assert_int_eq(jg_st_to_double(f, jg_st_find(f, "b"), v), 0);
    ck_assert_msg(v[0] == 0.333984375, "%.17g", v[0]);
    ck_assert_int_eq(jg_st_to_double(f, jg_st_find(f, "i"), v), -1);
    ck_assert(jg_st_find(f, "__metadata__") == NULL);
    ck_assert_uint_eq(jg_st_find(f, "h")->rank, 2);
    jg_st_close(f);
}
END_TEST

START_TEST(pytorch_file_reads)
{
    char path[1024];
    jg_diag d = JG_DIAG_INIT;
    jg_st_file *f;
    const jg_st_tensor *t;
    snprintf(path, sizeof path, "%s/seed-pinn/model.safetensors", tu_data_dir());
    f = jg_st_open(path, &d);
    ck_assert_msg(f != NULL, "%s", jg_buf_str(&d.text));
    ck_assert_uint_eq(f->n_tensors, 8);
    t = jg_st_find(f, "linears.6.weight");
    ck_assert(t != NULL);
    ck_assert_str_eq(t->dtype, "F32");
    ck_assert_uint_eq(t->shape[0], 501);
    ck_assert_uint_eq(t->shape[1], 50);
    jg_st_close(f);
}
END_TEST

START_TEST(missing_and_odd_files)
{
    jg_diag d = JG_DIAG_INIT;
    ck_assert(jg_st_open("/nonexistent/w.safetensors", &d) == NULL);
    ck_assert_str_eq(jg_buf_str(&d.text), "/nonexistent/w.safetensors: cannot open: No such file or directory\n");
    jg_diag_free(&d);
    ck_assert(jg_st_open("/tmp", &d) == NULL);
    ck_assert(strstr(jg_buf_str(&d.text), "/tmp: ") != NULL);
    jg_diag_free(&d);
}
END_TEST

START_TEST(truncated_real_file_is_refused)
{
    /* Every prefix of a real file is refused cleanly, never read past. */
    char path[1024];
    size_t len, cut;
    char *all;
    snprintf(path, sizeof path, "%s/pinn-xt/model.safetensors", tu_data_dir());
    all = tu_read_file(path, &len);
    ck_assert(all != NULL);
    for (cut = 0; cut < len; cut += (cut < 1200 ? 1 : 97)) {
        jg_diag d = JG_DIAG_INIT;
        unsigned char *b = (unsigned char *)jg_malloc(cut);
        jg_st_file *f;
        memcpy(b, all, cut);
        f = jg_st_parse("t.safetensors", b, cut, &d);
        ck_assert_msg(f == NULL, "a file cut to %zu of %zu bytes was accepted", cut, len);
        ck_assert(d.n_errors > 0);
        jg_diag_free(&d);
    }
    free(all);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("safetensors");
    TCase *tc = tcase_create("reader");
    tcase_add_loop_test(tc, bad_file_is_refused, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc, short_file_is_refused);
    tcase_add_test(tc, every_float_dtype_converts_exactly);
    tcase_add_test(tc, pytorch_file_reads);
    tcase_add_test(tc, missing_and_odd_files);
    tcase_add_test(tc, truncated_real_file_is_refused);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
