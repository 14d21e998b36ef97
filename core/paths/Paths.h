#pragma once
// Where NemoDesk keeps things. XDG locations by default; NEMODESK_HOME=<dir> relocates everything under
// one folder (<dir>/config, <dir>/data, <dir>/run) so tests and experiments run in a temporary home.
#include <QString>

namespace nd {

class Paths {
public:
    // Reads NEMODESK_HOME, XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_RUNTIME_DIR (and HOME) from the environment.
    static Paths fromEnvironment();
    // Everything under one folder, as NEMODESK_HOME does.
    static Paths underHome(const QString &home);

    QString configDir() const { return m_configDir; }    // settings.json, token
    QString dataDir() const { return m_dataDir; }        // database, logs
    QString runtimeDir() const { return m_runtimeDir; }  // daemon.json, daemon.lock
    QString home() const { return m_home; }              // NEMODESK_HOME or "" for XDG

    QString settingsFile() const;   // <config>/settings.json
    QString tokenFile() const;      // <config>/token (0600)
    QString runtimeFile() const;    // <runtime>/daemon.json: pid, url, port, token file of the running daemon
    QString lockFile() const;       // <runtime>/daemon.lock
    QString logDir() const;         // <data>/logs
    QString daemonLogFile() const;  // <data>/logs/daemon.log
    QString databaseFile() const;   // <data>/nemodesk.db: the job queue (SQLite, WAL)
    QString jobsDir() const;        // <data>/jobs/<id>: a job's script and status file (kept across reboots)
    QString jobLogDir() const;      // <data>/logs/jobs: stdout/stderr of jobs that name no file

    // Creates the folders (config and runtime with mode 0700). Returns an error naming the folder.
    bool ensureExists(QString *error) const;

private:
    QString m_home;
    QString m_configDir;
    QString m_dataDir;
    QString m_runtimeDir;
};

}  // namespace nd
