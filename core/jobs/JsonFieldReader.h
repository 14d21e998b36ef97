#pragma once
// Reading the optional keys of one JSON object into typed fields, for job specs (the API's input) and
// jobs (the store's rows and the API's output). A missing key leaves the field alone; a key of the wrong
// type or range is an error naming it — "field 'gpus' must be an integer (got a string)" — and the first
// error stops the rest.
#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

namespace nd {

// JSON numbers are doubles: integers beyond 2^53 are not exact, so nothing accepts them.
constexpr qint64 maxJsonInteger = (qint64{1} << 53) - 1;

// "a string", "a number", "null", … for messages.
QString describeJsonType(const QJsonValue &value);

class JsonFieldReader {
public:
    // `label` starts each message ("field", "job field"); `prefix` names the nested object ("process.").
    explicit JsonFieldReader(const QJsonObject &json, QString label = QStringLiteral("field"),
                             QString prefix = {});

    bool failed() const { return !m_error.isEmpty(); }
    const QString &error() const { return m_error; }
    bool has(const QString &key) const { return m_json.contains(key); }
    // Keeps the first message only.
    void fail(const QString &message);
    // "<label> '<prefix><key>'" for messages of the caller's own.
    QString name(const QString &key) const;

    template <typename Int>
    void integer(const QString &key, qint64 min, qint64 max, Int *out) {
        qint64 value = 0;
        if (readInteger(key, min, max, &value))
            *out = static_cast<Int>(value);
    }
    void real(const QString &key, double *out);
    void string(const QString &key, QString *out);
    void boolean(const QString &key, bool *out);
    void stringList(const QString &key, QStringList *out);
    void intList(const QString &key, QList<int> *out);                          // non-negative ints
    void environment(const QString &key, QList<QPair<QString, QString>> *out);  // an object of strings
    // The object at `key`, empty when absent (an error when it is something else).
    QJsonObject object(const QString &key);

private:
    bool readInteger(const QString &key, qint64 min, qint64 max, qint64 *out);
    // The value to read, or undefined when absent or after an error.
    QJsonValue take(const QString &key) const;

    const QJsonObject &m_json;
    QString m_label;
    QString m_prefix;
    QString m_error;
};

}  // namespace nd
