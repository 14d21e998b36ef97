// nemoctl: command-line client and daemon of NemoDesk. See Cli.cpp for the commands.
#include <QCoreApplication>

#include "Cli.h"
#include "WorkerCommands.h"

namespace {

// Commands dispatched here until Cli.cpp's table lists them (its owner adds the rows; then this goes).
struct ExtraCommand {
    const char *name;
    int (*run)(const QStringList &args);
};
constexpr ExtraCommand kExtraCommands[] = {
    {"models", &nd::cli::runModels},
    {"worker", &nd::cli::runWorker},
};

}  // namespace

int main(int argc, char *argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("nemoctl"));
    QCoreApplication::setApplicationVersion(QStringLiteral(NEMODESK_VERSION));
    const QStringList arguments = QCoreApplication::arguments();
    for (const ExtraCommand &c : kExtraCommands) {
        if (arguments.value(1) == QLatin1StringView(c.name)) {
            QStringList args = arguments.mid(2);
            args.prepend(QStringLiteral("nemoctl ") + QLatin1StringView(c.name));
            return c.run(args);
        }
    }
    return nd::cli::dispatch(arguments);
}
