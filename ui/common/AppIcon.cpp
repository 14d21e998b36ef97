// Application icon with a painted fallback (see AppIcon.h).
#include "ui/common/AppIcon.h"

#include <QPainter>
#include <QPixmap>

#include "ui/common/Colors.h"

using namespace Qt::StringLiterals;

namespace nd {

namespace {

// The glyph of resources/icons/nemodesk.svg in a 64x64 grid: a die with pins and three bars.
QPixmap paintedIcon(int size) {
    QPixmap pixmap(size, size);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.scale(size / 64.0, size / 64.0);
    p.setPen(Qt::NoPen);
    p.setBrush(colors::utilizationBar());
    for (int i = 0; i < 4; ++i) {
        const qreal at = 18 + 8 * i;
        p.drawRoundedRect(QRectF(at, 3, 4, 9), 1, 1);
        p.drawRoundedRect(QRectF(at, 52, 4, 9), 1, 1);
        p.drawRoundedRect(QRectF(3, at, 9, 4), 1, 1);
        p.drawRoundedRect(QRectF(52, at, 9, 4), 1, 1);
    }
    p.setBrush(QColor(0x1f, 0x29, 0x37));
    p.drawRoundedRect(QRectF(9, 9, 46, 46), 8, 8);
    p.setBrush(QColor(0x0b, 0x12, 0x20));
    p.setPen(QPen(colors::utilizationBar(), 2));
    p.drawRoundedRect(QRectF(16, 16, 32, 32), 4, 4);
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(0x5a, 0x8f, 0x00));
    p.drawRoundedRect(QRectF(21, 34, 5.5, 9), 1, 1);
    p.setBrush(colors::utilizationBar());
    p.drawRoundedRect(QRectF(29.25, 27, 5.5, 16), 1, 1);
    p.setBrush(QColor(0xa3, 0xe6, 0x35));
    p.drawRoundedRect(QRectF(37.5, 21, 5.5, 22), 1, 1);
    return pixmap;
}

}  // namespace

QIcon appIcon() {
    QIcon icon(u":/icons/nemodesk.svg"_s);
    if (!icon.pixmap(64, 64).isNull()) {
        return icon;
    }
    QIcon painted;
    for (int size : {16, 24, 32, 48, 64, 128, 256}) {
        painted.addPixmap(paintedIcon(size));
    }
    return painted;
}

}  // namespace nd
