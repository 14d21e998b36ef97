// JsonFieldReader: typed reads with messages that name the key and say what was found instead.
#include "core/jobs/JsonFieldReader.h"

#include <QJsonArray>

#include <cmath>
#include <limits>

namespace nd {

namespace {

// 3000000000, not 3e+09: people compare the number with what they typed.
QString describeNumber(double number) {
    if (std::isfinite(number) && std::floor(number) == number && std::fabs(number) < 1e18)
        return QString::number(static_cast<qint64>(number));
    return QString::number(number);
}

}  // namespace

QString describeJsonType(const QJsonValue &value) {
    switch (value.type()) {
        case QJsonValue::String:
            return QStringLiteral("a string");
        case QJsonValue::Double:
            return QStringLiteral("a number");
        case QJsonValue::Bool:
            return QStringLiteral("a boolean");
        case QJsonValue::Array:
            return QStringLiteral("an array");
        case QJsonValue::Object:
            return QStringLiteral("an object");
        case QJsonValue::Null:
            return QStringLiteral("null");
        case QJsonValue::Undefined:
            break;
    }
    return QStringLiteral("nothing");
}

JsonFieldReader::JsonFieldReader(const QJsonObject &json, QString label, QString prefix)
    : m_json(json), m_label(std::move(label)), m_prefix(std::move(prefix)) {}

void JsonFieldReader::fail(const QString &message) {
    if (m_error.isEmpty())
        m_error = message;
}

QString JsonFieldReader::name(const QString &key) const {
    return QStringLiteral("%1 '%2%3'").arg(m_label, m_prefix, key);
}

QJsonValue JsonFieldReader::take(const QString &key) const {
    return failed() ? QJsonValue(QJsonValue::Undefined) : m_json.value(key);
}

bool JsonFieldReader::readInteger(const QString &key, qint64 min, qint64 max, qint64 *out) {
    const QJsonValue value = take(key);
    if (value.isUndefined())
        return false;
    if (!value.isDouble()) {
        fail(QStringLiteral("%1 must be an integer (got %2)").arg(name(key), describeJsonType(value)));
        return false;
    }
    const double number = value.toDouble();
    if (!std::isfinite(number) || std::floor(number) != number) {
        fail(QStringLiteral("%1 must be an integer (got %2)").arg(name(key), QString::number(number)));
        return false;
    }
    if (number < static_cast<double>(min) || number > static_cast<double>(max)) {
        fail(QStringLiteral("%1 must be an integer from %2 to %3 (got %4)")
                 .arg(name(key), QString::number(min), QString::number(max), describeNumber(number)));
        return false;
    }
    *out = static_cast<qint64>(number);
    return true;
}

void JsonFieldReader::real(const QString &key, double *out) {
    const QJsonValue value = take(key);
    if (value.isUndefined())
        return;
    if (!value.isDouble() || !std::isfinite(value.toDouble())) {
        fail(QStringLiteral("%1 must be a number (got %2)").arg(name(key), describeJsonType(value)));
        return;
    }
    *out = value.toDouble();
}

void JsonFieldReader::string(const QString &key, QString *out) {
    const QJsonValue value = take(key);
    if (value.isUndefined())
        return;
    if (!value.isString()) {
        fail(QStringLiteral("%1 must be a string (got %2)").arg(name(key), describeJsonType(value)));
        return;
    }
    *out = value.toString();
}

void JsonFieldReader::boolean(const QString &key, bool *out) {
    const QJsonValue value = take(key);
    if (value.isUndefined())
        return;
    if (!value.isBool()) {
        fail(QStringLiteral("%1 must be true or false (got %2)").arg(name(key), describeJsonType(value)));
        return;
    }
    *out = value.toBool();
}

void JsonFieldReader::stringList(const QString &key, QStringList *out) {
    const QJsonValue value = take(key);
    if (value.isUndefined())
        return;
    if (!value.isArray()) {
        fail(QStringLiteral("%1 must be an array of strings (got %2)")
                 .arg(name(key), describeJsonType(value)));
        return;
    }
    QStringList list;
    const QJsonArray array = value.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        if (!array.at(i).isString()) {
            fail(QStringLiteral("%1 must be an array of strings (item %2 is %3)")
                     .arg(name(key), QString::number(i), describeJsonType(array.at(i))));
            return;
        }
        list.append(array.at(i).toString());
    }
    *out = list;
}

void JsonFieldReader::intList(const QString &key, QList<int> *out) {
    const QJsonValue value = take(key);
    if (value.isUndefined())
        return;
    const QJsonArray array = value.toArray();
    QList<int> list;
    bool ok = value.isArray();
    for (qsizetype i = 0; ok && i < array.size(); ++i) {
        const double number = array.at(i).toDouble(-1);
        ok = array.at(i).isDouble() && std::floor(number) == number && number >= 0 &&
             number <= std::numeric_limits<int>::max();
        list.append(static_cast<int>(number));
    }
    if (!ok) {
        fail(QStringLiteral("%1 must be an array of non-negative integers (got %2)")
                 .arg(name(key), value.isArray() ? QStringLiteral("an array with other items")
                                                 : describeJsonType(value)));
        return;
    }
    *out = list;
}

void JsonFieldReader::environment(const QString &key, QList<QPair<QString, QString>> *out) {
    const QJsonValue value = take(key);
    if (value.isUndefined())
        return;
    if (!value.isObject()) {
        fail(QStringLiteral("%1 must be an object of string values (got %2)")
                 .arg(name(key), describeJsonType(value)));
        return;
    }
    QList<QPair<QString, QString>> env;
    const QJsonObject object = value.toObject();
    for (auto it = object.begin(); it != object.end(); ++it) {
        if (!it.value().isString()) {
            fail(QStringLiteral("%1: the value of %2 must be a string (got %3)")
                     .arg(name(key), it.key(), describeJsonType(it.value())));
            return;
        }
        env.append({it.key(), it.value().toString()});
    }
    *out = env;
}

QJsonObject JsonFieldReader::object(const QString &key) {
    const QJsonValue value = take(key);
    if (!value.isUndefined() && !value.isObject())
        fail(QStringLiteral("%1 must be an object (got %2)").arg(name(key), describeJsonType(value)));
    return value.toObject();
}

}  // namespace nd
