#pragma once
// The application icon: the SVG from resources/ (":/icons/nemodesk.svg") when Qt's SVG icon engine is
// installed, otherwise the same glyph drawn with QPainter, so the window never goes without an icon.
#include <QIcon>

namespace nd {

QIcon appIcon();

}  // namespace nd
