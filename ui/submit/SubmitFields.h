#pragma once
// The Submit dialog's words and checks, without widgets: each field's text → its spec value or the
// message shown next to it, what a script's #SBATCH lines set, and the preview line. The parsing is core's
// (core/jobs): the dialog checks what the daemon will check, with the same messages.
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include "core/common/Result.h"

namespace nd {

// A command line split as a shell splits words (no expansion): blanks separate, '…' and "…" group, a
// backslash escapes. An unclosed quote is an error. joinArguments is the reverse (single quotes as needed).
Result<QStringList> splitArguments(const QString &line);
QString joinArguments(const QStringList &args);

// Empty when the text is acceptable (an empty text is: the field is left out of the spec).
QString timeLimitError(const QString &text);
QString memoryError(const QString &text);
QString arrayError(const QString &text);
// "KEY=value" per line; blank lines are skipped. The error names the line.
QString envError(const QString &text);
QJsonObject envFromText(const QString &text);
QString envToText(const QJsonObject &env);

// What a script's #SBATCH lines set, for the line under the script ("#SBATCH sets: 1 GPU, time limit
// 1:00:00, name train"), or the line that is wrong ("line 4: unknown #SBATCH option …"). Empty when the
// script has no directives. `error` tells which.
QString sbatchSummary(const QString &script, bool *error);

// The preview line from POST /api/jobs/preview's answer: "Would start now on GPU 0." or "Would wait:
// needs 2 GPUs with 20480 MiB, 1 free (expected start 14:05)."
QString previewSentence(const QJsonObject &preview);

// A daemon error "array: '5-1': the range end …" → ("array", message) when it names a form field; else
// ("", message). Keys are the spec's JSON keys.
QPair<QString, QString> errorField(const QString &message);

}  // namespace nd
