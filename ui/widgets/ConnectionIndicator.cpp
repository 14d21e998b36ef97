// Status-bar connection dot and text (see ConnectionIndicator.h).
#include "ui/widgets/ConnectionIndicator.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPixmap>

namespace nd {

ConnectionIndicator::ConnectionIndicator(QWidget *parent)
    : QWidget(parent), m_dot(new QLabel(this)), m_text(new QLabel(this)) {
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(6, 0, 6, 0);
    layout->setSpacing(6);
    layout->addWidget(m_dot);
    layout->addWidget(m_text);
}

void ConnectionIndicator::setStatus(const QColor &dot, const QString &text, const QString &toolTip) {
    if (dot != m_color) {
        m_color = dot;
        const qreal dpr = devicePixelRatioF();
        QPixmap pixmap(QSize(12, 12) * dpr);
        pixmap.setDevicePixelRatio(dpr);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(QPen(dot.darker(130), 1));
        painter.setBrush(dot);
        painter.drawEllipse(QRectF(1.5, 1.5, 9, 9));
        painter.end();
        m_dot->setPixmap(pixmap);
    }
    m_text->setText(text);
    setToolTip(toolTip);
}

QString ConnectionIndicator::text() const {
    return m_text->text();
}

}  // namespace nd
