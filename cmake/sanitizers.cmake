# VOUCH_SANITIZE: a comma list for -fsanitize= (e.g. "address,undefined" or "thread"),
# applied to everything this project compiles and links. The Debian CAF, Boost, curl and
# LMDB libraries stay uninstrumented: ASan and UBSan work with that; TSan reports races
# inside them it cannot see into (tools/sanitize runs a subset under TSan for that reason).
set(VOUCH_SANITIZE "" CACHE STRING "sanitizers to build with (-fsanitize=...), empty for none")
if(VOUCH_SANITIZE)
  add_compile_options(-fsanitize=${VOUCH_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=${VOUCH_SANITIZE})
  message(STATUS "vouch: building with -fsanitize=${VOUCH_SANITIZE}")
endif()
