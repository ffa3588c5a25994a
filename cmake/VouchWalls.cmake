# vouch_check_walls()
# Fails the configure step, naming the target and the fix, when a module's walls leak
# (docs/architecture.md "Walls"). Called once, after every module is declared. It checks every
# vouch_* library target outside tests/ and conformance/ (test helpers are not modules):
#   1. its INTERFACE_INCLUDE_DIRECTORIES are at most `include/` of the folder that declares it,
#      so linking a module never opens another folder's private headers;
#   2. for a module with public headers (<folder>/include/vouch/<module>/): each
#      `#include "vouch/<other>/..."` there names a direct PUBLIC dependency (one reached only
#      through another module could be dropped there without notice), and each direct PUBLIC
#      vouch dependency is included by some public header (otherwise it belongs in PRIVATE_DEPS);
#   3. no public header includes core's internals or a third-party library's header.

# _vouch_walls_targets(DIR OUT): every build-system target declared in DIR and below.
function(_vouch_walls_targets dir out)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    _vouch_walls_targets("${sub}" sub_targets)
    list(APPEND targets ${sub_targets})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

# _vouch_walls_direct_public(TARGET OUT): TARGET's direct PUBLIC vouch_* dependencies.
function(_vouch_walls_direct_public target out)
  set(direct "")
  get_target_property(links ${target} INTERFACE_LINK_LIBRARIES)
  foreach(link IN LISTS links)
    if(link MATCHES "^\\$<LINK_ONLY:" OR NOT TARGET "${link}")
      continue()
    endif()
    get_target_property(aliased "${link}" ALIASED_TARGET)
    if(aliased)
      set(link "${aliased}")
    endif()
    # vouch_warnings and vouch_sanitizers carry flags, not headers.
    if(link MATCHES "^vouch_" AND NOT link MATCHES "^vouch_(warnings|sanitizers)$")
      list(APPEND direct "${link}")
    endif()
  endforeach()
  set(${out} ${direct} PARENT_SCOPE)
endfunction()

function(vouch_check_walls)
  _vouch_walls_targets("${PROJECT_SOURCE_DIR}" all_targets)
  set(errors "")
  foreach(target IN LISTS all_targets)
    get_target_property(type ${target} TYPE)
    get_target_property(dir ${target} SOURCE_DIR)
    if(NOT target MATCHES "^vouch_" OR NOT type MATCHES "_LIBRARY$"
        OR dir MATCHES "^${PROJECT_SOURCE_DIR}/(tests|conformance)(/|$)")
      continue()
    endif()

    # 1. Exported include directories.
    get_target_property(includes ${target} INTERFACE_INCLUDE_DIRECTORIES)
    if(includes)
      foreach(include IN LISTS includes)
        if(NOT include STREQUAL "${dir}/include")
          string(APPEND errors "\n  ${target} exports include directory '${include}'; only "
            "'${dir}/include' may be exported (make it PRIVATE)")
        endif()
      endforeach()
    endif()

    # 2 and 3. Public headers against PUBLIC link edges.
    string(REGEX REPLACE "^vouch_" "" module "${target}")
    set(public_dir "${dir}/include/vouch/${module}")
    if(NOT IS_DIRECTORY "${public_dir}")
      continue()
    endif()
    _vouch_walls_direct_public(${target} direct)
    file(GLOB_RECURSE headers "${public_dir}/*.h")
    set(used "")
    foreach(header IN LISTS headers)
      file(RELATIVE_PATH shown "${PROJECT_SOURCE_DIR}" "${header}")
      file(STRINGS "${header}" lines REGEX "^[ \t]*#[ \t]*include")
      foreach(line IN LISTS lines)
        if(line MATCHES "\"vouch/([a-z_]+)/")
          set(other "${CMAKE_MATCH_1}")
          list(APPEND used "vouch_${other}")
          if(NOT other STREQUAL module AND NOT "vouch_${other}" IN_LIST direct)
            string(APPEND errors "\n  ${shown} includes vouch/${other}/ but vouch::${other} is "
              "not a PUBLIC dependency of ${target} (add it to DEPS, or keep its types out of "
              "the public header)")
          endif()
        elseif(line MATCHES "[\"<](core/internal/|openssl/|curl/|nlohmann/|yaml-cpp/|boost/|cxxopts|sodium)")
          string(APPEND errors "\n  ${shown}: '${line}': no internal or third-party header in a "
            "public header")
        endif()
      endforeach()
    endforeach()
    foreach(dep IN LISTS direct)
      if(NOT dep IN_LIST used)
        string(REGEX REPLACE "^vouch_" "vouch::" shown_dep "${dep}")
        string(APPEND errors "\n  ${target} links ${shown_dep} PUBLIC but no header under "
          "${module}/include uses it (move it to PRIVATE_DEPS)")
      endif()
    endforeach()
  endforeach()
  if(errors)
    message(FATAL_ERROR "module walls (docs/architecture.md):${errors}")
  endif()
endfunction()
