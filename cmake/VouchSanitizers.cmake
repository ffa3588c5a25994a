# vouch_sanitizers: ASan + UBSan when VOUCH_SANITIZE is on (preset `asan-ubsan`).
add_library(vouch_sanitizers INTERFACE)
if(VOUCH_SANITIZE)
  target_compile_options(vouch_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(vouch_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
