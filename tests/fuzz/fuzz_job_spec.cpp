// fuzz_job_spec: arbitrary bytes as the body of POST /api/jobs, through what the daemon does with it
// before anything is stored: JSON → jobSpecFromJson (over a base read from the #SBATCH lines of its
// "script", if any) → validateJobSpec. Whatever a client sends must give a spec or an error, never a
// crash; an accepted spec must survive its own JSON (the store keeps it that way) and validate the same.
#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "core/jobs/JobSpec.h"
#include "core/jobs/SbatchScript.h"
#include "tests/fuzz/FuzzCheck.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const QByteArray bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    const QJsonObject json = QJsonDocument::fromJson(bytes).object();
    nd::JobSpec base;
    const QJsonValue script = json.value(QStringLiteral("script"));
    if (script.isString()) {
        const nd::Result<nd::SbatchDirectives> directives = nd::parseSbatchDirectives(script.toString());
        ND_FUZZ_CHECK(directives.ok() || !directives.error().isEmpty());
        if (directives.ok())
            base = directives->spec;
    }
    const nd::Result<nd::JobSpec> spec = nd::jobSpecFromJson(json, base);
    if (!spec.ok()) {
        ND_FUZZ_CHECK(!spec.error().isEmpty());
        return 0;
    }
    const nd::VoidResult valid = nd::validateJobSpec(spec.value());
    ND_FUZZ_CHECK(valid.ok() || !valid.error().isEmpty());
    if (spec->env.size() > 1)
        return 0;  // env is a JSON object: its order is by name, so only a sorted env round-trips exactly
    const nd::Result<nd::JobSpec> again = nd::jobSpecFromJson(nd::jobSpecToJson(spec.value()));
    ND_FUZZ_CHECK(again.ok());
    ND_FUZZ_CHECK(again.value() == spec.value());
    ND_FUZZ_CHECK(nd::validateJobSpec(again.value()).ok() == valid.ok());
    return 0;
}
