/* replay.c: runs a fuzz target over files, without libFuzzer: the test
   suite replays the corpora and the inputs that once crashed (fuzz/corpus/,
   fuzz/regressions/) through it, under whatever sanitizers the build has.
   usage: replay FILE_OR_FOLDER ...   (exit 0 when every input ran) */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "file.h"
#include "mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Runs the target on the file at path (read by util/file.c, as jetgen reads
   its input). Returns 0, or -1 when it cannot be read. */
static int run_file(const char *path)
{
    jg_diag d = JG_DIAG_INIT;
    size_t len;
    char *text = jg_file_read(path, (size_t)1 << 30, "input", &len, &d);
    if (text == NULL) {
        fprintf(stderr, "replay: %s", jg_buf_str(&d.text));
        jg_diag_free(&d);
        return -1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)text, len);
    jg_free(text);
    jg_diag_free(&d);
    return 0;
}

int main(int argc, char **argv)
{
    int i, n = 0, bad = 0;
    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: no such file or folder: %s\n", argv[i]);
            return 1;
        }
        if (S_ISDIR(st.st_mode)) {
            DIR *dir = opendir(argv[i]);
            struct dirent *e;
            while (dir != NULL && (e = readdir(dir)) != NULL) {
                char path[4096];
                if (e->d_name[0] == '.')
                    continue;
                snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
                bad |= run_file(path) != 0;
                n++;
            }
            if (dir != NULL)
                closedir(dir);
        } else {
            bad |= run_file(argv[i]) != 0;
            n++;
        }
    }
    printf("replay: %d inputs\n", n);
    return bad;
}
