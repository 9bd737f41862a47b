# The cuda backend's benchmark (docs/cuda.md): included by src/cuda.cmake,
# deferred to the end of the top-level CMakeLists.txt, when the backend is
# built.  Run it with bench/gpu/run.sh.
add_executable(gpu_bench ${CMAKE_SOURCE_DIR}/bench/gpu/gpu_bench.c)
target_link_libraries(gpu_bench PRIVATE armgpu_static)
set_target_properties(gpu_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench/gpu)
