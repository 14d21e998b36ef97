// Status area: header, per-device cards, explanation for "no GPU", live chart (see GpuStatusPanel.h).
#include "ui/widgets/GpuStatusPanel.h"

#include <QFrame>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QStyle>
#include <QVBoxLayout>

#include "ui/common/Colors.h"
#include "ui/common/Formatting.h"
#include "ui/models/GpuTableModel.h"
#include "ui/widgets/UsageCard.h"
#include "ui/widgets/UsageChart.h"

using namespace Qt::StringLiterals;

namespace nd {

namespace {

constexpr int cardsPerRow = 4;

void setMuted(QLabel *label) {
    QPalette pal = label->palette();
    pal.setColor(QPalette::WindowText, pal.color(QPalette::PlaceholderText));
    label->setPalette(pal);
}

}  // namespace

GpuStatusPanel::GpuStatusPanel(GpuTableModel *model, QWidget *parent)
    : QWidget(parent)
    , m_model(model)
    , m_sourceLabel(new QLabel(this))
    , m_freshnessLabel(new QLabel(this))
    , m_explanation(new QFrame(this))
    , m_explanationText(new QLabel(m_explanation))
    , m_waitingLabel(new QLabel(tr("Waiting for the daemon…"), this))
    , m_cardsLayout(new QGridLayout)
    , m_hostCard(new UsageCard(tr("CPU"), tr("RAM"), this))
    , m_chart(new UsageChart(model, this)) {
    auto *title = new QLabel(tr("GPUs"), this);
    QFont titleFont = title->font();
    titleFont.setBold(true);
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.3);
    title->setFont(titleFont);
    setMuted(m_sourceLabel);
    m_freshnessLabel->setObjectName(u"freshness"_s);
    setMuted(m_waitingLabel);

    auto *header = new QHBoxLayout;
    header->setSpacing(12);
    header->addWidget(title);
    header->addWidget(m_sourceLabel, 0, Qt::AlignBottom);
    header->addStretch(1);
    header->addWidget(m_freshnessLabel, 0, Qt::AlignBottom);

    // "No GPU" explanation: an information icon and the daemon's own reason.
    m_explanation->setObjectName(u"noGpuExplanation"_s);
    m_explanation->setStyleSheet(
        u"QFrame#noGpuExplanation { background: palette(base); border: 1px solid palette(mid); "
        "border-left: 4px solid %1; border-radius: 6px; }"_s.arg(colors::host().name()));
    auto *icon = new QLabel(m_explanation);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxInformation).pixmap(32, 32));
    m_explanationText->setWordWrap(true);
    m_explanationText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *explanationLayout = new QHBoxLayout(m_explanation);
    explanationLayout->setContentsMargins(14, 12, 14, 12);
    explanationLayout->setSpacing(12);
    explanationLayout->addWidget(icon, 0, Qt::AlignTop);
    explanationLayout->addWidget(m_explanationText, 1);
    m_explanation->hide();

    m_hostCard->setTitle(tr("Host"));
    m_hostCard->setAccentColor(colors::host());
    m_cardsLayout->setSpacing(12);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(10);
    layout->addLayout(header);
    layout->addWidget(m_waitingLabel);
    layout->addWidget(m_explanation);
    layout->addLayout(m_cardsLayout);
    layout->addWidget(m_chart, 1);

    connect(m_model, &QAbstractItemModel::modelReset, this, &GpuStatusPanel::rebuildCards);
    connect(m_model, &QAbstractItemModel::dataChanged, this,
            [this](const QModelIndex &topLeft, const QModelIndex &bottomRight) {
                refreshCards(topLeft.row(), bottomRight.row());
            });
    connect(m_model, &GpuTableModel::inventoryChanged, this, &GpuStatusPanel::refreshHeader);
    connect(m_model, &GpuTableModel::inventoryChanged, this, &GpuStatusPanel::refreshHost);
    connect(m_model, &GpuTableModel::frameApplied, this, [this] {
        refreshHost();
        refreshSparklines();
        refreshHeader();
    });
    connect(m_model, &GpuTableModel::freshnessChanged, this, &GpuStatusPanel::applyFreshness);
    rebuildCards();
}

