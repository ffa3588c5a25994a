# vouch_warnings: the warning set for vouch's own targets only (never for dependencies).
add_library(vouch_warnings INTERFACE)
target_compile_options(vouch_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wformat=2 -Wimplicit-fallthrough -Wnon-virtual-dtor -Wconversion
  -Wno-sign-conversion)
if(VOUCH_WERROR)
  target_compile_options(vouch_warnings INTERFACE -Werror)
endif()
