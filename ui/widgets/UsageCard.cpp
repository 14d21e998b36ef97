// Status card layout and styling (see UsageCard.h).
#include "ui/widgets/UsageCard.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

#include "ui/common/Colors.h"
#include "ui/widgets/Sparkline.h"

using namespace Qt::StringLiterals;

namespace nd {

namespace {

// Bars count in tenths of a percent so that small loads still move them.
constexpr int barScale = 1000;

QProgressBar *makeBar(const QString &objectName, QWidget *parent) {
    auto *bar = new QProgressBar(parent);
    bar->setObjectName(objectName);
    bar->setRange(0, barScale);
    bar->setValue(0);
    bar->setTextVisible(true);
    bar->setAlignment(Qt::AlignCenter);
    bar->setFormat(u"—"_s);
    return bar;
}

void setBar(QProgressBar *bar, std::optional<double> pct, const QString &text) {
    const int value =
        pct ? static_cast<int>(std::lround(std::clamp(*pct, 0.0, 100.0) * barScale / 100.0)) : 0;
    bar->setValue(value);
    // QProgressBar expands %p, %v and %m in its format (and nothing else): our texts never contain those.
    bar->setFormat(text);
}

}  // namespace

UsageCard::UsageCard(const QString &primaryLabel, const QString &secondaryLabel, QWidget *parent)
    : QFrame(parent)
    , m_title(new QLabel(this))
    , m_badge(new QLabel(this))
    , m_subtitle(new QLabel(this))
    , m_primary(makeBar(u"primaryBar"_s, this))
    , m_secondary(makeBar(u"secondaryBar"_s, this))
    , m_details(new QLabel(this))
    , m_sparkline(new Sparkline(this))
    , m_accent(colors::host()) {
    setObjectName(u"usageCard"_s);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Maximum);
    setMinimumWidth(250);

    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.1);
    m_title->setFont(titleFont);
    // Long GPU names are elided rather than widening the card (the tooltip has the full name).
    m_title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_title->setMinimumWidth(40);
    m_badge->setObjectName(u"badge"_s);
    m_badge->hide();
    m_subtitle->setObjectName(u"subtitle"_s);
    m_details->setObjectName(u"details"_s);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Secondary text in the palette's muted colour (follows light and dark themes).
    for (QLabel *muted : {m_subtitle, m_details}) {
        QPalette pal = muted->palette();
        pal.setColor(QPalette::WindowText, pal.color(QPalette::PlaceholderText));
        muted->setPalette(pal);
    }

    auto *header = new QHBoxLayout;
    header->setSpacing(8);
    header->addWidget(m_title, 1);
    header->addWidget(m_badge, 0, Qt::AlignRight | Qt::AlignVCenter);

    auto *bars = new QGridLayout;
    bars->setHorizontalSpacing(10);
    bars->setVerticalSpacing(6);
    bars->addWidget(new QLabel(primaryLabel, this), 0, 0);
    bars->addWidget(m_primary, 0, 1);
    bars->addWidget(new QLabel(secondaryLabel, this), 1, 0);
    bars->addWidget(m_secondary, 1, 1);
    bars->setColumnStretch(1, 1);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(14, 12, 14, 10);
    layout->setSpacing(6);
    layout->addLayout(header);
    layout->addWidget(m_subtitle);
    layout->addSpacing(2);
    layout->addLayout(bars);
    layout->addWidget(m_details);
    layout->addWidget(m_sparkline);
    updateStyle();
}

void UsageCard::setTitle(const QString &title, const QString &toolTip) {
    m_fullTitle = title;
    m_title->setToolTip(toolTip.isEmpty() ? title : toolTip);
    elideTitle();
}

void UsageCard::resizeEvent(QResizeEvent *event) {
    QFrame::resizeEvent(event);
    elideTitle();  // the layout has already given the label its new width
}

void UsageCard::elideTitle() {
    m_title->setText(
        m_title->fontMetrics().elidedText(m_fullTitle, Qt::ElideRight, std::max(m_title->width(), 40)));
}

void UsageCard::setSubtitle(const QString &subtitle) {
    m_subtitle->setText(subtitle);
    m_subtitle->setVisible(!subtitle.isEmpty());
}

void UsageCard::setBadge(const QString &text, const QString &toolTip) {
    m_badge->setText(text);
    m_badge->setToolTip(toolTip);
    m_badge->setVisible(!text.isEmpty());
}

void UsageCard::setAccentColor(const QColor &color) {
    if (color == m_accent) {
        return;
    }
    m_accent = color;
    m_sparkline->setColors(color, colors::memoryBar());
    updateStyle();
}

void UsageCard::setPrimary(std::optional<double> pct, const QString &text) {
    setBar(m_primary, pct, text);
}

void UsageCard::setSecondary(std::optional<double> pct, const QString &text) {
    setBar(m_secondary, pct, text);
}

void UsageCard::setDetails(const QString &details) {
    m_details->setText(details);
}

void UsageCard::setHistory(const UsageHistory &history) {
    m_sparkline->setHistory(history);
}

QString UsageCard::title() const {
    return m_fullTitle;
}
QString UsageCard::badge() const {
    return m_badge->isHidden() ? QString() : m_badge->text();
}
QString UsageCard::primaryText() const {
    return m_primary->format();
}
QString UsageCard::secondaryText() const {
    return m_secondary->format();
}
QString UsageCard::details() const {
    return m_details->text();
}

void UsageCard::updateStyle() {
    // palette(...) keeps the card readable under dark themes; only the accents are fixed colours.
    setStyleSheet(
        uR"(
        QFrame#usageCard { background: palette(base); border: 1px solid palette(mid);
                           border-top: 3px solid %1; border-radius: 6px; }
        QLabel { background: transparent; border: none; }
        QLabel#badge { color: #8a5a00; background: #fff1cc; border: 1px solid #e0b54a; border-radius: 4px;
                       padding: 1px 6px; font-size: 8pt; font-weight: bold; }
        QLabel#badge:disabled { color: palette(dark); background: palette(window);
                                border-color: palette(mid); }
        QProgressBar { border: 1px solid palette(mid); border-radius: 4px; background: palette(window);
                       min-height: 18px; max-height: 18px; text-align: center; }
        QProgressBar#primaryBar::chunk { background: %2; border-radius: 3px; }
        QProgressBar#secondaryBar::chunk { background: %3; border-radius: 3px; }
        QProgressBar:disabled { color: #6b7280; }
        QProgressBar#primaryBar::chunk:disabled, QProgressBar#secondaryBar::chunk:disabled {
            background: #d5d9de; }
    )"_s.arg(m_accent.name(), colors::utilizationBar().lighter(115).name(),
             colors::memoryBar().lighter(130).name()));
}

}  // namespace nd
