#pragma once
// Asks the user's consent before NemoDesk starts over after the daemon refused a file it cannot use
// (a settings.json that does not parse, a corrupt, foreign or newer job database): says which file and
// what was found, that it will be kept under another name — renamed, never deleted — and offers
// "Keep a backup and start fresh" (accept) or "Quit" (reject). The caller acts on the result:
// ConnectionController::startFresh() on accept, closing the application on reject.
#include <QDialog>

#include "core/daemon/StartupProblem.h"

class QLabel;
class QPushButton;

namespace nd {

class StartupProblemDialog : public QDialog {
    Q_OBJECT
public:
    explicit StartupProblemDialog(const StartupProblem &problem, QWidget *parent = nullptr);

    const StartupProblem &problem() const { return m_problem; }
    // For tests and accessibility checks.
    QString headline() const;
    QString details() const;
    QPushButton *startFreshButton() const { return m_startFresh; }
    QPushButton *quitButton() const { return m_quit; }

private:
    StartupProblem m_problem;
    QLabel *m_headline;
    QLabel *m_details;
    QPushButton *m_startFresh;
    QPushButton *m_quit;
};

}  // namespace nd
