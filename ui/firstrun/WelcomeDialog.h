#pragma once
// The first-run screen: one dialog that says which GPUs the daemon found (or that work runs on the CPU,
// and why), offers to add a models folder, and says in one line each what the views are for. It reads the
// GUI's existing data (GpuTableModel, ConnectionController) and updates live, so it may open before the
// daemon answers. Nothing in it blocks the GUI thread or needs a restart.
//
// Shown once: the caller checks shouldShow() at start and calls markShown() when it shows the dialog;
// Help → Welcome… shows it again at any time.
#include <QDialog>

#include "ui/firstrun/ModelFoldersSection.h"

class QDialogButtonBox;
class QLabel;
class QSettings;

namespace nd {

class GpuTableModel;

class WelcomeDialog : public QDialog {
    Q_OBJECT
public:
    using FolderChooser = ModelFoldersSection::FolderChooser;

    // `gpus` and `connection` must outlive the dialog.
    WelcomeDialog(GpuTableModel *gpus, ConnectionController *connection, QWidget *parent = nullptr);

    // The settings key that records that the welcome was shown.
    static QString shownKey();
    static bool shouldShow(const QSettings &settings);
    static void markShown(QSettings &settings);

    // The folder chooser (default: QFileDialog::getExistingDirectory); tests inject their own.
    void setFolderChooser(FolderChooser chooser) { m_folders->setFolderChooser(std::move(chooser)); }

    // For tests.
    QString gpuText() const;
    QString viewsText() const;
    ModelFoldersSection *folders() const { return m_folders; }

protected:
    bool event(QEvent *event) override;

private:
    void refreshGpus();

    GpuTableModel *m_gpus;
    ConnectionController *m_connection;
    QLabel *m_gpuText;
    ModelFoldersSection *m_folders;
    QLabel *m_views;
    QDialogButtonBox *m_buttons;
};

}  // namespace nd
