#pragma once
// Labels the views share. readableText: word-wrapped plain text that can be selected with the mouse and
// reached with Tab, so a screen reader reads it (status lines, results, explanations); sectionHeading: the
// bold title of a part of a dialog.
#include <QString>

class QLabel;
class QWidget;

namespace nd {

QLabel *readableText(const QString &objectName, const QString &accessibleName, QWidget *parent);
QLabel *sectionHeading(const QString &text, QWidget *parent);

}  // namespace nd
