#pragma once
// The few colours the GPU views share, so that a GPU's card, its chart lines and its sparkline match.
#include <QColor>

namespace nd::colors {

// Series colour of GPU `index` (NVIDIA green first, then a colour-blind-friendly cycle).
inline QColor forGpu(int index) {
    static const QColor cycle[] = {QColor(0x76, 0xb9, 0x00), QColor(0x1f, 0x77, 0xb4),
                                   QColor(0xff, 0x7f, 0x0e), QColor(0x94, 0x67, 0xbd),
                                   QColor(0xd6, 0x27, 0x28), QColor(0x17, 0xbe, 0xcf),
                                   QColor(0x8c, 0x56, 0x4b), QColor(0xe3, 0x77, 0xc2)};
    constexpr int n = sizeof(cycle) / sizeof(cycle[0]);
    return cycle[((index % n) + n) % n];
}
inline QColor host() {
    return QColor(0x6b, 0x72, 0x80);
}
inline QColor utilizationBar() {
    return QColor(0x76, 0xb9, 0x00);
}
inline QColor memoryBar() {
    return QColor(0x3b, 0x82, 0xf6);
}
inline QColor ok() {
    return QColor(0x22, 0xa0, 0x45);
}
inline QColor pending() {
    return QColor(0xe0, 0x9b, 0x0c);
}
inline QColor problem() {
    return QColor(0xd0, 0x2f, 0x2f);
}

}  // namespace nd::colors
