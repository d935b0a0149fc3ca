# VOUCH_SANITIZE: a comma list for -fsanitize= (e.g. "address,undefined" or "thread"),
# applied to everything this project compiles and links. The Debian CAF, Boost, curl and
# LMDB libraries stay uninstrumented: ASan and UBSan work with that; TSan reports races
# inside them it cannot see into (tools/sanitize runs a subset under TSan for that reason).
set(VOUCH_SANITIZE "" CACHE STRING "sanitizers to build with (-fsanitize=...), empty for none")
if(VOUCH_SANITIZE)
  # Every UBSan finding aborts, except "null" ones: those go through the recoverable
  # handler so that tools/ubsan.supp can name CAF's one (a reference bound to null in
  # init_fun_factory.hpp); any other still halts the test (UBSAN_OPTIONS=halt_on_error=1).
  add_compile_options(-fsanitize=${VOUCH_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined -fsanitize-recover=null)
  add_link_options(-fsanitize=${VOUCH_SANITIZE})
  # GCC 12's flow analysis gives false "may be used uninitialized" reports inside
  # libstdc++'s std::regex and std::function once the code is instrumented; the plain
  # build keeps the warning (and -Werror) for our code.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-maybe-uninitialized)
    # Boost.Asio's fenced blocks use std::atomic_thread_fence, which TSan does not model
    # (GCC warns, -Wtsan); the handoffs it guards are also ordered by the io_context's mutex,
    # which TSan does see. The warning is about Boost's headers, not our code.
    if(VOUCH_SANITIZE MATCHES "thread")
      add_compile_options(-Wno-tsan)
    endif()
  endif()
  message(STATUS "vouch: building with -fsanitize=${VOUCH_SANITIZE}")
endif()
