// The first-run screen (see WelcomeDialog.h).
#include "ui/firstrun/WelcomeDialog.h"

#include <QDialogButtonBox>
#include <QEvent>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

#include "ui/common/Labels.h"
#include "ui/firstrun/FirstRunText.h"
#include "ui/models/GpuTableModel.h"

using namespace Qt::StringLiterals;

namespace nd {

WelcomeDialog::WelcomeDialog(GpuTableModel *gpus, ConnectionController *connection, QWidget *parent)
    : QDialog(parent)
    , m_gpus(gpus)
    , m_connection(connection)
    , m_gpuText(readableText(u"welcomeGpus"_s, tr("GPUs found"), this))
    , m_folders(new ModelFoldersSection(connection, this))
    , m_views(readableText(u"welcomeViews"_s, tr("What each view is for"), this))
    , m_buttons(new QDialogButtonBox(this)) {
    setObjectName(u"welcomeDialog"_s);
    setWindowTitle(tr("Welcome to NemoDesk"));
    setAccessibleName(tr("Welcome to NemoDesk"));
    setMinimumWidth(620);

    QStringList views;
    for (const FirstRunText::View &view : FirstRunText::views()) {
        views << tr("%1: %2").arg(view.name, view.purpose);
    }
    m_views->setText(views.join(u'\n'));

    QPushButton *close = m_buttons->addButton(tr("&Get started"), QDialogButtonBox::AcceptRole);
    close->setObjectName(u"welcomeClose"_s);
    close->setAccessibleName(tr("Close the welcome screen"));
    close->setDefault(true);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);

    auto *layout = new QVBoxLayout(this);
    layout->setSpacing(8);
    QLabel *title = sectionHeading(tr("Welcome to NemoDesk"), this);
    QFont titleFont = title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.4);
    title->setFont(titleFont);
    layout->addWidget(title);
    layout->addWidget(sectionHeading(tr("Your GPUs"), this));
    layout->addWidget(m_gpuText);
    layout->addSpacing(8);
    layout->addWidget(sectionHeading(tr("Your models"), this));
    layout->addWidget(m_folders);
    layout->addSpacing(8);
    layout->addWidget(sectionHeading(tr("What each view is for"), this));
    layout->addWidget(m_views);
    layout->addStretch(1);
    layout->addWidget(m_buttons);

    connect(m_gpus, &QAbstractItemModel::modelReset, this, &WelcomeDialog::refreshGpus);
    connect(m_gpus, &GpuTableModel::inventoryChanged, this, &WelcomeDialog::refreshGpus);
    connect(m_connection, &ConnectionController::stateChanged, this, &WelcomeDialog::refreshGpus);
    refreshGpus();
}

bool WelcomeDialog::event(QEvent *event) {
    // Word-wrapped text grows as the daemon answers (GPUs, folders); a dialog does not grow by itself,
    // and without a window manager nothing else resizes it, so it keeps to the height its text needs.
    if (event->type() == QEvent::LayoutRequest) {
        const int needed = heightForWidth(width());
        if (needed > height())
            resize(width(), needed);
    }
    return QDialog::event(event);
}

QString WelcomeDialog::shownKey() {
    return u"firstRun/welcomeShown"_s;
}

bool WelcomeDialog::shouldShow(const QSettings &settings) {
    return !settings.value(shownKey(), false).toBool();
}

void WelcomeDialog::markShown(QSettings &settings) {
    settings.setValue(shownKey(), true);
    settings.sync();  // written now: a crash later must not show it again
}

QString WelcomeDialog::gpuText() const {
    return m_gpuText->text();
}

QString WelcomeDialog::viewsText() const {
    return m_views->text();
}

void WelcomeDialog::refreshGpus() {
    m_gpuText->setText(FirstRunText::gpus(*m_gpus, m_connection->state(), m_connection->detail()));
}

}  // namespace nd
