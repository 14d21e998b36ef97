#pragma once
// Layout memory: a main window's geometry and dock/toolbar state, the current tab of every QTabWidget,
// the sizes of every QSplitter and the state of every table's horizontal header, each found by its
// objectName (widgets without one are skipped: their place may change between versions). Stored in the
// GUI's gui.ini under "layout/"; restoring what no longer fits (a header with other columns, a tab that
// is gone) leaves that widget as it was.
//
// MainWindow: WindowState::restore(settings, this) at the end of the constructor, and
// WindowState::save(settings, this) in closeEvent.
class QMainWindow;
class QSettings;

namespace nd::WindowState {

void save(QSettings &settings, const QMainWindow *window);
void restore(const QSettings &settings, QMainWindow *window);

}  // namespace nd::WindowState
