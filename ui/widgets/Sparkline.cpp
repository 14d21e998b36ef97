// Sparkline painting (see Sparkline.h).
#include "ui/widgets/Sparkline.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>

#include "ui/common/Colors.h"

namespace nd {

Sparkline::Sparkline(QWidget *parent)
    : QWidget(parent), m_computeColor(colors::utilizationBar()), m_memoryColor(colors::memoryBar()) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setMinimumHeight(28);
}

void Sparkline::setColors(const QColor &compute, const QColor &memory) {
    m_computeColor = compute;
    m_memoryColor = memory;
    update();
}

void Sparkline::setHistory(const UsageHistory &history) {
    m_compute.clear();
    m_memory.clear();
    if (history.isEmpty()) {
        update();
        return;
    }
    const qint64 end = history.newest().timeMs;
    const double window = static_cast<double>(history.windowMs());
    for (int i = 0; i < history.size(); ++i) {
        const UsagePoint &p = history.at(i);
        const double x = 1.0 - static_cast<double>(end - p.timeMs) / window;
        if (p.computePct) {
            m_compute.append({x, std::clamp(*p.computePct / 100.0, 0.0, 1.0)});
        }
        if (p.memoryPct) {
            m_memory.append({x, std::clamp(*p.memoryPct / 100.0, 0.0, 1.0)});
        }
    }
    update();
}

void Sparkline::paintEvent(QPaintEvent *) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    const QRectF area = QRectF(rect()).adjusted(1, 2, -1, -2);
    const bool enabled = isEnabled();
    const QColor base = palette().color(QPalette::Mid);

    painter.setPen(QPen(base, 1, Qt::DotLine));
    painter.drawLine(QPointF(area.left(), area.center().y()), QPointF(area.right(), area.center().y()));

    auto toWidget = [&](const QPointF &p) {
        return QPointF(area.left() + p.x() * area.width(), area.bottom() - p.y() * area.height());
    };
    auto shade = [&](QColor c) { return enabled ? c : base; };

    if (m_compute.size() >= 2) {
        QPainterPath line;
        line.moveTo(toWidget(m_compute.first()));
        for (qsizetype i = 1; i < m_compute.size(); ++i) {
            line.lineTo(toWidget(m_compute.at(i)));
        }
        QPainterPath fill = line;
        fill.lineTo(toWidget({m_compute.last().x(), 0}));
        fill.lineTo(toWidget({m_compute.first().x(), 0}));
        fill.closeSubpath();
        QColor fillColor = shade(m_computeColor);
        fillColor.setAlpha(50);
        painter.fillPath(fill, fillColor);
        painter.setPen(QPen(shade(m_computeColor), 1.6));
        painter.drawPath(line);
    }
    if (m_memory.size() >= 2) {
        QPainterPath line;
        line.moveTo(toWidget(m_memory.first()));
        for (qsizetype i = 1; i < m_memory.size(); ++i) {
            line.lineTo(toWidget(m_memory.at(i)));
        }
        painter.setPen(QPen(shade(m_memoryColor), 1.2, Qt::DashLine));
        painter.drawPath(line);
    }
}

}  // namespace nd
