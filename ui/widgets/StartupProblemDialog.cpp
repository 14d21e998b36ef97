// Consent to start fresh (see StartupProblemDialog.h).
#include "ui/widgets/StartupProblemDialog.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace nd {

StartupProblemDialog::StartupProblemDialog(const StartupProblem &problem, QWidget *parent)
    : QDialog(parent)
    , m_problem(problem)
    , m_headline(new QLabel(this))
    , m_details(new QLabel(this))
    , m_startFresh(new QPushButton(tr("Keep a backup and start fresh"), this))
    , m_quit(new QPushButton(tr("Quit"), this)) {
    const bool settings = problem.kind == StartupProblem::Kind::settings;
    setObjectName(u"startupProblemDialog"_s);
    setWindowTitle(tr("NemoDesk could not start"));
    setModal(true);

    m_headline->setText(settings ? tr("NemoDesk cannot use its settings file")
                                 : tr("NemoDesk cannot use its job database"));
    QFont bold = m_headline->font();
    bold.setBold(true);
    bold.setPointSizeF(bold.pointSizeF() * 1.15);
    m_headline->setFont(bold);
    m_headline->setAccessibleName(tr("Problem"));

    // Plain text: file names and SQLite's messages must show as they are, not as markup.
    const QString consequence = settings ? tr("NemoDesk then starts with the default settings.")
                                         : tr("NemoDesk then starts with a new, empty job queue; the jobs "
                                              "in the old file stay in the kept copy.");
    m_details->setTextFormat(Qt::PlainText);
    m_details->setWordWrap(true);
    m_details->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    m_details->setText(tr("File: %1\n\nWhat was found: %2\n\nIf you start fresh, the file is kept as %3 "
                          "(renamed, not deleted). %4\n\nIf you quit, nothing is changed: you can repair or "
                          "replace the file yourself and start NemoDesk again.")
                           .arg(problem.file, problem.message, problem.backup, consequence));
    m_details->setAccessibleName(tr("Details"));
    m_details->setMinimumWidth(460);

    m_startFresh->setAccessibleName(tr("Keep a backup and start fresh"));
    m_startFresh->setAccessibleDescription(
        tr("Renames %1 to %2 and starts NemoDesk").arg(problem.file, problem.backup));
    m_startFresh->setAutoDefault(false);
    m_quit->setAccessibleName(tr("Quit"));
    m_quit->setAccessibleDescription(tr("Leaves the file as it is and closes NemoDesk"));
    // Enter must not change anything on the disk: the safe choice is the default.
    m_quit->setDefault(true);

    auto *buttons = new QDialogButtonBox(this);
    buttons->addButton(m_startFresh, QDialogButtonBox::AcceptRole);
    buttons->addButton(m_quit, QDialogButtonBox::RejectRole);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *icon = new QLabel(this);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxWarning).pixmap(48, 48));
    icon->setAccessibleName(tr("Warning"));
    auto *text = new QVBoxLayout;
    text->addWidget(m_headline);
    text->addWidget(m_details);
    auto *top = new QHBoxLayout;
    top->addWidget(icon, 0, Qt::AlignTop);
    top->addLayout(text, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(buttons);
}

QString StartupProblemDialog::headline() const {
    return m_headline->text();
}

QString StartupProblemDialog::details() const {
    return m_details->text();
}

}  // namespace nd
