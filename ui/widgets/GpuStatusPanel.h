#pragma once
// The status area of the main window: a header (telemetry source, live/stale), one card per GPU plus
// one for the host, and the live usage chart. When the daemon reports no GPU (source "none") an
// explanation takes the cards' place, so an empty area is never mistaken for "still loading".
// Reads everything from GpuTableModel; owns no data of its own.
#include <QList>
#include <QWidget>

class QFrame;
class QGridLayout;
class QLabel;

namespace nd {

class GpuTableModel;
class UsageCard;
class UsageChart;

class GpuStatusPanel : public QWidget {
    Q_OBJECT
public:
    explicit GpuStatusPanel(GpuTableModel *model, QWidget *parent = nullptr);

    // For tests and for the window's layout.
    int gpuCardCount() const { return static_cast<int>(m_gpuCards.size()); }
    const UsageCard *gpuCard(int row) const { return m_gpuCards.at(row); }
    const UsageCard *hostCard() const { return m_hostCard; }
    bool isExplanationShown() const;
    QString explanationText() const;
    QString freshnessText() const;
    const UsageChart *chart() const { return m_chart; }

private:
    void rebuildCards();
    void refreshCards(int firstRow, int lastRow);
    void refreshHost();
    void refreshSparklines();
    void refreshHeader();
    void applyFreshness();

    GpuTableModel *m_model;
    QLabel *m_sourceLabel;
    QLabel *m_freshnessLabel;
    QFrame *m_explanation;
    QLabel *m_explanationText;
    QLabel *m_waitingLabel;
    QGridLayout *m_cardsLayout;
    QList<UsageCard *> m_gpuCards;
    UsageCard *m_hostCard;
    UsageChart *m_chart;
};

}  // namespace nd
