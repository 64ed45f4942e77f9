# Lua scripts as files: each store's scripts live as .lua files beside it (lua/ in its folder)
# and are embedded at build time into a generated header of C++ constants, one per script,
# named after the file (lua/apply.lua -> kApplyLua). A line "--@include NAME" in a script is
# replaced by the fragment NAME.lua, searched in the script's own folder and then in
# common/redis/lua/ (the outbox and write-quota fragments every write script shares), so a
# script is complete as Redis runs it and no call site composes fragments.
#
#   rfs_embed_lua(TARGET lib HEADER services/kpi/lua_scripts.h SCRIPTS lua/apply.lua ...)
#
# generates ${CMAKE_BINARY_DIR}/generated/<HEADER> (regenerated when a script or a fragment
# changes) and adds ${CMAKE_BINARY_DIR}/generated to the target's include path.
set(RFS_LUA_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/RfsLuaEmbed.cmake)

function(rfs_embed_lua)
  cmake_parse_arguments(ARG "" "TARGET;HEADER" "SCRIPTS" ${ARGN})
  set(out ${CMAKE_BINARY_DIR}/generated/${ARG_HEADER})
  set(scripts "")
  foreach(s IN LISTS ARG_SCRIPTS)
    list(APPEND scripts ${CMAKE_CURRENT_SOURCE_DIR}/${s})
  endforeach()
  file(GLOB fragments ${CMAKE_SOURCE_DIR}/common/redis/lua/*.lua)
  string(REPLACE ";" "|" scripts_arg "${scripts}")
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} "-DSCRIPTS=${scripts_arg}"
            -DFRAGMENT_DIR=${CMAKE_SOURCE_DIR}/common/redis/lua -P ${RFS_LUA_EMBED_SCRIPT}
    DEPENDS ${scripts} ${fragments} ${RFS_LUA_EMBED_SCRIPT}
    COMMENT "Embedding Lua scripts into ${ARG_HEADER}"
    VERBATIM)
  string(MAKE_C_IDENTIFIER "${ARG_HEADER}" gen_target)
  add_custom_target(rfs_lua_${gen_target} DEPENDS ${out})
  add_dependencies(${ARG_TARGET} rfs_lua_${gen_target})
  target_include_directories(${ARG_TARGET} PUBLIC ${CMAKE_BINARY_DIR}/generated)
endfunction()
