// slamon's entry point: everything is wired in daemon/app (cli.cpp, daemon.cpp).
#include <malloc.h>

#include "app/cli.h"

int main(int argc, char** argv) {
  // Large transient buffers (a /metrics page is ~19 MB at 10,000 policies) come straight from
  // mmap and go back on free. Otherwise glibc keeps them in each HTTP worker's arena and the
  // resident size ratchets up with every scrape (bench/README.md: 249 MiB → 97 MiB).
  mallopt(M_MMAP_THRESHOLD, 1 << 20);
  return slamon::run_cli(argc, argv);
}
