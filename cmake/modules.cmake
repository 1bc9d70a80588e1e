# ruvllm_module(NAME DEPS ...): a static library ruvllm_NAME from src/NAME/**/*.cpp.
# Files ending in _avx2.cpp / _avx512.cpp / _avx512vbmi.cpp get their instruction-set flags; the code that calls
# them must check the CPU first (core/cpu_features.h).
set(RUVLLM_AVX2_FLAGS -mavx2 -mfma -mf16c -mbmi2)
set(RUVLLM_AVX512_FLAGS -mavx2 -mfma -mf16c -mbmi2 -mavx512f -mavx512bw -mavx512vl -mavx512dq
    -mavx512vnni -mavx512bf16)
# Kernels that also need AVX-512 VBMI (byte permutations), chosen only where cpuid reports it.
set(RUVLLM_AVX512VBMI_FLAGS ${RUVLLM_AVX512_FLAGS} -mavx512vbmi)

function(ruvllm_isa_flags)
  foreach(src IN LISTS ARGN)
    if(src MATCHES "_avx512vbmi\\.cpp$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "${RUVLLM_AVX512VBMI_FLAGS}")
    elseif(src MATCHES "_avx512\\.cpp$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "${RUVLLM_AVX512_FLAGS}")
    elseif(src MATCHES "_avx2\\.cpp$")
      set_source_files_properties(${src} PROPERTIES COMPILE_OPTIONS "${RUVLLM_AVX2_FLAGS}")
    endif()
  endforeach()
endfunction()

function(ruvllm_module name)
  cmake_parse_arguments(M "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cpp)
  if(srcs)
    ruvllm_isa_flags(${srcs})
    add_library(ruvllm_${name} STATIC ${srcs})
    target_include_directories(ruvllm_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(ruvllm_${name} PUBLIC ${M_DEPS})
  else()
    add_library(ruvllm_${name} INTERFACE)
    target_include_directories(ruvllm_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(ruvllm_${name} INTERFACE ${M_DEPS})
  endif()
endfunction()