void GpuStatusPanel::rebuildCards() {
    qDeleteAll(m_gpuCards);
    m_gpuCards.clear();
    m_cardsLayout->removeWidget(m_hostCard);
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const GpuDevice &gpu = m_model->gpu(row);
        auto *card = new UsageCard(tr("Utilisation"), tr("Memory"), this);
        card->setProperty("gpuIndex", gpu.index);  // the object name is the style sheet's selector
        card->setAccentColor(colors::forGpu(gpu.index));
        m_cardsLayout->addWidget(card, row / cardsPerRow, row % cardsPerRow);
        m_gpuCards.append(card);
    }
    const int hostSlot = static_cast<int>(m_gpuCards.size());
    // Alone (no GPU), the host card keeps a card's width instead of spanning the window.
    m_hostCard->setMinimumWidth(m_gpuCards.isEmpty() ? 440 : 250);
    m_hostCard->setMaximumWidth(m_gpuCards.isEmpty() ? 440 : QWIDGETSIZE_MAX);
    m_cardsLayout->addWidget(m_hostCard, hostSlot / cardsPerRow, hostSlot % cardsPerRow,
                             m_gpuCards.isEmpty() ? Qt::AlignLeft : Qt::Alignment());
    // GPU cards get more room than the host card when they share a row.
    for (int column = 0; column < cardsPerRow; ++column) {
        const bool gpuColumn = column < m_gpuCards.size();
        const bool hostColumn = column == hostSlot % cardsPerRow && hostSlot < cardsPerRow;
        m_cardsLayout->setColumnStretch(column, gpuColumn ? 3 : (hostColumn ? 2 : 0));
    }
    refreshCards(0, m_model->rowCount() - 1);
    refreshHost();
    refreshSparklines();
    refreshHeader();
    applyFreshness();
}

void GpuStatusPanel::refreshCards(int firstRow, int lastRow) {
    for (int row = std::max(firstRow, 0); row <= lastRow && row < m_gpuCards.size(); ++row) {
        const GpuDevice &gpu = m_model->gpu(row);
        UsageCard *card = m_gpuCards.at(row);
        const QString toolTip =
            m_model->data(m_model->index(row, GpuTableModel::Columns::name), Qt::ToolTipRole).toString();
        card->setTitle(gpu.name, toolTip);
        card->setBadge(gpu.synthetic ? tr("SYNTHETIC") : QString(),
                       gpu.synthetic ? fmt::syntheticExplanation() : QString());
        QStringList subtitle{tr("GPU %1").arg(gpu.index), fmt::gib(gpu.memoryTotalMib) + u" GiB"_s};
        if (!gpu.computeCapability.isEmpty()) {
            subtitle << tr("compute %1").arg(gpu.computeCapability);
        }
        if (!gpu.pciBusId.isEmpty()) {
            subtitle << gpu.pciBusId;
        }
        card->setSubtitle(subtitle.join(u"  ·  "_s));
        if (!gpu.latest) {
            card->setPrimary(std::nullopt, fmt::missing());
            card->setSecondary(std::nullopt, fmt::missing());
            card->setDetails(tr("No reading yet"));
            continue;
        }
        const GpuReading &r = *gpu.latest;
        const qint64 total = r.memoryTotalMib > 0 ? r.memoryTotalMib : gpu.memoryTotalMib;
        card->setPrimary(r.utilizationGpuPct, fmt::percent(r.utilizationGpuPct));
        card->setSecondary(fmt::memoryPercent(r.memoryUsedMib, total),
                           fmt::memoryUsage(r.memoryUsedMib, total));
        card->setDetails(u"%1  ·  %2  ·  %3  ·  %4"_s.arg(
            fmt::temperature(r.temperatureC), fmt::power(r.powerW, gpu.powerLimitW), fmt::clock(r.clockSmMhz),
            r.processCount == 1 ? tr("1 process") : tr("%1 processes").arg(r.processCount)));
    }
}

