# slamon_options: an INTERFACE target every slamon target links, carrying warnings and,
# with -DSLAMON_SANITIZE=ON, AddressSanitizer + UndefinedBehaviorSanitizer.
add_library(slamon_options INTERFACE)
target_compile_options(slamon_options INTERFACE -Wall -Wextra -Wpedantic)
if(SLAMON_SANITIZE)
  target_compile_options(slamon_options INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(slamon_options INTERFACE -fsanitize=address,undefined)
endif()
