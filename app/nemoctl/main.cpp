// nemoctl: command-line client and daemon of NemoDesk. See Cli.cpp for the commands.
#include <QCoreApplication>

#include "Cli.h"

int main(int argc, char *argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("nemoctl"));
    QCoreApplication::setApplicationVersion(QStringLiteral(NEMODESK_VERSION));
    return nd::cli::dispatch(QCoreApplication::arguments());
}
