#pragma once
// A chart as CSV (RFC 4180): `time_ms,time,<series (unit)>…`, one line per row of its table, empty where a
// series has no point. Times in ISO 8601 with the UTC offset, so a spreadsheet in another zone agrees.
#include <QByteArray>

namespace nd {

class ChartTableModel;

QByteArray monitorChartCsv(const ChartTableModel &table);

}  // namespace nd
