// Connection problem banner (see ConnectionBanner.h).
#include "ui/widgets/ConnectionBanner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>

#include "ui/common/Colors.h"

using namespace Qt::StringLiterals;

namespace nd {

ConnectionBanner::ConnectionBanner(QWidget *parent)
    : QFrame(parent)
    , m_icon(new QLabel(this))
    , m_text(new QLabel(this))
    , m_retry(new QPushButton(tr("Retry"), this)) {
    setObjectName(u"connectionBanner"_s);
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::RichText);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_retry->setToolTip(tr("Connect again, starting the daemon when none is running"));
    m_retry->setCursor(Qt::PointingHandCursor);

    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(12, 8, 12, 8);
    layout->setSpacing(10);
    layout->addWidget(m_icon, 0, Qt::AlignTop);
    layout->addWidget(m_text, 1);
    layout->addWidget(m_retry, 0, Qt::AlignVCenter);

    connect(m_retry, &QPushButton::clicked, this, &ConnectionBanner::retryRequested);
    hide();
}

void ConnectionBanner::showMessage(Severity severity, const QString &headline, const QString &detail) {
    const bool error = severity == Severity::error;
    const QColor accent = error ? colors::problem() : colors::pending();
    const QColor background = error ? QColor(0xfd, 0xec, 0xec) : QColor(0xfe, 0xf6, 0xe0);
    // Fixed light tints with dark text: readable under light and dark themes alike.
    setStyleSheet(
        u"QFrame#connectionBanner { background: %1; border: 1px solid %2; border-radius: 6px; }"
        "QFrame#connectionBanner QLabel { color: #1f2328; background: transparent; border: none; }"_s.arg(
            background.name(), accent.name()));
    m_icon->setPixmap(style()
                          ->standardIcon(error ? QStyle::SP_MessageBoxCritical : QStyle::SP_MessageBoxWarning)
                          .pixmap(24, 24));
    m_text->setText(u"<b>%1</b><br>%2"_s.arg(headline.toHtmlEscaped(), detail.toHtmlEscaped()));
    show();
}

QString ConnectionBanner::text() const {
    return m_text->text();
}

}  // namespace nd
