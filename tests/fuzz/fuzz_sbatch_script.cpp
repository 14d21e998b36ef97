// fuzz_sbatch_script: arbitrary bytes as a batch script handed to `nemoctl submit`. The #SBATCH reader
// and Slurm's little languages it calls (times, memory, arrays, dependencies, gres, --begin) must answer
// every input with directives or an error naming the line, never a crash, and the same way twice.
#include <QByteArray>
#include <QString>

#include "core/jobs/SbatchScript.h"
#include "core/jobs/SlurmSyntax.h"
#include "tests/fuzz/FuzzCheck.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QString text =
        QString::fromUtf8(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    const nd::Result<nd::SbatchDirectives> first = nd::parseSbatchDirectives(text);
    const nd::Result<nd::SbatchDirectives> second = nd::parseSbatchDirectives(text);
    ND_FUZZ_CHECK(first.ok() == second.ok());
    if (!first.ok()) {
        ND_FUZZ_CHECK(!first.error().isEmpty() && first.error() == second.error());
    } else {
        ND_FUZZ_CHECK(first->spec == second->spec);
        ND_FUZZ_CHECK(first->spec.cpus >= 1 && first->spec.gpus >= 0 && first->spec.timeLimitSec >= 0);
        if (first->spec.array)
            ND_FUZZ_CHECK(!first->spec.array->taskIds.isEmpty() &&
                          first->spec.array->taskIds.size() <= nd::maxArrayTasks);
    }
    // Each little language on the raw text too (the first line only: they are one-line values).
    const QString line = text.section(QLatin1Char('\n'), 0, 0);
    const nd::Result<qint64> time = nd::parseTimeLimit(line);
    ND_FUZZ_CHECK(!time.ok() || time.value() >= 0);
    const nd::Result<qint64> mem = nd::parseMemoryMib(line);
    ND_FUZZ_CHECK(!mem.ok() || mem.value() >= 0);
    const nd::Result<nd::ArraySpec> array = nd::parseArraySpec(line);
    ND_FUZZ_CHECK(!array.ok() || (!array->taskIds.isEmpty() && array->taskIds.size() <= nd::maxArrayTasks));
    const nd::Result<QList<nd::Dependency>> deps = nd::parseDependencies(line);
    if (deps.ok()) {
        const nd::Result<QList<nd::Dependency>> back =
            nd::parseDependencies(nd::formatDependencies(deps.value()));
        ND_FUZZ_CHECK(back.ok() && back.value() == deps.value());
    }
    const nd::Result<int> gres = nd::parseGres(line);
    ND_FUZZ_CHECK(!gres.ok() || gres.value() >= 0);
    nd::expandOutputPattern(line, 12, 10, 2, QStringLiteral("name"));
    return 0;
}
