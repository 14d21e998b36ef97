# Per-generator CPack settings (CPACK_PROJECT_CONFIG_FILE), read by cpack for each generator it runs.
if(CPACK_GENERATOR STREQUAL "TGZ")
  # Relocatable: unpack anywhere and run bin/nemodesk. A systemd unit needs an absolute path to nemoctl, which
  # an archive cannot know, so the archive holds every component but that one.
  set(CPACK_ARCHIVE_COMPONENT_INSTALL ON)
  set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
  set(CPACK_COMPONENTS_ALL nemodesk)
  # One folder, nemodesk-<version>-Linux-<arch>/, as without components.
  set(CPACK_COMPONENT_INCLUDE_TOPLEVEL_DIRECTORY ON)
endif()
