// The Submit dialog's checks and sentences (see the header).
#include "ui/submit/SubmitFields.h"

#include <QDateTime>
#include <QJsonArray>
#include <QRegularExpression>
#include <QStringList>

#include "core/jobs/SbatchScript.h"
#include "core/jobs/SlurmSyntax.h"

namespace nd {

Result<QStringList> splitArguments(const QString &line) {
    QStringList args;
    QString word;
    bool inWord = false;
    QChar quote;
    for (qsizetype i = 0; i < line.size(); ++i) {
        const QChar c = line[i];
        if (!quote.isNull()) {
            if (c == quote)
                quote = QChar();
            else if (quote == QLatin1Char('"') && c == QLatin1Char('\\') && i + 1 < line.size() &&
                     (line[i + 1] == QLatin1Char('"') || line[i + 1] == QLatin1Char('\\')))
                word.append(line[++i]);
            else
                word.append(c);
        } else if (c.isSpace()) {
            if (inWord)
                args.append(word);
            word.clear();
            inWord = false;
        } else if (c == QLatin1Char('\'') || c == QLatin1Char('"')) {
            quote = c;
            inWord = true;
        } else if (c == QLatin1Char('\\') && i + 1 < line.size()) {
            word.append(line[++i]);
            inWord = true;
        } else {
            word.append(c);
            inWord = true;
        }
    }
    if (!quote.isNull())
        return Error{QStringLiteral("a %1 quote is not closed").arg(quote)};
    if (inWord)
        args.append(word);
    return args;
}

QString joinArguments(const QStringList &args) {
    static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_@%+=:,./-]+$"));
    QStringList parts;
    for (const QString &arg : args) {
        if (plain.match(arg).hasMatch())
            parts.append(arg);
        else
            parts.append(QLatin1Char('\'') +
                         QString(arg).replace(QStringLiteral("'"), QStringLiteral("'\\''")) +
                         QLatin1Char('\''));
    }
    return parts.join(QLatin1Char(' '));
}

QString timeLimitError(const QString &text) {
    if (text.trimmed().isEmpty())
        return {};
    const Result<qint64> parsed = parseTimeLimit(text.trimmed());
    return parsed.ok() ? QString() : parsed.error();
}

QString memoryError(const QString &text) {
    if (text.trimmed().isEmpty())
        return {};
    const Result<qint64> parsed = parseMemoryMib(text.trimmed());
    return parsed.ok() ? QString() : parsed.error();
}

QString arrayError(const QString &text) {
    if (text.trimmed().isEmpty())
        return {};
    const Result<ArraySpec> parsed = parseArraySpec(text.trimmed());
    return parsed.ok() ? QString() : parsed.error();
}

QString envError(const QString &text) {
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString line = lines[i].trimmed();
        if (line.isEmpty())
            continue;
        const qsizetype eq = line.indexOf(QLatin1Char('='));
        if (eq <= 0)
            return QStringLiteral("line %1: write NAME=value").arg(i + 1);
    }
    return {};
}

QJsonObject envFromText(const QString &text) {
    QJsonObject env;
    for (const QString &raw : text.split(QLatin1Char('\n'))) {
        const QString line = raw.trimmed();
        const qsizetype eq = line.indexOf(QLatin1Char('='));
        if (eq > 0)
            env.insert(line.left(eq).trimmed(), line.mid(eq + 1));
    }
    return env;
}

QString envToText(const QJsonObject &env) {
    QStringList lines;
    for (auto it = env.begin(); it != env.end(); ++it)
        lines.append(it.key() + QLatin1Char('=') + it.value().toString());
    return lines.join(QLatin1Char('\n'));
}

