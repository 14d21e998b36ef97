# NEMODESK_CUDA=AUTO|ON|OFF. With AUTO the CUDA sources are compiled whenever nvcc is found (also on
# machines without a GPU: the binaries then report "no CUDA device" at run time).
set(NEMODESK_HAVE_CUDA OFF)
if(NOT NEMODESK_CUDA STREQUAL "OFF")
  if(NOT DEFINED CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      # Development and CI builds compile one architecture (Hopper, the lent GPU machine) to stay fast;
      # the release preset lists every family.
      set(CMAKE_CUDA_ARCHITECTURES 90)
    endif()
    enable_language(CUDA)
    # CMake 3.25 (Debian 12) knows no C++20 flag for nvcc although nvcc >= 12 supports -std=c++20;
    # without this, CMAKE_CUDA_STANDARD 20 fails at generate time.
    if(NOT DEFINED CMAKE_CUDA20_STANDARD_COMPILE_OPTION AND CMAKE_CUDA_COMPILER_VERSION VERSION_GREATER_EQUAL 12.0)
      set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
      set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
    endif()
    set(CMAKE_CUDA_STANDARD 20)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    # Static CUDA runtime: a build made here runs on a GPU machine that has only the driver.
    set(CMAKE_CUDA_RUNTIME_LIBRARY Static)
    find_package(CUDAToolkit REQUIRED)
    set(NEMODESK_HAVE_CUDA ON)
    message(STATUS "NemoDesk: CUDA backend ON (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, archs ${CMAKE_CUDA_ARCHITECTURES})")
  elseif(NEMODESK_CUDA STREQUAL "ON")
    message(FATAL_ERROR "NEMODESK_CUDA=ON but no nvcc was found (set CUDACXX or CMAKE_CUDA_COMPILER)")
  else()
    message(STATUS "NemoDesk: CUDA backend OFF (no nvcc found)")
  endif()
endif()
