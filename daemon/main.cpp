// slamon's entry point: everything is wired in daemon/app (cli.cpp, daemon.cpp).
#include "app/cli.h"

int main(int argc, char** argv) {
  return slamon::run_cli(argc, argv);
}
