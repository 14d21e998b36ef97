#pragma once
// A tiny chart drawn with QPainter: the last few minutes of a device's usage (compute % as a filled
// line in the device's colour, memory % as a thin line) inside a card. No axes; the card states the
// numbers, the sparkline shows the trend.
#include <QColor>
#include <QList>
#include <QPointF>
#include <QWidget>

#include "ui/models/UsageHistory.h"

namespace nd {

class Sparkline : public QWidget {
    Q_OBJECT
public:
    explicit Sparkline(QWidget *parent = nullptr);

    void setColors(const QColor &compute, const QColor &memory);
    // Copies the points of the last `history.windowMs()` (x in 0..1 of the window, y in 0..1 of 100 %).
    void setHistory(const UsageHistory &history);
    int pointCount() const { return static_cast<int>(m_compute.size()); }

    QSize sizeHint() const override { return {220, 34}; }
    QSize minimumSizeHint() const override { return {60, 24}; }

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QList<QPointF> m_compute;
    QList<QPointF> m_memory;
    QColor m_computeColor;
    QColor m_memoryColor;
};

}  // namespace nd
