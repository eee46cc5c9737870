/* fuzz_common.h — shared by the fuzz harnesses (tests/fuzz/fuzz_*.c).
 *
 * Each harness defines LLVMFuzzerTestOneInput. Built with clang
 * -fsanitize=fuzzer (GAINKIT_FUZZ=ON) it is a libFuzzer target; built
 * normally with replay_main.c it replays the kept corpus and crash files in
 * `make check`, so the same entry point runs in both.
 */
#ifndef GK_FUZZ_COMMON_H
#define GK_FUZZ_COMMON_H
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The readers take a path (they report FILE:LINE). An anonymous memory file
 * gives them one without touching the disk; /proc/self/fd/N is the name. */
static inline int fuzz_memfile(const uint8_t *data, size_t size, char *path, size_t psize)
{
  int fd = memfd_create("fuzz", 0);
  if (fd < 0) return -1;
  size_t off = 0;
  while (off < size) {
    ssize_t w = write(fd, data + off, size - off);
    if (w <= 0) { close(fd); return -1; }
    off += (size_t)w;
  }
  snprintf(path, psize, "/proc/self/fd/%d", fd);
  return fd;
}

/* The opening of the file-reader harnesses: the first byte selects the
 * options (*sel), the rest is the file, handed over as a memory file
 * (fuzz_memfile). Returns its descriptor (close it when done), or -1 when
 * there is nothing to read or no memory file. */
static inline int fuzz_sel_file(const uint8_t *data, size_t size, unsigned *sel, char *path, size_t psize)
{
  if (size < 1) return -1;
  *sel = data[0];
  return fuzz_memfile(data + 1, size - 1, path, psize);
}

/* Work in a fresh private directory, removed at exit: harnesses whose
 * inputs make the code write files (-o, --plot) or read files named in
 * the input (stack materials) keep all of that in there. `tmpl` is a
 * mkdtemp template and must stay alive (a static array). */
static char *fuzz_dir_;
static void fuzz_dir_remove_(void)
{
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir_);
  if (chdir("/") != 0 || system(cmd) != 0) { /* a leftover temp dir is harmless */ }
}
static inline void fuzz_private_dir(char *tmpl)
{
  if (fuzz_dir_) return;
  if (!mkdtemp(tmpl) || chdir(tmpl) != 0) abort();
  fuzz_dir_ = tmpl;
  atexit(fuzz_dir_remove_);
}

/* NUL-terminated copy of the input (the text parsers take C strings). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
  char *s = malloc(size + 1);
  if (!s) abort();
  memcpy(s, data, size);
  s[size] = '\0';
  return s;
}
#endif
