#pragma once
// Test harness for the real daemon: a temporary NEMODESK_HOME, `nemoctl daemon` as a child process with
// synthetic GPUs, waiting for its runtime file (polling against a generous deadline), raw HTTP requests
// over a blocking socket, and running other nemoctl commands in the same environment.
#include <QByteArray>
#include <QList>
#include <QPair>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

#include "core/daemon/RuntimeFile.h"
#include "core/paths/Paths.h"

namespace nd::test {

inline QString nemoctlPath() {
    return QStringLiteral(NEMOCTL_PATH);
}

struct RawResponse {
    int status = 0;                                // 0: no response (connection failed or closed first)
    QList<QPair<QByteArray, QByteArray>> headers;  // names lowercased
    QByteArray body;
    bool closed = false;  // the server closed the connection after it
    QByteArray header(const QByteArray &lowercaseName) const;
};

struct CommandResult {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// Runs a program to its end (killed past the deadline: err "(timed out)"), `input` on its stdin (then
// closed), and collects its output.
CommandResult runProcess(const QString &program, const QStringList &args, const QProcessEnvironment &env,
                         const QByteArray &input = {}, int deadlineMs = 60000);
// Writes `bytes` to dir/name (a test's input file) and returns its path.
QString writeFile(const QTemporaryDir &dir, const char *name, const QByteArray &bytes);

// Chat templates for generated models: ChatML, and ChatML with Nemotron 3's thinking switch on the
// generation prompt (thinking on: the prompt ends inside <think>, so a random model's words are reasoning).
constexpr const char *kChatMlTemplate =
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
constexpr const char *kChatMlThinkingTemplate =
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n"
    "{% if enable_thinking is defined and not enable_thinking %}<think></think>{% else %}<think>\n{% endif %}"
    "{% endif %}";

class DaemonHarness {
public:
    DaemonHarness();
    ~DaemonHarness();

    const Paths &paths() const { return m_paths; }
    QProcessEnvironment &environment() { return m_env; }
    void writeSettings(const QByteArray &json);

    // Starts `nemoctl daemon` and waits until its runtime file names it. False (and the daemon's
    // output in `why`) when it exits or the deadline passes first.
    bool start(QString *why, int deadlineMs = 30000);
    // The running daemon process (null when none).
    QProcess *process() { return m_daemon.get(); }
    const RuntimeInfo &runtime() const { return m_runtime; }
    // What the daemon processes started by start() wrote to stdout and stderr.
    QString outputFile() const;
    QByteArray output() const;
    QByteArray token() const;
    // Waits for the daemon process to exit; its exit code, or -1 when it did not.
    int waitForExit(int deadlineMs = 15000);
    void killHard();  // SIGKILL: no cleanup at all

    CommandResult nemoctl(const QStringList &args, int deadlineMs = 30000) const;

    // One raw exchange on a new connection. `bytes` is sent as is.
    RawResponse send(const QByteArray &bytes) const;
    RawResponse get(const QByteArray &path, const QByteArray &token) const;

private:
    QTemporaryDir m_dir;
    Paths m_paths;
    QProcessEnvironment m_env;
    std::unique_ptr<QProcess> m_daemon;
    RuntimeInfo m_runtime;
};

}  // namespace nd::test
