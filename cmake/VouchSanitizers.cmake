# vouch_sanitizers: ASan + UBSan when VOUCH_SANITIZE is on (preset `asan-ubsan`).
add_library(vouch_sanitizers INTERFACE)
if(VOUCH_SANITIZE)
  target_compile_options(vouch_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
    # GCC 12's flow analysis sees through ASan's instrumentation at -O1 and reports
    # maybe-uninitialized on std::optional copies that are initialised (GCC bug 105562 and kin);
    # the release build keeps the warning, so nothing real escapes by turning it off here.
    -Wno-maybe-uninitialized)
  target_link_options(vouch_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
