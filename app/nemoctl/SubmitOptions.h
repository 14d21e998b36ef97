#pragma once
// `nemoctl submit`'s sbatch-like flags and what they become: a job spec as JSON (docs/api.md, "Job spec")
// holding only the fields the user gave, so that a script's #SBATCH lines apply to everything else.
#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include "core/common/Result.h"

namespace nd::cli {

// Where the job's command comes from.
struct SubmitSource {
    enum class Kind {
        script = 1,  // SCRIPT [ARGS…]: the file is read here ("-": standard input)
        wrap,        // --wrap "CMD"
        argv,        // -- PROGRAM ARGS…
        jobsFile,    // --file JOBS.jsonl: whole specs, one per line
    };
    Kind kind = Kind::script;
    QString path;      // script or jobs file ("-" for standard input)
    QStringList args;  // script arguments, or the program and its arguments
    QString wrapCommand;
};

class SubmitOptions {
public:
    SubmitOptions();
    SubmitOptions(const SubmitOptions &) = delete;  // m_specOptions points into this object
    SubmitOptions &operator=(const SubmitOptions &) = delete;
    void addTo(QCommandLineParser &parser) const;

    // Which of SCRIPT, --wrap, -- PROGRAM and --file was given; a usage error when none or several.
    // `rawArgs` are the arguments as typed (to tell "-- PROGRAM" from "SCRIPT").
    Result<SubmitSource> source(const QCommandLineParser &parser, const QStringList &rawArgs) const;

    // The spec fields from the flags that were given; a usage error quoting a bad value ("-t 'soon': …").
    // Relative -D paths are made absolute against `cwd`; --begin is read against `nowMs`.
    Result<QJsonObject> specFromFlags(const QCommandLineParser &parser, const QString &cwd,
                                      qint64 nowMs) const;
    // Whether any flag that sets a spec field was given (they do not combine with --file).
    bool anySpecFlag(const QCommandLineParser &parser) const;

    enum class Output { text = 1, parsable, json };
    Output output(const QCommandLineParser &parser) const;
    bool waitRequested(const QCommandLineParser &parser) const { return parser.isSet(m_wait); }

    const QCommandLineOption &chdirOption() const { return m_chdir; }
    const QCommandLineOption &nameOption() const { return m_name; }

private:
    QCommandLineOption m_name, m_gpus, m_gres, m_gpuMem, m_cpus, m_mem, m_time, m_array, m_dependency, m_hold,
        m_output, m_error, m_chdir, m_export, m_env, m_priority, m_nice, m_retries, m_tag, m_gpuIndex,
        m_begin;
    QCommandLineOption m_wrap, m_file, m_parsable, m_json, m_wait;
    QList<const QCommandLineOption *> m_specOptions;
};

// The script text --wrap sends, as sbatch writes it.
QString wrapScript(const QString &command);

// One spec per non-blank line of a JOBS.jsonl text; the error names the line.
Result<QJsonArray> parseJobsFile(const QByteArray &text);

}  // namespace nd::cli
