# The cpu-vs-cuda comparison on random programs: included by src/cuda.cmake,
# deferred to the end of the top-level CMakeLists.txt, when the backend is
# built.  Where no GPU is usable it exits 77 and ctest counts it as skipped.
add_executable(cuda_compare ${CMAKE_SOURCE_DIR}/tests/gpu/cuda_compare.c)
target_include_directories(cuda_compare PRIVATE ${CMAKE_SOURCE_DIR}/shaders ${ARMGPU_GEN_DIR})
target_link_libraries(cuda_compare PRIVATE armgpu_static)
add_dependencies(cuda_compare armgpu_decoder)
set_target_properties(cuda_compare PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/gpu)
add_test(NAME cuda_compare COMMAND cuda_compare 200 1024 1)
set_tests_properties(cuda_compare PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)

# Translated code compiles with NVRTC (no GPU needed; 77 without NVRTC).
add_executable(jit_compile ${CMAKE_SOURCE_DIR}/tests/gpu/jit_compile.c)
target_include_directories(jit_compile PRIVATE ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/shaders ${ARMGPU_GEN_DIR})
target_link_libraries(jit_compile PRIVATE armgpu_static)
add_dependencies(jit_compile armgpu_decoder)
set_target_properties(jit_compile PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/gpu)
add_test(NAME jit_compile COMMAND jit_compile ${CMAKE_BINARY_DIR}/bench/qsort.bin ${CMAKE_BINARY_DIR}/bench/crc32.bin)
set_tests_properties(jit_compile PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)

# Translated code against the cpu backend on a GPU (77 elsewhere).
add_executable(jit_run ${CMAKE_SOURCE_DIR}/tests/gpu/jit_run.c)
target_link_libraries(jit_run PRIVATE armgpu_static)
set_target_properties(jit_run PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/gpu)
add_test(NAME jit_run COMMAND jit_run)
set_tests_properties(jit_run PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
