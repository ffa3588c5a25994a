# vouch_module(NAME SOURCES ... DEPS ... PRIVATE_DEPS ...)
# One library target per module folder: vouch_<NAME>, alias vouch::<NAME>. The folder's include/
# is the only PUBLIC include directory; everything else in the folder stays private.
function(vouch_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(vouch_${name} STATIC ${M_SOURCES})
  add_library(vouch::${name} ALIAS vouch_${name})
  target_include_directories(vouch_${name}
    PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(vouch_${name} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS} vouch_warnings)
  target_link_libraries(vouch_${name} PUBLIC vouch_sanitizers)
endfunction()

# vouch_unit_tests builds what the `unit` label runs (its suites, the fuzz corpus replays and the
# vouch binary some of them drive) and nothing else: the sanitizer job builds just this.
add_custom_target(vouch_unit_tests)
add_dependencies(vouch_unit_tests vouch)

# vouch_test_optimization(TARGET): test code compiles at -Og in the optimized builds. The code
# under test keeps the build's -O2; a suite's own code is assertions and fixtures, and -Og
# compiles a Boost.Test file in about two thirds of the CPU time -O2 takes (27.5 s against
# 40.9 s for four suites' largest files, measured), which is minutes of every CI run.
function(vouch_test_optimization target)
  if(CMAKE_BUILD_TYPE MATCHES "^(RelWithDebInfo|Release)$")
    target_compile_options(${target} PRIVATE -Og)
  endif()
endfunction()

# vouch_test(NAME SOURCES ... DEPS ... LABELS ...)
# One Boost.Test executable, registered with CTest under the given labels.
function(vouch_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;DEPS;LABELS;FIXTURES_REQUIRED;ENV" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_DEPS} vouch_testutil Boost::unit_test_framework vouch_warnings
    vouch_sanitizers)
  target_compile_definitions(${name} PRIVATE BOOST_TEST_DYN_LINK)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  vouch_test_optimization(${name})
  add_test(NAME ${name} COMMAND ${name} --log_level=test_suite --report_level=short)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT})
  if("unit" IN_LIST T_LABELS)
    add_dependencies(vouch_unit_tests ${name})
  endif()
  if(T_FIXTURES_REQUIRED)
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED "${T_FIXTURES_REQUIRED}")
    # Suites on the shared fixture registries count requests in their access logs: run them one
    # at a time so that one suite's traffic never shows up in another's counts.
    if("registry_servers" IN_LIST T_FIXTURES_REQUIRED)
      set_tests_properties(${name} PROPERTIES RESOURCE_LOCK registry_servers)
    endif()
  endif()
  set_property(TEST ${name} APPEND PROPERTY ENVIRONMENT
    "VOUCH_BIN=$<TARGET_FILE:vouch>"
    "VOUCH_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    ${T_ENV})
endfunction()
