#pragma once
// The strip across the top of the window that says what is wrong with the connection to the daemon
// and offers "Retry". Hidden while all is well. Warning (amber) while reconnecting, error (red) when
// the daemon cannot be reached.
#include <QFrame>

class QLabel;
class QPushButton;

namespace nd {

class ConnectionBanner : public QFrame {
    Q_OBJECT
public:
    enum class Severity { warning = 1, error };

    explicit ConnectionBanner(QWidget *parent = nullptr);

    void showMessage(Severity severity, const QString &headline, const QString &detail);
    QString text() const;
    QPushButton *retryButton() const { return m_retry; }

Q_SIGNALS:
    void retryRequested();

private:
    QLabel *m_icon;
    QLabel *m_text;
    QPushButton *m_retry;
};

}  // namespace nd
