#pragma once
// Status-bar item: a coloured dot and a short sentence ("Connected to http://127.0.0.1:4711").
#include <QColor>
#include <QWidget>

class QLabel;

namespace nd {

class ConnectionIndicator : public QWidget {
    Q_OBJECT
public:
    explicit ConnectionIndicator(QWidget *parent = nullptr);

    void setStatus(const QColor &dot, const QString &text, const QString &toolTip);
    QString text() const;
    QColor dotColor() const { return m_color; }

private:
    QLabel *m_dot;
    QLabel *m_text;
    QColor m_color;
};

}  // namespace nd
