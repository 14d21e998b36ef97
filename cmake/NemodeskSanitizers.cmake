# NEMODESK_SANITIZE=address;undefined (or thread) instruments every target.
if(NEMODESK_SANITIZE)
  string(REPLACE ";" "," _san "${NEMODESK_SANITIZE}")
  message(STATUS "NemoDesk: sanitizers ${_san}")
  add_compile_options($<$<COMPILE_LANGUAGE:CXX>:-fsanitize=${_san}> $<$<COMPILE_LANGUAGE:CXX>:-fno-omit-frame-pointer>
                      $<$<COMPILE_LANGUAGE:CXX>:-fno-sanitize-recover=undefined>)
  add_link_options(-fsanitize=${_san})
endif()
