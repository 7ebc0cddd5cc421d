# Compiler and linker flags for every native target: strict warnings, hidden symbols,
# fortified libc calls, full RELRO (the flags netty's native transports use).
function(sheepfs_harden target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wformat=2
    -Wno-unused-parameter -fvisibility=hidden -fno-strict-aliasing)
  if(NOT SHEEPFS_SANITIZE AND NOT SHEEPFS_FUZZ)
    target_compile_definitions(${target} PRIVATE _FORTIFY_SOURCE=2)
    target_link_options(${target} PRIVATE -Wl,-z,relro,-z,now -Wl,--no-undefined)
  endif()
endfunction()
