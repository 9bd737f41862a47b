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
