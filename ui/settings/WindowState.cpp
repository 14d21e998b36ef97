// WindowState: saving and restoring a window's layout by objectName.
#include "ui/settings/WindowState.h"

#include <QHeaderView>
#include <QMainWindow>
#include <QSettings>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>

using namespace Qt::StringLiterals;

namespace nd::WindowState {

namespace {
const QString prefix = u"layout/"_s;

QString keyOf(const QString &kind, const QObject *object) {
    return prefix + kind + u'/' + object->objectName();
}

// The header of a table or tree view: a table's horizontal header, a tree's header.
QHeaderView *headerOf(QAbstractItemView *view) {
    if (auto *table = qobject_cast<QTableView *>(view))
        return table->horizontalHeader();
    if (auto *tree = qobject_cast<QTreeView *>(view))
        return tree->header();
    return nullptr;
}
}  // namespace

void save(QSettings &settings, const QMainWindow *window) {
    settings.setValue(prefix + u"window/geometry"_s, window->saveGeometry());
    settings.setValue(prefix + u"window/state"_s, window->saveState());
    for (const QTabWidget *tabs : window->findChildren<QTabWidget *>()) {
        if (tabs->objectName().isEmpty() || !tabs->currentWidget())
            continue;
        // By the page's name when it has one: the index moves when a tab is added. A string either
        // way, since an INI file gives every value back as one.
        const QString page = tabs->currentWidget()->objectName();
        settings.setValue(keyOf(u"tab"_s, tabs),
                          page.isEmpty() ? u"index:%1"_s.arg(tabs->currentIndex()) : u"page:"_s + page);
    }
    for (const QSplitter *splitter : window->findChildren<QSplitter *>())
        if (!splitter->objectName().isEmpty())
            settings.setValue(keyOf(u"splitter"_s, splitter), splitter->saveState());
    for (QAbstractItemView *view : window->findChildren<QAbstractItemView *>())
        if (QHeaderView *header = headerOf(view); header && !view->objectName().isEmpty())
            settings.setValue(keyOf(u"header"_s, view), header->saveState());
}

void restore(const QSettings &settings, QMainWindow *window) {
    const QByteArray geometry = settings.value(prefix + u"window/geometry"_s).toByteArray();
    if (!geometry.isEmpty())
        window->restoreGeometry(geometry);  // Qt moves a window left off a screen now gone back onto one
    const QByteArray state = settings.value(prefix + u"window/state"_s).toByteArray();
    if (!state.isEmpty())
        window->restoreState(state);
    for (QTabWidget *tabs : window->findChildren<QTabWidget *>()) {
        if (tabs->objectName().isEmpty())
            continue;
        const QString current = settings.value(keyOf(u"tab"_s, tabs)).toString();
        if (current.startsWith(u"page:"_s)) {
            for (int i = 0; i < tabs->count(); ++i)
                if (tabs->widget(i)->objectName() == current.sliced(5))
                    tabs->setCurrentIndex(i);
        } else if (current.startsWith(u"index:"_s)) {
            bool ok = false;
            const int index = current.sliced(6).toInt(&ok);
            if (ok && index >= 0 && index < tabs->count())
                tabs->setCurrentIndex(index);
        }
    }
    for (QSplitter *splitter : window->findChildren<QSplitter *>())
        if (!splitter->objectName().isEmpty())
            splitter->restoreState(settings.value(keyOf(u"splitter"_s, splitter)).toByteArray());
    for (QAbstractItemView *view : window->findChildren<QAbstractItemView *>())
        if (QHeaderView *header = headerOf(view); header && !view->objectName().isEmpty())
            if (const QByteArray saved = settings.value(keyOf(u"header"_s, view)).toByteArray();
                !saved.isEmpty())
                header->restoreState(saved);
}

}  // namespace nd::WindowState
