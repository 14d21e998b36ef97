# Fails when a layer includes what DESIGN.md says it must not. Run at build time (target
# check_layers, part of ALL) and as a test. Usage: cmake -DSOURCE_DIR=<repo> -P CheckLayers.cmake
if(NOT SOURCE_DIR)
  message(FATAL_ERROR "SOURCE_DIR not set")
endif()

# layer folder | regex of forbidden include targets | why
set(_rules
  "gpu|^(Q[A-Za-z]|qt[a-z]*/|Qt[A-Z]|sqlite3|core/|ui/|app/)|gpu/ is plain C++ and CUDA: no Qt, no SQLite, no upper layer"
  "core|^(QtWidgets|QtGui|QtCharts|QWidget|QMainWindow|QApplication|QGuiApplication|QChart|QPainter|QImage|QPixmap|QIcon|QColor|QFont|ui/|app/)|core/ is headless: no Qt Gui/Widgets/Charts, no ui/ or app/"
  "ui|^(gpu/|app/|sqlite3)|ui/ talks to the daemon through core's client: no gpu/ internals, no SQLite, no app/"
)

set(_violations "")
foreach(_rule IN LISTS _rules)
  string(REPLACE "|" ";" _parts "${_rule}")
  list(GET _parts 0 _layer)
  # The regex itself contains '|', so rebuild it from the middle parts.
  list(LENGTH _parts _n)
  math(EXPR _last "${_n} - 1")
  list(GET _parts ${_last} _why)
  math(EXPR _re_len "${_n} - 2")  # SUBLIST takes a length: the parts between the layer and the why
  list(SUBLIST _parts 1 ${_re_len} _re_parts)
  list(JOIN _re_parts "|" _re)
  file(GLOB_RECURSE _files "${SOURCE_DIR}/${_layer}/*.h" "${SOURCE_DIR}/${_layer}/*.hpp"
       "${SOURCE_DIR}/${_layer}/*.cpp" "${SOURCE_DIR}/${_layer}/*.cu" "${SOURCE_DIR}/${_layer}/*.cuh")
  foreach(_f IN LISTS _files)
    file(STRINGS "${_f}" _includes REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
    foreach(_inc IN LISTS _includes)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]*)[>\"].*" "\\1" _target "${_inc}")
      if(_target MATCHES "${_re}")
        file(RELATIVE_PATH _rel "${SOURCE_DIR}" "${_f}")
        string(APPEND _violations "  ${_rel}: #include ${_target}  (${_why})\n")
      endif()
    endforeach()
  endforeach()
endforeach()

if(_violations)
  message(FATAL_ERROR "Layering violations:\n${_violations}")
endif()
message(STATUS "Layering: ok")
