#pragma once
// One compact card of the status area: a title (GPU name or "Host"), an optional badge ("SYNTHETIC"),
// a subtitle, two bars (utilisation and memory, or CPU and RAM) that carry their numbers as text,
// a line of details (temperature, power, clock) and a sparkline of the last minutes. The panel fills it;
// the card knows nothing about where the numbers come from.
#include <QColor>
#include <QFrame>

#include <optional>

class QLabel;
class QProgressBar;

namespace nd {

class Sparkline;
class UsageHistory;

class UsageCard : public QFrame {
    Q_OBJECT
public:
    UsageCard(const QString &primaryLabel, const QString &secondaryLabel, QWidget *parent = nullptr);

    void setTitle(const QString &title, const QString &toolTip = {});
    void setSubtitle(const QString &subtitle);
    // An empty text hides the badge.
    void setBadge(const QString &text, const QString &toolTip = {});
    void setAccentColor(const QColor &color);
    // `pct` positions the bar (nothing: an empty bar); `text` is written on it.
    void setPrimary(std::optional<double> pct, const QString &text);
    void setSecondary(std::optional<double> pct, const QString &text);
    void setDetails(const QString &details);
    void setHistory(const UsageHistory &history);

    QString title() const;
    QString badge() const;
    QString primaryText() const;
    QString secondaryText() const;
    QString details() const;
    const Sparkline *sparkline() const { return m_sparkline; }

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    void updateStyle();
    void elideTitle();

    QLabel *m_title;
    QLabel *m_badge;
    QLabel *m_subtitle;
    QProgressBar *m_primary;
    QProgressBar *m_secondary;
    QLabel *m_details;
    Sparkline *m_sparkline;
    QColor m_accent;
    QString m_fullTitle;  // the title label shows it elided to the card's width
};

}  // namespace nd
