# SHEEPFS_SANITIZE: build everything under AddressSanitizer + UBSan (the C tests run so).
# SHEEPFS_FUZZ: libFuzzer targets (needs clang).
if(SHEEPFS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
if(SHEEPFS_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SHEEPFS_FUZZ needs clang (apt-get install clang): configure with -DCMAKE_C_COMPILER=clang")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