QString sbatchSummary(const QString &script, bool *error) {
    *error = false;
    const Result<SbatchDirectives> directives = parseSbatchDirectives(script);
    if (!directives.ok()) {
        *error = true;
        return directives.error();
    }
    const JobSpec &spec = directives->spec;
    QStringList parts;
    if (!spec.name.isEmpty())
        parts.append(QStringLiteral("name %1").arg(spec.name));
    if (spec.gpus > 0)
        parts.append(spec.gpus == 1 ? QStringLiteral("1 GPU") : QStringLiteral("%1 GPUs").arg(spec.gpus));
    if (spec.gpuMemMib > 0)
        parts.append(QStringLiteral("%1 MiB GPU memory").arg(spec.gpuMemMib));
    if (spec.cpus != 1)
        parts.append(QStringLiteral("%1 CPUs").arg(spec.cpus));
    if (spec.memMib > 0)
        parts.append(QStringLiteral("%1 MiB memory").arg(spec.memMib));
    if (spec.timeLimitSec > 0)
        parts.append(QStringLiteral("time limit %1").arg(formatDuration(spec.timeLimitSec)));
    if (spec.array)
        parts.append(QStringLiteral("array %1").arg(formatArraySpec(*spec.array)));
    if (!spec.dependencies.isEmpty())
        parts.append(QStringLiteral("dependency %1").arg(formatDependencies(spec.dependencies)));
    if (spec.hold)
        parts.append(QStringLiteral("held"));
    if (spec.priority != 0)
        parts.append(QStringLiteral("priority %1").arg(spec.priority));
    if (!spec.workdir.isEmpty())
        parts.append(QStringLiteral("folder %1").arg(spec.workdir));
    QString summary = parts.isEmpty() ? QString() : QStringLiteral("#SBATCH sets: %1").arg(parts.join(u", "));
    for (const QString &warning : directives->warnings)
        summary += (summary.isEmpty() ? QString() : QStringLiteral("\n")) + warning;
    return summary;
}

QString previewSentence(const QJsonObject &preview) {
    const int jobs = preview.value(QStringLiteral("jobs")).toInt(1);
    const QString what = jobs > 1 ? QStringLiteral(" (first of %1 tasks)").arg(jobs) : QString();
    if (preview.value(QStringLiteral("would_start")).toBool()) {
        QStringList gpus;
        for (const QJsonValue &gpu : preview.value(QStringLiteral("gpus")).toArray())
            gpus.append(QString::number(gpu.toInt()));
        if (gpus.isEmpty())
            return QStringLiteral("Would start now%1.").arg(what);
        return QStringLiteral("Would start now%1 on GPU %2.").arg(what, gpus.join(u", "));
    }
    QString sentence =
        QStringLiteral("Would wait%1: %2").arg(what, preview.value(QStringLiteral("detail")).toString());
    const qint64 expected = preview.value(QStringLiteral("expected_start_ms")).toInteger();
    if (expected > 0)
        sentence += QStringLiteral(" (expected start %1)")
                        .arg(QDateTime::fromMSecsSinceEpoch(expected).toString(QStringLiteral("ddd HH:mm")));
    return sentence + QLatin1Char('.');
}

QPair<QString, QString> errorField(const QString &reply) {
    // ApiClient's "400 invalid_job: <the daemon's message>".
    static const QRegularExpression status(QStringLiteral("^\\d{3} [a-z_]+: "));
    QString message = reply;
    message.remove(status);
    static const QStringList keys{
        QStringLiteral("time_limit"),  QStringLiteral("time_limit_s"), QStringLiteral("mem"),
        QStringLiteral("mem_mib"),     QStringLiteral("array"),        QStringLiteral("dependency"),
        QStringLiteral("workdir"),     QStringLiteral("env"),          QStringLiteral("name"),
        QStringLiteral("tags"),        QStringLiteral("gpus"),         QStringLiteral("cpus"),
        QStringLiteral("gpu_mem_mib"), QStringLiteral("workload")};
    for (const QString &key : keys)
        if (message.startsWith(key + QLatin1Char(':')) || message.startsWith(key + QLatin1Char('.')))
            return {key, message};
    if (message.startsWith(QStringLiteral("dependency on job")))
        return {QStringLiteral("dependency"), message};
    if (message.startsWith(QStringLiteral("working directory")))
        return {QStringLiteral("workdir"), message};
    if (message.startsWith(QStringLiteral("asks for")))
        return {QStringLiteral("gpus"), message};
    return {QString(), message};
}

}  // namespace nd