void GpuStatusPanel::refreshHost() {
    const auto &host = m_model->host();
    if (!host) {
        m_hostCard->setSubtitle(QString());
        m_hostCard->setPrimary(std::nullopt, fmt::missing());
        m_hostCard->setSecondary(std::nullopt, fmt::missing());
        m_hostCard->setDetails(tr("No reading yet"));
        return;
    }
    m_hostCard->setSubtitle(host->cpuCount == 1 ? tr("1 CPU") : tr("%1 CPUs").arg(host->cpuCount));
    m_hostCard->setPrimary(host->cpuPct, fmt::percent(host->cpuPct));
    m_hostCard->setSecondary(fmt::memoryPercent(host->memoryUsedMib, host->memoryTotalMib),
                             fmt::memoryUsage(host->memoryUsedMib, host->memoryTotalMib));
    m_hostCard->setDetails(tr("Load average %1 (1 min)").arg(host->loadAvg1m, 0, 'f', 2));
}

void GpuStatusPanel::refreshSparklines() {
    for (int row = 0; row < m_gpuCards.size() && row < m_model->rowCount(); ++row) {
        m_gpuCards.at(row)->setHistory(m_model->history(row));
    }
    m_hostCard->setHistory(m_model->hostHistory());
}

void GpuStatusPanel::refreshHeader() {
    const QString source = m_model->source();
    const bool noGpu = m_model->hasInventory() && (source == u"none"_s || m_model->rowCount() == 0);
    m_waitingLabel->setVisible(!m_model->hasInventory());

    if (!m_model->hasInventory()) {
        m_sourceLabel->clear();
    } else if (source == u"nvml"_s) {
        m_sourceLabel->setText(m_model->driverVersion().isEmpty()
                                   ? tr("NVIDIA driver (NVML)")
                                   : tr("NVIDIA driver %1 (NVML)").arg(m_model->driverVersion()));
    } else if (source == u"fake"_s) {
        m_sourceLabel->setText(tr("Synthetic GPUs: generated readings, not measured"));
    } else if (noGpu) {
        m_sourceLabel->setText(tr("No GPU telemetry"));
    } else {
        m_sourceLabel->setText(source);
    }
    m_sourceLabel->setToolTip(m_model->sourceMessage());

    if (noGpu) {
        const QString reason = fmt::withoutFinalStop(m_model->sourceMessage());
        // Say where the work goes, unless the daemon's message already did.
        const QString cpuNote = reason.contains(u"on the CPU"_s, Qt::CaseInsensitive)
                                    ? QString()
                                    : tr(" Jobs and models will run on the CPU.");
        m_explanationText->setText(
            tr("<b>No NVIDIA GPU found</b>%1.%2<br>"
               "<span style='color:%3'>If this machine has an NVIDIA GPU, check that its driver is "
               "installed: <tt>nvidia-smi</tt> should list it.</span>")
                .arg(reason.isEmpty() ? QString() : u": "_s + reason.toHtmlEscaped(), cpuNote,
                     palette().color(QPalette::PlaceholderText).name()));
    }
    m_explanation->setVisible(noGpu);
    applyFreshness();
}

void GpuStatusPanel::applyFreshness() {
    const bool stale = m_model->freshness() == GpuTableModel::Freshness::stale;
    for (UsageCard *card : std::as_const(m_gpuCards)) {
        card->setEnabled(!stale);
    }
    m_hostCard->setEnabled(!stale);
    const qint64 last = m_model->lastUpdateMs();
    if (last <= 0) {
        m_freshnessLabel->clear();
    } else if (stale) {
        m_freshnessLabel->setText(tr("<span style='color:%1'>●</span> Stale: last data at %2")
                                      .arg(colors::pending().name(), fmt::clockTime(last)));
    } else {
        m_freshnessLabel->setText(
            tr("<span style='color:%1'>●</span> Live · %2").arg(colors::ok().name(), fmt::clockTime(last)));
    }
}

bool GpuStatusPanel::isExplanationShown() const {
    return !m_explanation->isHidden();
}

QString GpuStatusPanel::explanationText() const {
    return m_explanationText->text();
}

QString GpuStatusPanel::freshnessText() const {
    return m_freshnessLabel->text();
}

}  // namespace nd
